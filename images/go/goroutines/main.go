// goroutines: goroutines, channels, sync.WaitGroup, sync.Mutex, a 1000-item pipeline,
// runtime.GOMAXPROCS and select with time.After.
package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"vkemu.test/guests/internal/check"
)

func main() {
	// GOMAXPROCS: query, then set to 4 (forces several Ps / OS threads), read back.
	n := runtime.GOMAXPROCS(0)
	check.OK(n >= 1, "GOMAXPROCS(0) >= 1", "got %d", n)
	runtime.GOMAXPROCS(4)
	check.OK(runtime.GOMAXPROCS(0) == 4, "GOMAXPROCS(4) took effect", "got %d", runtime.GOMAXPROCS(0))
	check.OK(runtime.NumCPU() >= 1, "NumCPU >= 1", "got %d", runtime.NumCPU())

	// WaitGroup + Mutex: 50 goroutines each increment a shared counter 1000 times.
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	check.OK(counter == 50000, "mutex-protected counter", "counter=%d want 50000", counter)

	// Atomic counter across goroutines.
	var acnt atomic.Int64
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5000; j++ {
				acnt.Add(1)
			}
		}()
	}
	wg.Wait()
	check.OK(acnt.Load() == 100000, "atomic counter", "got %d", acnt.Load())

	// Pipeline: generate 1..1000 -> square (4 workers) -> sum.
	gen := make(chan int)
	sq := make(chan int, 16)
	go func() {
		for i := 1; i <= 1000; i++ {
			gen <- i
		}
		close(gen)
	}()
	var wwg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for v := range gen {
				sq <- v * v
			}
		}()
	}
	go func() { wwg.Wait(); close(sq) }()
	sum, cnt := 0, 0
	for v := range sq {
		sum += v
		cnt++
	}
	// sum of squares 1..1000 = n(n+1)(2n+1)/6
	check.OK(cnt == 1000 && sum == 1000*1001*2001/6, "pipeline of 1000 items", "cnt=%d sum=%d", cnt, sum)

	// Unbuffered ping-pong.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 1000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	check.OK(v == 1000, "unbuffered ping-pong 1000 round trips", "v=%d", v)

	// select with time.After: a channel that never fires must time out.
	never := make(chan int)
	start := time.Now()
	timedOut := false
	select {
	case <-never:
	case <-time.After(30 * time.Millisecond):
		timedOut = true
	}
	el := time.Since(start)
	check.OK(timedOut && el >= 25*time.Millisecond && el < 2*time.Second, "select times out via time.After", "timedOut=%v elapsed=%v", timedOut, el)

	// select picks the ready channel before the timeout.
	ready := make(chan string, 1)
	go func() { ready <- "x" }()
	got := ""
	select {
	case got = <-ready:
	case <-time.After(5 * time.Second):
	}
	check.OK(got == "x", "select receives ready value", "got %q", got)

	// Many goroutines blocked then released (exercises futex sleep/wake paths).
	gate := make(chan struct{})
	var released atomic.Int32
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			released.Add(1)
		}()
	}
	time.Sleep(10 * time.Millisecond)
	close(gate)
	wg.Wait()
	check.OK(released.Load() == 200, "200 goroutines released by close()", "got %d", released.Load())

	// CPU-bound goroutines in parallel (should use multiple OS threads).
	results := make([]uint64, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			x := uint64(i + 1)
			for j := 0; j < 2_000_000; j++ {
				x = x*6364136223846793005 + 1442695040888963407
			}
			results[i] = x
		}(i)
	}
	wg.Wait()
	allSet := true
	for _, r := range results {
		if r == 0 {
			allSet = false
		}
	}
	check.OK(allSet, "parallel CPU-bound goroutines finish", "")
	check.Done()
}
