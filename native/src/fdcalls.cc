// read, write, readv, writev, extpread, extpwrite, extpreadv, extpwritev and
// lseek on the descriptors of fdmirror.cc, served inside the syscall hook:
// straight between guest memory and the host descriptor, as the TypeScript
// path does it (src/vm/files/hostfile.ts HostFile.io through Space::FdIo, and
// syscalls/fs.ts), without the stop, the return to JavaScript and its N-API
// call. A write(2) to /dev/null cost ~3 µs more than qemu-user's that way.
// Only the plain case is served: any doubt (an inaccessible guest page, a
// host error, an odd flag, offset or count) goes to TypeScript, which gives
// its answer (EFAULT, the errno translated, EINVAL...) from the unchanged
// state: nothing here changes anything before the host call succeeds, and a
// host call that fails has transferred nothing.
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>

#include "fdmirror.h"
#include "space.h"

namespace vkemu {

namespace {

constexpr int kIovMax = 1024;            // the host's IOV_MAX (Space::FdIo stops there too)
constexpr uint64_t kMaxIo = 0x7fffffff;  // larger transfers are EINVAL (TypeScript's answer)
constexpr int64_t kExact = 1ll << 53;    // TypeScript keeps offsets as doubles
// DragonFly's extpread/extpwrite flags (sys/fcntl.h) served here; others (O_FAPPEND,
// O_FSYNCWRITE, O_FASYNCWRITE) go to TypeScript.
constexpr uint32_t kFBlocking = 0x40000, kFNonblocking = 0x80000, kFOffset = 0x200000;

thread_local iovec tIov[kIovMax];
thread_local iovec tGuestIov[kIovMax];

// The calling thread's descriptor `fd`, if this space serves descriptors and
// the description allows `need`.
HookDesc* callerDesc(Space* s, uint32_t need) {
  if (!s->fastFiles) return nullptr;
  int32_t fd = static_cast<int32_t>(callReg(s, kRdi, UC_X86_REG_RDI));
  return hookDesc(s->core()->running->regs[kFiles], fd, need);
}

// Host pieces of guest [va, va+len) appended to tIov[*n...]; a guest read of
// the file writes guest memory. False if a page is inaccessible, or when more
// than kIovMax pieces are needed and !shortOk (Space::FdIo's short transfer).
bool gather(Space* s, bool toFile, uint64_t va, uint64_t len, int* n, bool shortOk) {
  for (uint64_t a = va, left = len; left > 0;) {
    if (*n >= kIovMax) return shortOk;
    uint64_t avail = 0;
    uint8_t* p = s->translate(a, toFile ? 0 : 1, &avail);
    if (!p) return false;
    uint64_t k = std::min(avail, left);
    if (*n > 0 && static_cast<uint8_t*>(tIov[*n - 1].iov_base) + tIov[*n - 1].iov_len == p) tIov[*n - 1].iov_len += k;
    else tIov[(*n)++] = {p, k};
    a += k;
    left -= k;
  }
  return true;
}

// The ext calls' offset (flags in r10, offset in r8): -1 for the file
// position, else the explicit one; false: TypeScript answers.
bool extPos(Space* s, int64_t* pos) {
  uint32_t flags = static_cast<uint32_t>(callReg(s, kR10, UC_X86_REG_R10));
  int64_t off = static_cast<int64_t>(callReg(s, kR8, UC_X86_REG_R8));
  if (flags & ~(kFBlocking | kFNonblocking | kFOffset)) return false;
  if (off == -1 && !(flags & kFOffset)) {
    *pos = -1;
    return true;
  }
  if (off < 0 || off >= kExact) return false;
  *pos = off;
  return true;
}

// The transfer of tIov[0..n) at `pos` (-1: the description's position, as
// HostFile.io: a seekable file's own, at its end for O_APPEND writes; the
// host descriptor's for a device).
bool transfer(Space* s, HookDesc* d, bool toFile, int n, int64_t pos) {
  bool seekable = d->flags & kHookSeekable;
  int64_t at = pos >= 0 ? pos : seekable ? static_cast<int64_t>(d->pos) : -1;
  if (toFile && pos < 0 && seekable && (d->flags & kHookAppend)) {
    struct stat st;
    if (fstat(d->hostFd, &st) != 0) return false;
    at = st.st_size;
  }
  ssize_t r;
  if (n == 1) {  // the common case: the plain call spares the host copying in an iovec
    void* b = tIov[0].iov_base;
    size_t len = tIov[0].iov_len;
    if (toFile) r = at < 0 ? write(d->hostFd, b, len) : pwrite(d->hostFd, b, len, at);
    else r = at < 0 ? read(d->hostFd, b, len) : pread(d->hostFd, b, len, at);
  } else if (toFile) {
    r = at < 0 ? writev(d->hostFd, tIov, n) : pwritev(d->hostFd, tIov, n, at);
  } else {
    r = at < 0 ? readv(d->hostFd, tIov, n) : preadv(d->hostFd, tIov, n, at);
  }
  if (r < 0) return false;  // TypeScript does it again and translates the errno
  if (pos < 0 && seekable) d->pos = static_cast<double>(at + r);
  callSucceed(s, static_cast<uint64_t>(r));
  return true;
}

// read/write(fd, buf, len) and extpread/extpwrite(fd, buf, len, flags, offset).
bool rw(Space* s, bool toFile, bool ext) {
  HookDesc* d = callerDesc(s, toFile ? kHookWrite : kHookRead);
  if (!d) return false;
  uint64_t va = callReg(s, kRsi, UC_X86_REG_RSI), len = callReg(s, kRdx, UC_X86_REG_RDX);
  int64_t pos = -1;
  if (len > kMaxIo || (ext && !extPos(s, &pos))) return false;
  int n = 0;
  if (!gather(s, toFile, va, len, &n, true)) return false;
  return transfer(s, d, toFile, n, pos);
}

// readv/writev(fd, iov, count) and extpreadv/extpwritev(fd, iov, count, flags, offset).
bool rwv(Space* s, bool toFile, bool ext) {
  HookDesc* d = callerDesc(s, toFile ? kHookWrite : kHookRead);
  if (!d) return false;
  uint64_t iovVa = callReg(s, kRsi, UC_X86_REG_RSI);
  int32_t count = static_cast<int32_t>(callReg(s, kRdx, UC_X86_REG_RDX));
  int64_t pos = -1;
  if (count < 0 || count > kIovMax || (ext && !extPos(s, &pos))) return false;
  static_assert(sizeof(iovec) == 16, "a DragonFly x86-64 struct iovec");
  if (!s->copyIn(iovVa, tGuestIov, static_cast<uint64_t>(count) * sizeof(iovec))) return false;
  uint64_t total = 0;
  for (int i = 0; i < count; i++) {
    total += tGuestIov[i].iov_len;
    if (tGuestIov[i].iov_len > kMaxIo || total > kMaxIo) return false;
  }
  int n = 0;
  for (int i = 0; i < count; i++)
    if (!gather(s, toFile, reinterpret_cast<uint64_t>(tGuestIov[i].iov_base), tGuestIov[i].iov_len, &n, false))
      return false;
  return transfer(s, d, toFile, n, pos);
}

}  // namespace

bool serveRead(Space* s) { return rw(s, false, false); }
bool serveWrite(Space* s) { return rw(s, true, false); }
bool serveExtpread(Space* s) { return rw(s, false, true); }
bool serveExtpwrite(Space* s) { return rw(s, true, true); }
bool serveReadv(Space* s) { return rwv(s, false, false); }
bool serveWritev(Space* s) { return rwv(s, true, false); }
bool serveExtpreadv(Space* s) { return rwv(s, false, true); }
bool serveExtpwritev(Space* s) { return rwv(s, true, true); }

// lseek(fd, pad, offset, whence) on a seekable description: SEEK_SET, SEEK_CUR
// and SEEK_END (the host file's size), as syscalls/fs.ts lseek.
bool serveLseek(Space* s) {
  HookDesc* d = callerDesc(s, kHookSeekable);
  if (!d) return false;
  int64_t off = static_cast<int64_t>(callReg(s, kRdx, UC_X86_REG_RDX));
  int32_t whence = static_cast<int32_t>(callReg(s, kR10, UC_X86_REG_R10));
  if (off <= -kExact || off >= kExact) return false;
  int64_t base;
  if (whence == 0) {
    base = 0;
  } else if (whence == 1) {
    base = static_cast<int64_t>(d->pos);
  } else if (whence == 2) {
    struct stat st;
    if (fstat(d->hostFd, &st) != 0) return false;
    base = st.st_size;
  } else {
    return false;
  }
  int64_t to = base + off;
  if (to < 0 || to >= kExact) return false;
  d->pos = static_cast<double>(to);
  callSucceed(s, static_cast<uint64_t>(to));
  return true;
}

}  // namespace vkemu
