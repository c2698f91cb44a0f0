// bench_compute: integer compute (sieve of Eratosthenes + FNV/xorshift hashing + a small
// integer sort), about 0.5-1 s natively at scale 1. Prints {"bench":"go_compute","ms":X,...}.
package main

import (
	"fmt"
	"os"
	"time"

	"vkemu.test/guests/internal/benchout"
)

func sieve(n int) int {
	composite := make([]bool, n+1)
	count := 0
	for i := 2; i <= n; i++ {
		if !composite[i] {
			count++
			for j := i * i; j <= n; j += i {
				composite[j] = true
			}
		}
	}
	return count
}

func fnvMix(rounds int) uint64 {
	h := uint64(14695981039346656037)
	x := uint64(88172645463325252)
	for i := 0; i < rounds; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for k := 0; k < 8; k++ {
			h ^= (x >> (8 * k)) & 0xff
			h *= 1099511628211
		}
	}
	return h
}

func shellSort(n int) uint64 {
	a := make([]uint32, n)
	s := uint32(2463534242)
	for i := range a {
		s ^= s << 13
		s ^= s >> 17
		s ^= s << 5
		a[i] = s
	}
	for gap := n / 2; gap > 0; gap /= 2 {
		for i := gap; i < n; i++ {
			v := a[i]
			j := i
			for ; j >= gap && a[j-gap] > v; j -= gap {
				a[j] = a[j-gap]
			}
			a[j] = v
		}
	}
	var sum uint64
	for i := 1; i < n; i++ {
		if a[i-1] > a[i] {
			fmt.Fprintln(os.Stderr, "sort failed")
			os.Exit(1)
		}
		sum = sum*31 + uint64(a[i])
	}
	return sum
}

func main() {
	start := time.Now()
	primes := 0
	for r := 0; r < benchout.N(4); r++ {
		primes = sieve(5_000_000)
	}
	if primes != 348513 {
		fmt.Fprintf(os.Stderr, "sieve: got %d primes below 5e6, want 348513\n", primes)
		os.Exit(1)
	}
	h := fnvMix(benchout.N(20_000_000))
	srt := shellSort(benchout.N(1_000_000))
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	benchout.Print(map[string]any{
		"bench":    "go_compute",
		"ms":       benchout.Round3(ms),
		"scale":    benchout.Scale(),
		"checksum": fmt.Sprintf("%016x", h^srt),
	})
}
