# --compare-programming (sim/check/programming_diff): the accelerator state two
# programs leave at the start, compared register by register and word by word.
ai8x_add_test(test_programming_diff ${CMAKE_CURRENT_LIST_DIR}/test_programming_diff.cpp
              LIBS ai8x_check ai8x_io ai8x_models)
