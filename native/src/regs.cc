// The guest's integer registers straight from Unicorn's CPU state.
//
// Every run ends with the 18 registers read into the shared slots and the
// changed ones written back before the next run; through uc_reg_read_batch
// and uc_reg_write (a call and a large switch per register) that was about a
// fifth of a system call served in TypeScript (perf, 3*10^6 getuid calls).
// In Unicorn 2.1.1 the sixteen registers and rip are the first 17 words of
// CPUX86State (QEMU's order: rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15,
// then eip), reached from uc_struct.cpu and CPUState.env_ptr, which points
// into the same object. The place is checked once per engine: env_ptr must
// point exactly where the layout says, and registers written through the API
// must be read back there. Only Unicorn 2.1 is looked into; another keeps the API.
// The same CPUState (findCpuState) is what tlbpage.cc hands to QEMU's tlb_flush_page.
// rflags is not stored whole (QEMU computes the arithmetic flags lazily), so
// it always goes through the API.
#include <unicorn/unicorn.h>

#include <cstdint>
#include <cstring>

#include "space.h"

namespace vkemu {

namespace {

constexpr size_t kUcCpu = 416;         // offsetof(uc_struct, cpu)
constexpr size_t kCpuEnvPtr = 296;     // offsetof(CPUState, env_ptr)
constexpr size_t kCpuEnv = 35408;      // offsetof(X86CPU, env)

const int kApiIds[17] = {
    UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP, UC_X86_REG_RBP,
    UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8,  UC_X86_REG_R9,  UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15, UC_X86_REG_RIP,
};

}  // namespace

// Slot (Slot enum) -> word of the CPU state, for kRax..kRip.
const int kEnvWord[kRip + 1] = {0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16};

bool unicorn21() {
  unsigned major = 0, minor = 0;
  uc_version(&major, &minor);
  return major == 2 && minor == 1;
}

void* findCpuState(uc_engine* uc) {
  if (!unicorn21()) return nullptr;
  const uint8_t* u = reinterpret_cast<const uint8_t*>(uc);
  uint8_t* cpu;
  memcpy(&cpu, u + kUcCpu, sizeof cpu);
  if (!cpu) return nullptr;
  uint8_t* env;
  memcpy(&env, cpu + kCpuEnvPtr, sizeof env);
  return env == cpu + kCpuEnv ? cpu : nullptr;
}

uint64_t* findGuestRegs(uc_engine* uc) {
  uint8_t* cpu = static_cast<uint8_t*>(findCpuState(uc));
  if (!cpu) return nullptr;
  uint8_t* env = cpu + kCpuEnv;
  uint64_t* words = reinterpret_cast<uint64_t*>(env);
  uint64_t saved[17];
  for (int i = 0; i < 17; i++) uc_reg_read(uc, kApiIds[i], &saved[i]);
  bool same = true;
  for (int i = 0; i < 17 && same; i++) {
    uint64_t mark = 0x5DEECE66Dull * static_cast<uint64_t>(i + 1) + 0xB;
    uc_reg_write(uc, kApiIds[i], &mark);
    same = words[i] == mark;
  }
  for (int i = 0; i < 17; i++) uc_reg_write(uc, kApiIds[i], &saved[i]);
  return same ? words : nullptr;
}

}  // namespace vkemu
