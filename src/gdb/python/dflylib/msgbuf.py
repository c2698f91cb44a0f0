# The kernel message buffer (msgbufp: msg_ptr, read from msg_bufr to msg_bufx
# modulo msg_size), for dfly-dmesg.
import gdb

from .util import DflyError, addr, run, symbol


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
