# The SystemC model of the accelerator (sim/hw): memories, register decode and
# bus-level behaviour through hand-written register traces.
ai8x_add_test(test_hw ${CMAKE_CURRENT_LIST_DIR}/test_hw.cpp ${CMAKE_CURRENT_LIST_DIR}/test_snoop.cpp
              ${CMAKE_CURRENT_LIST_DIR}/test_rollover.cpp LIBS ai8x_hw ai8x_io ai8x_models)
