ai8x_add_test(test_describe test_describe.cpp LIBS nlohmann_json::nlohmann_json)
add_dependencies(test_describe ai8xsim)
