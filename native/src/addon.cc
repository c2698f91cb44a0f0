#include "space.h"

namespace vkemu {

void InitTap(Napi::Env env, Napi::Object exports);  // tap.cc
void InitVmctx(Napi::Env env, Napi::Object exports);  // vmctx.cc
void InitPoller(Napi::Env env, Napi::Object exports);  // poller.cc
void InitHookFiles(Napi::Env env, Napi::Object exports);  // fdmirror.cc

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Space", Space::Init(env));
  exports.Set("Thread", Thread::Init(env));
  // The library's own version (the one loaded, not the header's): major.minor.patch, and the
  // release candidate when it is one (extra 255 is a release).
  unsigned int major = 0, minor = 0;
  unsigned int v = uc_version(&major, &minor), patch = (v >> 8) & 0xff, extra = v & 0xff;
  std::string version = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
  if (extra != 255) version += "-rc" + std::to_string(extra);
  exports.Set("unicornVersion", Napi::String::New(env, version));
  Napi::Array hook = Napi::Array::New(env);
  uint32_t i = 0;
  for (uint64_t n : vkemu::fastCallNumbers()) hook.Set(i++, Napi::Number::New(env, static_cast<double>(n)));
  exports.Set("hookCalls", hook);
  InitTap(env, exports);
  InitVmctx(env, exports);
  InitPoller(env, exports);
  InitHookFiles(env, exports);
  InitRunCall(env, exports);
  return InitHost(env, exports);
}

NODE_API_MODULE(vkemu_native, Init)

}  // namespace vkemu
