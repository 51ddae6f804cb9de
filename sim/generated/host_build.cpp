#include "generated/host_build.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.hpp"
#include "generated/sdk_files.hpp"
#include "io/file_bytes.hpp"

extern char** environ;

namespace ai8x::generated {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  const std::vector<uint8_t> bytes = io::read_file_bytes(p.string());
  return {bytes.begin(), bytes.end()};
}

void write_text(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error({.file = p.string()}, "cannot write");
}

// The RISC-V sleep instruction as a call the host can make.
std::string host_source(const std::string& text) {
  static const std::regex wfi(R"((__)?asm\s*(__)?volatile(__)?\s*\(\s*"wfi"\s*\))");
  return std::regex_replace(text, wfi, "ai8x_wfi()");
}

// Runs `argv`, returning its exit status; stdout and stderr go to `log`.
int run(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The compiler's first error lines, with the temporary source paths replaced
// by the user's folder.
std::string first_errors(const std::string& log, const std::string& from, const std::string& to) {
  std::istringstream in(log);
  std::string line, out;
  int n = 0;
  while (std::getline(in, line) && n < 6) {
    if (line.find("error") == std::string::npos && n == 0) continue;
    for (size_t at = line.find(from); at != std::string::npos; at = line.find(from, at + to.size())) {
      line.replace(at, from.size(), to);
    }
    out += "\n  " + line;
    ++n;
  }
  return out;
}

}  // namespace

HostBuild::HostBuild(const std::string& folder) {
  const fs::path dir(folder);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error({.file = folder}, "not a folder of generated code");
  if (!fs::is_regular_file(dir / "cnn.c", ec)) throw Error({.file = (dir / "cnn.c").string()}, "missing");
  riscv_ = fs::is_regular_file(dir / "main_riscv.c", ec);  // then main.c only boots the RISC-V core
  const std::string main_file = riscv_ ? "main_riscv.c" : "main.c";
  if (!fs::is_regular_file(dir / main_file, ec)) throw Error({.file = (dir / main_file).string()}, "missing");

  char tmpl[] = "/tmp/ai8xsim-generated-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw Error({}, "cannot create a temporary directory for the build");
  work_ = tmpl;
  const fs::path work(work_);
  fs::create_directories(work / "sdk");
  fs::create_directories(work / "src");
  for (const SdkFile& f : sdk_files()) write_text(work / "sdk" / std::string(f.name), f.text);

  std::vector<std::string> names = {"cnn.c", main_file};
  if (fs::is_regular_file(dir / "softmax.c", ec)) names.emplace_back("softmax.c");
  std::vector<std::string> argv = {std::getenv("AI8X_CC") != nullptr ? std::getenv("AI8X_CC") : "cc",
                                   "-std=gnu11",
                                   "-O0",
                                   "-fPIC",
                                   "-shared",
                                   "-w",
                                   "-fno-builtin",
                                   "-I" + (work / "sdk").string(),
                                   "-I" + fs::absolute(dir).string(),
                                   "-include",
                                   "ai8x_host.h",
                                   "-Dmain=ai8x_generated_main"};
  // The stand-in's own state first, the guard last: static data is laid out
  // in link order, so an overrun of the generated code's buffers reaches the
  // guard, not the stand-in.
  argv.push_back((work / "sdk" / "ai8x_host.c").string());
  for (const std::string& n : names) {
    write_text(work / "src" / n, host_source(read_text(dir / n)));
    argv.push_back((work / "src" / n).string());
    sources_.push_back((dir / n).string());
  }
  argv.push_back((work / "sdk" / "ai8x_guard.c").string());
  so_ = (work / "generated.so").string();
  argv.insert(argv.end(), {"-o", so_});
  const fs::path log = work / "compile.log";
  const int rc = run(argv, log);
  if (rc != 0) {
    const std::string errors = first_errors(read_text(log), (work / "src/").string(), (dir / "").string());
    throw Error({.file = folder}, rc < 0 ? "cannot run the C compiler \"" + argv[0] + "\" (set AI8X_CC)"
                                         : "the generated code does not compile for the host:" + errors);
  }
}

HostBuild::~HostBuild() {
  std::error_code ec;
  if (!work_.empty()) std::filesystem::remove_all(work_, ec);
}

std::string device_of_folder(const std::string& folder) {
  std::ifstream in(std::filesystem::path(folder) / "cnn.c");
  std::string line;
  static const std::regex device(R"(--device\s+(MAX7800[02]|ai8[57]|8[57]))", std::regex::icase);
  for (int n = 0; n < 60 && std::getline(in, line); ++n) {
    if (line.find("@generated") == std::string::npos) continue;
    std::smatch m;
    if (!std::regex_search(line, m, device)) return {};
    const std::string d = m[1].str();
    return d.find("85") != std::string::npos || d.find("78000") != std::string::npos ? "MAX78000" : "MAX78002";
  }
  return {};
}

}  // namespace ai8x::generated
