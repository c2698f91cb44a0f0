// The data address of a faulting instruction (decode.cc).
#pragma once
#include <cstddef>
#include <cstdint>

#include "space.h"

namespace vkemu {

// The address the instruction at regs[kRip] (its bytes in code[0..n)) accesses
// for `access` (0 read, 1 write), from the register file as it was before the
// instruction; false when the instruction is not decoded.
bool faultAddress(const uint8_t* code, size_t n, const uint64_t* regs, int access, uint64_t* out);

}  // namespace vkemu
