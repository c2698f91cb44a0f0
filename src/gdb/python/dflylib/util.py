# Helpers of vkemu's DragonFly gdb extension: kernel symbols and types by
# name, C strings, BSD list and tree walks, and errors that gdb prints as one
# line (DflyError, run) instead of a Python traceback.
import gdb

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


def field(v, name, depth=2):
    """v.name, also inside anonymous members and unions (5.9's lwp keeps its tree link in u.lwp_rbnode)."""
    try:
        return v[name]
    except gdb.error:
        pass
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        v = v.dereference()
        t = v.type.strip_typedefs()
    if depth > 0 and t.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        for f in t.fields():
            ft = f.type.strip_typedefs()
            if f.name is None or ft.code == gdb.TYPE_CODE_UNION:
                try:
                    return field(v[f], name, depth - 1)
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

def rb_inorder(root, link):
    """Nodes of a BSD RB tree, in order; link is the RB_ENTRY field's name."""
    stack, node, n = [], root, 0
    while stack or addr(node) != 0:
        while addr(node) != 0:
            stack.append(node)
            node = field(node, link)["rbe_left"]
            n += 1
            if n > 1000000:
                raise DflyError("a tree does not end (corrupt?)")
        node = stack.pop()
        yield node
        node = field(node, link)["rbe_right"]
