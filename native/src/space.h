// One guest address space: a Unicorn instance in virtual-TLB mode whose fill
// callback resolves guest virtual pages through the mapping list kept here.
#pragma once
#include <napi.h>
#include <unicorn/unicorn.h>
#include <cstdint>
#include <atomic>
#include <map>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vkemu {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kUserTop = 0x00007FFFFFE00000ull;  // DragonFly VM_MAX_USER_ADDRESS
constexpr uint64_t kVaLimit = 0x0000800000000000ull;   // canonical lower half
constexpr uint64_t kWindow = 512ull << 30;             // host memory window per engine
constexpr uint64_t kWindowPhys = 1ull << 32;           // its guest-physical base

enum Prot : int { kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

// Register slots shared with TypeScript (BigUint64Array of kRegSlots).
enum Slot : int {
  kRax, kRbx, kRcx, kRdx, kRsi, kRdi, kRbp, kRsp,
  kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15,
  kRip, kRflags, kFsBase, kGsBase,
  kNumRegs,
  kDirty = kNumRegs,  // bit i set: register i was changed by TypeScript
  kExitReason,        // ExitReason
  kExitVector,        // x86 exception vector for kExitException
  kExitAddr,          // faulting address for kExitFault
  kExitAccess,        // 0 read, 1 write, 2 fetch
  kExitPresent,       // 1 if a mapping existed (protection fault)
  kExitError,         // unicorn error code for kExitEngineError
  kFastCalls,         // syscalls served inside the hook since the last exit
  kDebugSkip,         // debugger: a breakpoint at this rip does not stop the run's first instruction
  kRegSlots = 32
};

enum ExitReason : int {
  kExitBudget = 0,     // instruction budget used up
  kExitSyscall = 1,    // `syscall`; rip is past the instruction
  kExitFault = 2,      // page fault (unmapped or protection)
  kExitException = 3,  // other CPU exception (vector in kExitVector)
  kExitHalt = 4,       // hlt or similar: privileged in user mode
  kExitEngineError = 5,
  kExitStop = 6,       // stopped on request
};

// What a mapping shows: nothing (anonymous memory), a memfd (shared
// anonymous memory) or a host file.
struct Backing {
  int fd = -1;  // owned dup or memfd
  bool file = false;
  uint64_t fileSize = 0;  // cached; refreshed when an access lies beyond it
  ~Backing();
};

class Space;

// A piece of the engine's window: host memory at window + off, guest
// physical address kWindowPhys + off. Freed when no mapping uses it.
struct Slice {
  Space* owner;
  uint64_t off, len;
  ~Slice();
};

struct Vma {
  uint64_t start, end;
  int prot;
  int kind;  // 0 private anon, 1 shared anon, 2 private file, 3 shared file, 4 vpagetable
  std::shared_ptr<Slice> slice;  // null: nothing backs it yet (PROT_NONE reservation, past EOF)
  uint64_t sliceOff = 0;         // offset of `start` within the slice
  uint64_t valid = 0;            // bytes from `start` that the slice backs
  std::shared_ptr<Backing> backing;
  uint64_t fileOff = 0;          // file offset of `start` (memfd or file)
  uint64_t masterPde = 0;        // vpagetable root
};

class Thread;

// Debugger state of one engine (debug.cc): breakpoints and watchpoints as
// Unicorn hooks restricted to their addresses, so untouched code stays fast.
struct DebugHooks {
  // A watched piece within one page: its virtual and guest-physical address
  // (memory hooks see physical addresses). kinds: bit 0 read, bit 1 write.
  struct Watch { uint64_t va, pa, len; int kinds; uc_hook hook; };
  std::map<uint64_t, uc_hook> bps;
  std::vector<Watch> watches;
  uc_hook after = 0;        // whole-range code hook, only while watchpoints exist
  bool first = false;       // no instruction of this run has been hooked yet
  uint64_t startRip = 0, skip = 0;
  bool watchHit = false;
  uint64_t hitAddr = 0;
  int hitAccess = 0;
  bool bpHit = false;
  // Hooks that stop the engine inside a block (Space::setExact).
  bool hooked() const { return !bps.empty() || !watches.empty() || after; }
};

// The block hook that ends a slice when exact mid-block stops are needed (preempt.cc).
void onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* user);

class Space : public Napi::ObjectWrap<Space> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::FunctionReference* constructor;
  explicit Space(const Napi::CallbackInfo& info);
  ~Space() override;

  uc_engine* uc() const { return uc_; }
  uc_context* pristine() const { return pristine_; }

  // Translate a guest virtual address for a host access. Returns a host
  // pointer and the number of contiguous bytes valid from it, or nullptr.
  uint8_t* translate(uint64_t va, int access, uint64_t* avail);
  bool copyIn(uint64_t va, void* dst, uint64_t len);
  bool copyOut(uint64_t va, const void* src, uint64_t len);
  // The exact address of a data fault on the page of faultVa (decode.cc), or faultVa.
  uint64_t exactDataFault(Thread* t, uint64_t faultVa);

  // run(thread, count): one run of guest code (runcall.cc is its JavaScript face).
  int run(Thread* t, uint64_t count);
  // Called by runcall.cc with the space's number as an extra last argument.
  Napi::Value ReadInto(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value ReadCString(const Napi::CallbackInfo& info);
  Napi::Value Check(const Napi::CallbackInfo& info);
  Napi::Value FdIo(const Napi::CallbackInfo& info);
  uint32_t id = 0;  // runcall.cc

  // The thread whose registers are live in the engine, if any.
  Thread* loaded = nullptr;
  void unload();

  // fill callback state
  uint64_t lastFaultAddr = 0;
  int lastFaultAccess = 0;
  bool lastFaultPresent = false;
  bool lastFaultNoncanonical = false;
  int pendingVector = -1;
  bool faultPending = false;
  bool loadingSegments = false;

  // watchdog (watchdog.cc): odd while inside uc_emu_start
  std::atomic<uint64_t> runGen{0};
  std::atomic<bool> preempt{false};
  uint64_t watchSeen = 0;
  int watchTicks = 0;
  int sliceTicks = 5;

  // preempt.cc: how a slice ends. asyncStop: the watchdog stops the engine
  // itself (translated code checks for a stop only at block starts);
  // otherwise it sets `preempt` for the block hook.
  std::atomic<bool> asyncStop{false};
  void preemptInit(uint32_t bufferSize);
  void setExact(bool exact);
  void requestPreempt(uint64_t gen);
  void runEnded();
  static bool preemptAsync();

  // regs.cc: the integer registers and rip inside Unicorn's CPU state
  // (kEnvWord maps slots to its words), or null: use the API.
  uint64_t* gpr = nullptr;

  // fast-path state (fastcall.cc)
  int64_t pid = 0;
  bool fastGetpid = false;   // the fast calls at all (process spaces, not vmspaces)
  bool fastClock = false;    // clock_gettime too
  int64_t clockOffsetNs = 0;
  Thread* running = nullptr;

  bool fill(uint64_t vaddr, int access, uc_tlb_entry* out);

  DebugHooks dbg;
  void debugClear();

 private:
  Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value Protect(const Napi::CallbackInfo& info);
  Napi::Value FindFree(const Napi::CallbackInfo& info);
  Napi::Value IsFree(const Napi::CallbackInfo& info);
  Napi::Value Regions(const Napi::CallbackInfo& info);
  Napi::Value FlushCode(const Napi::CallbackInfo& info);
  Napi::Value Poke(const Napi::CallbackInfo& info);
  Napi::Value CopyFrom(const Napi::CallbackInfo& info);
  Napi::Value SetFast(const Napi::CallbackInfo& info);
  Napi::Value SetMasterPde(const Napi::CallbackInfo& info);
  Napi::Value Inval(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // debug.cc
  Napi::Value SetBreakpoints(const Napi::CallbackInfo& info);
  Napi::Value SetWatchpoints(const Napi::CallbackInfo& info);
  Napi::Value DebugWalk(const Napi::CallbackInfo& info);

  void removeRange(uint64_t start, uint64_t end);
  void splitAt(uint64_t addr);
  Vma* find(uint64_t va);
  std::shared_ptr<Slice> allocSlice(uint64_t len);
  bool attach(Vma& v, uint64_t len);
  void invalidate();
  void growTlb();
  uint64_t tlbFills_ = 0, tlbFillsAtFlush_ = 0;  // successful fills, and their number at the last flush
  uint32_t tlbGuess_ = 256;                      // what Unicorn's TLB has grown to, at least
  void enterUserMode();
  void probeOldException();
  void clearOldException();
  uc_context* scratch_ = nullptr;

  uc_engine* uc_ = nullptr;
  uc_context* pristine_ = nullptr;
  uc_hook hookBlock_ = 0, hookInvalid_ = 0, hookFill_ = 0, hookSyscall_ = 0, hookIntr_ = 0;
  std::map<uint64_t, Vma> vmas_;  // keyed by start
  Vma* cache_ = nullptr;
  uint8_t* window_ = nullptr;
  uint64_t bump_ = 0;
  std::map<uint64_t, uint64_t> free_;  // offset -> length of freed window pieces
  bool flushCode_ = false;
  bool closed_ = false;
  // Pages of MAP_VPAGETABLE mappings the engine's TLB may hold (filled since
  // the last flush): an MADV_INVAL of pages it cannot hold needs no flush.
  // Past kMaxTracked pages every MADV_INVAL flushes.
  static constexpr size_t kMaxTracked = 1 << 16;
  std::unordered_set<uint64_t> vptFilled_;
  bool vptOverflow_ = false;
  bool watched_ = false;
  // preempt.cc: Unicorn's no_exit_request in this engine, or null; and set
  // while the watchdog stops the engine (the end of a run waits for it).
  uint8_t* noExit_ = nullptr;
  std::atomic<bool> stopping_{false};
 public:
  void freeSlice(uint64_t off, uint64_t len);
  uint8_t* window() const { return window_; }
  friend class Thread;
};

class Thread : public Napi::ObjectWrap<Thread> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::FunctionReference* constructor;
  explicit Thread(const Napi::CallbackInfo& info);
  ~Thread() override;

  uc_context* ctx = nullptr;
  Space* space = nullptr;
  uint32_t id = 0;  // runcall.cc
  Napi::ObjectReference spaceRef;
  Napi::Reference<Napi::BigUint64Array> regsRef;
  uint64_t* regs = nullptr;

  void loadInto(Space* s);   // make this thread's state live in s's engine
  void saveFrom(Space* s);   // store live state back into ctx
  void pullRegs();           // engine -> regs slots
  void pushDirty();          // regs slots -> engine for dirty registers

 private:
  Napi::Value Clone(const Napi::CallbackInfo& info);
  Napi::Value MoveTo(const Napi::CallbackInfo& info);
  Napi::Value GetFpu(const Napi::CallbackInfo& info);
  Napi::Value SetFpu(const Napi::CallbackInfo& info);
  Napi::Value ResetFpu(const Napi::CallbackInfo& info);
  Napi::Value Sync(const Napi::CallbackInfo& info);
};

// vpt.cc: the MAP_VPAGETABLE walk over the memory image at base (size bytes).
// Returns the page number within the image or -1, and the protection to grant.
int64_t vptWalk(uint8_t* base, uint64_t size, uint64_t masterPde, uint64_t pindex, int access, bool* writable,
                bool* executable);

Napi::Object InitHost(Napi::Env env, Napi::Object exports);
// runcall.cc: numbers for spaces and threads, so that a run needs no unwrapping.
void registerObject(Space* s, Napi::Object o);
void registerObject(Thread* t, Napi::Object o);
void unregisterObject(Space* s);
void unregisterObject(Thread* t);
void InitRunCall(Napi::Env env, Napi::Object exports);
// regs.cc
bool unicorn21();  // the Unicorn loaded is 2.1.x, whose private layout regs.cc and preempt.cc use
uint64_t* findGuestRegs(uc_engine* uc);
// fastcall.cc: answers the system call in the engine if it can.
bool serveFast(Space* s);
extern const int kEnvWord[kRip + 1];
void InitSockets(Napi::Env env, Napi::Object exports);
void watchdogAdd(Space* s);
void watchdogRemove(Space* s);

}  // namespace vkemu
