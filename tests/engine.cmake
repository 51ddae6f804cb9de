# Arithmetic core and the fast engine (sim/core, sim/engine).
ai8x_add_test(test_core ${CMAKE_CURRENT_LIST_DIR}/test_core.cpp LIBS ai8x_core)
ai8x_add_test(test_engine ${CMAKE_CURRENT_LIST_DIR}/test_engine.cpp LIBS ai8x_engine)
