// Pre-boot checks of a virtual kernel's device options (vkernel(7): -r/-R
// disks, -c CD images, -I network interfaces). The vkernel itself would fail
// late and tersely (or silently drop an interface); vkemu checks the host side
// first and names the option at fault. Parsing follows the vkernel's own
// (platform/vkernel64/platform/init.c: getopt, init_disk, netif_init_tap).
import fs from 'node:fs';
import { hasFunction } from '../vm/elf.js';
import { realDir, resolveInRoot, type GuestRoot } from '../vm/rootpath.js';

/** The vkernel's getopt string (options followed by ':' take an argument). */
const VKERNEL_OPTS = 'c:hsvztTl:m:n:r:R:e:i:p:I:Ud';
export const MAX_DISKS = 16, MAX_CDS = 16, MAX_NETIFS = 16;
/** SERNOLEN is 30 with the NUL. */
export const MAX_SERIAL = 29;

export class VkOptError extends Error {}

export interface DiskOpt { opt: '-r' | '-R'; arg: string; file: string; serno?: string }
export interface NetOpt {
  arg: string;
  /** What the vkernel opens: /dev/tap (auto), an absolute path, or /dev/<iface>. */
  path: string;
  tapAddr?: string;
  netifAddr?: string;
  masklen?: number;
  bridge?: string;
  mac?: string;
}
export interface VkOpts { disks: DiskOpt[]; cds: string[]; nets: NetOpt[] }

/** The vkernel's options in its argv (POSIX getopt: clusters, attached or separate arguments, "--"). */
export function parseVkernelArgs(args: string[]): VkOpts {
  const o: VkOpts = { disks: [], cds: [], nets: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--' || !a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const k = VKERNEL_OPTS.indexOf(c);
      if (k < 0 || c === ':') continue; // the vkernel's own usage message covers these
      if (VKERNEL_OPTS[k + 1] !== ':') continue;
      const val = j + 1 < a.length ? a.slice(j + 1) : args[++i];
      if (val === undefined) break;
      if (c === 'r' || c === 'R') {
        const colon = val.indexOf(':');
        o.disks.push({ opt: c === 'r' ? '-r' : '-R', arg: val, file: colon < 0 ? val : val.slice(0, colon),
          serno: colon < 0 ? undefined : val.slice(colon + 1) });
      } else if (c === 'c') {
        o.cds.push(val);
      } else if (c === 'I') {
        o.nets.push(parseNetSpec(val));
      }
      break;
    }
  }
  return o;
}

function isIPv4(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

/** One -I argument, `iface[:a1[:a2]][/len][=MAC]`, as vkernel-host-abi.md §6.3 describes. */
export function parseNetSpec(arg: string): NetOpt {
  const bad = (why: string): VkOptError => new VkOptError(`option -I ${arg}: ${why}`);
  const eq = arg.indexOf('=');
  const spec = eq < 0 ? arg : arg.slice(0, eq);
  const n: NetOpt = { arg, path: '' };
  if (eq >= 0) {
    const mac = arg.slice(eq + 1);
    if (!/^([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}$/i.test(mac)) throw bad(`'${mac}' is not a MAC address (xx:xx:xx:xx:xx:xx)`);
    if (parseInt(mac.split(':')[0], 16) & 1) throw bad(`${mac} is a multicast address; vke needs a unicast MAC`);
    n.mac = mac;
  }
  // strtok semantics: empty fields are skipped.
  const first = spec.split(':').filter((t) => t !== '');
  const iface = first[0];
  if (!iface) throw bad('no interface (auto, tapN, /dev/tapN or a socket path)');
  n.path = iface === 'auto' ? '/dev/tap' : iface.startsWith('/') ? iface : `/dev/${iface}`;
  const rest = spec.slice(spec.indexOf(iface) + iface.length);
  const toks = rest.split(/[:/]/).filter((t) => t !== '');
  // Which separator preceded each token decides whether it can be a mask length.
  if (toks.length === 0) return n;
  let t = 0;
  if (isIPv4(toks[0])) n.tapAddr = toks[t++];
  else if (/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(toks[0])) n.bridge = toks[t++];
  else throw bad(`'${toks[0]}' is neither an IPv4 address nor a bridge name`);
  if (t < toks.length) {
    if (isIPv4(toks[t])) n.netifAddr = toks[t++];
    else if (n.bridge) throw bad(`invalid pseudo netif address '${toks[t]}'`);
  }
  if (t < toks.length) {
    const len = toks[t++];
    if (!/^\d+$/.test(len) || Number(len) < 1 || Number(len) > 31) throw bad(`invalid netmask length '${len}' (1 to 31)`);
    n.masklen = Number(len);
  }
  if (t < toks.length) throw bad(`unexpected '${toks.slice(t).join(':')}' (form: iface[:addr[:addr]][/len][=MAC])`);
  return n;
}

function errText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOENT: 'no such file', EACCES: 'permission denied', EROFS: 'read-only file system', EPERM: 'not permitted',
    ENOTDIR: 'a path component is not a directory', ELOOP: 'too many symbolic links',
  };
  return why[err.code ?? ''] ?? err.message;
}

function checkImage(opt: string, arg: string, file: string, host: string, writable: boolean): void {
  // Name the host file only when -L put it somewhere else than the option says.
  const at = `option ${opt} ${arg}: ${host === file ? '' : `(${host}) `}`;
  let st: fs.Stats;
  try {
    st = fs.statSync(host);
  } catch (e) {
    throw new VkOptError(`${at}${errText(e)}`);
  }
  if (st.isDirectory()) throw new VkOptError(`${at}a directory, not a disk image`);
  if (!st.isFile() && !st.isCharacterDevice() && !st.isBlockDevice()) {
    throw new VkOptError(`${at}not a regular file or device`);
  }
  if (st.isFile() && st.size === 0) throw new VkOptError(`${at}the image is empty (0 bytes)`);
  try {
    fs.accessSync(host, writable ? fs.constants.R_OK | fs.constants.W_OK : fs.constants.R_OK);
  } catch (e) {
    throw new VkOptError(`${at}cannot be opened ${writable ? 'for writing' : 'for reading'}: ${errText(e)}`
      + (writable ? ' (the vkernel opens disks read-write; a read-only image can be a CD with -c)' : ''));
  }
}

/** Effective capabilities of this process include CAP_NET_ADMIN (12). */
function hasNetAdmin(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m !== null && (BigInt('0x' + m[1]) & (1n << 12n)) !== 0n;
  } catch {
    return false;
  }
}

const TAP_NODE = /^\/dev\/tap(\d+)?$/;

function checkNet(n: NetOpt, resolve: (p: string) => string): void {
  const bad = (why: string): VkOptError => new VkOptError(`option -I ${n.arg}: ${why}`);
  if (TAP_NODE.test(n.path)) {
    if (!fs.existsSync('/dev/net/tun')) throw bad(`${n.path} needs the Linux TUN driver, and /dev/net/tun is missing (modprobe tun)`);
    try {
      fs.closeSync(fs.openSync('/dev/net/tun', 'r+'));
    } catch (e) {
      throw bad(`${n.path} needs /dev/net/tun, which cannot be opened: ${errText(e)}`);
    }
    if (!hasNetAdmin()) throw bad(`${n.path} needs CAP_NET_ADMIN to create a Linux TAP (run as root or grant cap_net_admin)`);
  } else {
    const host = resolve(n.path);
    let st: fs.Stats;
    try {
      st = fs.statSync(host);
    } catch (e) {
      throw bad(`${n.path}: ${errText(e)} (a tap device or a vknetd socket is needed)`);
    }
    if (!st.isSocket() && !st.isCharacterDevice()) throw bad(`${n.path} is not a tap(4) device or socket`);
  }
  if (n.bridge) {
    const sys = `/sys/class/net/${n.bridge}`;
    if (!fs.existsSync(sys)) throw bad(`no bridge '${n.bridge}' on this host (create it: ip link add ${n.bridge} type bridge)`);
    if (!fs.existsSync(`${sys}/bridge`)) throw bad(`'${n.bridge}' is not a Linux bridge (${sys}/bridge is missing)`);
  }
}

/** Check parsed options against the host: throws VkOptError naming the option. */
export function checkVkOpts(o: VkOpts, resolve: (p: string) => string): void {
  const nDisks = o.disks.length;
  if (nDisks > MAX_DISKS) throw new VkOptError(`${nDisks} disks (-r/-R) given; a virtual kernel takes at most ${MAX_DISKS}`);
  if (o.cds.length > MAX_CDS) throw new VkOptError(`${o.cds.length} CD images (-c) given; a virtual kernel takes at most ${MAX_CDS}`);
  if (o.nets.length > MAX_NETIFS) throw new VkOptError(`${o.nets.length} interfaces (-I) given; a virtual kernel takes at most ${MAX_NETIFS}`);
  for (const d of o.disks) {
    if (d.serno !== undefined && d.serno.length > MAX_SERIAL) {
      throw new VkOptError(`option ${d.opt} ${d.arg}: serial number '${d.serno}' is ${d.serno.length} characters; at most ${MAX_SERIAL}`);
    }
    // -R also opens the image read-write (its writes then go to a private copy).
    checkImage(d.opt, d.arg, d.file, resolve(d.file), true);
  }
  for (const c of o.cds) checkImage('-c', c, c, resolve(c), false);
  for (const n of o.nets) checkNet(n, resolve);
}

/**
 * When `programHost` is a virtual kernel (it defines init_vkernel), parse and
 * check its device options; returns an error message or undefined.
 */
export function checkVkernelArgs(programHost: string, args: string[], resolve: (p: string) => string): string | undefined {
  if (!hasFunction(programHost, 'init_vkernel')) return undefined;
  try {
    checkVkOpts(parseVkernelArgs(args), resolve);
    return undefined;
  } catch (e) {
    if (e instanceof VkOptError) return e.message;
    throw e;
  }
}

/** A guest path on the host: under the -L root when the file exists there (as Machine.resolvePath does). */
function rootResolver(root: string | undefined): (p: string) => string {
  const r: GuestRoot | undefined = root ? { dir: realDir(root), fallback: true } : undefined;
  return (p) => (r && p.startsWith('/') ? resolveInRoot(r, p, undefined, true) : p);
}

/** The check cli.ts runs before boot: an error message (exit 64) or undefined. */
export function preBootCheck(program: string, args: string[], root: string | undefined): string | undefined {
  const resolve = rootResolver(root);
  return checkVkernelArgs(resolve(program), args, resolve);
}
