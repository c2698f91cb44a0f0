// `monitor` commands (qRcmd): vkemu's own view of the guest, for kernel work
// on a virtual kernel: its vmspaces, the walk of an address through its
// virtual page tables, the system-call tracer, and time.
import { Reg } from '../cpu/engine.js';
import { Tracer } from '../vm/strace.js';
import { contextsIn } from '../vm/vmspace.js';
import { parseSignal } from './sigpolicy.js';
import type { DebugThread, Target } from './target.js';

const HELP = `vkemu monitor commands:
  vmspaces        the vmspaces of each virtual kernel, and which threads run in them
  vpte ADDR       the walk of ADDR through the virtual page table of the current thread's space
  strace on|off   trace system calls on vkemu's stderr
  contexts on|off breakpoints and watchpoints also stop guest contexts (default off: vkernel threads only)
  ticks           time since boot and the time slices each thread has had
  signals [on|off|pass SIG...|stop SIG...|faults pass|faults stop]
                  which signals of a virtual kernel go by without stopping gdb (default: its own)
  help            this text
`;

const hex = (v: bigint | number): string => '0x' + v.toString(16);

export function monitor(target: Target, current: DebugThread | undefined, line: string): string {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const m = target.machine;
  switch (cmd) {
    case '': case 'help': return HELP;
    case 'vmspaces': {
      const out: string[] = [];
      for (const p of [...m.procs.values()].sort((a, b) => a.pid - b.pid)) {
        if (!p.vkernel) continue;
        out.push(`pid ${p.pid} (${p.exePath}): ${p.vmspaces.size} vmspace(s)`);
        for (const [id, vs] of p.vmspaces) {
          const on = target.threads().filter((d) => d.context && d.t.proc === p && d.t.vm?.id === id);
          const where = on.map((d) => `lwp ${d.t.tid} (gdb thread ${d.id}, rip ${hex(d.t.get(Reg.RIP))})`).join(', ');
          const maps = vs.space.regions().filter((r) => r.kind === 4).map((r) => `${hex(r.start)}-${hex(r.end)}`).join(' ');
          out.push(`  vmspace ${hex(id)}: ${contextsIn(p, id)} running${where ? ' on ' + where : ''}${maps ? '; vpagetable ' + maps : ''}`);
        }
        const kva = p.space.regions().filter((r) => r.kind === 4).map((r) => `${hex(r.start)}-${hex(r.end)}`);
        if (kva.length) out.push(`  its own MAP_VPAGETABLE windows: ${kva.join(' ')}`);
      }
      return out.length ? out.join('\n') + '\n' : 'no virtual kernel (no process has called vmspace_create)\n';
    }
    case 'vpte': {
      if (!current) return 'no thread\n';
      const a = args[0];
      if (!a || !/^(0x)?[0-9a-fA-F]{1,16}$/.test(a)) return 'usage: vpte ADDR (hex)\n';
      const va = BigInt(a.startsWith('0x') ? a : '0x' + a);
      if (!m.engine.caps.debugHooks) return `the ${m.engine.name} engine cannot walk page tables for the debugger\n`;
      const w = target.spaceOf(current).debugWalk(va);
      if (!w) return `${hex(va)} is not in a MAP_VPAGETABLE mapping of ${current.context ? 'this guest context' : `pid ${current.t.proc.pid}`}\n`;
      const names = ['root', 'PML4E', 'PDPE', 'PDE', 'PTE'];
      const shifts = [0, 39, 30, 21, 12];
      const out = [`${hex(va)} in MAP_VPAGETABLE ${hex(w.start)}-${hex(w.end)}`];
      w.entries.forEach((e, i) => {
        const idx = i ? `[${Number((va >> BigInt(shifts[i])) & 511n)}]` : '';
        const flags = ['V', 'RW', 'U', '', '', 'A', 'M', 'PS'].map((f, b) => (f && e & (1n << BigInt(b)) ? f : '')).filter(Boolean);
        if (e & 0x800n) flags.push('NX');
        out.push(`  ${names[i] ?? 'level ' + i}${idx} = ${hex(e)} ${flags.join(' ')}`);
      });
      out.push(w.page >= 0 ? `  -> memory image offset ${hex(w.page * 4096 + Number(va & 0xfffn))}` : '  -> not mapped');
      return out.join('\n') + '\n';
    }
    case 'strace': {
      if (args[0] === 'on') m.tracer ??= new Tracer(m.log);
      else if (args[0] === 'off') m.tracer = undefined;
      else return 'usage: strace on|off\n';
      return `system-call tracing ${args[0]}\n`;
    }
    case 'contexts': {
      if (args[0] !== 'on' && args[0] !== 'off') return 'usage: contexts on|off\n';
      target.contextBreaks = args[0] === 'on';
      return `breakpoints ${target.contextBreaks ? 'also stop' : 'do not stop'} guest contexts\n`;
    }
    case 'signals':
      return signals(target, args);
    case 'ticks': {
      const ms = Number(m.clock.realtimeNs() - m.bootNs) / 1e6;
      const out = [`${ms.toFixed(1)} ms since boot (${m.clock.virtual ? 'virtual' : 'host'} clock)`];
      for (const d of target.threads()) {
        if (d.context) continue;
        out.push(`  thread ${d.id} (pid ${d.t.proc.pid} lwp ${d.t.tid}): ${d.t.slices} time slices, ${d.t.state}`);
      }
      return out.join('\n') + '\n';
    }
    default:
      return `unknown monitor command '${cmd}'; try 'monitor help'\n`;
  }
}

function signals(target: Target, args: string[]): string {
  const pol = target.policy;
  const procs = [...target.machine.procs.values()];
  const [verb, ...rest] = args;
  const usage = 'usage: signals [on|off|pass SIG...|stop SIG...|faults pass|faults stop]\n';
  switch (verb) {
    case undefined: break;
    case 'on': case 'off': pol.enabled = verb === 'on'; break;
    case 'faults':
      if (rest[0] !== 'pass' && rest[0] !== 'stop') return usage;
      pol.passPageFaults = rest[0] === 'pass';
      break;
    case 'pass': case 'stop': {
      if (!rest.length) return usage;
      const sigs = rest.map(parseSignal);
      const bad = rest.filter((_, i) => !sigs[i]);
      if (bad.length) return `unknown signal ${bad.join(', ')}\n`;
      for (const n of sigs) if (verb === 'pass') pol.pass.add(n); else pol.pass.delete(n);
      break;
    }
    default: return usage;
  }
  return pol.describe(procs);
}
