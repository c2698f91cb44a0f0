# A DragonFly process's address space: its vm_map entries (an RB tree) and
# the vkernel64 page-table walk of an address (entries hold memory-image
# offsets, seen through the kernel's DMAP), for dfly-vmspace.
import gdb

from .util import DflyError, addr, cstr, field, parse_int, rb_inorder, run, symbol
from .procs import find_proc

VPTE_V, VPTE_RW, VPTE_U, VPTE_A, VPTE_M, VPTE_PS, VPTE_NX = 0x1, 0x2, 0x4, 0x20, 0x40, 0x80, 0x800
VPTE_FRAME = 0x000FFFFFFFFFF000
PROT_BITS = ((1, "r"), (2, "w"), (4, "x"))


def prot(v):
    v = int(v)
    return "".join(c if v & b else "-" for b, c in PROT_BITS)


def walk(pmap, va):
    """The vkernel64 page-table walk of va through pmap (entries hold memory-image offsets; DMAP maps them)."""
    dmap = int(symbol("dmap_min_address", "the page-table walk"))
    u64p = gdb.lookup_type("unsigned long").pointer()
    table = addr(pmap["pm_pml4"])
    lines = ["page-table walk of 0x%x (pm_pml4 0x%x, DMAP at 0x%x):" % (va, table, dmap)]
    for level, shift in (("PML4E", 39), ("PDPE", 30), ("PDE", 21), ("PTE", 12)):
        idx = (va >> shift) & 511
        slot = table + idx * 8
        try:
            e = int(gdb.Value(slot).cast(u64p).dereference())
        except gdb.MemoryError:
            lines.append("  %s[%d] at 0x%x: unreadable" % (level, idx, slot))
            return lines
        flags = [n for b, n in ((VPTE_V, "V"), (VPTE_RW, "RW"), (VPTE_U, "U"), (VPTE_A, "A"), (VPTE_M, "M"),
                                (VPTE_PS, "PS"), (VPTE_NX, "NX")) if e & b]
        lines.append("  %-5s[%3d] = 0x%016x %s" % (level, idx, e, " ".join(flags)))
        if not e & VPTE_V:
            lines.append("  -> not mapped")
            return lines
        if level == "PTE" or (e & VPTE_PS and level in ("PDPE", "PDE")):
            size = 1 << shift
            phys = (e & VPTE_FRAME & ~(size - 1)) | (va & (size - 1))
            lines.append("  -> physical 0x%x (memory image offset), KVA 0x%x" % (phys, phys + dmap))
            return lines
        table = (e & VPTE_FRAME) + dmap
    return lines


class DflyVmspace(gdb.Command):
    """dfly-vmspace PID [ADDR]: the map entries of process PID (start, end, protection, type, object);
with ADDR, the entry holding it and its page-table walk."""

    def __init__(self):
        super(DflyVmspace, self).__init__("dfly-vmspace", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        def body():
            a = gdb.string_to_argv(arg)
            if not a or len(a) > 2:
                raise DflyError("usage: dfly-vmspace PID [ADDR]")
            pid = parse_int(a[0], "dfly-vmspace PID")
            va = parse_int(a[1], "dfly-vmspace ADDR") if len(a) > 1 else None
            if va is not None and (va < 0 or va >= 1 << 64):
                raise DflyError("dfly-vmspace: 0x%x is not an address" % va)
            p = find_proc(pid)
            vm = p["p_vmspace"]
            if addr(vm) == 0:
                raise DflyError("process %d has no vmspace (a zombie?)" % pid)
            m = vm["vm_map"]
            out = ["process %d (%s): vmspace 0x%x, %d entries, %d bytes" % (
                pid, cstr(p["p_comm"]), addr(vm), int(m["nentries"]), int(m["size"]))]
            out.append("  %-18s %-18s %4s %-4s %s" % ("START", "END", "PROT", "TYPE", "OBJECT"))
            hit = None
            for e in rb_inorder(m["rb_root"]["rbh_root"], "rb_entry"):
                s, t = int(e["ba"]["start"]), int(e["ba"]["end"])
                try:
                    obj = addr(field(e["ba"], "object"))
                except DflyError:
                    obj = 0
                mark = ""
                if va is not None and s <= va < t:
                    hit = e
                    mark = "  <- 0x%x" % va
                out.append("  0x%016x 0x%016x %4s %-4d 0x%x%s" % (s, t, prot(e["protection"]), int(e["maptype"]), obj, mark))
            if va is not None:
                if hit is None:
                    out.append("0x%x is in no map entry of process %d" % (va, pid))
                out.extend(walk(vm["vm_pmap"], va))
            gdb.write("\n".join(out) + "\n")
        run(body)
