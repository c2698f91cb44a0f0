// Host sockets on the guest's behalf: thin non-blocking wrappers that take
// and give Linux socket addresses as byte buffers and return -errno.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "space.h"

namespace vkemu {

static int32_t i32(const Napi::Value& v) { return v.As<Napi::Number>().Int32Value(); }
static Napi::Number ret(Napi::Env env, long r) { return Napi::Number::New(env, r >= 0 ? static_cast<double>(r) : -errno); }

static Napi::Value Socket(const Napi::CallbackInfo& info) {
  int fd = socket(i32(info[0]), i32(info[1]) | SOCK_NONBLOCK | SOCK_CLOEXEC, i32(info[2]));
  return ret(info.Env(), fd);
}

static Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sv[2];
  if (socketpair(i32(info[0]), i32(info[1]) | SOCK_NONBLOCK | SOCK_CLOEXEC, i32(info[2]), sv) < 0)
    return Napi::Number::New(env, -errno);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, sv[0]));
  a.Set(1u, Napi::Number::New(env, sv[1]));
  return a;
}

static Napi::Value Bind(const Napi::CallbackInfo& info) {
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  return ret(info.Env(), bind(i32(info[0]), reinterpret_cast<sockaddr*>(a.Data()), static_cast<socklen_t>(a.ByteLength())));
}

static Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Uint8Array a = info[1].As<Napi::Uint8Array>();
  return ret(info.Env(), connect(i32(info[0]), reinterpret_cast<sockaddr*>(a.Data()), static_cast<socklen_t>(a.ByteLength())));
}

static Napi::Value Listen(const Napi::CallbackInfo& info) {
  return ret(info.Env(), listen(i32(info[0]), i32(info[1])));
}

// accept(fd) -> [newfd, Buffer addr] or -errno
static Napi::Value Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int fd = accept4(i32(info[0]), reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return Napi::Number::New(env, -errno);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, fd));
  a.Set(1u, Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&ss), len));
  return a;
}

// sockName(fd, peer) -> Buffer or -errno
static Napi::Value SockName(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int r = info[1].As<Napi::Boolean>().Value() ? getpeername(i32(info[0]), reinterpret_cast<sockaddr*>(&ss), &len)
                                              : getsockname(i32(info[0]), reinterpret_cast<sockaddr*>(&ss), &len);
  if (r < 0) return Napi::Number::New(env, -errno);
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&ss), len);
}

// sendTo(fd, data, flags, addr|null) -> bytes or -errno
static Napi::Value SendTo(const Napi::CallbackInfo& info) {
  Napi::Uint8Array d = info[1].As<Napi::Uint8Array>();
  const sockaddr* sa = nullptr;
  socklen_t salen = 0;
  if (info[3].IsTypedArray()) {
    Napi::Uint8Array a = info[3].As<Napi::Uint8Array>();
    sa = reinterpret_cast<const sockaddr*>(a.Data());
    salen = static_cast<socklen_t>(a.ByteLength());
  }
  return ret(info.Env(), sendto(i32(info[0]), d.Data(), d.ByteLength(), i32(info[2]) | MSG_NOSIGNAL, sa, salen));
}

// recvFrom(fd, buffer, flags) -> [n, Buffer addr] or -errno
static Napi::Value RecvFrom(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array d = info[1].As<Napi::Uint8Array>();
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  ssize_t n = recvfrom(i32(info[0]), d.Data(), d.ByteLength(), i32(info[2]), reinterpret_cast<sockaddr*>(&ss), &len);
  if (n < 0) return Napi::Number::New(env, -errno);
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, static_cast<double>(n)));
  a.Set(1u, Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&ss), len));
  return a;
}

// sendFds(fd, data, flags, fds[]) -> bytes or -errno: one message carrying
// SCM_RIGHTS descriptors.
static Napi::Value SendFds(const Napi::CallbackInfo& info) {
  Napi::Uint8Array d = info[1].As<Napi::Uint8Array>();
  Napi::Array fa = info[3].As<Napi::Array>();
  size_t n = fa.Length();
  std::vector<char> ctl(CMSG_SPACE(sizeof(int) * n));
  iovec iov{d.Data(), d.ByteLength()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl.data();
  mh.msg_controllen = ctl.size();
  cmsghdr* c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * n);
  for (size_t i = 0; i < n; i++) {
    int v = fa.Get(i).As<Napi::Number>().Int32Value();
    memcpy(CMSG_DATA(c) + i * sizeof(int), &v, sizeof(int));
  }
  return ret(info.Env(), sendmsg(i32(info[0]), &mh, i32(info[2]) | MSG_NOSIGNAL));
}

// recvFds(fd, buffer, flags) -> [n, fds[], truncatedControl] or -errno.
static Napi::Value RecvFds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array d = info[1].As<Napi::Uint8Array>();
  char ctl[CMSG_SPACE(sizeof(int) * 64)];
  iovec iov{d.Data(), d.ByteLength()};
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctl;
  mh.msg_controllen = sizeof ctl;
  ssize_t n = recvmsg(i32(info[0]), &mh, i32(info[2]) | MSG_CMSG_CLOEXEC);
  if (n < 0) return Napi::Number::New(env, -errno);
  Napi::Array fds = Napi::Array::New(env);
  uint32_t k = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < cnt; i++) {
      int v;
      memcpy(&v, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      fds.Set(k++, Napi::Number::New(env, v));
    }
  }
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(0u, Napi::Number::New(env, static_cast<double>(n)));
  a.Set(1u, fds);
  a.Set(2u, Napi::Boolean::New(env, (mh.msg_flags & MSG_CTRUNC) != 0));
  return a;
}

static Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  Napi::Uint8Array v = info[3].As<Napi::Uint8Array>();
  return ret(info.Env(), setsockopt(i32(info[0]), i32(info[1]), i32(info[2]), v.Data(), static_cast<socklen_t>(v.ByteLength())));
}

// getSockOpt(fd, level, name, len) -> Buffer or -errno
static Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t buf[256];
  socklen_t len = static_cast<socklen_t>(std::min(256, std::max(0, i32(info[3]))));
  if (getsockopt(i32(info[0]), i32(info[1]), i32(info[2]), buf, &len) < 0) return Napi::Number::New(env, -errno);
  return Napi::Buffer<uint8_t>::Copy(env, buf, len);
}

static Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  return ret(info.Env(), shutdown(i32(info[0]), i32(info[1])));
}

// pollFd(fd, events) -> revents (0 when nothing is ready), no waiting.
static Napi::Value PollFd(const Napi::CallbackInfo& info) {
  pollfd p{i32(info[0]), static_cast<short>(i32(info[1])), 0};
  int r = poll(&p, 1, 0);
  return Napi::Number::New(info.Env(), r > 0 ? p.revents : r < 0 ? -errno : 0);
}

static Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  return ret(info.Env(), close(i32(info[0])));
}

void InitSockets(Napi::Env env, Napi::Object exports) {
  exports.Set("sockSocket", Napi::Function::New(env, Socket));
  exports.Set("sockPair", Napi::Function::New(env, SocketPair));
  exports.Set("sockBind", Napi::Function::New(env, Bind));
  exports.Set("sockConnect", Napi::Function::New(env, Connect));
  exports.Set("sockListen", Napi::Function::New(env, Listen));
  exports.Set("sockAccept", Napi::Function::New(env, Accept));
  exports.Set("sockName", Napi::Function::New(env, SockName));
  exports.Set("sockSendTo", Napi::Function::New(env, SendTo));
  exports.Set("sockRecvFrom", Napi::Function::New(env, RecvFrom));
  exports.Set("sockSetOpt", Napi::Function::New(env, SetSockOpt));
  exports.Set("sockSendFds", Napi::Function::New(env, SendFds));
  exports.Set("sockRecvFds", Napi::Function::New(env, RecvFds));
  exports.Set("sockGetOpt", Napi::Function::New(env, GetSockOpt));
  exports.Set("sockShutdown", Napi::Function::New(env, Shutdown));
  exports.Set("pollFd", Napi::Function::New(env, PollFd));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
}

}  // namespace vkemu
