// A real DragonFly (built by `vkemu dragonfly build`, named by VKEMU_DRAGONFLY)
// under vkemu against the host, all in one run:
//   boot: vkemu start to init running (/etc/rc's first line) and to the root shell's prompt with
//         -n 2 (medians of BOOTS); goals <= 1.5 s and <= 3 s
//   fork+exec+wait of /bin/echo from the guest's sh (EXECS of them); goal <= 3 ms each
//   vkd1: dd 64 KiB sequential write and read of DISK_MB against dd on the host file; goal >= 50%
//   vke0: TCP (nc) guest -> host over vkemu's TAP on a bridge vs a veth peer -> host on the
//         same bridge; goal >= 500 Mbit/s; ping round trips both ways vs ping over the veth
// Writes bench/results/dragonfly.json and dragonfly.svg. Figures, never pass/fail; without
// VKEMU_DRAGONFLY it says so and does nothing.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atExit } from './cleanup.js';
import { renderDevicesSvg, type Row } from './devices-svg.js';
import { HOST_IP, makeNetns, netUnavailable, removeNetns } from './netns.js';
import { bootDragonfly, dragonflyBuild } from '../test/dragonfly-build.js';
import type { ConsoleGuest } from '../test/vkmini-console.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const VKEMU = path.join(ROOT, 'bin/vkemu');
const BOOTS = 3;
const EXECS = 500;
const DISK_MB = 256;
const NET_MB = 64;
const PINGS = 50;
const GUEST_IP = '10.77.0.2';
/** The first line /etc/rc prints (src/dragonfly/etc.ts): init is running and has started rc. */
const RC_FIRST_LINE = 'Checking file systems:';

const log = (s: string): void => { process.stderr.write(`bench dragonfly: ${s}\n`); };
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

function sh(cmd: string, timeout = 300_000): string {
  const r = spawnSync('sh', ['-c', cmd], { encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`);
  return r.stdout + r.stderr;
}

/** "real 1.23" from /usr/bin/time -p, in seconds. */
function realSeconds(text: string): number {
  const m = text.match(/^real\s+([\d.]+)/m);
  if (!m) throw new Error(`no 'real' time in: ${text.trim().split('\n').slice(-3).join(' | ')}`);
  return Number(m[1]);
}

/** MB/s from a dd summary line ("N bytes transferred in S secs (R bytes/sec)", BSD or GNU). */
function ddMBps(text: string): number {
  const bsd = text.match(/(\d+) bytes transferred in ([\d.]+) secs/);
  if (bsd) return Number(bsd[1]) / Number(bsd[2]) / 1e6;
  const gnu = text.match(/(\d+) bytes .* copied, ([\d.]+) s/);
  if (gnu) return Number(gnu[1]) / Number(gnu[2]) / 1e6;
  throw new Error(`no dd summary in: ${text.trim().split('\n').slice(-2).join(' | ')}`);
}

const build = dragonflyBuild();
const out: Record<string, number | string> = {};
const rows: Row[] = [];
// Without a build, dragonflyBuild() has said so in one line.
if (build) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vkemu-bench-dfly-'));
  atExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  const guests: ConsoleGuest[] = [];
  atExit(() => { for (const g of guests) g.kill(); });

  // Boot to the shell prompt, -n 2.
  const boots: number[] = [], inits: number[] = [];
  for (let i = 0; i < BOOTS; i++) {
    const t0 = Date.now();
    const g = bootDragonfly(build, path.join(dir, 'boot'), ['-n', '2']);
    guests.push(g);
    await g.waitFor(() => g.out.includes(RC_FIRST_LINE), 'init running /etc/rc', 180_000);
    inits.push(Date.now() - t0);
    await g.booted(180_000);
    boots.push(Date.now() - t0);
    await g.halt(60_000);
    log(`boot ${i + 1}: ${inits[i]} ms to init, ${boots[i]} ms to the prompt`);
  }
  out.start_to_init_ms = median(inits);
  out.boot_to_prompt_ms = median(boots);

  // fork+exec+wait and vkd1, in one boot with a data disk.
  const data = path.join(dir, 'data.img');
  spawnSync(VKEMU, ['mkimg', 'blank', data, '--size', `${DISK_MB * 2}m`]);
  const g = bootDragonfly(build, path.join(dir, 'io'), ['-r', data]);
  guests.push(g);
  await g.booted(180_000);
  const loop = await g.cmd(`/usr/bin/time -p sh -c 'i=0; while [ $i -lt ${EXECS} ]; do /bin/echo $i >/dev/null; i=$((i+1)); done'`, 600_000);
  out.guest_fork_exec_ms = realSeconds(loop) * 1000 / EXECS;
  log(`fork+exec+wait of /bin/echo: ${out.guest_fork_exec_ms.toFixed(2)} ms`);
  const count = DISK_MB * 16;
  out.vkd_write_MBps = ddMBps(await g.cmd(`dd if=/dev/zero of=/dev/vkd1 bs=64k count=${count} 2>&1`, 600_000));
  out.vkd_read_MBps = ddMBps(await g.cmd(`dd if=/dev/vkd1 of=/dev/null bs=64k count=${count} 2>&1`, 600_000));
  await g.halt(60_000);
  const hostFile = path.join(dir, 'host.img');
  out.host_write_MBps = ddMBps(sh(`dd if=/dev/zero of=${hostFile} bs=64k count=${count} 2>&1`));
  out.host_read_MBps = ddMBps(sh(`dd if=${hostFile} of=/dev/null bs=64k count=${count} 2>&1`));
  rows.push({ group: 'disk-seq', workload: 'vkd1 dd write (real kernel)', unit: 'MB/s', guest: out.vkd_write_MBps, base: out.host_write_MBps, higher: true, targetRatio: 0.5 });
  rows.push({ group: 'disk-seq', workload: 'vkd1 dd read (real kernel)', unit: 'MB/s', guest: out.vkd_read_MBps, base: out.host_read_MBps, higher: true, targetRatio: 0.5 });

  // vke0 against a veth, on one bridge in namespaces made here.
  const why = netUnavailable();
  if (why) out.net = `skipped: ${why}`;
  else {
    const ns = makeNetns();
    try {
      const n = bootDragonfly(build, path.join(dir, 'net'), [], { net: `bridge0:${GUEST_IP}/24`, netns: ns.main });
      guests.push(n);
      await n.booted(180_000);
      const bytes = NET_MB * 1024 * 1024;
      const recv = (port: number): void => { sh(`ip netns exec ${ns.main} timeout 120 nc -l -p ${port} > /dev/null 2>&1 &`); };
      recv(7711);
      await new Promise((r) => setTimeout(r, 300));
      const tcp = await n.cmd(`dd if=/dev/zero bs=64k count=${NET_MB * 16} 2>/dev/null | /usr/bin/time -p nc -N ${HOST_IP} 7711`, 300_000);
      out.vke_tcp_Mbps = bytes * 8 / realSeconds(tcp) / 1e6;
      recv(7712);
      await new Promise((r) => setTimeout(r, 300));
      const vt = sh(`ip netns exec ${ns.peer} sh -c 'dd if=/dev/zero bs=64k count=${NET_MB * 16} 2>/dev/null | (time -p nc -N ${HOST_IP} 7712) 2>&1'`);
      out.veth_tcp_Mbps = bytes * 8 / realSeconds(vt.replace(/^real\s+/m, 'real ')) / 1e6;
      rows.push({ group: 'net-tcp', workload: 'TCP guest -> host (nc)', unit: 'Mbit/s', guest: out.vke_tcp_Mbps, base: out.veth_tcp_Mbps, higher: true, target: 500 });
      const pg = await n.cmd(`ping -q -c ${PINGS} -i 0.05 ${HOST_IP}`, 120_000);
      out.ping_guest_to_host_ms = Number(pg.match(/= [\d.]+\/([\d.]+)\//)?.[1]);
      const ph = sh(`ip netns exec ${ns.main} ping -q -c ${PINGS} -i 0.05 ${GUEST_IP}`);
      out.ping_host_to_guest_ms = Number(ph.match(/= [\d.]+\/([\d.]+)\//)?.[1]);
      const pv = sh(`ip netns exec ${ns.peer} ping -q -c ${PINGS} -i 0.05 ${HOST_IP}`);
      out.ping_veth_ms = Number(pv.match(/= [\d.]+\/([\d.]+)\//)?.[1]);
      rows.push({ group: 'net-lat', workload: 'ping guest -> host', unit: 'µs', guest: out.ping_guest_to_host_ms * 1000, base: out.ping_veth_ms * 1000, higher: false });
      rows.push({ group: 'net-lat', workload: 'ping host -> guest', unit: 'µs', guest: out.ping_host_to_guest_ms * 1000, base: out.ping_veth_ms * 1000, higher: false });
      await n.halt(60_000);
    } catch (e) {
      out.net = `failed: ${(e as Error).message.split('\n')[0]}`;
    } finally {
      removeNetns();
    }
  }
  for (const g2 of guests) g2.kill();

  const fmt = (v: number | string | undefined): string => (typeof v === 'number' ? (v >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v ?? '-'));
  console.log(`real DragonFly ${path.basename(build.kernel)} under vkemu (${build.out})`);
  console.log(`  start to init running (-n 2):   ${fmt(out.start_to_init_ms)} ms   (goal <= 1500)`);
  console.log(`  boot to the root shell (-n 2):   ${fmt(out.boot_to_prompt_ms)} ms   (goal <= 3000)`);
  console.log(`  fork+exec+wait of /bin/echo:     ${fmt(out.guest_fork_exec_ms)} ms  (goal <= 3)`);
  for (const r of rows) if (r.group !== 'net-lat') console.log(`  ${r.workload.padEnd(32)} ${fmt(r.guest)} vs ${fmt(r.base)} ${r.unit} (${(((r.guest ?? 0) / (r.base ?? 1)) * 100).toFixed(0)}% of the host)`);
  if (typeof out.ping_guest_to_host_ms === 'number') console.log(`  ping guest->host / host->guest / veth: ${fmt(out.ping_guest_to_host_ms)} / ${fmt(out.ping_host_to_guest_ms)} / ${fmt(out.ping_veth_ms)} ms`);
  if (typeof out.net === 'string') console.log(`  network: ${out.net}`);
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, 'bench/results/dragonfly.json'), JSON.stringify({ date: new Date().toISOString(), ...out }, null, 2) + '\n');
  if (rows.length) fs.writeFileSync(path.join(ROOT, 'bench/results/dragonfly.svg'), renderDevicesSvg(rows, 'a real DragonFly VKERNEL64 under vkemu vs the host doing the same', []));
  console.log('results: bench/results/dragonfly.json, bench/results/dragonfly.svg');
}
