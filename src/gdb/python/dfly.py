# gdb commands for DragonFly BSD kernels (a VKERNEL64 under vkemu, or a
# DragonFly kernel core), in the spirit of Linux's lx-* scripts. Everything is
# read through the kernel's DWARF types (gdb.lookup_type, gdb.parse_and_eval),
# so the commands follow the kernel they are given; field names are DragonFly
# 5.x's. Loaded by `vkemu gdb`, or by hand: `source src/gdb/python/dfly.py`.
#
#   dfly-dmesg               the kernel message buffer (msgbufp)
#   dfly-ps                  processes and their LWPs: state, CPU, wait channel
#   dfly-threads [CPU]       LWKT threads of each CPU (gd_tdallq)
#   dfly-vmspace PID [ADDR]  a process's map entries; for ADDR, its page-table walk
#   $mycpu([CPU]), $curthread([CPU]), $curproc([CPU])   per-CPU data (globaldata)
#   and an unwinder through vkemu's signal trampoline (backtraces from signal handlers)
#
# Bad input (a PID that does not exist, an address that cannot be read, a
# kernel without the symbols a command needs) gives a one-line message, never
# a Python traceback.

import gdb

PROC_STATES = {1: "SIDL", 2: "SACTIVE", 3: "SSTOP", 4: "SZOMB", 5: "SCORE"}
LWP_STATES = {1: "LSRUN", 2: "LSSTOP", 3: "LSSLEEP"}
VPTE_V, VPTE_RW, VPTE_U, VPTE_A, VPTE_M, VPTE_PS, VPTE_NX = 0x1, 0x2, 0x4, 0x20, 0x40, 0x80, 0x800
VPTE_FRAME = 0x000FFFFFFFFFF000
PROT_BITS = ((1, "r"), (2, "w"), (4, "x"))


class DflyError(Exception):
    """A message for the user (no traceback)."""


def symbol(name, what):
    """A kernel variable by name, or a clear error naming what needed it."""
    try:
        return gdb.parse_and_eval(name)
    except gdb.error:
        raise DflyError("%s needs the kernel symbol '%s': is this a DragonFly kernel with debug info "
                        "(gdb kernel.debug)?" % (what, name))


def ptype(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        raise DflyError("no type '%s' in the symbols: is this a DragonFly kernel with debug info?" % name)


def addr(v):
    return int(v.cast(gdb.lookup_type("unsigned long")))


def cstr(v, n=64):
    """A char array or char * as a Python string ('' when unreadable)."""
    try:
        if v.type.strip_typedefs().code == gdb.TYPE_CODE_ARRAY:
            raw = bytes(int(v[i]) & 0xff for i in range(v.type.strip_typedefs().range()[1] + 1))
            return raw.split(b"\0", 1)[0].decode("latin-1")
        if addr(v) == 0:
            return ""
        return v.string("latin-1", "replace", n).split("\0", 1)[0]
    except gdb.error:
        return "?"


def field(v, name):
    """v.name, also through anonymous unions and structs."""
    try:
        return v[name]
    except gdb.error:
        for f in v.type.strip_typedefs().fields():
            if f.name is None:
                try:
                    return field(v[f], name)
                except DflyError:
                    pass
    raise DflyError("no field '%s' in %s" % (name, v.type))


def run(fn):
    """Run a command body: user errors and memory errors become one-line gdb errors."""
    try:
        return fn()
    except DflyError as e:
        raise gdb.GdbError(str(e))
    except gdb.MemoryError as e:
        raise gdb.GdbError("cannot read kernel memory: %s" % e)
    except gdb.error as e:
        raise gdb.GdbError(str(e))


def parse_int(s, what):
    try:
        return int(gdb.parse_and_eval(s))
    except (gdb.error, ValueError):
        raise DflyError("%s: '%s' is not a number" % (what, s))


# --- per-CPU data -------------------------------------------------------------

def ncpus():
    return int(symbol("ncpus", "the per-CPU data"))


def globaldata(cpu):
    n = ncpus()
    if cpu < 0 or cpu >= n:
        raise DflyError("no CPU %d (ncpus is %d)" % (cpu, n))
    prv = symbol("CPU_prvspace", "the per-CPU data")
    return prv[cpu]["mdglobaldata"]["mi"].address


def current_globaldata():
    """The selected thread's globaldata: %gs points at its CPU's privatespace."""
    try:
        gs = int(gdb.parse_and_eval("$gs_base"))
    except gdb.error:
        gs = 0
    if gs == 0:
        raise DflyError("the selected thread has no per-CPU data (gs_base is 0): select a vCPU thread "
                        "('info threads'), or give a CPU number, e.g. $mycpu(0)")
    gd_t = ptype("struct globaldata").pointer()
    gd = gdb.Value(gs).cast(gd_t.pointer()).dereference()
    return gd.cast(gd_t)


class PerCpu(gdb.Function):
    def __init__(self, name, doc, pick):
        self.__doc__ = doc
        super(PerCpu, self).__init__(name)
        self.pick = pick

    def invoke(self, *args):
        def body():
            if len(args) > 1:
                raise DflyError("takes at most one argument, a CPU number")
            gd = globaldata(int(args[0])) if args else current_globaldata()
            return self.pick(gd)
        return run(body)


PerCpu("mycpu", "$mycpu([CPU]): the struct globaldata of the selected thread's CPU, or of CPU.", lambda gd: gd)
PerCpu("curthread", "$curthread([CPU]): the thread running on the selected thread's CPU, or on CPU.",
       lambda gd: gd["gd_curthread"])
PerCpu("curproc", "$curproc([CPU]): the process of $curthread (NULL for a pure kernel thread).",
       lambda gd: gd["gd_curthread"]["td_proc"])


# --- processes ------------------------------------------------------------------

def all_procs():
    """Every process on the allproc lists (procglob[] hash chains)."""
    glob = symbol("procglob", "the process list")
    lo, hi = glob.type.strip_typedefs().range()
    seen = 0
    for i in range(lo, hi + 1):
        p = glob[i]["allproc"]["lh_first"]
        while addr(p) != 0:
            yield p
            seen += 1
            if seen > 1000000:
                raise DflyError("the process list does not end (corrupt?)")
            p = p["p_list"]["le_next"]


def rb_inorder(root, link):
    """Nodes of a BSD RB tree, in order; link is the RB_ENTRY field's name."""
    stack, node, n = [], root, 0
    while stack or addr(node) != 0:
        while addr(node) != 0:
            stack.append(node)
            node = node[link]["rbe_left"]
            n += 1
            if n > 1000000:
                raise DflyError("a tree does not end (corrupt?)")
        node = stack.pop()
        yield node
        node = node[link]["rbe_right"]


def lwps(p):
    return rb_inorder(p["p_lwp_tree"]["rbh_root"], "lwp_rbnode")


def find_proc(pid):
    for p in all_procs():
        if int(p["p_pid"]) == pid:
            return p
    raise DflyError("no process with PID %d (dfly-ps lists them)" % pid)


def wchan(td):
    if addr(td) == 0:
        return "-"
    msg = cstr(td["td_wmesg"]) if addr(td["td_wmesg"]) else ""
    ch = addr(td["td_wchan"])
    if not msg and not ch:
        return "-"
    return "%s 0x%x" % (msg or "?", ch) if ch else msg


def cpu_of(td):
    try:
        return str(int(td["td_gd"]["gd_cpuid"])) if addr(td) and addr(td["td_gd"]) else "-"
    except gdb.error:
        return "?"


class DflyHelp(gdb.Command):
    """DragonFly kernel commands (vkemu's src/gdb/python/dfly.py):
  dfly-dmesg               the kernel message buffer
  dfly-ps                  processes and their LWPs: state, CPU, wait channel
  dfly-threads [CPU]       LWKT threads of each CPU
  dfly-vmspace PID [ADDR]  a process's map entries; for ADDR, its page-table walk
  $mycpu([CPU]), $curthread([CPU]), $curproc([CPU])   per-CPU data through %gs or CPU_prvspace"""

    def __init__(self):
        super(DflyHelp, self).__init__("dfly", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        gdb.execute("help dfly")


class DflyPs(gdb.Command):
    """dfly-ps: every process and its LWPs: PID, parent, state, CPU, wait channel, command."""

    def __init__(self):
        super(DflyPs, self).__init__("dfly-ps", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        def body():
            if arg.strip():
                raise DflyError("dfly-ps takes no arguments")
            out = ["%6s %6s %6s %-8s %3s %-24s %-18s %s" % ("PID", "PPID", "TID", "STATE", "CPU", "WCHAN", "PROC", "COMM")]
            procs = sorted(all_procs(), key=lambda p: int(p["p_pid"]))
            for p in procs:
                st = int(p["p_stat"])
                pp = p["p_pptr"]
                ppid = int(pp["p_pid"]) if addr(pp) else 0
                out.append("%6d %6d %6s %-8s %3s %-24s 0x%-16x %s" % (
                    int(p["p_pid"]), ppid, "", PROC_STATES.get(st, str(st)), "", "", addr(p), cstr(p["p_comm"])))
                for lp in lwps(p):
                    td = lp["lwp_thread"]
                    ls = int(lp["lwp_stat"])
                    out.append("%6s %6s %6d %-8s %3s %-24s %-18s %s" % (
                        "", "", int(lp["lwp_tid"]), LWP_STATES.get(ls, str(ls)), cpu_of(td), wchan(td)[:24], "",
                        cstr(td["td_comm"]) if addr(td) else ""))
            gdb.write("\n".join(out) + "\n%d processes\n" % len(procs))
        run(body)


TDF_NAMES = ((0x0001, "RUNNING"), (0x0002, "TSLEEPQ"), (0x0008, "SYSTHREAD"), (0x0010, "ALLOCATED_THREAD"))


class DflyThreads(gdb.Command):
    """dfly-threads [CPU]: the LWKT threads of each CPU (or of CPU): the running one marked '*',
priority, process, wait channel, name."""

    def __init__(self):
        super(DflyThreads, self).__init__("dfly-threads", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        def body():
            a = arg.split()
            if len(a) > 1:
                raise DflyError("usage: dfly-threads [CPU]")
            cpus = [parse_int(a[0], "dfly-threads")] if a else list(range(ncpus()))
            out = []
            for c in cpus:
                gd = globaldata(c)
                cur = addr(gd["gd_curthread"])
                out.append("CPU %d: globaldata 0x%x, curthread 0x%x" % (c, addr(gd), cur))
                out.append("   %-18s %4s %6s %-24s %s" % ("THREAD", "PRI", "PID", "WCHAN", "NAME"))
                td = gd["gd_tdallq"]["tqh_first"]
                n = 0
                while addr(td) != 0:
                    proc = td["td_proc"]
                    out.append(" %s 0x%-16x %4d %6s %-24s %s" % (
                        "*" if addr(td) == cur else " ", addr(td), int(td["td_pri"]),
                        str(int(proc["p_pid"])) if addr(proc) else "-", wchan(td)[:24], cstr(td["td_comm"])))
                    n += 1
                    if n > 100000:
                        raise DflyError("CPU %d's thread list does not end (corrupt?)" % c)
                    td = td["td_allq"]["tqe_next"]
                out.append("   %d threads" % n)
            gdb.write("\n".join(out) + "\n")
        run(body)


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


class DflyDmesg(gdb.Command):
    """dfly-dmesg: the kernel message buffer (msgbufp), oldest line first."""

    def __init__(self):
        super(DflyDmesg, self).__init__("dfly-dmesg", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        def body():
            if arg.strip():
                raise DflyError("dfly-dmesg takes no arguments")
            mb = symbol("msgbufp", "dfly-dmesg")
            if addr(mb) == 0:
                raise DflyError("msgbufp is NULL: the message buffer is not set up yet")
            size, x, r = int(mb["msg_size"]), int(mb["msg_bufx"]), int(mb["msg_bufr"])
            if size == 0 or size > 64 << 20:
                raise DflyError("msgbufp->msg_size is %d: not a message buffer (magic 0x%x)" % (size, int(mb["msg_magic"])))
            n = (x - r) & 0xffffffff
            if n > size:
                r, n = x - size, size
            ptr = addr(mb["msg_ptr"])
            inf = gdb.selected_inferior()
            start = r % size
            first = min(n, size - start)
            data = bytes(inf.read_memory(ptr + start, first))
            if n > first:
                data += bytes(inf.read_memory(ptr, n - first))
            text = data.replace(b"\0", b"").decode("latin-1")
            gdb.write(text if text.endswith("\n") or not text else text + "\n")
        run(body)


# --- signal frames ---------------------------------------------------------------

# vkemu's signal trampoline (src/vm/exec.ts SIGCODE_PAGE): `call *(%rsp)` to the
# handler, then sigreturn. gdb knows no DragonFly signal frames, so a backtrace
# from a handler (a vkernel's timersig, exc_segfault -> kern_trap, ...) stopped
# there; this unwinder continues into the interrupted code, from the
# ucontext's mcontext (sigframe + 64 + 64, registers after mc_onstack in
# trapframe order, as src/vm/sigframe.ts writes them).
SIGCODE_PAGE = 0x7fffffdfe000
MC_REGS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9", "rax", "rbx", "rbp", "r10", "r11", "r12", "r13", "r14", "r15",
           None, None, None, None, None, "rip", None, "eflags", "rsp", None)

try:
    from gdb.unwinder import Unwinder, register_unwinder

    class SigtrampUnwinder(Unwinder):
        def __init__(self):
            super(SigtrampUnwinder, self).__init__("vkemu-sigtramp")

        def __call__(self, pending_frame):
            try:
                pc = int(pending_frame.read_register("rip"))
                if not SIGCODE_PAGE <= pc < SIGCODE_PAGE + 0x20:
                    return None
                sfp = int(pending_frame.read_register("rsp"))
                u64p = gdb.lookup_type("unsigned long").pointer()
                u32p = gdb.lookup_type("unsigned int").pointer()
                ptr = gdb.lookup_type("void").pointer()
                info = pending_frame.create_unwind_info(FrameId(gdb.Value(sfp).cast(ptr), gdb.Value(SIGCODE_PAGE).cast(ptr)))
                base = sfp + 128 + 8
                for i, reg in enumerate(MC_REGS):
                    if reg is None:
                        continue
                    # eflags is 32 bits in the target description (the slot's low half).
                    v = gdb.Value(base + 8 * i).cast(u32p if reg == "eflags" else u64p).dereference()
                    info.add_saved_register(reg, v)
                return info
            except Exception:  # an unwinder must never break a backtrace
                return None

    class FrameId(object):
        def __init__(self, sp, pc):
            self.sp = sp
            self.pc = pc

    register_unwinder(None, SigtrampUnwinder(), replace=True)
except ImportError:
    pass


DflyHelp()
DflyPs()
DflyThreads()
DflyVmspace()
DflyDmesg()
