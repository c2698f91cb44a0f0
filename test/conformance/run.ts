// Go standard-library conformance run for vkemu.
//
// Builds (test/conformance/build.sh) and runs Go's own package tests, compiled for
// GOOS=dragonfly, under bin/vkemu, two packages at a time, and prints a table plus the line
// "N passed, M failed". Exit status 0 iff every selected package passed.
//
// Usage: node dist/test/conformance/run.js [OPTIONS] [PKG...]
//   --quick             the QUICK list (default: FULL)
//   --native-linux      build the same packages for linux and run them natively (baseline:
//                       shows which failures are emulator-specific)
//   --jobs N            packages run in parallel (default 2)
//   --timeout S         wall-clock limit per package in seconds (default: per entry, 300)
//   --no-build          use the test binaries already in images/build/gotest*/
//   --vkemu PATH        emulator to use (default: bin/vkemu)
//   --vkemu-arg ARG     extra option for vkemu, before the program (repeatable)
//   --world DIR         run under `vkemu -L DIR` (default: the world of the DragonFly build
//                       in VKEMU_DRAGONFLY or ~/.cache/vkemu/dragonfly, when it has bin/sh)
//   --no-world          run without -L even when a world exists
//   PKG...              run just these packages (entries from FULL keep their settings)
//
// Each package runs in $(go env GOROOT)/src/PKG, because tests read testdata relative to
// the working directory; vkemu maps guest paths 1:1 onto the host, so the guest sees the
// same directory. Output goes to images/build/gotest/PKG.log (slashes as underscores), the
// table to bench/results/conformance.json (conformance-linux.json for --native-linux).
//
// With a DragonFly world the packages run under `vkemu -L WORLD` with DragonFly's PATH, so
// the tests that exec sh, cat, pwd, hostname, nohup or echo run DragonFly's programs; without
// one, those tests (packages.ts, `withoutWorld`) are skipped: the guest would find the
// host's Linux programs. Paths the world lacks (GOROOT, the test binaries, /proc) still
// reach the host under -L.

import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, tmpdir as tmpdir_ } from "node:os";
import { basename, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../../src/paths.js";
import { defaultOut, readRecord } from "../../src/dragonfly/build.js";
import { FULL, QUICK, findPackage, skipPattern, skippedTests, type ConformancePackage } from "./packages.js";

type Result = "PASS" | "FAIL" | "TIMEOUT" | "CRASH";

interface PackageOutcome {
  package: string;
  result: Result;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  exitCode: number | null;
  signal: string | null;
  /** First line that explains a FAIL/CRASH/TIMEOUT (panic, fatal error, vkemu message). */
  detail?: string;
  failedTests: string[];
  log: string;
  /** Arguments given to the test binary. */
  args: string[];
  reason?: string;
  skippedByList?: string[];
}

interface Options {
  list: readonly ConformancePackage[];
  listName: string;
  nativeLinux: boolean;
  jobs: number;
  timeoutSec?: number;
  build: boolean;
  vkemu: string;
  vkemuArgs: string[];
  /** --world DIR, or false for --no-world; undefined: look for a build's world. */
  world?: string | false;
}

/** The guest's PATH under -L: a DragonFly host's default, so lookups find the world's programs. */
const WORLD_PATH = "/bin:/sbin:/usr/bin:/usr/sbin";

/** A world to run under, or why there is none (one line for the user). */
type World = { dir: string } | { why: string };

function findWorld(opts: Options): World {
  if (opts.world === false) return { why: "--no-world" };
  if (opts.world !== undefined) {
    if (!existsSync(join(opts.world, "bin", "sh"))) usage(`--world: ${opts.world} has no bin/sh (not a DragonFly world)`);
    return { dir: realpathSync(opts.world) };
  }
  const env = process.env.VKEMU_DRAGONFLY;
  if (env === "none") return { why: "VKEMU_DRAGONFLY=none" };
  const out = env !== undefined && env !== "" ? env : defaultOut();
  const dir = readRecord(out)?.world ?? join(out, "world");
  if (existsSync(join(dir, "bin", "sh"))) return { dir: realpathSync(dir) };
  return { why: `no ${join(dir, "bin", "sh")} (build one with \`bin/vkemu dragonfly build\`, or name it with --world DIR)` };
}

const DEFAULT_TIMEOUT_SEC = 300;
const DEFAULT_TEST_TIMEOUT_SEC = 120;


function usage(msg?: string): never {
  if (msg) process.stderr.write(`run: ${msg}\n`);
  process.stderr.write(
    "usage: node dist/test/conformance/run.js [--quick] [--native-linux] [--jobs N] [--timeout S]\n" +
      "                                         [--no-build] [--vkemu PATH] [--vkemu-arg ARG]...\n" +
      "                                         [--world DIR | --no-world] [PKG...]\n",
  );
  process.exit(2);
}

function parseOptions(argv: string[]): Options {
  // A --vkemu-arg value is a vkemu option and starts with '-': parseArgs would refuse it as ambiguous.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--vkemu-arg" && i + 1 < argv.length) args.push(`--vkemu-arg=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args, strict: true, allowPositionals: true, tokens: true,
      options: {
        quick: { type: "boolean" }, full: { type: "boolean" }, "native-linux": { type: "boolean" },
        jobs: { type: "string", short: "j" }, timeout: { type: "string" }, "no-build": { type: "boolean" },
        vkemu: { type: "string" }, "vkemu-arg": { type: "string", multiple: true }, help: { type: "boolean", short: "h" },
        world: { type: "string" }, "no-world": { type: "boolean" },
      },
    });
  } catch (e) {
    usage((e as Error).message.replace(/\.[\s\S]*$/, ""));  // the first sentence of parseArgs' message
  }
  const { values: v, positionals: pkgs, tokens } = parsed;
  if (v.help) usage();
  // --quick and --full: the later one wins.
  const last = tokens.filter((t) => t.kind === "option" && (t.name === "quick" || t.name === "full")).pop();
  const quick = last?.kind === "option" && last.name === "quick";
  const jobs = v.jobs === undefined ? 2 : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) usage(`--jobs: '${v.jobs}' is not a positive integer`);
  const timeoutSec = v.timeout === undefined ? undefined : Number(v.timeout);
  if (timeoutSec !== undefined && !(timeoutSec > 0)) usage(`--timeout: '${v.timeout}' is not a positive number of seconds`);
  const nativeLinux = v["native-linux"] ?? false;
  const build = !v["no-build"];
  const vkemu = v.vkemu ?? join(ROOT, "bin", "vkemu");
  const vkemuArgs = v["vkemu-arg"] ?? [];
  if (v.world !== undefined && v["no-world"]) usage("--world and --no-world exclude each other");
  const world = v["no-world"] ? false : v.world;
  let list: readonly ConformancePackage[];
  let listName: string;
  if (pkgs.length > 0) {
    list = pkgs.map(findPackage);
    listName = "selected";
  } else if (quick) {
    list = QUICK;
    listName = "quick";
  } else {
    list = FULL;
    listName = "full";
  }
  return { list, listName, nativeLinux, jobs, timeoutSec, build, vkemu, vkemuArgs, world };
}

function goCommand(): string {
  const r = spawnSync("go", ["version"], { stdio: "ignore" });
  if (r.status === 0) return "go";
  if (existsSync("/usr/lib/go/bin/go")) return "/usr/lib/go/bin/go";
  throw new Error("run: no Go toolchain found (run scripts/setup.sh)");
}

function goEnv(go: string, name: string): string {
  const r = spawnSync(go, ["env", name], { encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "local" } });
  if (r.status !== 0) throw new Error(`run: go env ${name} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A path relative to the project root when it lies inside it, else as given. */
function displayPath(p: string): string {
  const r = relative(ROOT, p);
  return r === "" || r.startsWith("..") ? p : r;
}

const binName = (pkg: string): string => pkg.replaceAll("/", "_");

function testArgs(p: ConformancePackage, world: boolean): string[] {
  const args = ["-test.v", "-test.short", `-test.timeout=${p.testTimeoutSec ?? DEFAULT_TEST_TIMEOUT_SEC}s`];
  const skip = skipPattern(p, world);
  if (skip !== undefined) args.push(`-test.skip=${skip}`);
  if (p.args) args.push(...p.args);
  return args;
}

/** Counts results in -test.v output and finds the most telling failure line. */
function analyse(out: string): { passed: number; failed: number; skipped: number; failedTests: string[]; detail?: string; sawPass: boolean; sawFail: boolean; timedOutInside: boolean } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failedTests: string[] = [];
  let detail: string | undefined;
  let sawPass = false;
  let sawFail = false;
  let timedOutInside = false;
  for (const raw of out.split("\n")) {
    const line = raw.trimEnd();
    const t = line.trimStart();
    if (t.startsWith("--- PASS:")) passed++;
    else if (t.startsWith("--- SKIP:")) skipped++;
    else if (t.startsWith("--- FAIL:")) {
      failed++;
      const name = t.slice("--- FAIL:".length).trim().split(" ")[0];
      if (name && failedTests.length < 200) failedTests.push(name);
    } else if (line === "PASS") sawPass = true;
    else if (line === "FAIL") sawFail = true;
    if (line.startsWith("panic: test timed out")) timedOutInside = true;
    // Only unindented lines: indented ones are test log output, which may quote anything.
    if (
      detail === undefined &&
      /^(panic: |fatal error: |unexpected (signal|fault)|SIG[A-Z]+: |vkemu[:\s]|runtime: |signal: )/.test(line)
    ) {
      detail = line.slice(0, 200);
    }
  }
  return { passed, failed, skipped, failedTests, detail, sawPass, sawFail, timedOutInside };
}

function classify(
  code: number | null,
  signal: NodeJS.Signals | null,
  killedByUs: boolean,
  a: ReturnType<typeof analyse>,
): Result {
  if (killedByUs || a.timedOutInside) return "TIMEOUT";
  if (signal !== null || code === null) return "CRASH";
  if (code === 0) return a.sawPass && a.failed === 0 ? "PASS" : "CRASH";
  // go test: 1 = tests failed; 2 = panic or runtime fatal error; >=128 = killed by a signal
  // (vkemu mirrors the guest's signal death as 128+signo); anything else is the emulator.
  if (code === 1 && (a.sawFail || a.failed > 0)) return "FAIL";
  return "CRASH";
}

interface RunContext {
  opts: Options;
  goroot: string;
  binDir: string;
  /** The DragonFly world the guests run under (-L), if any. */
  world?: string;
  /** Scratch directory for the tests' temporary files: host path, and the guest's name for it (TMPDIR under a world). */
  tmpdir: { host: string; guest: string };
}

function runPackage(ctx: RunContext, p: ConformancePackage): Promise<PackageOutcome> {
  const name = binName(p.pkg);
  const bin = join(ctx.binDir, `${name}.test`);
  const logPath = join(ctx.binDir, `${name}.log`);
  // GOROOT/src is often reached through a symlink (Debian: /usr/lib/go-1.24/src ->
  // /usr/share/go-1.24/src); use the real directory and tell the guest via PWD, or
  // os.Getwd-based tests (os/exec TestImplicitPWD) see a stale $PWD from our parent shell.
  const srcDir = join(ctx.goroot, "src", p.pkg);
  const cwd = existsSync(srcDir) ? realpathSync(srcDir) : srcDir;
  const base: PackageOutcome = {
    package: p.pkg,
    result: "CRASH",
    passed: 0,
    failed: 0,
    skipped: 0,
    seconds: 0,
    exitCode: null,
    signal: null,
    failedTests: [],
    log: relative(ROOT, logPath),
    args: testArgs(p, ctx.world !== undefined),
    reason: p.reason,
    skippedByList: skippedTests(p, ctx.world !== undefined).map((s) => `${s.test}: ${s.reason}`),
  };
  if (!existsSync(bin)) {
    writeFileSync(logPath, `no test binary ${bin} (build failed or package has no tests)\n`);
    return Promise.resolve({ ...base, result: "FAIL", detail: "test binary was not built" });
  }
  const args = base.args;
  const rootArgs = ctx.world !== undefined
    ? ["-L", ctx.world, "-E", `PATH=${WORLD_PATH}`, "-E", `TMPDIR=${ctx.tmpdir.guest}`] : [];
  const [cmd, argv] = ctx.opts.nativeLinux ? [bin, args] : [ctx.opts.vkemu, [...rootArgs, ...ctx.opts.vkemuArgs, bin, ...args]];
  const timeoutSec =
    ctx.opts.timeoutSec ?? Math.max(p.timeoutSec ?? DEFAULT_TIMEOUT_SEC, (p.testTimeoutSec ?? DEFAULT_TEST_TIMEOUT_SEC) + 30);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Makes internal/testenv.HasGoBuild report false, so tests that would run the host's
    // (Linux) go tool from inside the guest skip themselves instead of failing.
    GO_GCFLAGS: "-vkemu-conformance",
    GOTOOLCHAIN: "local",
    GOPROXY: "off",
    PWD: cwd,
  };

  return new Promise((resolve) => {
    const log = createWriteStream(logPath);
    log.write(`# cwd: ${cwd}\n# cmd: ${[cmd, ...argv].join(" ")}\n# timeout: ${timeoutSec}s\n`);
    const chunks: Buffer[] = [];
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let killedByUs = false;
    const timer = setTimeout(() => {
      killedByUs = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutSec * 1000);
    const onData = (d: Buffer): void => {
      chunks.push(d);
      log.write(d);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    let spawnError: string | undefined;
    child.on("error", (e) => {
      spawnError = `cannot start ${cmd}: ${e.message}`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const a = analyse(Buffer.concat(chunks).toString("utf8"));
      const result = spawnError !== undefined ? "CRASH" : classify(code, signal, killedByUs, a);
      let detail = spawnError ?? a.detail;
      if (killedByUs) detail = `killed after ${timeoutSec}s${detail ? `; ${detail}` : ""}`;
      else if (detail === undefined && result === "CRASH") {
        detail = signal !== null ? `terminated by ${signal}` : `exit status ${code ?? "?"} without a test verdict`;
      }
      log.end(`\n# exit: ${code ?? "-"} signal: ${signal ?? "-"} seconds: ${seconds.toFixed(1)} result: ${result}\n`);
      resolve({
        ...base,
        result,
        passed: a.passed,
        failed: a.failed,
        skipped: a.skipped,
        seconds: Math.round(seconds * 10) / 10,
        exitCode: code,
        signal: signal ?? null,
        detail,
        failedTests: a.failedTests,
      });
    });
  });
}

async function runAll(ctx: RunContext): Promise<PackageOutcome[]> {
  const list = ctx.opts.list;
  const results: PackageOutcome[] = new Array<PackageOutcome>(list.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= list.length) return;
      const r = await runPackage(ctx, list[i]);
      results[i] = r;
      done++;
      process.stdout.write(
        `[${done}/${list.length}] ${r.package}: ${r.result} (${r.passed} passed, ${r.failed} failed, ${r.seconds}s)` +
          `${r.result !== "PASS" && r.detail ? ` - ${r.detail}` : ""}\n`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.opts.jobs, list.length) }, worker));
  return results;
}

function printTable(results: PackageOutcome[]): void {
  const header = ["package", "result", "passed", "failed", "skipped", "seconds"];
  const rows = results.map((r) => [r.package, r.result, String(r.passed), String(r.failed), String(r.skipped), r.seconds.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 || i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  process.stdout.write(`\n${fmt(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const row of rows) process.stdout.write(`${fmt(row)}\n`);
  const bad = results.filter((r) => r.result !== "PASS");
  if (bad.length > 0) {
    process.stdout.write("\nnot passing:\n");
    for (const r of bad) {
      const tests = r.failedTests.length > 0 ? ` failed: ${r.failedTests.slice(0, 8).join(", ")}${r.failedTests.length > 8 ? ", ..." : ""}` : "";
      process.stdout.write(`  ${r.package}: ${r.result}${r.detail ? ` - ${r.detail}` : ""}${tests} (log: ${r.log})\n`);
    }
  }
  process.stdout.write("\n");
}

/**
 * The tests' scratch directory. Under a world it is a fresh directory in the world's /tmp (removed
 * after the run; `vkemu dragonfly boot` leaves tmp's contents off the root disk anyway): a host
 * directory the world lacks would reach the guest through -L, but its '..' chain ends at the
 * host's /, not the guest's, so Go's Getwd fallback (os TestGetwdDeep, TestGetwdDeepWithPWDSet:
 * a cwd deeper than PATH_MAX) never finds the guest's / and fails with ENAMETOOLONG.
 */
function scratchDir(world: string | undefined): { host: string; guest: string } {
  if (world !== undefined && existsSync(join(world, "tmp"))) {
    const host = mkdtempSync(join(world, "tmp", "vkemu-conformance-"));
    return { host, guest: `/tmp/${basename(host)}` };
  }
  const host = mkdtempSync(join(tmpdir_(), "vkemu-conformance-"));
  return { host, guest: host };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const go = goCommand();
  const goroot = goEnv(go, "GOROOT");
  const goVersion = goEnv(go, "GOVERSION");
  const goos = opts.nativeLinux ? "linux" : "dragonfly";
  const binDir = join(ROOT, "images", "build", opts.nativeLinux ? "gotest-linux" : "gotest");
  mkdirSync(binDir, { recursive: true });

  if (!opts.nativeLinux && !existsSync(opts.vkemu)) {
    process.stderr.write(`run: ${opts.vkemu} does not exist (build the emulator first, or use --native-linux)\n`);
    return 2;
  }

  if (opts.build) {
    process.stdout.write(`building ${opts.list.length} test binaries for ${goos} (${goVersion})...\n`);
    const b = spawnSync("bash", [join(ROOT, "test", "conformance", "build.sh"), "--goos", goos, ...opts.list.map((p) => p.pkg)], {
      stdio: "inherit",
      env: { ...process.env, GO: go },
    });
    if (b.status !== 0) process.stdout.write("some test binaries failed to build; those packages count as failed\n");
  }

  const world = opts.nativeLinux ? undefined : findWorld(opts);
  const worldDir = world !== undefined && "dir" in world ? world.dir : undefined;
  if (world !== undefined) {
    const skips = opts.list.flatMap((p) => (p.skip ?? []).filter((s) => s.withoutWorld).map((s) => s.test));
    process.stdout.write("dir" in world
      ? `DragonFly world ${world.dir}: tests that exec sh, cat, pwd, hostname, nohup... run its programs (vkemu -L)\n`
      : `no DragonFly world (${world.why}): tests that exec sh, cat, pwd, hostname or nohup are skipped, the host's ` +
        `being Linux programs: ${skips.length > 0 ? skips.join(", ") : "none in this list"}\n`);
  }
  process.stdout.write(
    `running ${opts.list.length} packages (${opts.listName} list) ${opts.nativeLinux ? "natively on linux" : `under ${displayPath(opts.vkemu)}`}, ${opts.jobs} at a time\n`,
  );
  const started = new Date();
  const tmpdir = scratchDir(worldDir);
  const results = await runAll({ opts, goroot, binDir, world: worldDir, tmpdir }).finally(() =>
    rmSync(tmpdir.host, { recursive: true, force: true }));
  printTable(results);

  const passed = results.filter((r) => r.result === "PASS").length;
  const failed = results.length - passed;
  const outDir = join(ROOT, "bench", "results");
  mkdirSync(outDir, { recursive: true });
  // The quick subset (run by npm test) keeps its own file, so the full table stays put.
  const jsonPath = join(outDir, `conformance${opts.nativeLinux ? "-linux" : ""}${opts.list === QUICK ? "-quick" : ""}.json`);
  writeFileSync(
    jsonPath,
    `${JSON.stringify(
      {
        kind: "go-conformance",
        mode: opts.nativeLinux ? "native-linux" : "vkemu",
        list: opts.listName,
        started: started.toISOString(),
        goVersion,
        goos,
        host: hostname(),
        cpus: cpus().length,
        vkemu: opts.nativeLinux ? null : [opts.vkemu, ...opts.vkemuArgs].join(" "),
        world: worldDir ?? null,
        summary: { packages: results.length, passed, failed },
        packages: results,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`results: ${relative(ROOT, jsonPath)}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  },
);
