# One ctest entry per known-answer case: the shared corpus (../shared/conformance)
# and the project's own cases (tests/cases). Each runs the CLI exactly as a user
# would and passes when it prints KAT: PASS and exits 0.
foreach(root "${AI8X_SHARED_DIR}/conformance" "${CMAKE_CURRENT_SOURCE_DIR}/cases")
  file(GLOB case_files CONFIGURE_DEPENDS "${root}/*/case.json")
  foreach(case_file ${case_files})
    get_filename_component(case_dir "${case_file}" DIRECTORY)
    get_filename_component(case_name "${case_dir}" NAME)
    add_test(NAME kat/${case_name} COMMAND ai8xsim --case "${case_dir}")
    set_tests_properties(kat/${case_name} PROPERTIES PASS_REGULAR_EXPRESSION "KAT: PASS" LABELS kat)
  endforeach()
endforeach()
