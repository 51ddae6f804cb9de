# Memory hazard checker (sim/check/hazards.cpp): hand-built access logs.
ai8x_add_test(test_hazards ${CMAKE_CURRENT_LIST_DIR}/test_hazards.cpp LIBS ai8x_check ai8x_models)
