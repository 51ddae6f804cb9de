# --explain-registers: register field tables (models/register_fields), the
# trace explainer (sim/check/explain) and the cnn.c extractor (sim/io/cnn_c).
ai8x_add_test(test_explain ${CMAKE_CURRENT_LIST_DIR}/test_explain.cpp
              LIBS ai8x_check ai8x_io ai8x_models)
