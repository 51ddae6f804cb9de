#include <gtest/gtest.h>
#include "engine/engine.hpp"
TEST(Engine, Placeholder) { SUCCEED(); }
