// The data address of a faulting instruction. The virtual-TLB fill callback
// learns only the page of a failed access (CR2 is not set in this mode), so the
// exact address is recomputed from the instruction at the faulting RIP and the
// registers, which are as they were before it: prefixes, REX/VEX, ModRM, SIB,
// displacement, RIP-relative (with the immediate's length), FS/GS bases, and
// the implicit stack and string operands. Anything else is left undecoded and
// the caller keeps the page.
#include "decode.h"

#include <cstring>

namespace vkemu {

namespace {

// x86 register number -> register-file slot.
constexpr int kEnc[16] = {kRax, kRcx, kRdx, kRbx, kRsp, kRbp, kRsi, kRdi,
                          kR8,  kR9,  kR10, kR11, kR12, kR13, kR14, kR15};

bool oneByteHasModrm(uint8_t op) {
  if (op < 0x40) return (op & 7) < 4;
  switch (op) {
    case 0x62: case 0x63: case 0x69: case 0x6B: case 0xC0: case 0xC1: case 0xC6: case 0xC7:
    case 0xD0: case 0xD1: case 0xD2: case 0xD3: case 0xF6: case 0xF7: case 0xFE: case 0xFF:
      return true;
    default:
      return (op >= 0x80 && op <= 0x8F) || (op >= 0xD8 && op <= 0xDF);
  }
}

bool twoByteHasModrm(uint8_t op) {
  switch (op) {
    case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0B: case 0x0E:
    case 0x77: case 0xA0: case 0xA1: case 0xA2: case 0xA8: case 0xA9: case 0xAA:
      return false;
    default:
      return !(op >= 0x30 && op <= 0x37) && !(op >= 0x80 && op <= 0x8F) && !(op >= 0xC8 && op <= 0xCF);
  }
}

// Bytes of immediate after the ModRM operand: needed only for RIP-relative addresses.
int immediateSize(int map, uint8_t op, int reg, bool opsize16) {
  int imm32 = opsize16 ? 2 : 4;
  if (map == 3) return 1;
  if (map == 1) {
    switch (op) {
      case 0x70: case 0x71: case 0x72: case 0x73: case 0xA4: case 0xAC: case 0xBA:
      case 0xC2: case 0xC4: case 0xC5: case 0xC6:
        return 1;
      default:
        return 0;
    }
  }
  if (map != 0) return 0;
  switch (op) {
    case 0x80: case 0x82: case 0x83: case 0x6B: case 0xC0: case 0xC1: case 0xC6: return 1;
    case 0x81: case 0x69: case 0xC7: return imm32;
    case 0xF6: return reg < 2 ? 1 : 0;
    case 0xF7: return reg < 2 ? imm32 : 0;
    default: return 0;
  }
}

}  // namespace

bool faultAddress(const uint8_t* code, size_t n, const uint64_t* regs, int access, uint64_t* out) {
  size_t i = 0;
  bool opsize16 = false, addr32 = false;
  uint64_t segBase = 0;
  for (; i < n; i++) {
    uint8_t b = code[i];
    if (b == 0x66) opsize16 = true;
    else if (b == 0x67) addr32 = true;
    else if (b == 0x64) segBase = regs[kFsBase];
    else if (b == 0x65) segBase = regs[kGsBase];
    else if (b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26) continue;
    else break;
  }
  int rexX = 0, rexB = 0;
  if (i < n && (code[i] & 0xF0) == 0x40) {
    rexX = (code[i] >> 1) & 1;
    rexB = code[i] & 1;
    i++;
  }
  if (i >= n) return false;
  int map = 0;
  uint8_t op = code[i++];
  bool modrm;
  if (op == 0xC5 || op == 0xC4) {  // VEX: always in 64-bit mode
    if (op == 0xC5) {
      if (i + 1 >= n) return false;
      map = 1;
      i += 1;
    } else {
      if (i + 2 >= n) return false;
      rexX = !((code[i] >> 6) & 1);
      rexB = !((code[i] >> 5) & 1);
      map = code[i] & 0x1F;
      if (map < 1 || map > 3) return false;
      i += 2;
    }
    op = code[i++];
    modrm = true;
  } else if (op == 0x62) {
    return false;  // EVEX: compressed displacements; not decoded
  } else if (op == 0x0F) {
    if (i >= n) return false;
    op = code[i++];
    map = 1;
    if (op == 0x38 || op == 0x3A) {
      map = op == 0x38 ? 2 : 3;
      if (i >= n) return false;
      op = code[i++];
      modrm = true;
    } else {
      modrm = twoByteHasModrm(op);
    }
  } else {
    modrm = oneByteHasModrm(op);
  }
  uint64_t rsp = regs[kRsp];
  if (map == 0) {
    // Implicit operands: the stack, and the string instructions' rsi/rdi.
    if ((op >= 0x50 && op <= 0x57) || op == 0x68 || op == 0x6A || op == 0xE8) { *out = rsp - 8; return true; }
    if ((op >= 0x58 && op <= 0x5F) || op == 0xC3 || op == 0xC2 || op == 0x9D) { *out = rsp; return true; }
    if (op == 0x9C) { *out = rsp - 8; return true; }
    if (op == 0xA4 || op == 0xA5 || op == 0xA6 || op == 0xA7) { *out = access == 1 ? regs[kRdi] : regs[kRsi]; return true; }
    if (op == 0xAC || op == 0xAD) { *out = regs[kRsi]; return true; }
    if (op == 0xAA || op == 0xAB || op == 0xAE || op == 0xAF) { *out = regs[kRdi]; return true; }
  }
  if (!modrm || i >= n) return false;
  uint8_t m = code[i++];
  int mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;
  if (mod == 3) return false;
  // push [mem] and call [mem] also write the stack.
  if (map == 0 && op == 0xFF && (reg == 6 || reg == 2) && access == 1) { *out = rsp - 8; return true; }
  uint64_t ea = 0;
  bool ripRel = false;
  if (rm == 4) {
    if (i >= n) return false;
    uint8_t sib = code[i++];
    int scale = sib >> 6, index = ((sib >> 3) & 7) | (rexX << 3), base = (sib & 7) | (rexB << 3);
    if (index != 4) ea += regs[kEnc[index]] << scale;
    if ((sib & 7) == 5 && mod == 0) {
      if (i + 4 > n) return false;
      int32_t d;
      memcpy(&d, code + i, 4);
      i += 4;
      ea += static_cast<uint64_t>(static_cast<int64_t>(d));
    } else {
      ea += regs[kEnc[base]];
    }
  } else if (rm == 5 && mod == 0) {
    ripRel = true;
  } else {
    ea += regs[kEnc[rm | (rexB << 3)]];
  }
  if (mod == 1) {
    if (i >= n) return false;
    ea += static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(code[i++])));
  } else if (mod == 2 || ripRel) {
    if (i + 4 > n) return false;
    int32_t d;
    memcpy(&d, code + i, 4);
    i += 4;
    ea += static_cast<uint64_t>(static_cast<int64_t>(d));
  }
  if (ripRel) ea += regs[kRip] + i + static_cast<uint64_t>(immediateSize(map, op, reg, opsize16));
  if (addr32) ea &= 0xFFFFFFFFull;
  *out = ea + segBase;
  return true;
}

}  // namespace vkemu
