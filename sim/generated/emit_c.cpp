#include "generated/emit_c.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "register_map.hpp"

namespace ai8x::generated {
namespace {

namespace fs = std::filesystem;
using Op = io::BusOp;

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Phases longer than this become tables (kernels, bias, input), like the
// generator's KERNELS and SAMPLE_INPUT arrays.
constexpr size_t kLiteralOps = 48;

// Table encoding, one run per entry: address, count << 8 | code, values;
// 0 ends the table. code: 32/16/8 = writes to consecutive addresses,
// 0x80 | width = writes to one address (a FIFO), 0xff = poll (mask, value).
constexpr uint32_t kFixed = 0x80;
constexpr uint32_t kPoll = 0xff;

struct Phase {
  std::string name;  // a C function name
  std::vector<Op> ops;
  bool isr = false;
  bool wait_after = false;  // the program sleeps until the interrupt after it
};

bool is_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) != 0) return false;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

// The program's accelerator accesses, by generated function.
std::vector<Phase> split(const Device& device, const io::Trace& program) {
  const RegisterMap map(device);
  std::vector<Phase> phases(1);
  phases[0].name = "cnn_setup";
  std::set<std::string> used = {"cnn_setup", "main", "play", "check_output", "cnn_unload", "fail", "load"};
  bool after_wait = false;
  for (const Op& op : program.ops) {
    switch (op.kind) {
      case Op::Kind::Phase: {
        std::string name = is_identifier(op.phase) ? op.phase : "phase";
        for (int n = 2; used.contains(name); ++n) name = op.phase + "_" + std::to_string(n);
        used.insert(name);
        phases.push_back({.name = name, .isr = after_wait});
        after_wait = false;
        break;
      }
      case Op::Kind::WaitIrq:
        phases.back().wait_after = true;
        after_wait = true;
        break;
      case Op::Kind::Write:
      case Op::Kind::Poll:
        if (map.decode(op.address)) phases.back().ops.push_back(op);  // system registers are the SDK's
        break;
    }
  }
  return phases;
}

const char* c_type(unsigned width) {
  return width == 8 ? "uint8_t" : width == 16 ? "uint16_t" : "uint32_t";
}

std::string literal(const Op& op) {
  if (op.kind == Op::Kind::Poll) {
    return "  while ((*((volatile uint32_t *) " + hex(op.address) + ") & " + hex(op.mask) + ") != " + hex(op.value) +
           ");\n";
  }
  return "  *((volatile " + std::string(c_type(op.width)) + " *) " + hex(op.address) + ") = " + hex(op.value) + ";\n";
}

std::string table(const std::vector<Op>& ops) {
  std::vector<uint32_t> t;
  for (size_t i = 0; i < ops.size();) {
    const Op& op = ops[i];
    if (op.kind == Op::Kind::Poll) {
      t.insert(t.end(), {op.address, (1U << 8) | kPoll, op.mask, op.value});
      ++i;
      continue;
    }
    // The longest run of same-width writes, stepping through memory or
    // staying on one address.
    const uint32_t step = op.width / 8U;
    size_t j = i + 1;
    const bool fixed =
        j < ops.size() && ops[j].kind == Op::Kind::Write && ops[j].width == op.width && ops[j].address == op.address;
    while (j < ops.size() && ops[j].kind == Op::Kind::Write && ops[j].width == op.width &&
           ops[j].address == op.address + (fixed ? 0 : step * static_cast<uint32_t>(j - i))) {
      ++j;
    }
    t.push_back(op.address);
    t.push_back(static_cast<uint32_t>(j - i) << 8 | (fixed ? kFixed : 0U) | op.width);
    for (size_t k = i; k < j; ++k) t.push_back(ops[k].value);
    i = j;
  }
  t.push_back(0);
  std::string s = "{";
  for (size_t i = 0; i < t.size(); ++i) {
    s += (i % 8 == 0 ? " \\\n  " : " ") + hex(t[i]) + (i + 1 < t.size() ? "," : "");
  }
  return s + " }";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error({.file = p.string()}, "cannot write");
}

const char* kPlay = R"(// Plays a table of accelerator accesses (ai8xsim's table format: address,
// count << 8 | code, values; code 32/16/8 writes consecutive addresses,
// 0x80 | width writes one address, 0xff polls until (read & mask) == value).
static void play(const uint32_t *p)
{
  uint32_t addr, n, code;

  while ((addr = *p++) != 0) {
    n = *p >> 8;
    code = *p++ & 0xff;
    if (code == 0xff) {
      while ((*((volatile uint32_t *) addr) & p[0]) != p[1]);
      p += 2;
    } else if ((code & 0x7f) == 32) {
      volatile uint32_t *a = (volatile uint32_t *) addr;
      while (n-- > 0) {
        *a = *p++;
        if ((code & 0x80) == 0) a++;
      }
    } else if ((code & 0x7f) == 16) {
      volatile uint16_t *a = (volatile uint16_t *) addr;
      while (n-- > 0) {
        *a = (uint16_t) *p++;
        if ((code & 0x80) == 0) a++;
      }
    } else {
      volatile uint8_t *a = (volatile uint8_t *) addr;
      while (n-- > 0) {
        *a = (uint8_t) *p++;
        if ((code & 0x80) == 0) a++;
      }
    }
  }
}

)";

}  // namespace

void emit_c(const std::string& dir, const Device& device, const io::Trace& program,
            const std::vector<KatBlock>& expected, const std::string& title) {
  const fs::path out(dir);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw Error({.file = dir}, "cannot create the folder: " + ec.message());
  const std::vector<Phase> phases = split(device, program);
  bool has_start = false, has_enable = false, has_isr = false;
  for (const Phase& p : phases) {
    has_start |= p.name == "cnn_start";
    has_enable |= p.name == "cnn_enable";
    has_isr |= p.isr;
  }
  const std::string banner = "// " + title + "\n// This file was @generated by ai8xsim --emit-c --device " +
                             device.name + " from a register program.\n\n";
  const size_t outputs = kat_word_count(expected);

  // cnn.h
  std::ostringstream h;
  h << banner
    << "#ifndef CNN_H\n#define CNN_H\n\n#include <stdint.h>\n\ntypedef int32_t q31_t;\ntypedef int16_t q15_t;\n\n"
    << "#define CNN_FAIL 0\n#define CNN_OK 1\n\n#define CNN_NUM_OUTPUTS " << outputs << "\n\n"
    << "extern volatile uint32_t cnn_time;\n\nint cnn_enable(uint32_t clock_source, uint32_t clock_divider);\n";
  for (const Phase& p : phases) {
    if (!p.isr && p.name != "cnn_enable") h << "int " << p.name << "(void);\n";
  }
  h << "int cnn_unload(uint32_t *out_buf);\n\n#endif\n";
  write_file(out / "cnn.h", h.str());

  // cnn.c, weights.h, sampledata.h
  std::ostringstream c, weights, sample;
  c << banner << "#include <stdint.h>\n#include <stdio.h>\n#include \"mxc.h\"\n#include \"gcfr_regs.h\"\n"
    << "#include \"cnn.h\"\n#include \"weights.h\"\n#include \"sampledata.h\"\n\n"
    << kPlay;
  weights << banner << "// Accelerator access tables of the longer functions.\n\n";
  sample << banner << "// The input load.\n\n";
  for (const Phase& p : phases) {
    if (p.ops.size() > kLiteralOps) {
      const std::string macro = upper(p.name) + "_OPS";
      (p.name.find("input") != std::string::npos ? sample : weights)
          << "#define " << macro << " " << table(p.ops) << "\n\n";
      c << "static const uint32_t " << p.name << "_ops[] = " << macro << ";\n";
    }
  }
  c << "\n";
  auto body = [&](const Phase& p) {
    std::string s;
    if (p.ops.size() > kLiteralOps) return "  play(" + p.name + "_ops);\n";
    for (const Op& op : p.ops) s += literal(op);
    return s;
  };
  for (const Phase& p : phases) {
    if (!p.isr) continue;
    c << "void CNN_ISR(void)\n{\n"
      << body(p) << "  cnn_time = MXC_TMR_SW_Stop(MXC_TMR0);\n"
      << "  if (cnn_time == 0) cnn_time = 1;\n}\n\n";
  }
  if (!has_isr) c << "void CNN_ISR(void)\n{\n  cnn_time = 1;\n}\n\n";
  for (const Phase& p : phases) {
    if (p.isr) continue;
    if (p.name == "cnn_enable") {
      c << "int cnn_enable(uint32_t clock_source, uint32_t clock_divider)\n{\n"
        << "  MXC_GCR->pclkdiv = (MXC_GCR->pclkdiv & ~(MXC_F_GCR_PCLKDIV_CNNCLKDIV | MXC_F_GCR_PCLKDIV_CNNCLKSEL))\n"
        << "                     | clock_divider | clock_source;\n"
        << "  MXC_SYS_ClockEnable(MXC_SYS_PERIPH_CLOCK_CNN);\n"
        << body(p) << "  MXC_NVIC_SetVector(CNN_IRQn, CNN_ISR);\n\n  return CNN_OK;\n}\n\n";
      continue;
    }
    c << "int " << p.name << "(void)\n{\n";
    if (p.name == "cnn_start") c << "  cnn_time = 0;\n  MXC_TMR_SW_Start(MXC_TMR0);\n";
    c << body(p) << "\n  return CNN_OK;\n}\n\n";
  }
  if (!has_enable) {
    c << "int cnn_enable(uint32_t clock_source, uint32_t clock_divider)\n{\n"
      << "  MXC_NVIC_SetVector(CNN_IRQn, CNN_ISR);\n\n  return CNN_OK;\n}\n\n";
  }
  c << "int cnn_unload(uint32_t *out_buf)\n{\n  volatile uint32_t *addr;\n\n";
  for (const KatBlock& b : expected) {
    c << "  addr = (volatile uint32_t *) " << hex(b.addr) << ";\n";
    c << "  for (int i = 0; i < " << b.words.size() << "; i++)\n    *out_buf++ = *addr++;\n";
  }
  c << "\n  return CNN_OK;\n}\n";
  write_file(out / "cnn.c", c.str());
  write_file(out / "weights.h", weights.str());
  write_file(out / "sampledata.h", sample.str());
  write_file(out / "sampleoutput.h", format_sampleoutput_h(expected));

  // main.c: the functions in the program's order.
  std::ostringstream m;
  m << banner << "#include <stdint.h>\n#include <stdio.h>\n#include \"mxc.h\"\n#include \"cnn.h\"\n"
    << "#include \"sampleoutput.h\"\n\nvolatile uint32_t cnn_time;\n\n"
    << "void fail(void)\n{\n  printf(\"\\n*** FAIL ***\\n\\n\");\n  while (1);\n}\n\n"
    << "static const uint32_t sample_output[] = SAMPLE_OUTPUT;\n\n"
    << "int check_output(void)\n{\n  uint32_t mask, len;\n  volatile uint32_t *addr;\n"
    << "  const uint32_t *ptr = sample_output;\n\n  while ((addr = (volatile uint32_t *) *ptr++) != 0) {\n"
    << "    mask = *ptr++;\n    len = *ptr++;\n    for (uint32_t i = 0; i < len; i++) {\n"
    << "      if ((*addr++ & mask) != *ptr++) {\n"
    << "        printf(\"Data mismatch (%u/%u) at address 0x%08x: Expected 0x%08x, read 0x%08x.\\n\", i + 1, len,\n"
    << "               (uint32_t) (uintptr_t) (addr - 1), *(ptr - 1), *(addr - 1) & mask);\n"
    << "        return CNN_FAIL;\n      }\n    }\n  }\n\n  return CNN_OK;\n}\n\n"
    << "static uint32_t ml_data[CNN_NUM_OUTPUTS + 1];\n\n"
    << "int main(void)\n{\n  MXC_ICC_Enable(MXC_ICC0);\n\n  printf(\"\\n*** CNN Inference Test " << title
    << " ***\\n\");\n\n";
  if (!has_enable) m << "  cnn_enable(MXC_S_GCR_PCLKDIV_CNNCLKSEL_PCLK, MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV1);\n";
  if (!has_start) m << "  cnn_time = 0;\n";
  for (const Phase& p : phases) {
    if (p.isr) continue;
    if (p.name == "cnn_enable") {
      m << "  cnn_enable(MXC_S_GCR_PCLKDIV_CNNCLKSEL_PCLK, MXC_S_GCR_PCLKDIV_CNNCLKDIV_DIV1);\n";
    } else if (!p.ops.empty() || p.wait_after) {
      m << "  " << p.name << "();\n";
    }
    if (p.wait_after) m << "\n  while (cnn_time == 0)\n    MXC_LP_EnterSleepMode();\n\n";
  }
  m << "  if (check_output() != CNN_OK) fail();\n  cnn_unload(ml_data);\n\n  printf(\"\\n*** PASS ***\\n\\n\");\n"
    << "  printf(\"Approximate inference time: %u us\\n\\n\", cnn_time);\n\n  return 0;\n}\n";
  write_file(out / "main.c", m.str());
}

}  // namespace ai8x::generated
