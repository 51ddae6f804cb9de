# --generated / --emit-c (sim/generated): C folders compiled for the host and
# run on the SystemC model.
ai8x_add_test(test_generated ${CMAKE_CURRENT_LIST_DIR}/test_generated.cpp LIBS ai8x_check ai8x_generated)
add_dependencies(test_generated ai8xsim)
