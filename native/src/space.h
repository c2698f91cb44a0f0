// Guest address spaces (Space) and the engines they run on (Core): Unicorn
// instances in virtual-TLB mode whose fill callback resolves guest virtual
// pages through the current space's mapping list.
#pragma once
#include <napi.h>
#include <unicorn/unicorn.h>
#include <cstdint>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vkemu {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kUserTop = 0x00007FFFFFE00000ull;  // DragonFly VM_MAX_USER_ADDRESS
constexpr uint64_t kVaLimit = 0x0000800000000000ull;   // canonical lower half
constexpr uint64_t kWindow = 512ull << 30;             // host memory window per engine
constexpr uint64_t kWindowPhys = 1ull << 32;           // its guest-physical base

// A GDT with DragonFly's user selectors (code 0x2B, data 0x23), so that guest
// code runs at CPL 3 and privileged instructions raise #GP; the page after it
// holds the stub that drops a new engine to CPL 3 (core.cc).
constexpr uint64_t kGdtVa = 0xFFFF800000002000ull;
constexpr uint64_t kGdtPhys = 0x2000;
// uc_emu_start's `until`, ignored: engines use Unicorn's list of exit
// addresses instead, left empty (runs end by stops, faults and exceptions).
// With `until`, Unicorn looked up and discarded the block at until - 1 after
// every run (a TLB fill and a code invalidation, ~20 ns of each system call).
constexpr uint64_t kUntil = 0xFFFF800000000001ull;
constexpr uint64_t kNoSlice = ~0ull;

// Diagnostics switched on by the environment, read once (run.cc).
struct Switches {
  bool traceRuns;      // VKEMU_DEBUG_RUN: one line per engine run
  bool traceStops;     // VKEMU_DEBUG_STOP: stops that raced with a watchdog stop
  bool traceSegments;  // VKEMU_DEBUG_SEG: the CPL 3 entry of each new engine
};
const Switches& switches();

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
  kCtxFast,           // set by TypeScript: this run may enter and leave guest contexts itself (vmctx.cc)
  kFiles,             // set by TypeScript: the number of the thread's descriptor table (fdmirror.cc), 0: none
  // A guest context (vmspace_ctl RUN, vmctx.cc), kept here so that both sides see it:
  kCtxActive = 32,    // 1 while the thread runs one
  kCtxId,             // its vmspace id
  kCtxTframe,         // where its exit trapframe goes (a vkernel address)
  kCtxSaved = 40,     // the vkernel's registers (kNumRegs slots), restored on exit
  kRegSlots = 64
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

class Core;

// A piece of the engine's window: host memory at window + off, guest
// physical address kWindowPhys + off. Freed when no mapping uses it.
struct Slice {
  Core* owner;
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
class Space;

// Debugger state of one engine (debug.cc): breakpoints and watchpoints as
// Unicorn hooks restricted to their addresses, so untouched code stays fast.
struct DebugHooks {
  // A watched piece within one page: its virtual and guest-physical address
  // (memory hooks see physical addresses). kinds: bit 0 read, bit 1 write.
  // `owner`: the space the watch was set in; the vmspaces of a virtual kernel share one
  // engine, and a watch stops only the space it belongs to (compared with Core::current).
  struct Watch { uint64_t va, pa, len; int kinds; uc_hook hook; const void* owner; };
  std::map<uint64_t, uc_hook> bps;
  std::vector<Watch> watches;
  uc_hook after = 0;        // whole-range code hook, only while watchpoints exist
  bool first = false;       // no instruction of this run has been hooked yet
  uint64_t startRip = 0, skip = 0;
  bool watchHit = false;
  uint64_t hitAddr = 0;
  int hitAccess = 0;
  bool bpHit = false;
  // Hooks that stop the engine inside a block (Core::setExact).
  bool hooked() const { return !bps.empty() || !watches.empty() || after; }
};

// The block hook that ends a slice when exact mid-block stops are needed (preempt.cc).
void onBlock(uc_engine* uc, uint64_t address, uint32_t size, void* user);

// Why the hooks ended a run (or refused a page), reset when a run starts and
// read by Space::run when uc_emu_start returns (run.cc).
struct RunStop {
  bool syscall = false;     // the syscall hook stopped at a `syscall` (rip is past it)
  int vector = -1;          // an exception vector from the interrupt or invalid-opcode hook
  bool fault = false;       // the fill callback refused the last page it was asked for
  uint64_t faultAddr = 0;   // what it was asked: the address (page granular) and access
  int faultAccess = 0;      //   0 read, 1 write, 2 fetch
  bool faultPresent = false;       // a mapping exists but forbids the access
  bool faultNoncanonical = false;  // the address is not canonical: #GP, not #PF
  bool staleCode = false;   // refused: code translated from this page may be stale (codepages.cc)
  uint64_t staleOff = 0;    //   the page's window offset
};

// One Unicorn instance in virtual-TLB mode and its 512 GiB host window, and
// what belongs to the engine rather than to one address space: the loaded
// thread, why the last run stopped, the watchdog's, the debugger's and the
// register file's state (core.cc). Its TLB holds the translations of one
// space at a time, `current`. The vmspaces of a virtual kernel share one:
// their memory image has one guest-physical address there, so the programs
// it runs again and again are translated once, not once per process.
class Core {
 public:
  Core();
  ~Core();
  bool ok() const { return uc != nullptr && window != nullptr; }
  std::string error;

  uc_engine* uc = nullptr;
  uc_context* pristine = nullptr;  // the CPU state of a new thread
  uint8_t* window = nullptr;
  Space* current = nullptr;   // whose mappings the TLB holds
  int spaces = 0;             // open spaces using this core
  Thread* loaded = nullptr;   // the thread whose registers are live in the engine
  Thread* running = nullptr;  // set while inside uc_emu_start
  RunStop stop;
  bool loadingSegments = false;
  DebugHooks dbg;

  // regs.cc: the integer registers and rip inside Unicorn's CPU state
  // (kEnvWord maps slots to its words), or null: use the API.
  uint64_t* gpr = nullptr;

  // watchdog (watchdog.cc): odd while inside uc_emu_start
  std::atomic<uint64_t> runGen{0};
  std::atomic<bool> preempt{false};
  uint64_t watchSeen = 0;
  int watchTicks = 0;
  int sliceTicks = 5;
  bool watched = false;

  // preempt.cc: how a slice ends. asyncStop: the watchdog stops the engine
  // itself (translated code checks for a stop only at block starts);
  // otherwise it sets `preempt` for the block hook.
  std::atomic<bool> asyncStop{false};
  void preemptInit(uint32_t bufferSize);
  void setExact(bool exact);
  void requestPreempt(uint64_t gen);
  void runEnded();
  static bool preemptAsync();

  // The TLB: flush all of it and make `s` the space whose pages it may hold.
  void flushTlb(Space* s);
  // Drop one page of the current space from the TLB (and the jump cache), if
  // Unicorn lets us (tlbpage.cc); false: it does not, flush it all instead.
  bool flushTlbPage(uint64_t page);
  void pageFlushInit();
  // Let Unicorn's TLB grow for a space that keeps refilling it (core.cc).
  void growTlb();
  uint64_t tlbFills = 0, tlbFillsAtFlush = 0;  // successful fills, and their number at the last flush
  uint32_t tlbGuess = 256;                     // what Unicorn's TLB has grown to, at least
  // Pages of MAP_VPAGETABLE mappings the TLB may hold (filled since the last
  // flush or their own): an MADV_INVAL of pages it cannot hold needs no
  // flush. Past kMaxTracked pages every MADV_INVAL flushes all.
  static constexpr size_t kMaxTracked = 1 << 16;
  std::unordered_set<uint64_t> vptFilled;
  bool vptOverflow = false;

  // Window slices (64 KiB granules); a slice whose window range is reused
  // may still have translated code: flushCode makes the next run drop it.
  std::shared_ptr<Slice> allocSlice(uint64_t len);
  void freeSlice(uint64_t off, uint64_t len);
  // The slice showing the first `len` bytes of a MAP_VPAGETABLE memory image,
  // shared by every space of this core that maps the same file.
  std::shared_ptr<Slice> imageSlice(int fd, uint64_t len);
  bool flushCode = false;
  bool closing = false;  // its last space is closing: slices need not be given back

  void clearOldException();
  void unload();  // save the loaded thread's state out of the engine

  // Memory-image pages code may have been translated from whose mapping has
  // since been invalidated, with a hash of their contents then (codepages.cc).
  std::unordered_map<uint64_t, uint64_t> suspect;
  // Each executable memory-image page's hash when it was first filled for a fetch since its
  // code was last dropped: what the translated code was made from (codepages.cc).
  std::unordered_map<uint64_t, uint64_t> codeHash;

 private:
  void enterUserMode();
  void probeOldException();
  void addRunHooks();  // run.cc
  uc_context* scratch_ = nullptr;
  uc_hook hookBlock_ = 0, hookInvalid_ = 0, hookFill_ = 0, hookSyscall_ = 0, hookIntr_ = 0;
  uint64_t bump_ = 0;
  std::map<uint64_t, uint64_t> free_;  // offset -> length of freed window pieces
  struct Image { std::weak_ptr<Slice> slice; uint64_t len; };
  std::map<std::pair<dev_t, ino_t>, Image> images_;
  // preempt.cc: Unicorn's no_exit_request in this engine, or null; and set
  // while the watchdog stops the engine (the end of a run waits for it).
  uint8_t* noExit_ = nullptr;
  void* cpuState_ = nullptr;  // QEMU's CPUState, when one page can be flushed (tlbpage.cc)
  std::atomic<bool> stopping_{false};
};

// One guest address space: the mapping list the TLB-fill callback resolves
// guest virtual pages from, and the engine (Core) it runs on, its own or one
// shared with its sibling vmspaces.
class Space : public Napi::ObjectWrap<Space> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::FunctionReference* constructor;
  explicit Space(const Napi::CallbackInfo& info);
  ~Space() override;

  Core* core() const { return core_.get(); }
  uc_engine* uc() const { return core_ ? core_->uc : nullptr; }
  uint8_t* window() const { return core_->window; }

  // Translate a guest virtual address for a host access. Returns a host
  // pointer and the number of contiguous bytes valid from it, or nullptr.
  uint8_t* translate(uint64_t va, int access, uint64_t* avail);
  bool copyIn(uint64_t va, void* dst, uint64_t len);
  bool copyOut(uint64_t va, const void* src, uint64_t len);
  // The exact address of a data fault on the page of faultVa (decode.cc), or faultVa.
  uint64_t exactDataFault(Thread* t, uint64_t faultVa);

  // run(thread, count): guest code until an exit (run.cc; runcall.cc is its JavaScript face).
  int run(Thread* t, uint64_t count);
  // Called by runcall.cc with the space's number as an extra last argument.
  Napi::Value ReadInto(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value ReadCString(const Napi::CallbackInfo& info);
  Napi::Value Check(const Napi::CallbackInfo& info);
  Napi::Value FdIo(const Napi::CallbackInfo& info);
  uint32_t id = 0;  // runcall.cc

  // Calls the engine serves itself (fastcall.cc, vkcalls.cc).
  int64_t pid = 0;
  bool fastGetpid = false;   // the fast calls at all (process spaces, not vmspaces)
  bool fastClock = false;    // clock_gettime too
  int64_t clockOffsetNs = 0;
  bool fastVkernel = false;  // a virtual kernel's MADV_INVAL on itself and on its vmspaces (by id)
  bool fastFiles = false;    // I/O on the descriptors of the running thread's table (fdcalls.cc)
  Space* vmspace(uint64_t id, Napi::Object* obj = nullptr) {
    auto it = vmspaces_.find(id);
    if (it == vmspaces_.end() || it->second.space->closed_) return nullptr;
    if (obj) *obj = it->second.ref.Value();
    return it->second.space;
  }
  // MADV_INVAL of [addr, addr+len) (everything when not ranged): true if the TLB was flushed.
  bool inval(uint64_t addr, uint64_t len, bool ranged = true);

  // The TLB-fill callback for this space (the core's current one).
  bool fill(uint64_t vaddr, int access, uc_tlb_entry* out);

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
  Napi::Value SetVmspace(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // debug.cc
  Napi::Value SetBreakpoints(const Napi::CallbackInfo& info);
  Napi::Value SetWatchpoints(const Napi::CallbackInfo& info);
  Napi::Value DebugWalk(const Napi::CallbackInfo& info);

  // run.cc
  int runOnce(Thread* t, uint64_t count);
  void beginRun(Thread* t, uint64_t count);
  uc_err emulate(uint64_t rip, uint64_t count);
  int exitReason(Thread* t, uc_err err, uint64_t startRip);
  int debuggerStop(Thread* t, int reason);

  void removeRange(uint64_t start, uint64_t end);
  void splitAt(uint64_t addr);
  Vma* find(uint64_t va);
  bool attach(Vma& v, uint64_t len);
  static void copyWritten(const uint8_t* src, uint8_t* dst, uint64_t len, bool file);
  // The TLB may hold stale translations of this space: flush it if this
  // space's pages are the ones it holds.
  void invalidate();
  void release();  // give up the core (close, destruction)

  // codepages.cc: the pages of MAP_VPAGETABLE mappings this space has filled
  // for a fetch, virtual page -> window offset, until their mapping changes.
  std::unordered_map<uint64_t, uint64_t> execPages_;
  void execFilled(uint64_t page, uint64_t off);
  bool codeStale(uint64_t off);
  void execDropped(uint64_t start, uint64_t end);
  // debug.cc: this space's watchpoints out of the engine, and the after-access hook kept in step.
  bool dropWatches();
  void afterHook();
  void refreshCode(uint64_t page, uint64_t off);

  struct VmRef { Space* space; Napi::ObjectReference ref; };
  std::unordered_map<uint64_t, VmRef> vmspaces_;
  std::shared_ptr<Core> core_;
  std::map<uint64_t, Vma> vmas_;  // keyed by start
  Vma* cache_ = nullptr;
  bool closed_ = false;
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
  // While in a guest context: the virtual kernel's space, to go back to.
  Space* home = nullptr;
  Napi::ObjectReference homeRef;
  void moveTo(Space* ns, const Napi::Object& so);  // carry the CPU state into another space
  uint32_t id = 0;  // runcall.cc
  Napi::ObjectReference spaceRef;
  Napi::Reference<Napi::BigUint64Array> regsRef;
  uint64_t* regs = nullptr;

  void loadInto(Space* s);   // make this thread's state live in s's engine
  void saveFrom(Core* c);    // store live state back into ctx
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
bool unicorn21();  // the Unicorn loaded is 2.1.x, whose private layout regs.cc, preempt.cc and tlbpage.cc use
uint64_t* findGuestRegs(uc_engine* uc);
// QEMU's CPUState of the engine (uc_struct.cpu, checked against its env_ptr), or null.
void* findCpuState(uc_engine* uc);
// fastcall.cc: answers the system call in the engine if it can; a call's
// argument register and its successful result.
bool serveFast(Space* s);
// The numbers serveFast answers (when their conditions hold), for the syscall table's page.
std::vector<uint64_t> fastCallNumbers();
uint64_t callReg(Space* s, int slot, int id);
void callSucceed(Space* s, uint64_t value);
// vmctx.cc: entering and leaving a guest context; 0 or -EFAULT.
int enterContext(Thread* t, Space* vm, const Napi::Object& vmObj, uint64_t id, uint64_t tframe, uint64_t vframe);
int leaveContext(Thread* t, uint64_t trapno, uint64_t err, uint64_t addr, bool syscall);
// After a run of t in s ended with `reason`: the space the run goes on in
// when the engine enters or leaves a guest context itself, or null.
Space* switchContext(Thread* t, Space* s, int reason);

// vkcalls.cc: a virtual kernel's MADV_INVAL, entries of fastcall.cc's table.
bool serveMadvise(Space* s);
bool serveMcontrol(Space* s);
bool serveVmspaceMcontrol(Space* s);
extern const int kEnvWord[kRip + 1];
void InitSockets(Napi::Env env, Napi::Object exports);
void watchdogAdd(Core* c);
void watchdogRemove(Core* c);
uint64_t watchdogTicks();  // milliseconds the watchdog has counted (it runs once any run asked for it)

}  // namespace vkemu
