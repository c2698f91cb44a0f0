// bench_threads: goroutine ping-pong over unbuffered channels with GOMAXPROCS=2 and both
// goroutines locked to their own OS threads, so every hand-off is a cross-thread wake-up
// (futex/umtx sleep + wake). Prints {"bench":"go_threads","ms":X,"roundtrip_ns":Y,...}.
package main

import (
	"runtime"
	"time"

	"vkemu.test/guests/internal/benchout"
)

func main() {
	runtime.GOMAXPROCS(2)
	start := time.Now()
	n := benchout.N(20_000)
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		runtime.LockOSThread()
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	runtime.LockOSThread()
	// Warm up so thread creation is not measured.
	for i := 0; i < 100; i++ {
		ping <- i
		<-pong
	}
	t0 := time.Now()
	v := 0
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	rt := float64(time.Since(t0).Nanoseconds()) / float64(n)
	close(ping)
	if v != n {
		panic("ping-pong lost messages")
	}
	benchout.Print(map[string]any{
		"bench":        "go_threads",
		"ms":           benchout.Round3(float64(time.Since(start).Nanoseconds()) / 1e6),
		"roundtrip_ns": benchout.Round3(rt),
		"roundtrips":   n,
		"gomaxprocs":   runtime.GOMAXPROCS(0),
	})
}
