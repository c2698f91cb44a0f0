// Debugger support for one engine: breakpoints and watchpoints for the GDB
// stub (src/gdb). Breakpoints are code hooks whose range is the one address,
// so Unicorn instruments only the blocks that contain them; watchpoints are
// memory hooks over their range plus, while any exist, a code hook on every
// instruction that stops the run right after the accessing one. Stops are
// requested from inside hooks, on the engine's own thread, where Unicorn
// keeps the guest PC exact.
#include <algorithm>
#include <cstring>

#include "space.h"

namespace vkemu {

static void onBreak(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
  Core* s = static_cast<Core*>(user);
  bool first = s->dbg.first;
  s->dbg.first = false;
  // Resuming from a stop at this very breakpoint: run over it once.
  if (first && address == s->dbg.startRip && address == s->dbg.skip) return;
  s->dbg.bpHit = true;
  s->dbg.hitAddr = address;
  uc_emu_stop(uc);
}

static void onAfterAccess(uc_engine* uc, uint64_t address, uint32_t size, void* user) {
  Core* s = static_cast<Core*>(user);
  if (s->dbg.watchHit) uc_emu_stop(uc);
}

static void onAccess(uc_engine* uc, uc_mem_type type, uint64_t address, int size, int64_t value, void* user) {
  Core* s = static_cast<Core*>(user);
  if (s->dbg.watchHit) return;
  int acc = type == UC_MEM_WRITE ? 1 : 0;
  for (const auto& w : s->dbg.watches) {
    if (!(w.kinds & (1 << acc)) || w.owner != s->current) continue;
    if (address < w.pa + w.len && address + static_cast<uint64_t>(size) > w.pa) {
      s->dbg.watchHit = true;
      s->dbg.hitAddr = w.va + (address > w.pa ? address - w.pa : 0);
      s->dbg.hitAccess = acc;
      return;
    }
  }
}

void Space::debugClear() {
  if (closed_) return;
  DebugHooks& dbg = core_->dbg;
  uc_engine* uc_ = uc();
  for (auto& kv : dbg.bps) uc_hook_del(uc_, kv.second);
  dbg.bps.clear();
  for (auto& w : dbg.watches) uc_hook_del(uc_, w.hook);
  dbg.watches.clear();
  if (dbg.after) uc_hook_del(uc_, dbg.after);
  dbg.after = 0;
  uc_ctl_flush_tb(uc_);
}

// setBreakpoints(addrs: BigUint64Array): the engine stops before executing
// any of these addresses (Exit.Stop, vector 3). Replaces the previous set.
Napi::Value Space::SetBreakpoints(const Napi::CallbackInfo& info) {
  Napi::BigUint64Array a = info[0].As<Napi::BigUint64Array>();
  if (closed_) return info.Env().Undefined();
  Core* core = core_.get();
  DebugHooks& dbg = core->dbg;
  uc_engine* uc_ = core->uc;
  // uc_ctl_remove_cache translates through the TLB: it must hold this space's pages.
  if (core->current != this) core->flushTlb(this);
  // Before an engine's first run, uc_ctl_remove_cache works from the live CPU
  // state of the user-mode stub and made ~40% of first runs fault fetching
  // the stub page (measured): flush everything instead then.
  bool fresh = core->runGen.load(std::memory_order_relaxed) == 0;
  // An engine shared by vmspaces holds code of other spaces at the same addresses, which
  // uc_ctl_remove_cache (through this space's TLB) does not find: all code goes then.
  bool whole = fresh || core->spaces > 1;
  bool changed = false;
  auto forget = [&](uint64_t addr) {
    changed = true;
    if (!whole) uc_ctl_remove_cache(uc_, addr, addr + 1);
  };
  std::map<uint64_t, uc_hook> keep;
  for (size_t i = 0; i < a.ElementLength(); i++) {
    uint64_t addr = a[i];
    auto it = dbg.bps.find(addr);
    if (it != dbg.bps.end()) {
      keep.emplace(addr, it->second);
      dbg.bps.erase(it);
      continue;
    }
    if (keep.count(addr)) continue;
    uc_hook h = 0;
    if (uc_hook_add(uc_, &h, UC_HOOK_CODE, (void*)onBreak, core, addr, addr) != UC_ERR_OK) continue;
    keep.emplace(addr, h);
    // Code translated before the hook existed carries no call to it.
    forget(addr);
  }
  for (auto& kv : dbg.bps) {
    uc_hook_del(uc_, kv.second);
    forget(kv.first);
  }
  dbg.bps.swap(keep);
  if (fresh || (whole && changed)) uc_ctl_flush_tb(uc_);
  return info.Env().Undefined();
}

// setWatchpoints(list: BigUint64Array of [addr, len, kinds]...): kinds bit 0
// read, bit 1 write. The engine stops after an instruction that touches one
// (Exit.Stop, vector 1, the data address in EXIT_ADDR). Replaces the set.
// Memory hooks see guest-physical addresses, so each page of a range is
// translated now (a later remapping of it is not followed). Returns the
// number of bytes that could not be watched (not mapped). The set is this
// space's: the other spaces of a shared engine keep theirs.
Napi::Value Space::SetWatchpoints(const Napi::CallbackInfo& info) {
  Napi::BigUint64Array a = info[0].As<Napi::BigUint64Array>();
  if (closed_) return Napi::Number::New(info.Env(), 0);
  Core* core = core_.get();
  DebugHooks& dbg = core->dbg;
  uc_engine* uc_ = core->uc;
  bool had = dropWatches();
  if (!had && a.ElementLength() == 0) return Napi::Number::New(info.Env(), 0);
  uint64_t missing = 0;
  for (size_t i = 0; i + 2 < a.ElementLength(); i += 3) {
    uint64_t addr = a[i], len = a[i + 1];
    int kinds = static_cast<int>(a[i + 2]) & 3;
    if (!kinds || len > (1u << 20)) continue;
    int types = (kinds & 1 ? UC_HOOK_MEM_READ : 0) | (kinds & 2 ? UC_HOOK_MEM_WRITE : 0);
    for (uint64_t va = addr, end = addr + len; va < end;) {
      uint64_t n = std::min(end, (va & ~(kPage - 1)) + kPage) - va;
      uint64_t avail = 0;
      uint8_t* p = translate(va, 0, &avail);
      if (!p) {
        missing += n;
        va += n;
        continue;
      }
      uint64_t pa = kWindowPhys + static_cast<uint64_t>(p - core->window);
      // Unicorn matches a hook's range against the first byte of an access:
      // start 7 bytes early so that a wide access overlapping the piece counts.
      uc_hook h = 0;
      if (uc_hook_add(uc_, &h, types, (void*)onAccess, core, pa - 7, pa + n - 1) == UC_ERR_OK)
        dbg.watches.push_back({va, pa, n, kinds, h, this});
      va += n;
    }
  }
  afterHook();
  // Memory and code hooks are compiled into translated code: start afresh.
  uc_ctl_flush_tb(uc_);
  return Napi::Number::New(info.Env(), static_cast<double>(missing));
}

// Remove this space's watchpoints from the engine; whether it had any.
bool Space::dropWatches() {
  if (!core_) return false;
  DebugHooks& dbg = core_->dbg;
  bool had = false;
  for (auto it = dbg.watches.begin(); it != dbg.watches.end();) {
    if (it->owner != this) { ++it; continue; }
    uc_hook_del(core_->uc, it->hook);
    it = dbg.watches.erase(it);
    had = true;
  }
  return had;
}

// The code hook that ends a run after a watched access exists while any space has a watch.
void Space::afterHook() {
  DebugHooks& dbg = core_->dbg;
  if (!dbg.watches.empty() && !dbg.after) {
    uc_hook_add(core_->uc, &dbg.after, UC_HOOK_CODE, (void*)onAfterAccess, core_.get(), 1, 0);
  } else if (dbg.watches.empty() && dbg.after) {
    uc_hook_del(core_->uc, dbg.after);
    dbg.after = 0;
  }
}

// debugWalk(va) -> null when va is not in a MAP_VPAGETABLE mapping, else
// { start, end, root, entries: bigint[] (one per level, root first), page }
// where page is the page number in the memory image or -1. Unlike the fill
// callback's walk it sets no A/M bits: looking must not change the guest.
Napi::Value Space::DebugWalk(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool lossless = true;
  uint64_t va = info[0].IsBigInt() ? info[0].As<Napi::BigInt>().Uint64Value(&lossless)
                                   : static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue());
  Vma* v = find(va & ~(kPage - 1));
  if (!v || v->kind != 4 || !v->slice) return env.Null();
  uint8_t* base = window() + v->slice->off;
  uint64_t size = v->valid;
  Napi::Object o = Napi::Object::New(env);
  o.Set("start", Napi::Number::New(env, static_cast<double>(v->start)));
  o.Set("end", Napi::Number::New(env, static_cast<double>(v->end)));
  o.Set("root", Napi::BigInt::New(env, v->masterPde));
  Napi::Array entries = Napi::Array::New(env);
  uint64_t pindex = va >> 12;
  uint64_t e = v->masterPde;
  int shift = 36;
  uint32_t n = 0;
  int64_t page = -1;
  entries.Set(n++, Napi::BigInt::New(env, e));
  constexpr uint64_t kV = 1, kPS = 0x80, kFrame = 0x000FFFFFFFFFF000ull;
  for (;;) {
    if (!(e & kV)) break;
    if ((e & kPS) || shift == 0) {
      uint64_t pg = ((e & kFrame) >> 12) + (pindex & ((1ull << shift) - 1));
      if ((pg + 1) * kPage <= size) page = static_cast<int64_t>(pg);
      break;
    }
    uint64_t off = e & kFrame;
    if (off + kPage > size) break;
    shift -= 9;
    uint64_t slot;
    memcpy(&slot, base + off + ((pindex >> shift) & 511) * 8, 8);
    e = slot;
    entries.Set(n++, Napi::BigInt::New(env, e));
  }
  o.Set("entries", entries);
  o.Set("page", Napi::Number::New(env, static_cast<double>(page)));
  return o;
}

}  // namespace vkemu
