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

#
# The code is in the dflylib package beside this file (one module per area).
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)
import dflylib  # noqa: E402,F401  (registers everything)
