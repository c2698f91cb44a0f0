// Issue #12, "vCPUs in parallel": what one native thread per engine would cost
// and gain, measured with the same Unicorn 2.1 the addon links. Built by
// bench/vcpu/build.sh, run by bench/vcpu.ts (or alone: `bench/vcpu/build/vcpu [KERNEL]`).
// Prints one JSON object of figures; never pass/fail. VCPU_ONLY=atomic,flush...
// picks parts.
//
//   handoff  a wake-up of another thread and back (futex, condvar, spinning), the
//            cost per exit that would have to reach the JavaScript thread
//   atomic   two engines on two threads over one host page, each adding 1 to
//            one counter N times with `lock xadd`, `lock cmpxchg` and plain
//            `inc`: does the guest's lock prefix hold across instances?
//   flush    uc_ctl_flush_tlb with K pages in the TLB, and refilling them
//   xlate    translating the kernel's code again in a second engine
//            (uc_ctl_request_cache at every function of the vkernel's text)
//   parallel the same guest compute in 1, 2, 4 engines on as many threads vs
//            one after another on one thread, and a plain host loop the same way
#include <elf.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

double nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

double threadCpuNs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

std::vector<std::string> gOut;
void fig(const char* name, double v) {
  char b[128];
  snprintf(b, sizeof b, "\"%s\": %.4g", name, v);
  gOut.push_back(b);
}

// ---- hand-off between two host threads ------------------------------------

long futex(std::atomic<int>* a, int op, int v) {
  return syscall(SYS_futex, reinterpret_cast<int*>(a), op, v, nullptr, nullptr, 0);
}

// One round trip: A posts "exit" and sleeps until B posts "resume", as a vCPU
// thread handing an exit to the JavaScript thread would.
double futexPingPong(int rounds, int cpuA, int cpuB) {
  std::atomic<int> turn{0};
  auto pin = [](int cpu) {
    if (cpu < 0) return;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    pthread_setaffinity_np(pthread_self(), sizeof s, &s);
  };
  std::thread b([&] {
    pin(cpuB);
    for (int i = 0; i < rounds; i++) {
      while (turn.load() != 1) futex(&turn, FUTEX_WAIT_PRIVATE, 0);
      turn.store(0);
      futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    }
  });
  pin(cpuA);
  double t0 = nowNs();
  for (int i = 0; i < rounds; i++) {
    turn.store(1);
    futex(&turn, FUTEX_WAKE_PRIVATE, 1);
    while (turn.load() != 0) futex(&turn, FUTEX_WAIT_PRIVATE, 1);
  }
  double ns = (nowNs() - t0) / rounds;
  b.join();
  return ns;
}

// The same with both sides spinning: the floor on a host with a core to spare
// for each side (on a busy one, a spinner eats the other side's time).
double spinPingPong(int rounds) {
  std::atomic<int> turn{0};
  std::thread b([&] {
    for (int i = 0; i < rounds; i++) {
      while (turn.load(std::memory_order_acquire) != 1) {}
      turn.store(0, std::memory_order_release);
    }
  });
  double t0 = nowNs();
  for (int i = 0; i < rounds; i++) {
    turn.store(1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 0) {}
  }
  double ns = (nowNs() - t0) / rounds;
  b.join();
  return ns;
}

double condvarPingPong(int rounds) {
  std::mutex m;
  std::condition_variable cv;
  int turn = 0;
  std::thread b([&] {
    for (int i = 0; i < rounds; i++) {
      std::unique_lock<std::mutex> l(m);
      cv.wait(l, [&] { return turn == 1; });
      turn = 0;
      cv.notify_all();
    }
  });
  double t0 = nowNs();
  for (int i = 0; i < rounds; i++) {
    std::unique_lock<std::mutex> l(m);
    turn = 1;
    cv.notify_all();
    cv.wait(l, [&] { return turn == 0; });
  }
  double ns = (nowNs() - t0) / rounds;
  b.join();
  return ns;
}

// ---- engines ----------------------------------------------------------------

constexpr uint64_t kPage = 4096;
constexpr uint64_t kCode = 0x100000;   // guest code page
constexpr uint64_t kShared = 0x200000; // one host page every engine maps
constexpr uint64_t kData = 0x40000000;  // private data, 64 MiB
constexpr uint64_t kStack = 0x50000000;

bool identityFill(uc_engine*, uint64_t vaddr, uc_mem_type, uc_tlb_entry* out, void*) {
  out->paddr = vaddr & ~(kPage - 1);
  out->perms = UC_PROT_ALL;
  return true;
}

// An engine set up as vkemu sets its own (32 MiB of translated code, virtual
// TLB through a fill callback), with identity translations.
uc_engine* newEngine(void* shared, const uint8_t* code, size_t codeLen) {
  uc_engine* uc = nullptr;
  if (uc_open(UC_ARCH_X86, UC_MODE_64, &uc) != UC_ERR_OK) return nullptr;
  uc_ctl_set_tcg_buffer_size(uc, 32u << 20);
  uc_ctl_tlb_mode(uc, UC_TLB_VIRTUAL);
  uc_hook h;
  uc_hook_add(uc, &h, UC_HOOK_TLB_FILL, (void*)identityFill, nullptr, 1, 0);
  uc_mem_map(uc, kCode, 64 * kPage, UC_PROT_ALL);
  if (shared) uc_mem_map_ptr(uc, kShared, kPage, UC_PROT_ALL, shared);
  uc_mem_map(uc, kData, 64 * 1024 * 1024, UC_PROT_ALL);
  uc_mem_map(uc, kStack - 16 * kPage, 16 * kPage, UC_PROT_ALL);
  if (code) uc_mem_write(uc, kCode, code, codeLen);
  uint64_t rsp = kStack - 64;
  uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
  return uc;
}

uc_err runCode(uc_engine* uc, size_t codeLen, uint64_t rcx, uint64_t rdi, uint64_t rsi = 0) {
  uc_reg_write(uc, UC_X86_REG_RCX, &rcx);
  uc_reg_write(uc, UC_X86_REG_RDI, &rdi);
  uc_reg_write(uc, UC_X86_REG_RSI, &rsi);
  uint64_t rbx = 0;
  uc_reg_write(uc, UC_X86_REG_RBX, &rbx);
  return uc_emu_start(uc, kCode, kCode + codeLen, 0, 0);
}

// rdi: the shared counter, rcx: iterations.
const uint8_t kXadd[] = {
    0xB8, 0x01, 0x00, 0x00, 0x00,        // mov eax, 1
    0xF0, 0x48, 0x0F, 0xC1, 0x07,        // lock xadd [rdi], rax
    0x48, 0xFF, 0xC9,                    // dec rcx
    0x75, 0xF1,                          // jnz -15
};
const uint8_t kCas[] = {
    0x48, 0x8B, 0x07,                    // mov rax, [rdi]
    0x48, 0x8D, 0x50, 0x01,              // lea rdx, [rax+1]
    0xF0, 0x48, 0x0F, 0xB1, 0x17,        // lock cmpxchg [rdi], rdx
    0x75, 0xF5,                          // jnz -11 (rax holds the current value)
    0x48, 0xFF, 0xC9,                    // dec rcx
    0x75, 0xED,                          // jnz -19
};
const uint8_t kInc[] = {
    0x48, 0xFF, 0x07,                    // inc qword [rdi]
    0x48, 0xFF, 0xC9,                    // dec rcx
    0x75, 0xF8,                          // jnz -8
};

struct AtomicResult { uint64_t got, want; double ms; };

// Two engines, two threads, one host page: each adds 1 n times.
AtomicResult atomicTest(const uint8_t* code, size_t len, uint64_t n) {
  void* page = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  uc_engine* a = newEngine(page, code, len);
  uc_engine* b = newEngine(page, code, len);
  // Translate first, so that both loops really overlap.
  runCode(a, len, 1, kShared);
  runCode(b, len, 1, kShared);
  *static_cast<volatile uint64_t*>(page) = 0;
  std::atomic<int> ready{0};
  auto body = [&](uc_engine* uc) {
    ready.fetch_add(1);
    while (ready.load() < 2) {}
    runCode(uc, len, n, kShared);
  };
  double t0 = nowNs();
  std::thread ta(body, a), tb(body, b);
  ta.join();
  tb.join();
  AtomicResult r{*static_cast<volatile uint64_t*>(page), 2 * n, (nowNs() - t0) / 1e6};
  uc_close(a);
  uc_close(b);
  munmap(page, kPage);
  return r;
}

// The same on the host, for comparison.
AtomicResult hostAtomic(uint64_t n) {
  std::atomic<uint64_t> c{0};
  double t0 = nowNs();
  std::thread ta([&] { for (uint64_t i = 0; i < n; i++) c.fetch_add(1); });
  std::thread tb([&] { for (uint64_t i = 0; i < n; i++) c.fetch_add(1); });
  ta.join();
  tb.join();
  return {c.load(), 2 * n, (nowNs() - t0) / 1e6};
}

// ---- TLB flushes ------------------------------------------------------------

// rsi: base, rcx: pages; reads one word per page.
const uint8_t kTouch[] = {
    0x48, 0x8B, 0x06,                          // mov rax, [rsi]
    0x48, 0x81, 0xC6, 0x00, 0x10, 0x00, 0x00,  // add rsi, 4096
    0x48, 0xFF, 0xC9,                          // dec rcx
    0x75, 0xF1,                                // jnz -15
};

struct FlushResult { double flushNs, refillNsPerPage; };

FlushResult flushTest(uint64_t pages, int rounds) {
  uc_engine* uc = newEngine(nullptr, kTouch, sizeof kTouch);
  // Let the TLB grow to what the pages need (it doubles at a flush when >70% full).
  // (rcx 0 would loop 2^64 times: no pages, no run.)
  auto touch = [&] { if (pages) runCode(uc, sizeof kTouch, pages, 0, kData); };
  for (int i = 0; i < 12; i++) {
    touch();
    uc_ctl_flush_tlb(uc);
  }
  // Medians: a mean of sub-microsecond steps on a shared machine is mostly its preemptions.
  std::vector<double> flush, refill;
  for (int i = 0; i < rounds; i++) {
    touch();
    double t0 = nowNs();
    touch();
    double t1 = nowNs();
    uc_ctl_flush_tlb(uc);
    double t2 = nowNs();
    touch();
    double t3 = nowNs();
    flush.push_back(t2 - t1);
    refill.push_back((t3 - t2) - (t1 - t0));
  }
  uc_close(uc);
  auto median = [](std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return {median(flush), pages ? median(refill) / pages : 0};
}

// ---- translation in a second engine ------------------------------------------

struct Kernel {
  std::vector<uint8_t> file;
  std::vector<uint64_t> funcs;
};

bool readKernel(const char* path, Kernel& k) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return false;
  struct stat st;
  fstat(fd, &st);
  k.file.resize(st.st_size);
  if (pread(fd, k.file.data(), st.st_size, 0) != st.st_size) return false;
  close(fd);
  auto* eh = reinterpret_cast<Elf64_Ehdr*>(k.file.data());
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_machine != EM_X86_64) return false;
  auto* sh = reinterpret_cast<Elf64_Shdr*>(k.file.data() + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type != SHT_SYMTAB) continue;
    auto* sym = reinterpret_cast<Elf64_Sym*>(k.file.data() + sh[i].sh_offset);
    size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
    for (size_t j = 0; j < n; j++)
      if (ELF64_ST_TYPE(sym[j].st_info) == STT_FUNC && sym[j].st_value && sym[j].st_size) k.funcs.push_back(sym[j].st_value);
  }
  std::sort(k.funcs.begin(), k.funcs.end());
  k.funcs.erase(std::unique(k.funcs.begin(), k.funcs.end()), k.funcs.end());
  return !k.funcs.empty();
}

uc_engine* engineWithKernel(const Kernel& k) {
  uc_engine* uc = newEngine(nullptr, nullptr, 0);
  auto* eh = reinterpret_cast<const Elf64_Ehdr*>(k.file.data());
  auto* ph = reinterpret_cast<const Elf64_Phdr*>(k.file.data() + eh->e_phoff);
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X)) continue;
    uint64_t lo = ph[i].p_vaddr & ~(kPage - 1), hi = (ph[i].p_vaddr + ph[i].p_memsz + kPage - 1) & ~(kPage - 1);
    uc_mem_map(uc, lo, hi - lo, UC_PROT_ALL);
    uc_mem_write(uc, ph[i].p_vaddr, k.file.data() + ph[i].p_offset, ph[i].p_filesz);
  }
  return uc;
}

struct XlateResult { size_t blocks; double ms, usPerBlock, bytesPerBlock, lookupNs; };

XlateResult xlate(const Kernel& k) {
  uc_engine* uc = engineWithKernel(k);
  size_t ok = 0;
  uint64_t bytes = 0;
  // CPU time of this thread: on a shared machine the wall time is the other jobs' too.
  double t0 = threadCpuNs();
  for (uint64_t f : k.funcs) {
    uc_tb tb;
    if (uc_ctl_request_cache(uc, f, &tb) == UC_ERR_OK) {
      ok++;
      bytes += tb.size;
    }
  }
  double ms = (threadCpuNs() - t0) / 1e6;
  // The second time the blocks are found in this engine's cache.
  double t1 = threadCpuNs();
  for (uint64_t f : k.funcs) {
    uc_tb tb;
    uc_ctl_request_cache(uc, f, &tb);
  }
  double lookup = (threadCpuNs() - t1) / k.funcs.size();
  uc_close(uc);
  return {ok, ms, ok ? ms * 1e3 / ok : 0, ok ? double(bytes) / ok : 0, lookup};
}

// ---- parallel compute -------------------------------------------------------

// rsi: a private 32 KiB array, rcx: iterations: a load, add, store and some
// arithmetic per iteration, as compiled C does.
const uint8_t kCompute[] = {
    0x48, 0x8B, 0x04, 0xDE,                    // mov rax, [rsi+rbx*8]
    0x48, 0x01, 0xC8,                          // add rax, rcx
    0x48, 0x89, 0x04, 0xDE,                    // mov [rsi+rbx*8], rax
    0x48, 0xFF, 0xC3,                          // inc rbx
    0x48, 0x81, 0xE3, 0xFF, 0x0F, 0x00, 0x00,  // and rbx, 0xfff
    0x48, 0xFF, 0xC9,                          // dec rcx
    0x75, 0xE6,                                // jnz -26
};

struct ParResult { double wallMs, cpuMs; };

// `engines` engines, each running `iters` iterations; on their own threads, or
// all on this one, one after another.
ParResult parallel(int engines, uint64_t iters, bool threads) {
  std::vector<uc_engine*> e;
  for (int i = 0; i < engines; i++) {
    e.push_back(newEngine(nullptr, kCompute, sizeof kCompute));
    runCode(e.back(), sizeof kCompute, 1000, 0, kData);  // translated before the clock starts
  }
  std::atomic<double> cpu{0};
  auto body = [&](uc_engine* uc) {
    double c0 = threadCpuNs();
    runCode(uc, sizeof kCompute, iters, 0, kData);
    double c = threadCpuNs() - c0;
    double prev = cpu.load();
    while (!cpu.compare_exchange_weak(prev, prev + c)) {}
  };
  double t0 = nowNs();
  if (threads) {
    std::vector<std::thread> ts;
    for (auto* uc : e) ts.emplace_back(body, uc);
    for (auto& t : ts) t.join();
  } else {
    for (auto* uc : e) body(uc);
  }
  double wall = (nowNs() - t0) / 1e6;
  for (auto* uc : e) uc_close(uc);
  return {wall, cpu.load() / 1e6};
}

// The same question for the host itself: a plain loop on 1 thread twice vs on 2 threads at
// once. On a VM whose second core is not really there (steal, overcommit), this is ~1 too.
double hostParallel() {
  auto spin = [] {
    volatile uint64_t x = 0;
    for (uint64_t i = 0; i < 300'000'000; i++) x = x + i;
  };
  double t0 = nowNs();
  spin();
  spin();
  double one = nowNs() - t0;
  t0 = nowNs();
  std::thread a(spin), b(spin);
  a.join();
  b.join();
  return one / (nowNs() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  const char* only = getenv("VCPU_ONLY");
  auto want = [&](const char* part) { return !only || strstr(only, part); };

  if (want("handoff")) {
    constexpr int kRounds = 20000;
    // Let the scheduler place the threads, then pinned apart and together.
    fig("futex_roundtrip_us", futexPingPong(kRounds, -1, -1) / 1e3);
    fig("futex_roundtrip_cross_core_us", futexPingPong(kRounds, 0, 1) / 1e3);
    fig("futex_roundtrip_same_core_us", futexPingPong(kRounds, 0, 0) / 1e3);
    fig("condvar_roundtrip_us", condvarPingPong(kRounds) / 1e3);
    fig("spin_roundtrip_us", spinPingPong(kRounds) / 1e3);
  }

  if (want("atomic")) {
    constexpr uint64_t kN = 20'000'000;
    struct { const char* name; const uint8_t* code; size_t len; } tests[] = {
        {"xadd", kXadd, sizeof kXadd}, {"cmpxchg", kCas, sizeof kCas}, {"inc", kInc, sizeof kInc}};
    for (auto& t : tests) {
      AtomicResult r = atomicTest(t.code, t.len, kN);
      std::string n = std::string("atomic_") + t.name;
      fig((n + "_lost").c_str(), double(r.want - r.got));
      fig((n + "_lost_pct").c_str(), 100.0 * double(r.want - r.got) / double(r.want));
      fig((n + "_ms").c_str(), r.ms);
    }
    {
      // One engine alone: what a lock-prefixed instruction costs without contention.
      void* page = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
      uc_engine* uc = newEngine(page, kXadd, sizeof kXadd);
      runCode(uc, sizeof kXadd, 1000, kShared);
      double c0 = threadCpuNs();
      runCode(uc, sizeof kXadd, kN, kShared);
      fig("xadd_one_engine_ns", (threadCpuNs() - c0) / kN);
      uc_close(uc);
      munmap(page, kPage);
    }
    AtomicResult h = hostAtomic(kN);
    fig("atomic_host_lost", double(h.want - h.got));
    fig("atomic_host_ms", h.ms);
  }

  if (want("flush")) {
    for (uint64_t pages : {0ull, 64ull, 1024ull, 8192ull}) {
      FlushResult r = flushTest(pages, 200);
      char n[64];
      snprintf(n, sizeof n, "flush_%llu_pages_us", (unsigned long long)pages);
      fig(n, r.flushNs / 1e3);
      if (pages >= 1024) {  // fewer pages: below the noise
        snprintf(n, sizeof n, "refill_%llu_pages_ns_per_page", (unsigned long long)pages);
        fig(n, r.refillNsPerPage);
      }
    }
  }

  if (want("xlate")) {
    const char* path = argc > 1 ? argv[1] : nullptr;
    Kernel k;
    if (path && readKernel(path, k)) {
      XlateResult first = xlate(k);
      XlateResult second = xlate(k);  // a second engine translates it all again
      fig("xlate_functions", double(k.funcs.size()));
      fig("xlate_blocks", double(first.blocks));
      fig("xlate_ms_first_engine", first.ms);
      fig("xlate_ms_second_engine", second.ms);
      fig("xlate_us_per_block", second.usPerBlock);
      fig("xlate_guest_bytes_per_block", second.bytesPerBlock);
      fig("xlate_cached_lookup_ns", second.lookupNs);
    } else {
      fprintf(stderr, "vcpu: xlate skipped: no kernel with a symbol table given (%s)\n", path ? path : "none");
    }
  }

  if (want("parallel")) {
    fig("host_par2_speedup", hostParallel());
    constexpr uint64_t kIters = 40'000'000;
    for (int n : {1, 2, 4}) {
      ParResult one = parallel(n, kIters, false);
      ParResult many = parallel(n, kIters, true);
      char b[64];
      snprintf(b, sizeof b, "par%d_one_thread_ms", n);
      fig(b, one.wallMs);
      snprintf(b, sizeof b, "par%d_one_thread_cpu_ms", n);
      fig(b, one.cpuMs);
      snprintf(b, sizeof b, "par%d_threads_ms", n);
      fig(b, many.wallMs);
      snprintf(b, sizeof b, "par%d_threads_cpu_ms", n);
      fig(b, many.cpuMs);
      snprintf(b, sizeof b, "par%d_speedup", n);
      fig(b, one.wallMs / many.wallMs);
    }
  }

  printf("{");
  for (size_t i = 0; i < gOut.size(); i++) printf("%s%s", i ? ", " : "", gOut[i].c_str());
  printf("}\n");
  return 0;
}
