# --model systemc on every known-answer case: the configuration compiler's
# program runs on the SystemC model; the case passes when the model's data
# memories hold the known answer AND every layer's output equals the fast
# engine's bit for bit (the command exits 0 only then).
foreach(root "${AI8X_SHARED_DIR}/conformance" "${CMAKE_CURRENT_SOURCE_DIR}/cases")
  file(GLOB case_files CONFIGURE_DEPENDS "${root}/*/case.json")
  foreach(case_file ${case_files})
    get_filename_component(case_dir "${case_file}" DIRECTORY)
    get_filename_component(case_name "${case_dir}" NAME)
    add_test(NAME systemc/${case_name} COMMAND ai8xsim --case "${case_dir}" --model systemc)
    set_tests_properties(systemc/${case_name} PROPERTIES
      FAIL_REGULAR_EXPRESSION "KAT: FAIL;KAT: no expected;differs from the fast engine" LABELS systemc)
  endforeach()
endforeach()
