// /etc of the small world: the tree's own files where they fit as they are, our
// own rc/ttys/fstab for a virtual kernel on vkemu, and the password and login
// class databases made by the world's own pwd_mkdb and cap_mkdb, run under vkemu.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BuildError } from './errors.js';
import type { Progress } from './progress.js';
import { stale, stampFile, writeStamp } from './stamps.js';
import { supportDir, type BuildDirs } from './toolchain.js';

/** Files taken from the tree's etc/ unchanged. */
const FROM_TREE: readonly string[] = [
  'gettytab', 'login.conf', 'group', 'shells', 'hosts', 'protocols', 'services', 'netconfig', 'profile',
  'networks', 'login.access', 'pam.d/login', 'pam.d/system', 'pam.d/other', 'pam.d/su', 'pam.d/passwd',
];

/** Our files, by path under /etc. Every one is a plain text file a user may edit in the image. */
export function ownEtc(): Record<string, string> {
  return {
    ttys: [
      '# The console of a virtual kernel: getty logs root in on it (gettytab al.Pc).',
      '# Replace "al.Pc" with "Pc" to be asked for a login name instead.',
      'console\t"/usr/libexec/getty al.Pc"\tvt100\ton  secure',
      '',
    ].join('\n'),
    fstab: [
      '# Device\t\tMountpoint\tFStype\tOptions\tDump\tPass#',
      '/dev/vkd0s0a\t\t/\t\tufs\trw\t1\t1',
      'tmpfs\t\t\t/tmp\t\ttmpfs\trw\t0\t0',
      '',
    ].join('\n'),
    'rc.conf': [
      '# Read by /etc/rc. Without an ifconfig_vke0 line here, rc takes it from the kernel environment',
      '# (vkemu dragonfly boot --net ADDRESS passes -e ifconfig_vke0="inet ADDRESS").',
      'hostname="dfly.vkemu"',
      '#ifconfig_vke0="inet 10.0.0.2/24"',
      '#defaultrouter="10.0.0.1"',
      '',
    ].join('\n'),
    rc: RC,
    'rc.shutdown': RC_SHUTDOWN,
    'nsswitch.conf': 'group: files\nhosts: files dns\nnetworks: files\npasswd: files\nservices: files\nprotocols: files\n',
    motd: 'DragonFly BSD, built from source and booted by vkemu.\n\n',
  };
}

const RC = `#!/bin/sh
# Multi-user start-up of a small DragonFly world under vkemu: check and mount the
# disks, name the host, configure the vke interfaces from /etc/rc.conf. init(8)
# then starts getty on the console (/etc/ttys).
PATH=/sbin:/bin:/usr/sbin:/usr/bin
HOME=/
export PATH HOME
trap : 2 3

[ -r /etc/rc.conf ] && . /etc/rc.conf

if [ "$1" = autoboot ]; then
	echo "Checking file systems:"
	fsck -p /dev/vkd0s0a
	case $? in
	0) ;;
	*) echo "fsck failed: $?; dropping to single user"; exit 1 ;;
	esac
fi
mount -u -o rw / || { echo "cannot mount / read-write"; exit 1; }
mount -a -t notmpfs,nonfs
mount -t tmpfs tmpfs /tmp 2>/dev/null
rm -f /var/run/nologin
[ -d /var/run ] || mkdir -p /var/run
: > /var/run/utmpx 2>/dev/null

hostname "\${hostname:-dfly.vkemu}"
ifconfig lo0 inet 127.0.0.1/8 up
# An interface's line in rc.conf wins; otherwise the kernel environment
# (vkernel -e ifconfig_vke0=..., which vkemu dragonfly boot --net sets).
for ifn in $(ifconfig -l); do
	eval conf=\\$ifconfig_$ifn
	[ -z "$conf" ] && conf=$(kenv -q ifconfig_$ifn 2>/dev/null)
	[ -n "$conf" ] && ifconfig $ifn $conf up && echo "$ifn: $conf"
done
[ -z "$defaultrouter" ] && defaultrouter=$(kenv -q defaultrouter 2>/dev/null)
[ -n "$defaultrouter" ] && route -q add default $defaultrouter
dmesg > /var/run/dmesg.boot 2>/dev/null
echo "$(uname -sr) up on $(hostname) at $(date)"
exit 0
`;

const RC_SHUTDOWN = `#!/bin/sh
# Run by init(8) before a halt or reboot: nothing to stop in this small world
# but what is written to the disk.
sync
exit 0
`;

function writeFile(file: string, text: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, text, { mode });
}

/** Runs a program of the world under vkemu with the world as its root. */
function runGuest(d: BuildDirs, argv: string[], what: string): void {
  const vkemu = path.resolve(supportDir(), '../../bin/vkemu');
  const r = spawnSync(vkemu, ['-L', d.world, path.join(d.world, argv[0]), ...argv.slice(1)], { encoding: 'utf8' });
  if (r.status !== 0) throw new BuildError(`${what}: ${argv.join(' ')} under vkemu exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
}

export function buildEtc(d: BuildDirs, p: Progress): void {
  const etc = path.join(d.world, 'etc');
  const stamp = stampFile(path.join(d.out, 'stamps'), 'etc');
  const inputs = [path.join(d.src, 'etc'), path.join(d.src, 'share/termcap'), path.join(supportDir())];
  if (!stale(stamp, inputs, '*') && fs.existsSync(path.join(etc, 'pwd.db'))) { p.skip('etc'); return; }
  p.start('etc');
  for (const f of FROM_TREE) {
    const from = path.join(d.src, 'etc', f);
    if (!fs.existsSync(from)) throw new BuildError(`etc: ${from} is missing from the source tree`);
    writeFile(path.join(etc, f), fs.readFileSync(from, 'utf8'));
  }
  // root logs in to /bin/sh: csh is not part of the small world.
  const passwd = fs.readFileSync(path.join(d.src, 'etc/master.passwd'), 'utf8')
    .replace(/^(root:[^:]*:0:0::0:0:[^:]*:\/root:)\/bin\/csh$/m, '$1/bin/sh');
  writeFile(path.join(etc, 'master.passwd'), passwd, 0o600);
  for (const [name, text] of Object.entries(ownEtc())) writeFile(path.join(etc, name), text, name.startsWith('rc') && !name.endsWith('.conf') ? 0o755 : 0o644);
  writeFile(path.join(d.world, 'root/.profile'), 'PATH=/sbin:/bin:/usr/sbin:/usr/bin\nexport PATH\nPS1="$(hostname -s)# "\nexport PS1\n');
  for (const db of ['pwd.db', 'spwd.db', 'passwd', 'login.conf.db']) fs.rmSync(path.join(etc, db), { force: true });
  runGuest(d, ['usr/sbin/pwd_mkdb', '-p', '-d', etc, path.join(etc, 'master.passwd')], 'etc: password databases');
  runGuest(d, ['usr/bin/cap_mkdb', path.join(etc, 'login.conf')], 'etc: login class database');
  // Terminal descriptions for the shell's line editor and the console (share/termcap).
  const misc = path.join(d.world, 'usr/share/misc');
  writeFile(path.join(misc, 'termcap'), fs.readFileSync(path.join(d.src, 'share/termcap/termcap.src'), 'utf8'));
  fs.rmSync(path.join(misc, 'termcap.db'), { force: true });
  runGuest(d, ['usr/bin/cap_mkdb', '-f', path.join(misc, 'termcap'), path.join(misc, 'termcap')], 'etc: terminal database');
  fs.rmSync(path.join(etc, 'termcap'), { force: true });
  fs.symlinkSync('../usr/share/misc/termcap', path.join(etc, 'termcap'));
  writeStamp(stamp, { dirs: [] });
  p.done('etc');
}
