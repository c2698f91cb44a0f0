// bench_memory: allocation-, map- and slice-heavy work (exercises the GC, mmap/madvise and
// page faults). Prints {"bench":"go_memory","ms":X,...}.
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"time"

	"vkemu.test/guests/internal/benchout"
)

type node struct {
	left, right *node
	val         int
}

func tree(d int) *node {
	if d == 0 {
		return &node{val: 1}
	}
	return &node{left: tree(d - 1), right: tree(d - 1), val: d}
}

func (n *node) sum() int {
	if n == nil {
		return 0
	}
	return n.val + n.left.sum() + n.right.sum()
}

func main() {
	start := time.Now()

	// Map heavy: insert, look up, delete string and int keys.
	mapStart := time.Now()
	nMap := benchout.N(500_000)
	m := make(map[string]int)
	for i := 0; i < nMap; i++ {
		m["key-"+strconv.Itoa(i)] = i
	}
	hits := 0
	for i := 0; i < nMap; i += 2 {
		if v, ok := m["key-"+strconv.Itoa(i)]; ok && v == i {
			hits++
		}
	}
	for i := 0; i < nMap; i += 3 {
		delete(m, "key-"+strconv.Itoa(i))
	}
	im := make(map[uint64]uint64)
	for i := uint64(0); i < uint64(nMap); i++ {
		im[i*2654435761] += i
	}
	mapMs := float64(time.Since(mapStart).Nanoseconds()) / 1e6
	if hits != (nMap+1)/2 {
		fmt.Fprintf(os.Stderr, "map hits %d\n", hits)
		os.Exit(1)
	}

	// Slice heavy: append growth, copy, sort.
	sliceStart := time.Now()
	var total int
	for r := 0; r < benchout.N(6); r++ {
		var s []int
		for i := 0; i < 500_000; i++ {
			s = append(s, (i*7919)%500_009)
		}
		c := make([]int, len(s))
		copy(c, s)
		sort.Ints(c)
		total += c[len(c)/2]
	}
	sliceMs := float64(time.Since(sliceStart).Nanoseconds()) / 1e6

	// Allocation heavy: binary trees (GC pressure).
	treeStart := time.Now()
	ts := 0
	for r := 0; r < benchout.N(8); r++ {
		ts += tree(18).sum()
	}
	treeMs := float64(time.Since(treeStart).Nanoseconds()) / 1e6

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	benchout.Print(map[string]any{
		"bench":    "go_memory",
		"ms":       benchout.Round3(float64(time.Since(start).Nanoseconds()) / 1e6),
		"map_ms":   benchout.Round3(mapMs),
		"slice_ms": benchout.Round3(sliceMs),
		"tree_ms":  benchout.Round3(treeMs),
		"num_gc":   ms.NumGC,
		"scale":    benchout.Scale(),
		"checksum": total + ts + len(m) + len(im),
	})
}
