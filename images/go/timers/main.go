// timers: time.Sleep accuracy, time.Ticker, time.AfterFunc, context.WithTimeout,
// and monotonic/wall clock sanity.
package main

import (
	"context"
	"sync/atomic"
	"time"

	"vkemu.test/guests/internal/check"
)

func main() {
	// Wall clock is plausible (after 2020-01-01).
	now := time.Now()
	check.OK(now.Year() >= 2020, "wall clock is after 2020", "got %v", now)

	// time.Sleep(50ms) lasts 45..500 ms.
	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	el := time.Since(start)
	check.OK(el >= 45*time.Millisecond && el <= 500*time.Millisecond, "time.Sleep(50ms) accuracy", "slept %v", el)

	// Monotonic clock never goes backwards over many reads.
	prev := time.Now()
	mono := true
	for i := 0; i < 10000; i++ {
		t := time.Now()
		if t.Before(prev) {
			mono = false
			break
		}
		prev = t
	}
	check.OK(mono, "monotonic clock is non-decreasing", "")

	// Ticker: 5 ticks at 20ms take roughly 100ms, counted from before the ticker exists (ticks
	// keep the ticker's schedule, so a start read late, on a busy host, would see them early).
	start = time.Now()
	tk := time.NewTicker(20 * time.Millisecond)
	ticks := 0
	for ticks < 5 {
		<-tk.C
		ticks++
	}
	tk.Stop()
	el = time.Since(start)
	check.OK(el >= 98*time.Millisecond && el < 2*time.Second, "time.Ticker 5 ticks of 20ms", "took %v", el)

	// AfterFunc fires once, in another goroutine.
	var fired atomic.Int32
	done := make(chan struct{})
	start = time.Now()
	time.AfterFunc(30*time.Millisecond, func() {
		fired.Add(1)
		close(done)
	})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	el = time.Since(start)
	check.OK(fired.Load() == 1 && el >= 25*time.Millisecond, "time.AfterFunc fires after 30ms", "fired=%d after %v", fired.Load(), el)

	// A stopped timer never fires.
	var stoppedFired atomic.Bool
	t := time.AfterFunc(20*time.Millisecond, func() { stoppedFired.Store(true) })
	stopped := t.Stop()
	time.Sleep(50 * time.Millisecond)
	check.OK(stopped && !stoppedFired.Load(), "stopped timer does not fire", "stopped=%v fired=%v", stopped, stoppedFired.Load())

	// Timer.Reset.
	tm := time.NewTimer(time.Hour)
	tm.Reset(10 * time.Millisecond)
	select {
	case <-tm.C:
		check.OK(true, "Timer.Reset shortens a timer", "")
	case <-time.After(5 * time.Second):
		check.OK(false, "Timer.Reset shortens a timer", "timer did not fire")
	}

	// context.WithTimeout expires with DeadlineExceeded.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	start = time.Now()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	el = time.Since(start)
	check.OK(ctx.Err() == context.DeadlineExceeded && el >= 35*time.Millisecond && el < 2*time.Second,
		"context.WithTimeout(40ms) expires", "err=%v after %v", ctx.Err(), el)

	// context cancellation propagates to a child.
	parent, pcancel := context.WithCancel(context.Background())
	child, ccancel := context.WithTimeout(parent, time.Hour)
	defer ccancel()
	go func() { time.Sleep(5 * time.Millisecond); pcancel() }()
	select {
	case <-child.Done():
	case <-time.After(5 * time.Second):
	}
	check.OK(child.Err() == context.Canceled, "parent cancel propagates to child", "err=%v", child.Err())

	// Many concurrent short sleeps all complete.
	n := 100
	doneCh := make(chan struct{}, n)
	start = time.Now()
	for i := 0; i < n; i++ {
		go func(i int) {
			time.Sleep(time.Duration(i%10) * time.Millisecond)
			doneCh <- struct{}{}
		}(i)
	}
	for i := 0; i < n; i++ {
		<-doneCh
	}
	el = time.Since(start)
	check.OK(el < 3*time.Second, "100 concurrent sleeps complete", "took %v", el)

	check.Done()
}
