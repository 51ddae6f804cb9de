#include "generated/isolation.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace ai8x::generated {
namespace {

using nlohmann::json;

json encode_model(const hw::ReplayResult& m) {
  json layers = json::array();
  for (const hw::LayerRecord& l : m.layers) {
    layers.push_back({{"layer", l.layer},
                      {"summary", l.summary},
                      {"cycles", l.cycles},
                      {"estimate", l.estimate},
                      {"warnings", l.warnings}});
  }
  json overwrites = json::array();
  for (const hw::KernelOverwrite& k : m.kernel_overwrites) {
    overwrites.push_back({k.quadrant, k.processor, k.first_word, k.last_word});
  }
  return {{"memories", m.memories},         {"layers", layers}, {"total_cycles", m.total_cycles},
          {"seconds", m.simulated_seconds}, {"ops", m.ops},     {"kernel_overwrites", overwrites}};
}

hw::ReplayResult decode_model(const json& j, const Device* device) {
  hw::ReplayResult m;
  m.device = device;
  m.memories = j.at("memories").get<std::vector<std::vector<uint32_t>>>();
  for (const json& l : j.at("layers")) {
    m.layers.push_back({.layer = l.at("layer").get<int>(),
                        .summary = l.at("summary").get<std::string>(),
                        .cycles = l.at("cycles").get<uint64_t>(),
                        .estimate = l.at("estimate").get<bool>(),
                        .warnings = l.at("warnings").get<std::vector<std::string>>()});
  }
  m.total_cycles = j.at("total_cycles").get<uint64_t>();
  m.simulated_seconds = j.at("seconds").get<double>();
  m.ops = j.at("ops").get<size_t>();
  for (const json& k : j.at("kernel_overwrites")) {
    m.kernel_overwrites.push_back({.quadrant = k.at(0).get<int>(),
                                   .processor = k.at(1).get<int>(),
                                   .first_word = k.at(2).get<uint32_t>(),
                                   .last_word = k.at(3).get<uint32_t>()});
  }
  return m;
}

bool write_all(int fd, const std::vector<uint8_t>& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::vector<uint8_t> read_all(int fd) {
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.insert(bytes.end(), buf, buf + n);
  }
  return bytes;
}

}  // namespace

std::vector<uint8_t> encode_result(const RunResult& r) {
  const json j = {{"outcome", static_cast<int>(r.outcome)},
                  {"console", r.console},
                  {"fault", r.fault},
                  {"unload", r.unload},
                  {"declared_outputs", r.declared_outputs},
                  {"overrun_bytes", r.overrun_bytes},
                  {"model", encode_model(r.model)},
                  {"inference_us", r.inference_us},
                  {"bus_accesses", r.bus_accesses},
                  {"sources", r.sources}};
  return json::to_msgpack(j);
}

RunResult decode_result(const std::vector<uint8_t>& bytes) {
  const json j = json::from_msgpack(bytes);
  RunResult r;
  r.outcome = static_cast<RunResult::Outcome>(j.at("outcome").get<int>());
  r.console = j.at("console").get<std::string>();
  r.fault = j.at("fault").get<std::string>();
  r.unload = j.at("unload").get<std::vector<uint32_t>>();
  r.declared_outputs = j.at("declared_outputs").get<int>();
  r.overrun_bytes = j.at("overrun_bytes").get<size_t>();
  r.model = decode_model(j.at("model"), nullptr);
  r.inference_us = j.at("inference_us").get<double>();
  r.bus_accesses = j.at("bus_accesses").get<uint64_t>();
  r.sources = j.at("sources").get<std::vector<std::string>>();
  return r;
}

RunResult run_isolated(const std::function<RunResult()>& run) {
  int fds[2];
  if (pipe(fds) != 0)
    throw Error({}, std::string("cannot create a pipe for the program's run: ") + std::strerror(errno));
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    throw Error({}, std::string("cannot start the program's process: ") + std::strerror(errno));
  }
  if (pid == 0) {
    close(fds[0]);
    int status = 0;
    try {
      const std::vector<uint8_t> bytes = encode_result(run());
      if (!write_all(fds[1], bytes)) status = 3;
    } catch (const Error& e) {
      // The parent reports an empty answer with this exit status; the text goes to stderr.
      std::fprintf(stderr, "%s\n", e.formatted().c_str());
      status = 4;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      status = 4;
    }
    close(fds[1]);
    std::fflush(nullptr);
    _exit(status);
  }
  close(fds[1]);
  const std::vector<uint8_t> bytes = read_all(fds[0]);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !bytes.empty()) {
    try {
      return decode_result(bytes);
    } catch (const json::exception& e) {
      throw Error({}, std::string("the program's process sent a broken result: ") + e.what());
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 4) throw Error({}, "the program's run stopped with the error above");
  RunResult r;
  r.outcome = RunResult::Outcome::Fault;
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    r.fault = "the program crashed with signal " + std::to_string(sig) + " (" + strsignal(sig) +
              ") outside the accelerator's windows, e.g. a wild pointer or an abort in the generated code; "
              "its output is lost";
  } else {
    r.fault = "the program's process ended without a result (exit status " +
              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")";
  }
  return r;
}

}  // namespace ai8x::generated
