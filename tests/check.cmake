# KAT placement/verdict, expected-file formats, cnn_unload() emulation, HDF5 dump.
ai8x_add_test(test_kat ${CMAKE_CURRENT_SOURCE_DIR}/test_kat.cpp
  LIBS ai8x_check yaml-cpp nlohmann_json::nlohmann_json ${HDF5_C_LIBRARIES})
target_include_directories(test_kat PRIVATE ${HDF5_C_INCLUDE_DIRS})
