// One guest address space: a Unicorn instance in virtual-TLB mode whose fill
// callback resolves guest virtual pages through the mapping list kept here.
#pragma once
#include <napi.h>
#include <unicorn/unicorn.h>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace vkemu {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kUserTop = 0x00007FFFFFE00000ull;  // DragonFly VM_MAX_USER_ADDRESS
constexpr uint64_t kVaLimit = 0x0000800000000000ull;   // canonical lower half

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

// Host memory behind one or more guest mappings. Shared memory objects
// (memfd, files) may back mappings in several spaces.
struct HostMem {
  uint8_t* base = nullptr;
  uint64_t len = 0;
  int fd = -1;           // file descriptor for file-backed memory (owned dup)
  uint64_t fdOffset = 0;
  bool shared = false;
  bool file = false;
  uint64_t fileSize = 0;  // cached; refreshed on access beyond it
  ~HostMem();
};

struct Vma {
  uint64_t start, end;
  int prot;
  int kind;  // 0 private anon, 1 shared anon, 2 private file, 3 shared file, 4 vpagetable
  std::shared_ptr<HostMem> mem;
  uint64_t memOffset;  // offset of `start` within mem
  uint64_t masterPde = 0;  // vpagetable root
};

class Thread;

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

  // The thread whose registers are live in the engine, if any.
  Thread* loaded = nullptr;
  void unload();

  // fill callback state
  uint64_t lastFaultAddr = 0;
  int lastFaultAccess = 0;
  bool lastFaultPresent = false;
  bool lastFaultNoncanonical = false;
  int pendingVector = -1;
  bool stopRequested = false;
  bool faultPending = false;
  bool loadingSegments = false;

  // fast-path state
  int64_t pid = 0;
  bool fastGetpid = false;
  Thread* running = nullptr;

  bool fill(uint64_t vaddr, int access, uc_tlb_entry* out);

 private:
  Napi::Value Map(const Napi::CallbackInfo& info);
  Napi::Value Unmap(const Napi::CallbackInfo& info);
  Napi::Value Protect(const Napi::CallbackInfo& info);
  Napi::Value FindFree(const Napi::CallbackInfo& info);
  Napi::Value IsFree(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value ReadCString(const Napi::CallbackInfo& info);
  Napi::Value Check(const Napi::CallbackInfo& info);
  Napi::Value Regions(const Napi::CallbackInfo& info);
  Napi::Value Run(const Napi::CallbackInfo& info);
  Napi::Value FlushCode(const Napi::CallbackInfo& info);
  Napi::Value CopyFrom(const Napi::CallbackInfo& info);
  Napi::Value SetFast(const Napi::CallbackInfo& info);
  Napi::Value SetMasterPde(const Napi::CallbackInfo& info);
  Napi::Value Inval(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  int mapRange(uint64_t start, uint64_t len, int prot, int kind, std::shared_ptr<HostMem> mem,
               uint64_t memOffset);
  void removeRange(uint64_t start, uint64_t end);
  void splitAt(uint64_t addr);
  uint64_t physOf(const std::shared_ptr<HostMem>& mem);
  void releasePhys(HostMem* mem);
  Vma* find(uint64_t va);
  void invalidate();
  void enterUserMode();
  void probeOldException();
  void clearOldException();
  uc_context* scratch_ = nullptr;

  uc_engine* uc_ = nullptr;
  uc_context* pristine_ = nullptr;
  uc_hook hookInvalid_ = 0, hookFill_ = 0, hookSyscall_ = 0, hookIntr_ = 0;
  std::map<uint64_t, Vma> vmas_;  // keyed by start
  Vma* cache_ = nullptr;
  struct PhysSlot {
    uint64_t phys;
    uint64_t len;
    int refs;
    std::shared_ptr<HostMem> mem;
  };
  std::unordered_map<HostMem*, PhysSlot> phys_;
  uint64_t nextPhys_ = 0x100000000ull;  // keep 0..4G free
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

// vpt.cc: the MAP_VPAGETABLE walk. Returns the backing page index (page
// number within the vma's memory) or -1, and whether the page may be mapped writable.
int64_t vptWalk(HostMem* mem, uint64_t masterPde, uint64_t pindex, int access, bool* writable,
                bool* executable);

Napi::Object InitHost(Napi::Env env, Napi::Object exports);

}  // namespace vkemu
