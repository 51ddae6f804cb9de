# Memory hazard checker (sim/check/hazards.cpp): hand-built access logs.
ai8x_add_test(test_hazards ${CMAKE_CURRENT_LIST_DIR}/test_hazards.cpp LIBS ai8x_check ai8x_models)
# Networks built with each memory hazard on purpose, run through compile + SystemC replay.
ai8x_add_test(test_hazard_networks ${CMAKE_CURRENT_LIST_DIR}/test_hazard_networks.cpp
              LIBS ai8x_check ai8x_hw ai8x_compile ai8x_spec ai8x_io ai8x_models)
add_dependencies(test_hazard_networks ai8xsim)  # runs the CLI for the exit codes
