# Processes of a DragonFly kernel: the allproc chains of procglob[], each
# process's LWP tree, and dfly-ps.
import gdb

from .util import DflyError, addr, cstr, rb_inorder, run, symbol

PROC_STATES = {1: "SIDL", 2: "SACTIVE", 3: "SSTOP", 4: "SZOMB", 5: "SCORE"}
LWP_STATES = {1: "LSRUN", 2: "LSSTOP", 3: "LSSLEEP"}


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
