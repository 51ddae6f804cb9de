#pragma once
// Runs the ai8xsim binary under test (AI8X_BINARY) as a user would: its exit
// code and everything it printed (stdout and stderr together).
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace ai8x::test {

struct Result {
  int exit_code = -1;
  std::string out;
};

inline Result run(const std::string& args) {
  Result r;
  FILE* p = popen((std::string(AI8X_BINARY) + " " + args + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace ai8x::test
