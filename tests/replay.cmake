# One ctest entry per conformance case that has a register trace: the CLI plays
# registers.txt into the SystemC model and compares the data memories with the
# known answer (no YAML is read).
file(GLOB replay_traces CONFIGURE_DEPENDS "${AI8X_SHARED_DIR}/conformance/*/registers.txt")
foreach(trace ${replay_traces})
  get_filename_component(case_dir "${trace}" DIRECTORY)
  get_filename_component(case_name "${case_dir}" NAME)
  add_test(NAME replay/${case_name} COMMAND ai8xsim --replay "${trace}" --expected "${case_dir}/expected.json")
  set_tests_properties(replay/${case_name} PROPERTIES PASS_REGULAR_EXPRESSION "KAT: PASS" LABELS replay)
endforeach()
