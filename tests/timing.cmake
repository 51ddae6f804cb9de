# Timing model of the SystemC model (sim/hw/timing.cpp). It depends only on
# models/, io/ and core/, so it is built into its own small library and tested
# without SystemC (sim/CMakeLists.txt also globs it into ai8x_hw).
add_library(ai8x_hw_timing STATIC ${CMAKE_SOURCE_DIR}/sim/hw/timing.cpp)
target_include_directories(ai8x_hw_timing PUBLIC ${CMAKE_SOURCE_DIR}/sim ${CMAKE_SOURCE_DIR}/models)
target_link_libraries(ai8x_hw_timing PUBLIC ai8x_models ai8x_io ai8x_core PRIVATE ai8x_options)
ai8x_add_test(test_timing ${CMAKE_CURRENT_LIST_DIR}/test_timing.cpp
              LIBS ai8x_hw_timing ai8x_io ai8x_models nlohmann_json::nlohmann_json)
