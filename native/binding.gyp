{
  "targets": [
    {
      "target_name": "vkemu_native",
      "sources": ["src/addon.cc", "src/space.cc", "src/core.cc", "src/run.cc", "src/codepages.cc", "src/vkcalls.cc", "src/thread.cc", "src/host.cc", "src/vpt.cc", "src/watchdog.cc", "src/sockets.cc", "src/debug.cc", "src/tap.cc", "src/vmctx.cc", "src/decode.cc", "src/poller.cc", "src/preempt.cc", "src/runcall.cc", "src/regs.cc", "src/fastcall.cc", "src/fdmirror.cc", "src/fdcalls.cc", "src/tlbpage.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-fno-exceptions", "-Wall", "-Wno-unused-parameter"],
      "libraries": ["<!(pkg-config --libs unicorn)"],
      "cflags": ["<!(pkg-config --cflags unicorn)"]
    }
  ]
}
