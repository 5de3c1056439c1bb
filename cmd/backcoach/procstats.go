package main

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// withProcessStats adds the process's own figures to GET /stats: resident
// memory (rss_kb, -1 where unknown), the Go heap in use (go_heap_kb) and open Mats (mats, -1 unless built
// with -tags matprofile). scripts/soak watches them for leaks.
func withProcessStats(next func() map[string]any) func() map[string]any {
	return func() map[string]any {
		out := map[string]any{}
		if next != nil {
			out = next()
			if out == nil {
				out = map[string]any{}
			}
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		out["rss_kb"] = rssKB()
		out["go_heap_kb"] = ms.HeapInuse >> 10 // Go's share of rss_kb (the rest is OpenCV's and the runtime's)
		out["mats"] = openMats()
		return out
	}
}

// rssKB reads this process's resident set size in kB from
// /proc/self/status (-1 where there is none).
func rssKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			if fields := strings.Fields(rest); len(fields) > 0 {
				if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
					return n
				}
			}
		}
	}
	return -1
}
