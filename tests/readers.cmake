# Readers of the izer's binary inputs: .npy, zip archives, pickles, checkpoints.
ai8x_add_test(test_readers test_npy.cpp test_checkpoint.cpp test_pickle.cpp
  LIBS ai8x_io PkgConfig::LIBZIP nlohmann_json::nlohmann_json)
