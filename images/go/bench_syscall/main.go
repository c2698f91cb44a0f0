// bench_syscall: cost of trivial system calls. syscall.Getpid() N times and a 1-byte
// os.File.Write to /dev/null N times. Prints
// {"bench":"go_syscall","ms":X,"getpid_ns":A,"write_ns":B,...}.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"vkemu.test/guests/internal/benchout"
)

func main() {
	start := time.Now()
	n := benchout.N(1_000_000)

	pid := syscall.Getpid()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		if syscall.Getpid() != pid {
			fmt.Fprintln(os.Stderr, "getpid changed")
			os.Exit(1)
		}
	}
	getpidNs := float64(time.Since(t0).Nanoseconds()) / float64(n)

	f, err := os.OpenFile("/dev/null", os.O_WRONLY, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	b := []byte{'x'}
	nw := n / 2
	if nw < 1 {
		nw = 1
	}
	t0 = time.Now()
	for i := 0; i < nw; i++ {
		if _, err := f.Write(b); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	writeNs := float64(time.Since(t0).Nanoseconds()) / float64(nw)
	f.Close()

	benchout.Print(map[string]any{
		"bench":     "go_syscall",
		"ms":        benchout.Round3(float64(time.Since(start).Nanoseconds()) / 1e6),
		"getpid_ns": benchout.Round3(getpidNs),
		"write_ns":  benchout.Round3(writeNs),
		"getpid_n":  n,
		"write_n":   nw,
	})
}
