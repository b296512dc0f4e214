// tlogbench — the reference for logbench: Go's golang.org/x/mod/sumdb/tlog building the
// same tree ("leaf %d" records) in memory and proving the same random indexes.
// Usage: tlogbench N QUERIES
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

type mem []tlog.Hash

func (m *mem) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = (*m)[x]
	}
	return out, nil
}

var state uint64 = 42

func rnd() uint64 { // splitmix64, as in logbench.c
	state += 0x9e3779b97f4a7c15
	z := state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func main() {
	n, _ := strconv.ParseInt(os.Args[1], 10, 64)
	queries, _ := strconv.Atoi(os.Args[2])
	m := make(mem, 0, 2*n+64)
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		h, err := tlog.StoredHashesForRecordHash(i, tlog.RecordHash([]byte(fmt.Sprintf("leaf %d", i))), &m)
		if err != nil {
			panic(err)
		}
		m = append(m, h...)
	}
	fmt.Printf("build %d leaves: %.2f s\n", n, time.Since(t0).Seconds())
	root, err := tlog.TreeHash(n, &m)
	if err != nil {
		panic(err)
	}
	fmt.Printf("root %x\n", root[:])
	idx := make([]int64, queries)
	for q := range idx {
		idx[q] = int64(rnd() % uint64(n))
	}
	t0 = time.Now()
	for _, i := range idx {
		if _, err := tlog.ProveRecord(n, i, &m); err != nil {
			panic(err)
		}
	}
	inc := time.Since(t0).Seconds()
	t0 = time.Now()
	for _, i := range idx {
		if _, err := tlog.ProveTree(n, i+1, &m); err != nil {
			panic(err)
		}
	}
	con := time.Since(t0).Seconds()
	fmt.Printf("inclusion proofs: %.0f per second\nconsistency proofs: %.0f per second\n",
		float64(queries)/inc, float64(queries)/con)
}
