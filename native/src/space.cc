#include "space.h"
#include "decode.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vkemu {

Napi::FunctionReference* Space::constructor = nullptr;

Backing::~Backing() {
  if (fd >= 0) close(fd);
}

Slice::~Slice() { owner->freeSlice(off, len); }

Napi::Function Space::Init(Napi::Env env) {
  Napi::Function f = DefineClass(
      env, "Space",
      {
          InstanceMethod("map", &Space::Map),
          InstanceMethod("unmap", &Space::Unmap),
          InstanceMethod("protect", &Space::Protect),
          InstanceMethod("findFree", &Space::FindFree),
          InstanceMethod("isFree", &Space::IsFree),
          InstanceMethod("regions", &Space::Regions),
          InstanceMethod("flushCode", &Space::FlushCode),
          InstanceMethod("poke", &Space::Poke),
          InstanceMethod("copyFrom", &Space::CopyFrom),
          InstanceMethod("setFast", &Space::SetFast),
          InstanceMethod("setMasterPde", &Space::SetMasterPde),
          InstanceMethod("inval", &Space::Inval),
          InstanceMethod("setVmspace", &Space::SetVmspace),
          InstanceMethod("close", &Space::Close),
          InstanceMethod("setBreakpoints", &Space::SetBreakpoints),
          InstanceMethod("setWatchpoints", &Space::SetWatchpoints),
          InstanceMethod("debugWalk", &Space::DebugWalk),
      });
  constructor = new Napi::FunctionReference(Napi::Persistent(f));
  return f;
}

// new Space([sibling: Space]): an address space on an engine of its own, or
// on the sibling's (the vmspaces of one virtual kernel).
Space::Space(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Space>(info) {
  registerObject(this, info.This().As<Napi::Object>());
  if (info.Length() > 0 && info[0].IsObject()) {
    Space* sib = Space::Unwrap(info[0].As<Napi::Object>());
    if (sib && sib->core_) core_ = sib->core_;
  }
  if (!core_) core_ = std::make_shared<Core>();
  if (!core_->ok()) {
    std::string why = core_->error;
    core_.reset();
    closed_ = true;
    Napi::Error::New(info.Env(), why).ThrowAsJavaScriptException();
    return;
  }
  core_->spaces++;
}

Space::~Space() {
  unregisterObject(this);
  release();
}

// Give up the core: the loaded thread's state saved out of it if it is one of
// ours, the mappings (and so the slices) dropped first, then the core itself,
// which goes (engine and window) with its last space.
void Space::release() {
  execDropped(0, ~0ull);
  // A vmspace's watchpoints must not outlive it on the engine its siblings go on using.
  if (core_ && core_->spaces > 1 && dropWatches()) afterHook();
  vmspaces_.clear();
  // The last space of an engine: its window goes whole, no slice need be
  // given back piece by piece (an mmap each).
  if (core_ && core_->spaces == 1) core_->closing = true;
  vmas_.clear();
  cache_ = nullptr;
  closed_ = true;
  if (!core_) return;
  if (core_->loaded && core_->loaded->space == this) core_->unload();
  if (core_->current == this) core_->current = nullptr;
  core_->spaces--;
  core_.reset();
}

Vma* Space::find(uint64_t va) {
  if (cache_ && va >= cache_->start && va < cache_->end) return cache_;
  auto it = vmas_.upper_bound(va);
  if (it == vmas_.begin()) return nullptr;
  --it;
  if (va >= it->second.end) return nullptr;
  cache_ = &it->second;
  return cache_;
}

static bool protAllows(int prot, int access) {
  switch (access) {
    case 0: return prot != 0;  // x86: any mapped protection is readable
    case 1: return prot & kProtWrite;
    default: return prot & kProtExec;
  }
}

// The byte offset within the window of the page at pageVa, or -1 (no
// translation) / -2 (past the end of what backs the mapping: SIGBUS).
static int64_t backingOffset(Space* sp, Vma* v, uint64_t pageVa, int access, int* perms) {
  if (!v->slice) return -2;
  if (v->kind == 4) {
    bool w = false, x = false;
    uint8_t* base = sp->window() + v->slice->off;
    int64_t pg = vptWalk(base, v->valid, v->masterPde, pageVa >> 12, access, &w, &x);
    if (pg < 0) return pg == -3 ? -3 : -1;
    *perms = kProtRead | (w ? kProtWrite : 0) | (x ? kProtExec : 0);
    return static_cast<int64_t>(v->slice->off + static_cast<uint64_t>(pg) * kPage);
  }
  *perms = v->prot;
  uint64_t rel = pageVa - v->start;
  if (rel >= v->valid) return -2;
  if (v->backing && v->backing->file) {
    uint64_t fileOff = v->fileOff + rel;
    Backing* b = v->backing.get();
    if (fileOff >= b->fileSize) {
      struct stat st;
      if (fstat(b->fd, &st) == 0) b->fileSize = static_cast<uint64_t>(st.st_size);
      if (fileOff >= b->fileSize) return -2;  // beyond end of file: SIGBUS
    }
  }
  return static_cast<int64_t>(v->slice->off + v->sliceOff + rel);
}

bool Space::fill(uint64_t vaddr, int access, uc_tlb_entry* out) {
  uint64_t page = vaddr & ~(kPage - 1);
  RunStop& st = core_->stop;
  st.faultAddr = vaddr;
  st.faultAccess = access;
  st.faultPresent = false;
  st.faultNoncanonical = vaddr >= kVaLimit && vaddr < 0xFFFF800000000000ull;
  st.fault = true;
  Vma* v = find(page);
  if (!v) return false;
  if (v->kind != 4 && !protAllows(v->prot, access)) {
    st.faultPresent = true;
    return false;
  }
  int perms = 0;
  int64_t off = backingOffset(this, v, page, access, &perms);
  if (off < 0) {
    st.faultPresent = off == -2 || off == -3;
    return false;
  }
  if (v->kind == 4 && !protAllows(perms, access)) {
    st.faultPresent = true;
    return false;
  }
  st.fault = false;
  if (v->kind == 4) {
    // Through a memory image, code comes only from fills for a fetch, which
    // are remembered (codepages.cc): a page first read as data is filled
    // again when code runs from it. The vkernel's own pages are executable
    // but hold data: remembering them all would cost a hash per invalidation.
    if (access != 2) {
      perms &= ~kProtExec;
    } else if (codeStale(static_cast<uint64_t>(off))) {
      st.staleCode = true;
      st.staleOff = static_cast<uint64_t>(off);
      return false;
    } else {
      execFilled(page, static_cast<uint64_t>(off));
    }
  }
  Core* c = core_.get();
  if (v->kind == 4 && !c->vptOverflow) {
    if (c->vptFilled.size() < Core::kMaxTracked) c->vptFilled.insert(page);
    else c->vptOverflow = true;
  }
  out->paddr = kWindowPhys + static_cast<uint64_t>(off);
  out->perms = static_cast<uc_prot>(perms & 7);
  return true;
}

uint8_t* Space::translate(uint64_t va, int access, uint64_t* avail) {
  uint64_t page = va & ~(kPage - 1);
  Vma* v = find(page);
  if (!v) return nullptr;
  int perms = 0;
  if (v->kind != 4 && !protAllows(v->prot, access)) return nullptr;
  int64_t off = backingOffset(this, v, page, access, &perms);
  if (off < 0) return nullptr;
  if (v->kind == 4) {
    if (!protAllows(perms, access)) return nullptr;
    *avail = kPage - (va - page);
  } else {
    uint64_t end = v->start + v->valid;
    if (v->backing && v->backing->file) {
      uint64_t fileEnd = v->start + (v->backing->fileSize - v->fileOff);
      uint64_t fileEndPage = (fileEnd + kPage - 1) & ~(kPage - 1);
      if (fileEndPage < end) end = fileEndPage;
    }
    if (end > v->end) end = v->end;
    *avail = end - va;
  }
  return window() + off + (va - page);
}

bool Space::copyIn(uint64_t va, void* dst, uint64_t len) {
  uint8_t* d = static_cast<uint8_t*>(dst);
  while (len > 0) {
    uint64_t avail = 0;
    uint8_t* p = translate(va, 0, &avail);
    if (!p) return false;
    uint64_t n = std::min(avail, len);
    memcpy(d, p, n);
    d += n, va += n, len -= n;
  }
  return true;
}

bool Space::copyOut(uint64_t va, const void* src, uint64_t len) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  // Check the whole range first so that a failing copy writes nothing.
  for (uint64_t a = va & ~(kPage - 1); a < va + len; a += kPage) {
    uint64_t avail;
    if (!translate(a < va ? va : a, 1, &avail)) return false;
  }
  while (len > 0) {
    uint64_t avail = 0;
    uint8_t* p = translate(va, 1, &avail);
    if (!p) return false;
    uint64_t n = std::min(avail, len);
    memcpy(p, s, n);
    s += n, va += n, len -= n;
  }
  return true;
}

// Give v host memory for `len` bytes from its start, as its kind wants.
bool Space::attach(Vma& v, uint64_t len) {
  if (len == 0) return true;
  if (v.kind == 4) {
    // Frames are offsets into the image: one slice per image and engine.
    auto sl = core_->imageSlice(v.backing->fd, len);
    if (!sl) return false;
    v.slice = sl;
    v.sliceOff = 0;
    v.valid = len;
    return true;
  }
  auto sl = core_->allocSlice(len);
  if (!sl) return false;
  uint8_t* at = window() + sl->off;
  if (v.backing && v.backing->fd >= 0) {
    bool shared = v.kind != 2;
    int fl = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
    uint64_t foff = v.fileOff;
    void* p = mmap(at, len, PROT_READ | PROT_WRITE, fl, v.backing->fd, static_cast<off_t>(foff));
    if (p == MAP_FAILED && errno == EACCES) p = mmap(at, len, PROT_READ, fl, v.backing->fd, static_cast<off_t>(foff));
    if (p == MAP_FAILED) return false;
  }
  v.slice = sl;
  v.sliceOff = 0;
  v.valid = len;
  return true;
}

void Space::splitAt(uint64_t addr) {
  Vma* v = find(addr);
  cache_ = nullptr;
  if (!v || v->start == addr) return;
  Vma hi = *v;
  uint64_t d = addr - v->start;
  hi.start = addr;
  if (hi.kind != 4) {
    hi.sliceOff = v->sliceOff + d;
    hi.valid = v->valid > d ? v->valid - d : 0;
    hi.fileOff = v->fileOff + d;
    if (v->valid > d) v->valid = d;
  }
  v->end = addr;
  vmas_.emplace(addr, hi);
}

void Space::removeRange(uint64_t start, uint64_t end) {
  execDropped(start, end);
  splitAt(start);
  splitAt(end);
  cache_ = nullptr;
  auto it = vmas_.lower_bound(start);
  while (it != vmas_.end() && it->first < end) {
    Vma& v = it->second;
    if (v.kind == 0 && v.slice && v.valid) {
      // Give the memory back now; the slice itself goes when its last piece does.
      madvise(window() + v.slice->off + v.sliceOff, v.valid, MADV_DONTNEED);
    }
    it = vmas_.erase(it);
  }
}

void Space::invalidate() {
  if (core_ && core_->current == this) core_->flushTlb(this);
}

static uint64_t num(const Napi::Value& v) {
  if (v.IsBigInt()) {
    bool lossless;
    return v.As<Napi::BigInt>().Uint64Value(&lossless);
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (d < 0) return static_cast<uint64_t>(static_cast<int64_t>(d));
  return static_cast<uint64_t>(d);
}

// map(start, len, prot, kind, fd, fdOffset) -> 0 or -errno. Replaces whatever
// was there. kind: 0 private anon, 1 shared anon, 2 private file, 3 shared
// file, 4 vpagetable over a shared file (fdOffset ignored: frames are file offsets).
Napi::Value Space::Map(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t start = num(info[0]), len = num(info[1]);
  int prot = info[2].As<Napi::Number>().Int32Value();
  int kind = info[3].As<Napi::Number>().Int32Value();
  int fd = info[4].As<Napi::Number>().Int32Value();
  uint64_t off = num(info[5]);
  if (closed_) return Napi::Number::New(env, -ENOMEM);
  if ((start | len) & (kPage - 1) || len == 0 || start + len > kVaLimit || start + len < start)
    return Napi::Number::New(env, -EINVAL);
  Vma v{start, start + len, prot, kind, nullptr, 0, 0, nullptr, 0, 0};
  uint64_t backed = len;
  if (kind == 1) {
    int mfd = static_cast<int>(syscall(SYS_memfd_create, "vkemu-shm", 1u /* MFD_CLOEXEC */));
    if (mfd < 0 || ftruncate(mfd, static_cast<off_t>(len)) != 0) {
      if (mfd >= 0) close(mfd);
      return Napi::Number::New(env, -ENOMEM);
    }
    v.backing = std::make_shared<Backing>();
    v.backing->fd = mfd;
  } else if (kind >= 2) {
    if (off & (kPage - 1)) return Napi::Number::New(env, -EINVAL);
    int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dfd < 0) return Napi::Number::New(env, -EBADF);
    struct stat st;
    fstat(dfd, &st);
    v.backing = std::make_shared<Backing>();
    v.backing->fd = dfd;
    v.backing->file = S_ISREG(st.st_mode);
    v.backing->fileSize = static_cast<uint64_t>(st.st_size);
    v.fileOff = kind == 4 ? 0 : off;
    if (v.backing->file) {
      // Only the part of the file that exists gets host memory; the rest faults.
      uint64_t from = kind == 4 ? 0 : off;
      uint64_t have = v.backing->fileSize > from ? ((v.backing->fileSize - from + kPage - 1) & ~(kPage - 1)) : 0;
      if (have < backed) backed = have;
    }
  } else if (prot == 0) {
    backed = 0;  // a reservation: memory comes when it is made accessible
  }
  removeRange(start, start + len);
  if (!attach(v, backed)) return Napi::Number::New(env, -ENOMEM);
  vmas_.emplace(start, v);
  cache_ = nullptr;
  invalidate();
  return Napi::Number::New(env, 0);
}

Napi::Value Space::Unmap(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), len = num(info[1]);
  removeRange(start, start + len);
  invalidate();
  return info.Env().Undefined();
}

// protect(start, len, prot) -> 0 or -ENOMEM when part of the range is unmapped.
Napi::Value Space::Protect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t start = num(info[0]), len = num(info[1]);
  int prot = info[2].As<Napi::Number>().Int32Value();
  uint64_t end = start + len;
  for (uint64_t a = start; a < end;) {
    Vma* v = find(a);
    if (!v) return Napi::Number::New(env, -ENOMEM);
    a = v->end;
  }
  execDropped(start, end);
  splitAt(start);
  splitAt(end);
  for (auto it = vmas_.lower_bound(start); it != vmas_.end() && it->first < end; ++it) {
    Vma& v = it->second;
    v.prot = prot;
    if (prot && !v.slice && v.kind == 0 && !attach(v, v.end - v.start)) {
      cache_ = nullptr;
      return Napi::Number::New(env, -ENOMEM);
    }
  }
  cache_ = nullptr;
  invalidate();
  return Napi::Number::New(env, 0);
}

// findFree(hint, len, align, limit) -> lowest free address >= hint, or -1.
Napi::Value Space::FindFree(const Napi::CallbackInfo& info) {
  uint64_t hint = num(info[0]), len = num(info[1]), align = num(info[2]);
  uint64_t limit = info.Length() > 3 ? num(info[3]) : kUserTop;
  if (align < kPage) align = kPage;
  uint64_t a = (hint + align - 1) & ~(align - 1);
  auto it = vmas_.upper_bound(a);
  if (it != vmas_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > a) a = (prev->second.end + align - 1) & ~(align - 1);
  }
  for (; a + len <= limit && a + len > a;) {
    auto next = vmas_.lower_bound(a);
    if (next == vmas_.end() || next->first >= a + len) return Napi::Number::New(info.Env(), static_cast<double>(a));
    a = (next->second.end + align - 1) & ~(align - 1);
  }
  return Napi::Number::New(info.Env(), -1);
}

Napi::Value Space::IsFree(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), len = num(info[1]);
  auto it = vmas_.lower_bound(start);
  if (it != vmas_.end() && it->first < start + len) return Napi::Boolean::New(info.Env(), false);
  if (it != vmas_.begin() && std::prev(it)->second.end > start) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), true);
}

// read(addr, len) -> Buffer, or null when any byte is inaccessible (EFAULT).
// readInto(va, target: Uint8Array) -> true, or false when any byte is
// inaccessible. The caller's buffer (often from Node's pool) avoids a native
// allocation per copy-in, which cost more than the copy itself.
Napi::Value Space::ReadInto(const Napi::CallbackInfo& info) {
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  return Napi::Boolean::New(info.Env(), copyIn(num(info[0]), a.Data(), a.ByteLength()));
}

// write(addr, bytes[, off, len]) -> true, or false (EFAULT; nothing written).
Napi::Value Space::Write(const Napi::CallbackInfo& info) {
  uint64_t va = num(info[0]);
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  uint64_t off = info.Length() > 2 ? num(info[2]) : 0;
  uint64_t len = info.Length() > 3 ? num(info[3]) : a.ByteLength() - off;
  if (off + len > a.ByteLength()) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), copyOut(va, a.Data() + off, len));
}

// readCString(addr, max) -> Buffer without the NUL; null on EFAULT; false if
// no NUL within max bytes.
Napi::Value Space::ReadCString(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t va = num(info[0]), max = num(info[1]);
  std::vector<uint8_t> out;
  while (out.size() < max) {
    uint64_t avail = 0;
    uint8_t* p = translate(va, 0, &avail);
    if (!p) return env.Null();
    uint64_t n = std::min<uint64_t>(avail, max - out.size());
    void* z = memchr(p, 0, n);
    if (z) {
      out.insert(out.end(), p, static_cast<uint8_t*>(z));
      return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
    }
    out.insert(out.end(), p, p + n);
    va += n;
  }
  return Napi::Boolean::New(env, false);
}

// check(addr, len, access) -> whether the whole range is accessible.
Napi::Value Space::Check(const Napi::CallbackInfo& info) {
  uint64_t va = num(info[0]), len = num(info[1]);
  int access = info[2].As<Napi::Number>().Int32Value();
  uint64_t end = va + len;
  while (va < end) {
    uint64_t avail;
    if (!translate(va, access, &avail)) return Napi::Boolean::New(info.Env(), false);
    va += std::min(avail, end - va);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// fdIo(write, fd, addr, len, pos) -> bytes or -errno (Linux): I/O straight
// between a host descriptor and guest memory, without a copy through
// JavaScript. pos -1 uses the descriptor's file position. The whole guest
// range is checked first: a bad address gives -EFAULT and no I/O happens.
Napi::Value Space::FdIo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool wr = info[0].As<Napi::Boolean>().Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  uint64_t va = num(info[2]), len = num(info[3]);
  int64_t pos = info[4].As<Napi::Number>().Int64Value();
  std::vector<iovec> iov;
  for (uint64_t a = va, left = len; left > 0;) {
    uint64_t avail = 0;
    uint8_t* p = translate(a, wr ? 0 : 1, &avail);
    if (!p) return Napi::Number::New(env, -EFAULT);
    uint64_t n = std::min(avail, left);
    if (!iov.empty() && static_cast<uint8_t*>(iov.back().iov_base) + iov.back().iov_len == p) iov.back().iov_len += n;
    else iov.push_back({p, n});
    a += n;
    left -= n;
    if (iov.size() >= 1024) break;  // IOV_MAX: a short transfer, as the host would do
  }
  ssize_t r;
  if (wr) r = pos < 0 ? writev(fd, iov.data(), static_cast<int>(iov.size())) : pwritev(fd, iov.data(), static_cast<int>(iov.size()), pos);
  else r = pos < 0 ? readv(fd, iov.data(), static_cast<int>(iov.size())) : preadv(fd, iov.data(), static_cast<int>(iov.size()), pos);
  return Napi::Number::New(env, r >= 0 ? static_cast<double>(r) : -errno);
}

Napi::Value Space::Regions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& kv : vmas_) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("start", Napi::Number::New(env, static_cast<double>(kv.second.start)));
    o.Set("end", Napi::Number::New(env, static_cast<double>(kv.second.end)));
    o.Set("prot", Napi::Number::New(env, kv.second.prot));
    o.Set("kind", Napi::Number::New(env, kv.second.kind));
    out.Set(i++, o);
  }
  return out;
}

// The exact address of a data fault whose page the fill callback saw: from
// the faulting instruction (decode.cc), kept only when it lies in that page
// (or is an access that crosses into it: then the page's first byte, as CR2).
uint64_t Space::exactDataFault(Thread* t, uint64_t faultVa) {
  uint64_t page = faultVa & ~(kPage - 1);
  uint8_t code[15];
  size_t n = 0;
  for (uint64_t a = t->regs[kRip]; n < sizeof code;) {
    uint64_t avail = 0;
    uint8_t* p = translate(a, 0, &avail);
    if (!p) break;
    size_t k = static_cast<size_t>(std::min<uint64_t>(avail, sizeof code - n));
    memcpy(code + n, p, k);
    n += k;
    a += k;
  }
  uint64_t ea;
  if (!faultAddress(code, n, t->regs, core_->stop.faultAccess, &ea)) return faultVa;
  if ((ea & ~(kPage - 1)) == page) return ea;
  if (ea < page && page - ea < 64) return page;
  return faultVa;
}

Napi::Value Space::FlushCode(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), end = num(info[1]);
  if (closed_) return info.Env().Undefined();
  Core* c = core_.get();
  // The engine translates through the TLB, which must hold this space's pages.
  if (c->current != this) c->flushTlb(this);
  // Before the first run uc_ctl_remove_cache can derail that run (debug.cc).
  if (c->runGen.load(std::memory_order_relaxed) == 0) uc_ctl_flush_tb(c->uc);
  else uc_ctl_remove_cache(c->uc, start, end);
  return info.Env().Undefined();
}

// poke(va, data) -> bool: a debugger's write into private memory whatever its
// guest protection (gdb's int3 in read-only text), without changing the
// protection: a protect() pair would split the mapping and flush the whole
// TLB twice per breakpoint. Private mappings only, whose host pages are
// always writable (anonymous, or MAP_PRIVATE files); the caller drops
// translated code afterwards.
Napi::Value Space::Poke(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t va = num(info[0]);
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  const uint8_t* src = a.Data();
  uint64_t len = a.ByteLength();
  // Check the whole range first: all or nothing.
  for (uint64_t at = va & ~(kPage - 1); at < va + len; at += kPage) {
    Vma* v = find(at);
    if (!v || (v->kind != 0 && v->kind != 2) || v->prot == 0) return Napi::Boolean::New(env, false);
  }
  while (len > 0) {
    uint64_t page = va & ~(kPage - 1);
    Vma* v = find(page);
    int perms = 0;
    int64_t off = backingOffset(this, v, page, 0, &perms);
    if (off < 0) return Napi::Boolean::New(env, false);
    uint64_t n = std::min<uint64_t>(kPage - (va - page), len);
    memcpy(window() + off + (va - page), src, n);
    va += n;
    src += n;
    len -= n;
  }
  return Napi::Boolean::New(env, true);
}

// copyFrom(parent): make this space a fork-time copy of parent: private
// memory is copied, shared memory is shared.
Napi::Value Space::CopyFrom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Space* p = Space::Unwrap(info[0].As<Napi::Object>());
  if (closed_ || p->closed_) return Napi::Number::New(env, -ENOMEM);
  for (auto& kv : p->vmas_) {
    const Vma& pv = kv.second;
    Vma v = pv;
    v.slice = nullptr;
    v.sliceOff = 0;
    bool shared = pv.kind == 1 || pv.kind == 3 || pv.kind == 4;
    uint64_t len = pv.valid;
    // A private file mapping stays one in the child: the pages the parent
    // did not write come from the file, not from the parent's copy.
    if (!shared && v.kind != 2) v.backing = nullptr;
    if (len && !attach(v, len)) return Napi::Number::New(env, -ENOMEM);
    if (!shared && len)
      copyWritten(p->window() + pv.slice->off + pv.sliceOff, window() + v.slice->off, len, pv.kind == 2);
    vmas_.emplace(v.start, v);
  }
  cache_ = nullptr;
  invalidate();
  return Napi::Number::New(env, 0);
}

// Copy the pages of private memory at src (len bytes, page aligned) that
// differ from what dst already shows: for anonymous memory the pages ever
// touched (the rest are zero on both sides), for a private file mapping the
// pages the parent wrote (the rest are the file's, which dst maps too). Asked
// of /proc/self/pagemap: mincore(2) answered for a file mapping whether the
// file's page is in the host page cache, and a page evicted from it came out
// as zeros in the child (seen as a forked vkernel with parts of its data and
// of libc zeroed). Runs of pages to copy have the child's side faulted in with
// one call each: a page fault each cost most of a fork (this VM's faults are
// dear; 4 MiB: 1024 faults). Without pagemap (or one that fails its probe) everything is copied.
// pagemap is trusted once a page just written reads back as present in it: a host whose
// pagemap said nothing would otherwise give every child zeroed memory.
static int openPagemap() {
  int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  void* p = mmap(nullptr, kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bool ok = false;
  if (p != MAP_FAILED) {
    *static_cast<volatile uint8_t*>(p) = 1;
    uint64_t e = 0;
    off_t at = static_cast<off_t>(reinterpret_cast<uintptr_t>(p) / kPage * sizeof(uint64_t));
    ok = pread(fd, &e, sizeof(e), at) == static_cast<ssize_t>(sizeof(e)) && (e & (1ull << 63));
    munmap(p, kPage);
  }
  if (!ok) {
    close(fd);
    return -1;
  }
  return fd;
}

void Space::copyWritten(const uint8_t* src, uint8_t* dst, uint64_t len, bool file) {
  static int pagemap = openPagemap();
  constexpr uint64_t kPresent = 1ull << 63, kSwapped = 1ull << 62, kFilePage = 1ull << 61;
  constexpr size_t kChunk = 4096;
  uint64_t entries[kChunk];
  size_t pages = len / kPage;
  uintptr_t base = reinterpret_cast<uintptr_t>(src);
  auto copy = [&](size_t from, size_t to) {
    madvise(dst + from * kPage, (to - from) * kPage, MADV_POPULATE_WRITE);
    memcpy(dst + from * kPage, src + from * kPage, (to - from) * kPage);
  };
  for (size_t i = 0; i < pages; i += kChunk) {
    size_t n = std::min(kChunk, pages - i);
    off_t at = static_cast<off_t>((base / kPage + i) * sizeof(uint64_t));
    if (pagemap < 0 || (base & (kPage - 1)) ||
        pread(pagemap, entries, n * sizeof(uint64_t), at) != static_cast<ssize_t>(n * sizeof(uint64_t))) {
      copy(i, i + n);
      continue;
    }
    auto written = [&](size_t j) {
      uint64_t e = entries[j];
      return (e & kSwapped) || ((e & kPresent) && !(file && (e & kFilePage)));
    };
    for (size_t j = 0; j < n;) {
      if (!written(j)) { j++; continue; }
      size_t k = j;
      while (k < n && written(k)) k++;
      copy(i + j, i + k);
      j = k;
    }
  }
}

// setFast(pid, enableGetpid[, clockOffsetNs[, vkernel]]): with the offset,
// clock_gettime too (the guest's monotonic time is CLOCK_MONOTONIC minus it);
// with vkernel, a virtual kernel's MADV_INVAL (vkcalls.cc).
Napi::Value Space::SetFast(const Napi::CallbackInfo& info) {
  pid = info[0].As<Napi::Number>().Int64Value();
  fastGetpid = info[1].As<Napi::Boolean>().Value();
  fastClock = info.Length() > 2 && info[2].IsBigInt();
  if (fastClock) {
    bool lossless;
    clockOffsetNs = info[2].As<Napi::BigInt>().Int64Value(&lossless);
  }
  fastVkernel = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  fastFiles = info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  return info.Env().Undefined();
}

// setMasterPde(start, len, value) -> 0 or -EINVAL if not a vpagetable mapping.
Napi::Value Space::SetMasterPde(const Napi::CallbackInfo& info) {
  uint64_t start = num(info[0]), len = num(info[1]), value = num(info[2]);
  uint64_t end = start + len;
  execDropped(start, end);
  bool any = false;
  for (uint64_t a = start; a < end;) {
    Vma* v = find(a);
    if (!v) { a += kPage; continue; }
    if (v->kind != 4) return Napi::Number::New(info.Env(), -EINVAL);
    v->masterPde = value;
    any = true;
    a = v->end;
  }
  invalidate();
  return Napi::Number::New(info.Env(), any ? 0 : -EINVAL);
}

// inval([start, len]) -> whether the TLB dropped anything. MADV_INVAL: a
// range whose pages were not filled since the last flush is skipped (the
// common case of a vkernel invalidating after entering a new mapping); a few
// pages that were are dropped one by one (tlbpage.cc); anything more, or
// when Unicorn cannot drop one page, flushes the whole TLB.
Napi::Value Space::Inval(const Napi::CallbackInfo& info) {
  if (info.Length() >= 2) return Napi::Boolean::New(info.Env(), inval(num(info[0]), num(info[1])));
  return Napi::Boolean::New(info.Env(), inval(0, ~0ull, false));
}

bool Space::inval(uint64_t addr, uint64_t len, bool ranged) {
  if (closed_) return false;
  uint64_t start = 0, end = ~0ull;
  if (ranged) {
    start = addr & ~(kPage - 1);
    end = len > ~0ull - start ? ~0ull : (start + len + kPage - 1) & ~(kPage - 1);
  }
  execDropped(start, end);
  Core* c = core_.get();
  // The TLB holds another space's pages: nothing of this one to drop.
  if (c->current != this) return false;
  if (!ranged || c->vptOverflow) {
    invalidate();
    return true;
  }
  // The pages of the range the TLB may hold, up to one more than are worth
  // dropping one by one.
  constexpr size_t kOneByOne = 16;
  uint64_t held[kOneByOne + 1];
  size_t n = 0;
  if ((end - start) / kPage < c->vptFilled.size()) {
    for (uint64_t a = start; a < end && n <= kOneByOne; a += kPage)
      if (c->vptFilled.count(a)) held[n++] = a;
  } else {
    for (uint64_t a : c->vptFilled) {
      if (a >= start && a < end) held[n++] = a;
      if (n > kOneByOne) break;
    }
  }
  if (n == 0) return false;
  bool one = n <= kOneByOne;
  for (size_t i = 0; i < n && one; i++) one = c->flushTlbPage(held[i]);
  if (one) return true;
  invalidate();
  return true;
}

// setVmspace(id: bigint, space: Space | null): the vmspace this (virtual
// kernel's) space knows by `id`, for the calls served in the engine
// (vkcalls.cc); null forgets it.
Napi::Value Space::SetVmspace(const Napi::CallbackInfo& info) {
  uint64_t id = num(info[0]);
  vmspaces_.erase(id);
  if (info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    vmspaces_.emplace(id, VmRef{Space::Unwrap(o), Napi::Persistent(o)});
  }
  return info.Env().Undefined();
}

// close(): release the engine and the window now (when this was the last
// space on them), not at garbage collection.
Napi::Value Space::Close(const Napi::CallbackInfo& info) {
  release();
  return info.Env().Undefined();
}

}  // namespace vkemu
