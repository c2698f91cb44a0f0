// Package benchout holds what the vkemu Go benchmarks share: the iteration scale and the
// one-line JSON result.
//
// Every benchmark prints exactly one JSON object on one line, with at least
// "bench" (name) and "ms" (wall time of the measured part, milliseconds), plus
// benchmark-specific numbers. A scale factor (default 1) can be passed as argv[1] or in
// VKEMU_BENCH_SCALE to shrink or grow the work, e.g. 0.1 for a slow emulator.
package benchout

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

// Scale returns the work multiplier from argv[1] or VKEMU_BENCH_SCALE (default 1).
func Scale() float64 {
	s := os.Getenv("VKEMU_BENCH_SCALE")
	if len(os.Args) > 1 {
		s = os.Args[1]
	}
	if s == "" {
		return 1
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		fmt.Fprintf(os.Stderr, "bad scale %q\n", s)
		os.Exit(2)
	}
	return f
}

// N scales a base iteration count (at least 1).
func N(base int) int {
	n := int(float64(base) * Scale())
	if n < 1 {
		n = 1
	}
	return n
}

// Print writes the result line. fields must contain "bench" and "ms".
func Print(fields map[string]any) {
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
}

// Round3 rounds to 3 decimals for readable output.
func Round3(x float64) float64 {
	return float64(int64(x*1000+0.5)) / 1000
}
