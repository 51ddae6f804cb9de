# Configuration compiler (sim/compile/program.hpp): the bus writes of the
# generated C code, against every registers.txt trace.
ai8x_add_test(test_program ${CMAKE_CURRENT_LIST_DIR}/test_program.cpp
              LIBS ai8x_cli ai8x_compile ai8x_spec ai8x_io nlohmann_json::nlohmann_json)
