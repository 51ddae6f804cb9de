ai8x_add_test(test_describe test_describe.cpp LIBS nlohmann_json::nlohmann_json)
add_dependencies(test_describe ai8xsim)

ai8x_add_test(test_bad_input test_bad_input.cpp)
add_dependencies(test_bad_input ai8xsim)

ai8x_add_test(test_spec test_spec.cpp LIBS ai8x_spec)

ai8x_add_test(test_cli test_cli.cpp LIBS nlohmann_json::nlohmann_json)
add_dependencies(test_cli ai8xsim)
