// The Go standard-library packages whose own tests are run under vkemu.
//
// Each test binary is built with `GOOS=dragonfly GOARCH=amd64 CGO_ENABLED=0 go test -c`
// (test/conformance/build.sh) and run by test/conformance/run.ts in its package's source
// directory with `-test.v -test.short -test.timeout 120s` plus the entry's `args` and a
// `-test.skip` built from its `skip` list.
//
// A `skip` entry exists only for a test that cannot pass on an emulated host for a reason
// outside the emulator's control (or for a feature the emulator deliberately leaves out);
// every one carries the reason. Tests that the emulator should pass but does not yet are
// NOT skipped here: they show up as failures until fixed.
//
// Tests that exec sh, cat, pwd, hostname or nohup by name (`withoutWorld`) run when a
// DragonFly world is there (run.ts then runs every package under `vkemu -L WORLD`): they
// are skipped only without one, where the guest would find the host's Linux programs.

export interface SkippedTest {
  /** A test name or regexp as accepted by -test.skip (anchors are added when it is a plain name). */
  test: string;
  /** Why it cannot pass under vkemu. */
  reason: string;
  /** The test execs a program by name (sh, cat, pwd, hostname, nohup...), which must be a
   *  DragonFly program: it runs when the packages run under `vkemu -L WORLD` and is skipped
   *  only without a world, where the guest would find the host's Linux program. */
  withoutWorld?: true;
}

export interface ConformancePackage {
  /** Import path in the standard library, e.g. "encoding/json". */
  pkg: string;
  /** Known-unsupported areas of this package, in words (shown in reports). */
  reason?: string;
  /** Tests to leave out via -test.skip, each with its reason. */
  skip?: SkippedTest[];
  /** Extra arguments for the test binary (after the standard ones). */
  args?: string[];
  /** Wall-clock limit for the whole package under vkemu, seconds (default 300). */
  timeoutSec?: number;
  /** The test binary's own -test.timeout, seconds (default 120). Keep it below timeoutSec
   *  so a hang ends in Go's "panic: test timed out" with every goroutine's stack. */
  testTimeoutSec?: number;
}

/** Small, fast, mostly pure-Go packages: the CI set. */
export const QUICK: readonly ConformancePackage[] = [
  { pkg: "errors" },
  { pkg: "path" },
  { pkg: "container/list" },
  { pkg: "unicode/utf8" },
  { pkg: "encoding/base64" },
  { pkg: "hash/crc32" },
  { pkg: "math/bits" },
  { pkg: "sort" },
  { pkg: "strconv" },
];

/** The broad set: QUICK plus runtime, OS, concurrency, networking and library packages. */
export const FULL: readonly ConformancePackage[] = [
  ...QUICK,
  // Pure computation.
  { pkg: "strings" },
  { pkg: "bytes" },
  { pkg: "unicode" },
  { pkg: "container/heap" },
  { pkg: "slices" },
  { pkg: "maps" },
  { pkg: "hash/fnv" },
  { pkg: "encoding/hex" },
  { pkg: "encoding/binary" },
  { pkg: "encoding/csv" },
  { pkg: "encoding/json" },
  { pkg: "bufio" },
  { pkg: "regexp" },
  { pkg: "math" },
  { pkg: "math/big" },
  { pkg: "crypto/sha256" },
  { pkg: "crypto/md5" },
  { pkg: "compress/flate" },
  { pkg: "compress/gzip" },
  { pkg: "text/template" },
  { pkg: "fmt" },
  // Scheduler, timers, synchronisation (threads, umtx sleep/wakeup, kevent timeouts).
  { pkg: "sync", timeoutSec: 400, testTimeoutSec: 300 },
  { pkg: "sync/atomic" },
  { pkg: "context" },
  {
    pkg: "time",
    reason: "reads the host's /usr/share/zoneinfo through the guest's 1:1 path mapping (or $GOROOT/lib/time/zoneinfo.zip)",
    timeoutSec: 400,
    testTimeoutSec: 300,
  },
  // Files and directories (testdata is read relative to the package directory).
  { pkg: "io" },
  { pkg: "io/fs" },
  { pkg: "path/filepath" },
  {
    pkg: "os",
    reason:
      "helper-process tests re-exec the test binary itself (os.Executable via sysctl kern.proc.pathname, then fork+execve of a DragonFly binary)",
    skip: [
      { test: "TestHostname", reason: "runs hostname found on PATH: the world's /bin/hostname, else the host's Linux program", withoutWorld: true },
      { test: "TestStartProcess", reason: "runs pwd found on PATH: the world's /bin/pwd, else the host's Linux program", withoutWorld: true },
    ],
    timeoutSec: 400,
    testTimeoutSec: 300,
  },
  // Processes and signals.
  {
    pkg: "syscall",
    reason: "several tests re-exec the test binary (fork/execve) and use pipes, rlimits and signals",
    skip: [
      { test: "TestZeroSysProcAttr", reason: "runs cat found on PATH: the world's /bin/cat, else the host's Linux program", withoutWorld: true },
      { test: "TestSetpgid", reason: "runs cat found on PATH (the world's /bin/cat)", withoutWorld: true },
      { test: "TestPgid", reason: "runs cat found on PATH (the world's /bin/cat)", withoutWorld: true },
    ],
  },
  {
    pkg: "os/exec",
    reason:
      "most tests re-exec the test binary as a helper; TestString looks echo up on PATH (the world's /bin/echo under -L) but does not run it",
    timeoutSec: 400,
    testTimeoutSec: 300,
  },
  {
    pkg: "os/signal",
    reason: "tests send SIGHUP/SIGWINCH/SIGUSR1/SIGINT to the process and expect delivery to Go's handler",
    skip: [
      { test: "TestDetectNohup", reason: "runs /usr/bin/nohup: the world's, else the host's Linux program", withoutWorld: true },
      { test: "TestNohup", reason: "runs nohup found on PATH: the world's /usr/bin/nohup, else the host's Linux program", withoutWorld: true },
    ],
    timeoutSec: 400,
    testTimeoutSec: 300,
  },
  // Networking over loopback (kqueue netpoller, sockets). External-network tests skip
  // themselves under -test.short.
  {
    pkg: "net",
    reason:
      "loopback only; DNS tests that need /etc/resolv.conf answers or external hosts skip themselves in short mode",
    timeoutSec: 600,
    testTimeoutSec: 480,
  },
  // The runtime's own tests: signals, stack growth, GC, preemption (SIGURG), timers.
  {
    pkg: "runtime",
    reason:
      "tests that build helper programs with the go tool are skipped (GO_GCFLAGS is set, so testenv.HasGoBuild is false); cgo tests skip themselves (CGO_ENABLED=0)",
    skip: [
      { test: "TestCoroCgoCallback", reason: "runs `go env CGO_ENABLED`; the host's go command is a Linux program" },
      { test: "TestGdbPythonCgo", reason: "runs `go env CGO_ENABLED`; the host's go command is a Linux program" },
    ],
    timeoutSec: 600,
    testTimeoutSec: 480,
  },
];

/** Looks a package up by import path in FULL (for package names given on the command line). */
export function findPackage(pkg: string): ConformancePackage {
  return FULL.find((p) => p.pkg === pkg) ?? { pkg };
}

/** The entries an entry skips: all of them without a DragonFly world, with one those that need none. */
export function skippedTests(p: ConformancePackage, world: boolean): SkippedTest[] {
  return (p.skip ?? []).filter((s) => !world || !s.withoutWorld);
}

/** The -test.skip value for an entry, or undefined when it skips nothing. */
export function skipPattern(p: ConformancePackage, world: boolean): string | undefined {
  const skip = skippedTests(p, world);
  if (skip.length === 0) return undefined;
  return skip.map((s) => (/^[A-Za-z0-9_]+$/.test(s.test) ? `^${s.test}$` : s.test)).join("|");
}
