# Per-CPU data of a DragonFly kernel: globaldata through %gs (as the kernel's
# mycpu) or CPU_prvspace[n], the $mycpu/$curthread/$curproc functions, and
# dfly-threads (each CPU's LWKT threads, gd_tdallq).
import gdb

from .util import DflyError, addr, cstr, parse_int, run, symbol, ptype
from .procs import wchan

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
