// The guest descriptors the syscall hook may serve itself (fdmirror.cc), and
// the calls it serves on them (fdcalls.cc).
#pragma once
#include <cstdint>

namespace vkemu {

class Space;

// One open file description TypeScript lets the hook serve: a host regular
// file or a never-blocking memory device. The array of them is TypeScript's
// memory (src/vm/files/hookfiles.ts), so that its side reads and writes the
// position without a call.
struct HookDesc {
  int32_t hostFd;  // -1: a freed slot
  uint32_t flags;  // kHookRead | kHookWrite | kHookAppend | kHookSeekable
  double pos;      // the description's file position (a JavaScript number there)
};
static_assert(sizeof(HookDesc) == 16, "src/vm/files/hookfiles.ts lays HookDesc out in 16 bytes");

enum HookFlag : uint32_t { kHookRead = 1, kHookWrite = 2, kHookAppend = 4, kHookSeekable = 8 };

// The description guest descriptor `fd` of the descriptor table named by
// `table` (a thread's kFiles slot) is served by, if it allows `need` (flags);
// null: TypeScript answers.
HookDesc* hookDesc(uint64_t table, int64_t fd, uint32_t need);

// fastcall.cc entries: read, write, readv, writev, extpread, extpwrite,
// extpreadv, extpwritev, lseek.
bool serveRead(Space* s);
bool serveWrite(Space* s);
bool serveReadv(Space* s);
bool serveWritev(Space* s);
bool serveExtpread(Space* s);
bool serveExtpwrite(Space* s);
bool serveExtpreadv(Space* s);
bool serveExtpwritev(Space* s);
bool serveLseek(Space* s);

}  // namespace vkemu
