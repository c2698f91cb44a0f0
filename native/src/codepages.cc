// Translated code that outlives a mapping. The vmspaces of a virtual kernel
// share one engine (core.cc) and with it the code translated from pages of the
// memory image, found again by guest-physical address. Unicorn drops code when
// the engine itself writes a page, but not when the page changes behind it:
// the virtual kernel frees a page of one program and fills it with another's
// (through its own engine, or a host read into it). It only does that to
// pages no longer mapped, and it invalidates (MADV_INVAL) each mapping it
// takes down, so: a page filled for a fetch is remembered by its mapping (a
// page filled for data gets no execute permission: fetching from it fills it
// again); when the mapping is invalidated the page becomes suspect, with a
// hash of what it held; the next fetch fill compares, and if the contents
// changed, refuses the page, and the run drops the page's code and goes on
// (run.cc). Pages that did not change keep their code: libc's
// text is translated once for all the processes of the virtual kernel.
#include <cstring>

#include "space.h"

namespace vkemu {

// A 64-bit hash of a page: four independent multiply-rotate lanes (about
// 0.3 µs a page), enough to tell a page's old contents from new ones.
static uint64_t pageHash(const uint8_t* p) {
  constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h[4] = {1, 2, 3, 4};
  for (size_t i = 0; i < kPage; i += 32) {
    for (int l = 0; l < 4; l++) {
      uint64_t w;
      memcpy(&w, p + i + 8 * l, 8);
      h[l] = ((h[l] ^ w) * k);
      h[l] = (h[l] << 29) | (h[l] >> 35);
    }
  }
  return (h[0] * 3) ^ (h[1] * 5) ^ (h[2] * 7) ^ (h[3] * 11);
}

// fill() made `page` executable (a fetch) from the data page at window offset `off`. The
// page's hash is taken now, the first time since its code was last dropped: the contents
// code is translated from. Hashed later (at the invalidation), a page rewritten while still
// mapped would match its new contents and the old code would be trusted.
void Space::execFilled(uint64_t page, uint64_t off) {
  execPages_[page] = off;
  Core* c = core_.get();
  if (!c->codeHash.count(off)) c->codeHash.emplace(off, pageHash(window() + off));
}

// Whether code translated from the page at `off` may no longer match it; a
// suspect page that did not change is trusted again.
bool Space::codeStale(uint64_t off) {
  Core* c = core_.get();
  if (c->suspect.empty()) return false;
  auto it = c->suspect.find(off);
  if (it == c->suspect.end()) return false;
  if (pageHash(window() + off) != it->second) return true;
  c->suspect.erase(it);
  return false;
}

// The mappings of [start, end) changed or went: their executable pages become
// suspect, with the hash of what their code was translated from.
void Space::execDropped(uint64_t start, uint64_t end) {
  if (execPages_.empty() || !core_) return;
  Core* c = core_.get();
  auto drop = [&](uint64_t off) {
    if (c->suspect.count(off)) return;
    auto h = c->codeHash.find(off);
    c->suspect.emplace(off, h != c->codeHash.end() ? h->second : pageHash(window() + off));
  };
  if (end - start <= execPages_.size() * kPage) {
    for (uint64_t a = start; a < end && a >= start; a += kPage) {
      auto it = execPages_.find(a);
      if (it == execPages_.end()) continue;
      drop(it->second);
      execPages_.erase(it);
    }
    return;
  }
  for (auto it = execPages_.begin(); it != execPages_.end();) {
    if (it->first >= start && it->first < end) {
      drop(it->second);
      it = execPages_.erase(it);
    } else {
      ++it;
    }
  }
}

// fill() refused `page` (data page at `off`) because its code is stale: drop
// the code translated from it. uc_ctl_remove_cache finds the page through the
// TLB (so through fill(), which must accept it now); if it did not, all
// translated code goes.
void Space::refreshCode(uint64_t page, uint64_t off) {
  core_->suspect.erase(off);
  core_->codeHash.erase(off);  // the next fetch fill hashes what the new code comes from
  execPages_.erase(page);
  uc_ctl_remove_cache(core_->uc, page, page + kPage);
  auto it = execPages_.find(page);
  if (it == execPages_.end() || it->second != off) uc_ctl_flush_tb(core_->uc);
}

}  // namespace vkemu
