// panics: runtime panics raised by hardware faults and checks are recovered as runtime.Error.
// The nil dereferences rely on the emulator delivering SIGSEGV (si_code SEGV_MAPERR or
// SEGV_ACCERR, si_addr < 0x1000) to the Go signal handler with a correct signal context,
// and letting the handler redirect the thread to runtime.sigpanic. Go itself checks
// divisors for zero in software; hwdiv (hwdiv_amd64.s) divides with a bare IDIV so the
// SIGFPE path (si_code FPE_INTDIV) is exercised too.
package main

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"vkemu.test/guests/internal/check"
)

type T struct{ a, b int }

//go:noinline
func deref(p *T) int { return p.b }

//go:noinline
func index(s []int, i int) int { return s[i] }

//go:noinline
func div(a, b int) int { return a / b }

// hwdiv is a*b/b computed by a bare IDIV instruction (hwdiv_amd64.s).
func hwdiv(a, b int64) int64

//go:noinline
func bigDeref(p *[1 << 20]byte) byte { return p[1<<19] }

// try runs f and returns what it panicked with (nil if it did not).
func try(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

func runtimeErr(name string, r any, want string) {
	re, ok := r.(runtime.Error)
	msg := ""
	if ok {
		msg = re.Error()
	}
	check.OK(ok && strings.Contains(msg, want), name, "recovered %T %v, want runtime.Error containing %q", r, r, want)
}

func main() {
	var p *T
	runtimeErr("nil pointer dereference recovered", try(func() { _ = deref(p) }), "nil pointer dereference")
	runtimeErr("nil pointer dereference at large offset recovered", try(func() { _ = bigDeref(nil) }), "nil pointer dereference")

	s := []int{1, 2, 3}
	runtimeErr("index out of range recovered", try(func() { _ = index(s, 5) }), "index out of range")

	zero := 0
	runtimeErr("integer divide by zero recovered", try(func() { _ = div(10, zero) }), "integer divide by zero")
	check.OK(hwdiv(84, 2) == 42, "IDIV instruction works", "")
	runtimeErr("hardware divide fault (SIGFPE) recovered", try(func() { _ = hwdiv(10, int64(zero)) }), "integer divide by zero")

	// Nil map write.
	var m map[string]int
	r := try(func() { m["x"] = 1 })
	check.OK(r != nil && strings.Contains(fmt.Sprint(r), "nil map"), "nil map write panics", "r=%v", r)

	// Type assertion failure.
	var i any = "str"
	runtimeErr("failed type assertion recovered", try(func() { _ = i.(int) }), "interface conversion")

	// User panic with an error value; errors.Is through recover.
	sentinel := errors.New("sentinel")
	r = try(func() { panic(fmt.Errorf("wrapped: %w", sentinel)) })
	e, _ := r.(error)
	check.OK(e != nil && errors.Is(e, sentinel), "custom panic value recovered", "r=%v", r)

	// The process keeps working after faults: repeat the nil deref many times.
	n := 0
	for k := 0; k < 100; k++ {
		if try(func() { _ = deref(p) }) != nil {
			n++
		}
	}
	check.OK(n == 100, "100 repeated nil dereferences recovered", "n=%d", n)

	// Faults in another goroutine are recovered there.
	done := make(chan any)
	go func() {
		done <- try(func() { _ = deref(p) })
	}()
	runtimeErr("nil dereference recovered in a goroutine", <-done, "nil pointer dereference")
	go func() {
		done <- try(func() { _ = hwdiv(1, int64(zero)) })
	}()
	runtimeErr("hardware divide fault recovered in a goroutine", <-done, "divide by zero")

	// Deep recursion grows the goroutine stack (morestack / stack copying).
	var rec func(int) int
	rec = func(d int) int {
		var pad [64]byte
		pad[d%64] = byte(d)
		if d == 0 {
			return int(pad[0])
		}
		return rec(d-1) + int(pad[d%64]&1)
	}
	check.OK(rec(100000) >= 0, "deep recursion (stack growth)", "")

	check.Done()
}
