// gdbprog: a Go program for the GDB stub tests (test/gdb.test.ts): a
// function that is never inlined to break on, called from a goroutine too.
package main

import (
	"fmt"
	"os"
)

var total int

//go:noinline
func add(a, b int) int {
	s := a + b
	total += s
	return s
}

func main() {
	done := make(chan int)
	go func() { done <- add(40, 2) }()
	r := <-done
	r += add(1, 2)
	fmt.Printf("gdbprog: %d %d\n", r, total)
	os.Exit(0)
}
