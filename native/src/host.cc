// Host helpers that need C: file locks and descriptor plumbing the Node API
// does not offer.
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <string>

#include "space.h"

namespace vkemu {

// flock(fd, op) -> 0 or -errno (Linux LOCK_* values).
static Napi::Value Flock(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].As<Napi::Number>().Int32Value();
  int r = flock(fd, op);
  return Napi::Number::New(info.Env(), r == 0 ? 0 : -errno);
}

// fcntlFlags(fd[, set]) -> the O_* status flags, optionally setting them first.
static Napi::Value FcntlFlags(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (info.Length() > 1) {
    int fl = info[1].As<Napi::Number>().Int32Value();
    if (fcntl(fd, F_SETFL, fl) != 0) return Napi::Number::New(info.Env(), -errno);
  }
  int r = fcntl(fd, F_GETFL);
  return Napi::Number::New(info.Env(), r >= 0 ? r : -errno);
}

// ioctlBuf(fd, request, buffer) -> 0 or -errno; the buffer is passed by pointer.
static Napi::Value IoctlBuf(const Napi::CallbackInfo& info) {
  int fd = info[0].As<Napi::Number>().Int32Value();
  unsigned long req = static_cast<unsigned long>(info[1].As<Napi::Number>().Int64Value());
  Napi::Uint8Array b = info[2].As<Napi::Uint8Array>();
  int r = ioctl(fd, req, b.Data());
  return Napi::Number::New(info.Env(), r >= 0 ? r : -errno);
}

// hostIo(write, fd, buffer, pos) -> bytes or -errno; pos -1 uses the file position.
// Node's fs.readSync/writeSync cost ~1 µs of argument handling per call; the
// guest's small reads and writes are hot.
static Napi::Value HostIo(const Napi::CallbackInfo& info) {
  bool wr = info[0].As<Napi::Boolean>().Value();
  int fd = info[1].As<Napi::Number>().Int32Value();
  Napi::Uint8Array b = info[2].As<Napi::Uint8Array>();
  int64_t pos = info[3].As<Napi::Number>().Int64Value();
  ssize_t n;
  if (wr) n = pos < 0 ? write(fd, b.Data(), b.ByteLength()) : pwrite(fd, b.Data(), b.ByteLength(), pos);
  else n = pos < 0 ? read(fd, b.Data(), b.ByteLength()) : pread(fd, b.Data(), b.ByteLength(), pos);
  return Napi::Number::New(info.Env(), n >= 0 ? static_cast<double>(n) : -errno);
}

// utimens(path, [atime sec, nsec, mtime sec, nsec], nofollow) -> 0 or -errno.
// nsec may be UTIME_NOW / UTIME_OMIT (Linux values). Exact to the nanosecond,
// which fs.utimesSync (seconds as a double) is not.
// mkfifo(path, mode) -> 0 or -errno: the named pipe on the host file system
// (what guests open through it is an in-process pipe, see files/fifo.ts).
static Napi::Value Mkfifo(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  return Napi::Number::New(info.Env(), mkfifo(path.c_str(), mode) == 0 ? 0 : -errno);
}

static Napi::Value Utimens(const Napi::CallbackInfo& info) {
  std::string path = info[0].As<Napi::String>().Utf8Value();
  Napi::Array t = info[1].As<Napi::Array>();
  timespec ts[2];
  for (uint32_t i = 0; i < 2; i++) {
    ts[i].tv_sec = static_cast<time_t>(t.Get(2 * i).As<Napi::Number>().Int64Value());
    ts[i].tv_nsec = static_cast<long>(t.Get(2 * i + 1).As<Napi::Number>().Int64Value());
  }
  int flags = info[2].As<Napi::Boolean>().Value() ? AT_SYMLINK_NOFOLLOW : 0;
  int r = utimensat(AT_FDCWD, path.c_str(), ts, flags);
  return Napi::Number::New(info.Env(), r == 0 ? 0 : -errno);
}

// getXattr(path or fd, name, follow) -> Buffer or -errno (ENODATA: the file has none).
// Node has no extended-attribute calls; BSD file flags live in one (vm/files/bsdflags.ts).
static Napi::Value GetXattr(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  bool follow = info[2].As<Napi::Boolean>().Value();
  char buf[256];
  ssize_t n;
  if (info[0].IsNumber()) {
    n = fgetxattr(info[0].As<Napi::Number>().Int32Value(), name.c_str(), buf, sizeof buf);
  } else {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    n = follow ? getxattr(path.c_str(), name.c_str(), buf, sizeof buf) : lgetxattr(path.c_str(), name.c_str(), buf, sizeof buf);
  }
  if (n < 0) return Napi::Number::New(info.Env(), -errno);
  return Napi::Buffer<char>::Copy(info.Env(), buf, static_cast<size_t>(n));
}

// setXattr(path or fd, name, value or null to remove, follow) -> 0 or -errno.
static Napi::Value SetXattr(const Napi::CallbackInfo& info) {
  std::string name = info[1].As<Napi::String>().Utf8Value();
  bool remove = info[2].IsNull() || info[2].IsUndefined();
  bool follow = info[3].As<Napi::Boolean>().Value();
  const void* data = nullptr;
  size_t len = 0;
  if (!remove) {
    Napi::Uint8Array v = info[2].As<Napi::Uint8Array>();
    data = v.Data();
    len = v.ByteLength();
  }
  int r;
  if (info[0].IsNumber()) {
    int fd = info[0].As<Napi::Number>().Int32Value();
    r = remove ? fremovexattr(fd, name.c_str()) : fsetxattr(fd, name.c_str(), data, len, 0);
  } else {
    std::string path = info[0].As<Napi::String>().Utf8Value();
    const char* p = path.c_str();
    if (remove) r = follow ? removexattr(p, name.c_str()) : lremovexattr(p, name.c_str());
    else r = follow ? setxattr(p, name.c_str(), data, len, 0) : lsetxattr(p, name.c_str(), data, len, 0);
  }
  return Napi::Number::New(info.Env(), r == 0 ? 0 : -errno);
}

Napi::Object InitHost(Napi::Env env, Napi::Object exports) {
  exports.Set("getXattr", Napi::Function::New(env, GetXattr));
  exports.Set("setXattr", Napi::Function::New(env, SetXattr));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("fcntlFlags", Napi::Function::New(env, FcntlFlags));
  exports.Set("ioctlBuf", Napi::Function::New(env, IoctlBuf));
  exports.Set("hostIo", Napi::Function::New(env, HostIo));
  exports.Set("utimens", Napi::Function::New(env, Utimens));
  exports.Set("mkfifo", Napi::Function::New(env, Mkfifo));
  InitSockets(env, exports);
  return exports;
}

}  // namespace vkemu
