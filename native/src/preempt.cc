// Ending time slices without a hook in every translated block.
//
// Unicorn 2.1 checks its exit request at the start of every translated block
// and, a change of its own, after every guest memory access. A stop requested
// from another thread (the watchdog's) that is seen by one of the latter ends
// the run with the guest PC set back to the start of the block, whose first
// part has already run: the guest repeats it (the "stale RIP": a return
// address pushed twice, a counter incremented twice). So slices used to end
// in a UC_HOOK_BLOCK hook, called at the start of every block; that call cost
// a quarter of Go's compute time (measured: gofmt 3.64 -> 2.78 s CPU, Go
// compute 2.00 -> 1.39 s, the C sieve 279 -> 170 ms without it).
//
// Unicorn leaves the memory-access checks out of the code it translates while
// its private flag no_exit_request is set (meant for ARM IT blocks, which must
// not be split). With it set, the block-start checks are the only ones and a
// stop from the watchdog thread ends the run exactly at a block boundary. The
// flag's place in uc_struct is found once per process: the fields next to it
// hold values we know (the context size, which Unicorn reports, the
// translation buffer size we set), and a probe engine shows that it works (a
// stop requested by a memory hook ends the run mid-block without it and only
// at the next block with it). It is looked for in Unicorn 2.1 only (the layout
// is 2.1.1's); another Unicorn keeps the block hook.
//
// Exact stops inside a block are still needed by instruction-counted runs and
// the debugger's code and memory hooks: while an engine has those, the flag is
// cleared, the block hook is back and translated code is dropped (setExact).
#include <unicorn/unicorn.h>

#include <cstdint>
#include <cstring>

#include "space.h"

namespace vkemu {

namespace {

// Offsets inside Unicorn's uc_struct (2.1.1, Linux x86-64): context_content,
// cpu_context_size, next_pc, then the bools hook_insert, first_tb,
// no_exit_request, init_done; tcg_buffer_size further on.
constexpr long kCpuContextSize = 4;   // after context_content
constexpr long kNoExit = 22;
constexpr long kInitDone = 23;
constexpr long kTcgBufferSize = 12852;
constexpr long kScan = 4096;

long gNoExitAt = -2;  // -2: not looked for yet; -1: not available

// The offset of no_exit_request in this engine's uc_struct, or -1.
long findNoExit(uc_engine* uc, uint32_t bufferSize) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(uc);
  const int64_t ctx = static_cast<int64_t>(uc_context_size(uc));
  long found = -1;
  for (long o = 0; o + 24 <= kScan; o += 4) {
    int32_t content, size;
    uint64_t nextPc;
    memcpy(&content, p + o, 4);
    memcpy(&size, p + o + kCpuContextSize, 4);
    if (content != 1 /* UC_CTL_CONTEXT_CPU */ || size <= 0 || ctx - size < 16 || ctx - size > 32) continue;
    memcpy(&nextPc, p + o + 12, 8);
    if (nextPc != 0 || p[o + kNoExit] != 0 || p[o + kInitDone] != 1) continue;
    if (found >= 0) return -1;  // ambiguous
    found = o;
  }
  if (found < 0) return -1;
  uint32_t buf;
  memcpy(&buf, p + found + kTcgBufferSize, 4);
  return buf == bufferSize ? found + kNoExit : -1;
}

void stopHook(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* user) {
  uc_emu_stop(uc);
}

// Runs `mov [0x2000], rax; inc rax; jmp back` once with a memory hook that
// asks for a stop at the store; returns rax afterwards (0: the run ended
// after the store, inside the block; 1: at the next block), or -1.
int64_t probeRun(bool withFlag) {
  uc_engine* uc = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) return -1;
  const uint32_t buffer = 1u << 20;
  uc_ctl_set_tcg_buffer_size(uc, buffer);
  int64_t result = -1;
  const uint8_t code[] = {
      0x48, 0x89, 0x04, 0x25, 0x00, 0x20, 0x00, 0x00,  // mov [0x2000], rax
      0x48, 0xFF, 0xC0,                                // inc rax
      0xEB, 0xF3,                                      // jmp 0x1000
  };
  uc_hook h = 0;
  uint64_t rax = 0;
  if (uc_mem_map(uc, 0x1000, 0x2000, UC_PROT_ALL) == UC_ERR_OK &&
      uc_mem_write(uc, 0x1000, code, sizeof code) == UC_ERR_OK &&
      uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, (void*)stopHook, nullptr, 0x2000, 0x2007) == UC_ERR_OK &&
      uc_reg_write(uc, UC_X86_REG_RAX, &rax) == UC_ERR_OK) {
    if (!withFlag || findNoExit(uc, buffer) == gNoExitAt) {
      if (withFlag) reinterpret_cast<uint8_t*>(uc)[gNoExitAt] = 1;
      if (uc_emu_start(uc, 0x1000, 0x2800, 0, 0) == UC_ERR_OK && uc_reg_read(uc, UC_X86_REG_RAX, &rax) == UC_ERR_OK)
        result = static_cast<int64_t>(rax);
    }
  }
  uc_close(uc);
  return result;
}

}  // namespace

// Called once per engine, right after its hooks are added (Unicorn is
// initialised by then and no code is translated yet).
void Core::preemptInit(uint32_t bufferSize) {
  if (gNoExitAt == -2) {
    gNoExitAt = unicorn21() ? findNoExit(uc, bufferSize) : -1;
    if (gNoExitAt >= 0 && !(probeRun(false) == 0 && probeRun(true) == 1)) gNoExitAt = -1;
  }
  if (gNoExitAt >= 0 && findNoExit(uc, bufferSize) == gNoExitAt) {
    noExit_ = reinterpret_cast<uint8_t*>(uc) + gNoExitAt;
    *noExit_ = 1;
    asyncStop.store(true, std::memory_order_relaxed);
  } else {
    uc_hook_add(uc, &hookBlock_, UC_HOOK_BLOCK, (void*)onBlock, this, 1, 0);
  }
}

// Whether the next runs need stops exact inside a block (an instruction count,
// debugger hooks): then the exit checks after memory accesses are translated
// again and slices end in the block hook.
void Core::setExact(bool exact) {
  if (!noExit_ || exact == !asyncStop.load(std::memory_order_relaxed)) return;
  *noExit_ = exact ? 0 : 1;
  if (exact) {
    uc_hook_add(uc, &hookBlock_, UC_HOOK_BLOCK, (void*)onBlock, this, 1, 0);
  } else {
    uc_hook_del(uc, hookBlock_);
    hookBlock_ = 0;
  }
  uc_ctl_flush_tb(uc);
  asyncStop.store(!exact, std::memory_order_relaxed);
}

// The watchdog's request to end the current slice (run generation gen). A
// stop must not reach Unicorn once that run has ended (it would stop the
// next one early, or touch a closed engine): `stopping_` is raised before
// runGen is looked at, and the end of the run (runEnded) bumps runGen before
// it looks at `stopping_`, so either the watchdog sees the run over or the
// main thread waits for its stop to finish (all sequentially consistent).
void Core::requestPreempt(uint64_t gen) {
  stopping_.store(true, std::memory_order_seq_cst);
  if (runGen.load(std::memory_order_seq_cst) == gen) {
    if (asyncStop.load(std::memory_order_relaxed)) uc_emu_stop(uc);
    else preempt.store(true, std::memory_order_relaxed);
  }
  stopping_.store(false, std::memory_order_release);
}

// Marks the end of a run: from here on the watchdog's stops for it are void.
void Core::runEnded() {
  runGen.fetch_add(1, std::memory_order_seq_cst);
  while (stopping_.load(std::memory_order_acquire)) {}
}

bool Core::preemptAsync() { return gNoExitAt >= 0; }

}  // namespace vkemu
