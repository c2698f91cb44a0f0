#include "space.h"

namespace vkemu {

void InitTap(Napi::Env env, Napi::Object exports);  // tap.cc
void InitVmctx(Napi::Env env, Napi::Object exports);  // vmctx.cc
void InitPoller(Napi::Env env, Napi::Object exports);  // poller.cc

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Space", Space::Init(env));
  exports.Set("Thread", Thread::Init(env));
  unsigned int major = 0, minor = 0;
  uc_version(&major, &minor);
  exports.Set("unicornVersion", Napi::String::New(env, std::to_string(major) + "." + std::to_string(minor)));
  InitTap(env, exports);
  InitVmctx(env, exports);
  InitPoller(env, exports);
  return InitHost(env, exports);
}

NODE_API_MODULE(vkemu_native, Init)

}  // namespace vkemu
