# vkemu's DragonFly gdb extension, as a package: dfly.py (beside it) puts it on
# sys.path and imports it, which registers the commands, the convenience
# functions and the signal-trampoline unwinder.
import gdb

from . import util, procs, percpu, vm, msgbuf, sigtramp  # noqa: F401  (registration)


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


DflyHelp()
procs.DflyPs()
percpu.DflyThreads()
vm.DflyVmspace()
msgbuf.DflyDmesg()
