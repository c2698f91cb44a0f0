// Package check is a tiny TAP-like reporter shared by the vkemu Go guest programs.
// Each check prints "ok - NAME" or "not ok - NAME: DETAIL"; Done exits non-zero if any failed.
package check

import (
	"fmt"
	"os"
)

var failures int
var total int

// OK records a check result.
func OK(cond bool, name string, detailFmt string, args ...any) {
	total++
	if cond {
		fmt.Printf("ok - %s\n", name)
		return
	}
	failures++
	if detailFmt != "" {
		fmt.Printf("not ok - %s: %s\n", name, fmt.Sprintf(detailFmt, args...))
	} else {
		fmt.Printf("not ok - %s\n", name)
	}
}

// NoErr records a check that err is nil.
func NoErr(err error, name string) bool {
	OK(err == nil, name, "%v", err)
	return err == nil
}

// Failures reports how many checks failed so far.
func Failures() int { return failures }

// Done prints a summary and exits: 0 if every check passed, 1 otherwise.
func Done() {
	fmt.Printf("# %d checks, %d failed\n", total, failures)
	if failures > 0 {
		os.Exit(1)
	}
	os.Exit(0)
}
