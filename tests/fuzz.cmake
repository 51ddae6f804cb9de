# Replays the fuzzers' findings (tests/fuzz_regressions/<target>/*) through the fuzz entry
# points, compiled here without libFuzzer (docs/fuzzing.md).
ai8x_add_test(test_fuzz_regressions test_fuzz_regressions.cpp ${CMAKE_SOURCE_DIR}/fuzz/fuzz_targets.cpp
  LIBS ai8x_check ai8x_spec ai8x_io)
target_include_directories(test_fuzz_regressions PRIVATE ${CMAKE_SOURCE_DIR}/fuzz)
target_compile_definitions(test_fuzz_regressions PRIVATE
  AI8X_FUZZ_REGRESSIONS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/fuzz_regressions")
