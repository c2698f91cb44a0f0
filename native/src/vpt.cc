// The MAP_VPAGETABLE walk: translate a virtual page index through the page
// tables the virtual kernel keeps in its own memory image, setting A/M bits
// as a DragonFly host does (vkernel-host-abi.md §3.4, §3.5).

#include "space.h"

namespace vkemu {

static constexpr uint64_t V = 0x1, RW = 0x2, A = 0x20, M = 0x40, PS = 0x80, NX = 0x800;
static constexpr uint64_t kFrame = 0x000FFFFFFFFFF000ull;

static uint64_t* tablePage(uint8_t* base, uint64_t size, uint64_t frame) {
  uint64_t off = frame & kFrame;
  if (off + kPage > size) return nullptr;
  return reinterpret_cast<uint64_t*>(base + off);
}

int64_t vptWalk(uint8_t* base, uint64_t size, uint64_t e, uint64_t pindex, int access, bool* writable,
                bool* executable) {
  int shift = 36;
  bool nx = false;
  for (;;) {
    if (!(e & V)) return -1;
    // -3: a translation exists but forbids the access (PGEX_P in the fault).
    if (access == 1 && !(e & RW)) return -3;
    if (e & NX) nx = true;
    if (access == 2 && nx) return -3;
    if ((e & PS) || shift == 0) break;
    uint64_t* table = tablePage(base, size, e);
    if (!table) return -1;
    shift -= 9;
    uint64_t* slot = &table[(pindex >> shift) & 511];
    uint64_t n = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    for (;;) {
      if (!(n & V)) break;
      uint64_t want = n;
      if (access == 1) {
        if (n & RW) want |= M | A;
      } else {
        want |= A;
      }
      if (want == n) break;
      if (__atomic_compare_exchange_n(slot, &n, want, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        n = want;
        break;
      }
    }
    e = n;
  }
  uint64_t page = ((e & kFrame) >> 12) + (pindex & ((1ull << shift) - 1));
  if ((page + 1) * kPage > size) return -1;
  *writable = access == 1 || (e & (RW | M)) == (RW | M);
  *executable = !nx;
  return static_cast<int64_t>(page);
}

}  // namespace vkemu
