# --memory-map: the HTML page and the documentation figures (sim/check/memory_map.cpp).
find_package(LibXml2 REQUIRED)
ai8x_add_test(test_memory_map ${CMAKE_CURRENT_LIST_DIR}/test_memory_map.cpp
              LIBS ai8x_check ai8x_compile ai8x_spec nlohmann_json::nlohmann_json LibXml2::LibXml2)
