// The C++ mirror of the guest descriptors the syscall hook may serve (read,
// write and their kin on host regular files and memory devices, fdcalls.cc),
// so that they cost no trip to TypeScript. TypeScript owns the truth
// (src/vm/files/hookfiles.ts): it registers an entry whenever a descriptor
// table comes to hold such a file at a descriptor and removes it when that
// descriptor goes (close, dup2 over it, close-on-exec, the table's end).
// Tables are named per descriptor table, not per process or address space:
// a thread's kFiles slot names its process's table, so a vfork child on its
// parent's space, or threads sharing a table after rfork, find the right one.
// A table's number carries a generation, so a number kept past the table's
// end names nothing rather than a table reusing the slot.
#include <napi.h>

#include <vector>

#include "fdmirror.h"

namespace vkemu {

namespace {

HookDesc* gDescs = nullptr;
size_t gDescCount = 0;
Napi::Reference<Napi::ArrayBuffer> gDescsRef;

struct Table {
  uint32_t gen = 0;
  bool live = false;
  std::vector<int32_t> slots;  // guest fd -> description slot, 0 for none
};
std::vector<Table> gTables;
std::vector<uint32_t> gFreeTables;

constexpr uint32_t kGenMask = (1u << 20) - 1;  // number = gen * 2^32 + index + 1: exact as a double

Table* tableOf(double id) {
  if (!(id >= 1 && id < 9007199254740992.0)) return nullptr;
  uint64_t v = static_cast<uint64_t>(id);
  uint32_t lo = static_cast<uint32_t>(v);
  if (lo == 0 || lo > gTables.size()) return nullptr;
  Table& t = gTables[lo - 1];
  return t.live && t.gen == (v >> 32) ? &t : nullptr;
}

// hookDescs(buffer): the descriptions (16 bytes each), handed again when TypeScript grows them.
Napi::Value HookDescs(const Napi::CallbackInfo& info) {
  Napi::ArrayBuffer b = info[0].As<Napi::ArrayBuffer>();
  gDescsRef = Napi::Persistent(b);
  gDescs = static_cast<HookDesc*>(b.Data());
  gDescCount = b.ByteLength() / sizeof(HookDesc);
  return info.Env().Undefined();
}

// hookTable() -> the number of a new, empty descriptor table.
Napi::Value HookTable(const Napi::CallbackInfo& info) {
  uint32_t idx;
  if (gFreeTables.empty()) {
    gTables.emplace_back();
    idx = static_cast<uint32_t>(gTables.size() - 1);
  } else {
    idx = gFreeTables.back();
    gFreeTables.pop_back();
  }
  Table& t = gTables[idx];
  t.live = true;
  t.slots.clear();
  double id = static_cast<double>(t.gen) * 4294967296.0 + idx + 1;
  return Napi::Number::New(info.Env(), id);
}

// hookTableFree(number): the table is gone; its number names nothing from now on.
Napi::Value HookTableFree(const Napi::CallbackInfo& info) {
  Table* t = tableOf(info[0].As<Napi::Number>().DoubleValue());
  if (t) {
    t->live = false;
    t->slots.clear();
    t->slots.shrink_to_fit();
    t->gen = (t->gen + 1) & kGenMask;
    gFreeTables.push_back(static_cast<uint32_t>(t - gTables.data()));
  }
  return info.Env().Undefined();
}

// hookSet(table, fd, slot): serve fd by description `slot`, or (0) not at all.
Napi::Value HookSet(const Napi::CallbackInfo& info) {
  Table* t = tableOf(info[0].As<Napi::Number>().DoubleValue());
  int64_t fd = info[1].As<Napi::Number>().Int64Value();
  int32_t slot = info[2].As<Napi::Number>().Int32Value();
  if (!t || fd < 0 || fd >= (1 << 24) || slot < 0) return info.Env().Undefined();
  if (slot == 0) {
    if (static_cast<size_t>(fd) < t->slots.size()) t->slots[fd] = 0;
  } else {
    if (static_cast<size_t>(fd) >= t->slots.size()) t->slots.resize(fd + 1, 0);
    t->slots[fd] = slot;
  }
  return info.Env().Undefined();
}

}  // namespace

HookDesc* hookDesc(uint64_t table, int64_t fd, uint32_t need) {
  uint32_t lo = static_cast<uint32_t>(table);
  if (lo == 0 || lo > gTables.size() || fd < 0) return nullptr;
  Table& t = gTables[lo - 1];
  if (!t.live || t.gen != (table >> 32) || static_cast<uint64_t>(fd) >= t.slots.size()) return nullptr;
  int32_t slot = t.slots[fd];
  if (slot <= 0 || static_cast<size_t>(slot) >= gDescCount) return nullptr;
  HookDesc* d = &gDescs[slot];
  if (d->hostFd < 0 || (d->flags & need) != need) return nullptr;
  return d;
}

void InitHookFiles(Napi::Env env, Napi::Object exports) {
  exports.Set("hookDescs", Napi::Function::New(env, HookDescs, "hookDescs"));
  exports.Set("hookTable", Napi::Function::New(env, HookTable, "hookTable"));
  exports.Set("hookTableFree", Napi::Function::New(env, HookTableFree, "hookTableFree"));
  exports.Set("hookSet", Napi::Function::New(env, HookSet, "hookSet"));
}

}  // namespace vkemu
