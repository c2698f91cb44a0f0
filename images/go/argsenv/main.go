// argsenv: argv, environment, pid, hostname, GOOS.
//
// Usage: argsenv [ARGS...]
// If VKEMU_EXPECT_ARGS is set, os.Args[1:] joined with spaces must equal it; otherwise
// the arguments must be exactly "a b c" (what the test harness passes).
// The environment must contain VKEMU_TEST=hello. runtime.GOOS must be "dragonfly"
// (or VKEMU_EXPECT_GOOS, for a native sanity run).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"vkemu.test/guests/internal/check"
)

func main() {
	fmt.Printf("# os.Args = %q\n", os.Args)
	want := "a b c"
	if v, ok := os.LookupEnv("VKEMU_EXPECT_ARGS"); ok {
		want = v
	}
	got := strings.Join(os.Args[1:], " ")
	check.OK(got == want, "argv matches", "got %q want %q", got, want)
	check.OK(len(os.Args) > 0 && strings.HasSuffix(os.Args[0], "argsenv"), "argv[0] names the program", "argv[0]=%q", os.Args[0])

	check.OK(os.Getenv("VKEMU_TEST") == "hello", "VKEMU_TEST=hello in environment", "got %q", os.Getenv("VKEMU_TEST"))
	check.OK(len(os.Environ()) > 0, "os.Environ non-empty", "")
	_, has := os.LookupEnv("VKEMU_SURELY_UNSET_VARIABLE")
	check.OK(!has, "unset variable is absent", "")
	check.NoErr(os.Setenv("VKEMU_SET_IN_GUEST", "x=y"), "Setenv")
	check.OK(os.Getenv("VKEMU_SET_IN_GUEST") == "x=y", "Getenv after Setenv", "")

	pid := os.Getpid()
	check.OK(pid > 1, "os.Getpid() > 1", "pid=%d", pid)
	check.OK(os.Getppid() >= 0, "os.Getppid() >= 0", "ppid=%d", os.Getppid())
	uid := os.Getuid()
	check.OK(uid >= 0, "os.Getuid() >= 0", "uid=%d", uid)

	h, err := os.Hostname()
	check.OK(err == nil && h != "", "os.Hostname()", "err=%v host=%q", err, h)
	fmt.Printf("# hostname=%s pid=%d uid=%d\n", h, pid, uid)

	// VKEMU_EXPECT_GOOS lets the same source be sanity-checked natively on Linux.
	wantOS := "dragonfly"
	if v := os.Getenv("VKEMU_EXPECT_GOOS"); v != "" {
		wantOS = v
	}
	check.OK(runtime.GOOS == wantOS, "runtime.GOOS == "+wantOS, "GOOS=%s", runtime.GOOS)
	check.OK(runtime.GOARCH == "amd64", "runtime.GOARCH == amd64", "GOARCH=%s", runtime.GOARCH)

	exe, err := os.Executable()
	check.OK(err == nil && strings.HasSuffix(exe, "argsenv"), "os.Executable()", "err=%v exe=%q", err, exe)

	check.Done()
}
