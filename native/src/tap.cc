// Linux network-interface calls behind the guest's tap(4) devices and its
// interface ioctls: TAP creation on /dev/net/tun, and the ifreq ioctls (MAC,
// MTU, flags, IPv4 address, bridge ports) done on a scratch AF_INET socket.
// Every function takes interface names as strings and returns -errno (Linux).
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <napi.h>

namespace vkemu {

// Fills ifr_name; false when the name does not fit IFNAMSIZ (with its NUL).
static bool setName(ifreq* ifr, const std::string& name) {
  std::memset(ifr, 0, sizeof(*ifr));
  if (name.empty() || name.size() >= IFNAMSIZ) return false;
  std::memcpy(ifr->ifr_name, name.data(), name.size());
  return true;
}

// One ifreq ioctl on a short-lived AF_INET datagram socket: 0 or -errno.
static int ifIoctl(unsigned long req, ifreq* ifr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  int r = ioctl(s, req, ifr);
  int e = errno;
  close(s);
  return r < 0 ? -e : 0;
}

static std::string str(const Napi::Value& v) { return v.As<Napi::String>().Utf8Value(); }

// tapOpen(name) -> [fd, actual name] | -errno. `name` is "tapN" for one unit or
// a template such as "tap%d" that lets the kernel pick the lowest free unit.
// The descriptor is non-blocking and close-on-exec; frames carry no packet-info
// header (IFF_NO_PI), as DragonFly's tap(4) has none.
static Napi::Value TapOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifreq ifr;
  if (!setName(&ifr, str(info[0]))) return Napi::Number::New(env, -EINVAL);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Napi::Number::New(env, -errno);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int e = errno;
    close(fd);
    return Napi::Number::New(env, -e);
  }
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(0u, Napi::Number::New(env, fd));
  a.Set(1u, Napi::String::New(env, ifr.ifr_name));
  return a;
}

// ifHwaddr(name) -> 6-byte Buffer | -errno
static Napi::Value IfHwaddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifreq ifr;
  if (!setName(&ifr, str(info[0]))) return Napi::Number::New(env, -EINVAL);
  int r = ifIoctl(SIOCGIFHWADDR, &ifr);
  if (r < 0) return Napi::Number::New(env, r);
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(ifr.ifr_hwaddr.sa_data), 6);
}

// ifMtu(name) -> mtu | -errno
static Napi::Value IfMtu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifreq ifr;
  if (!setName(&ifr, str(info[0]))) return Napi::Number::New(env, -EINVAL);
  int r = ifIoctl(SIOCGIFMTU, &ifr);
  return Napi::Number::New(env, r < 0 ? r : ifr.ifr_mtu);
}

// ifFlags(name[, set]) -> the Linux flags (16 bits) | 0 after setting | -errno
static Napi::Value IfFlags(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ifreq ifr;
  if (!setName(&ifr, str(info[0]))) return Napi::Number::New(env, -EINVAL);
  if (info.Length() > 1 && info[1].IsNumber()) {
    ifr.ifr_flags = static_cast<short>(info[1].As<Napi::Number>().Int32Value());
    return Napi::Number::New(env, ifIoctl(SIOCSIFFLAGS, &ifr));
  }
  int r = ifIoctl(SIOCGIFFLAGS, &ifr);
  return Napi::Number::New(env, r < 0 ? r : static_cast<uint16_t>(ifr.ifr_flags));
}

// Sets one IPv4 address-like field; `be` is the address in network byte order.
static int setInet(const std::string& name, unsigned long req, uint32_t be) {
  ifreq ifr;
  if (!setName(&ifr, name)) return -EINVAL;
  sockaddr_in sin;
  std::memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = be;
  std::memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
  return ifIoctl(req, &ifr);
}

// ifAddr(name, addr, mask, broadcast) -> 0 | -errno. Each is 4 bytes in network
// order; an all-zero mask keeps Linux's classful default (as DragonFly does),
// an all-zero broadcast keeps the one Linux derives.
static Napi::Value IfAddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = str(info[0]);
  auto be = [&](int i) -> uint32_t {
    Napi::Uint8Array b = info[i].As<Napi::Uint8Array>();
    uint32_t v = 0;
    if (b.ByteLength() >= 4) std::memcpy(&v, b.Data(), 4);
    return v;
  };
  int r = setInet(name, SIOCSIFADDR, be(1));
  if (r == 0 && be(2)) r = setInet(name, SIOCSIFNETMASK, be(2));
  if (r == 0 && be(3)) r = setInet(name, SIOCSIFBRDADDR, be(3));
  return Napi::Number::New(env, r);
}

// bridgePort(bridge, ifname, add) -> 0 | -errno (SIOCBRADDIF / SIOCBRDELIF).
static Napi::Value BridgePort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  unsigned idx = if_nametoindex(str(info[1]).c_str());
  if (idx == 0) return Napi::Number::New(env, -ENXIO);
  ifreq ifr;
  if (!setName(&ifr, str(info[0]))) return Napi::Number::New(env, -EINVAL);
  ifr.ifr_ifindex = static_cast<int>(idx);
  bool add = info[2].As<Napi::Boolean>().Value();
  return Napi::Number::New(env, ifIoctl(add ? SIOCBRADDIF : SIOCBRDELIF, &ifr));
}

void InitTap(Napi::Env env, Napi::Object exports) {
  exports.Set("tapOpen", Napi::Function::New(env, TapOpen));
  exports.Set("ifHwaddr", Napi::Function::New(env, IfHwaddr));
  exports.Set("ifMtu", Napi::Function::New(env, IfMtu));
  exports.Set("ifFlags", Napi::Function::New(env, IfFlags));
  exports.Set("ifAddr", Napi::Function::New(env, IfAddr));
  exports.Set("bridgePort", Napi::Function::New(env, BridgePort));
}

}  // namespace vkemu
