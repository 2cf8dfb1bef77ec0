package local_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/desktop/local"
)

// The desktop benchmarks (docs/BENCHMARKS.md, "Real desktops"). Run them
// one iteration at a time:
//
//	go test -run '^$' -bench . -benchtime 1x ./internal/desktop/local/
//
// DESKPLANE_BENCH_BATCH (default 25) sets the batch of BenchmarkLaunchBatch,
// DESKPLANE_BENCH_PARALLEL how many launches run at once (default 4: a
// worker pool, as the reconciler drives them; docs/decisions/0180), DESKPLANE_BENCH_DESKTOPS the desktops of BenchmarkIdleDesktops
// (default 100).

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchEnv(b *testing.B) *env {
	e := newEnv(b)
	// Room for many desktops.
	e.p.Close()
	e.opt.UIDCount = 1000
	p, err := local.New(e.opt)
	if err != nil {
		b.Fatal(err)
	}
	e.p = p
	return e
}

// launchAll provisions and starts n desktops, at most par at once, and
// returns each one's time from the start of the batch to RFB-ready.
func launchAll(b *testing.B, e *env, prefix string, n, par int) []time.Duration {
	res := deskplane.DesktopResources{ComputeType: "VALUE", CPUs: 1, MemoryMiB: 2048, RootVolumeGiB: 80, UserVolumeGiB: 10}
	lat := make([]time.Duration, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			id := fmt.Sprintf("%s-%03d", prefix, i)
			ctx := context.Background()
			err := e.p.Provision(ctx, deskplane.DesktopSpec{ID: id, UserName: "user", Resources: res})
			if err == nil {
				err = e.p.Start(ctx, id)
			}
			lat[i] = time.Since(start)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return lat
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// memoryPer sums the RSS and PSS of every desktop's processes and returns
// the means in MiB.
func memoryPer(b *testing.B, e *env, prefix string, n int) (rss, pss float64) {
	var r, p int64
	for i := 0; i < n; i++ {
		rr, pp, err := e.p.Memory(fmt.Sprintf("%s-%03d", prefix, i))
		if err != nil {
			b.Fatal(err)
		}
		r += rr
		p += pp
	}
	return float64(r) / float64(n) / (1 << 20), float64(p) / float64(n) / (1 << 20)
}

func memAvailable() int64 {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkLaunchBatch: a batch of desktops provisioned and started at
// once; each one's time from the batch's start until it answers the RFB
// handshake, and the idle memory of each once all are up.
func BenchmarkLaunchBatch(b *testing.B) {
	n := envInt("DESKPLANE_BENCH_BATCH", 25)
	par := envInt("DESKPLANE_BENCH_PARALLEL", 4)
	for it := 0; it < b.N; it++ {
		e := benchEnv(b)
		self0 := cpuSelf()
		lat := launchAll(b, e, fmt.Sprintf("ws-b%d", it), n, par)
		cpu := cpuSelf() - self0 + cpuDesktops(b, e, fmt.Sprintf("ws-b%d", it), n)
		time.Sleep(3 * time.Second) // let the sessions settle into idle
		rss, pss := memoryPer(b, e, fmt.Sprintf("ws-b%d", it), n)
		b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "CPU-ms/launch")
		b.ReportMetric(float64(percentile(lat, 0.5).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Milliseconds()), "p99-ms")
		b.ReportMetric(float64(percentile(lat, 1).Milliseconds()), "max-ms")
		b.ReportMetric(rss, "idle-RSS-MiB/desktop")
		b.ReportMetric(pss, "idle-PSS-MiB/desktop")
		e.cleanup()
	}
}

// BenchmarkIdleDesktops starts many desktops (four at a time), lets them
// idle, and measures what each costs: the PSS of its processes and the
// host's MemAvailable before and after, from which the number of idle
// desktops the host holds is extrapolated.
func BenchmarkIdleDesktops(b *testing.B) {
	n := envInt("DESKPLANE_BENCH_DESKTOPS", 100)
	for it := 0; it < b.N; it++ {
		e := benchEnv(b)
		before := memAvailable()
		launchAll(b, e, fmt.Sprintf("ws-i%d", it), n, 4)
		time.Sleep(5 * time.Second)
		after := memAvailable()
		rss, pss := memoryPer(b, e, fmt.Sprintf("ws-i%d", it), n)
		list, err := e.p.List(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		running := 0
		for _, d := range list {
			if d.State == deskplane.DesktopRunning {
				running++
			}
		}
		perHost := float64(before-after) / float64(n) / (1 << 20)
		b.ReportMetric(float64(running), "running")
		b.ReportMetric(pss, "idle-PSS-MiB/desktop")
		b.ReportMetric(rss, "idle-RSS-MiB/desktop")
		b.ReportMetric(perHost, "host-MiB/desktop")
		b.ReportMetric(float64(before)/(1<<20)/perHost, "desktops-that-fit")
		e.cleanup()
	}
}

// cpuSelf is the CPU time of this process and its reaped children (the
// provider's tools: mkfs, mount, cp …).
func cpuSelf() time.Duration {
	var self, kids syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + kids.Utime.Nano() + kids.Stime.Nano())
}

// cpuDesktops is the CPU time the desktops' processes used so far.
func cpuDesktops(b *testing.B, e *env, prefix string, n int) time.Duration {
	var ticks int64
	for i := 0; i < n; i++ {
		pids, err := e.p.Processes(fmt.Sprintf("%s-%03d", prefix, i))
		if err != nil {
			b.Fatal(err)
		}
		for _, pid := range pids {
			s, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			f := strings.Fields(string(s[strings.LastIndexByte(string(s), ')')+2:]))
			for _, k := range []int{11, 12, 13, 14} { // utime stime cutime cstime
				v, _ := strconv.ParseInt(f[k], 10, 64)
				ticks += v
			}
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ = 100
}
