# Configuration compiler (sim/compile): kernel and bias memory placement.
ai8x_add_test(test_allocation ${CMAKE_CURRENT_LIST_DIR}/test_allocation.cpp
              LIBS ai8x_cli ai8x_compile ai8x_spec nlohmann_json::nlohmann_json)
