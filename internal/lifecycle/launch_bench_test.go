package lifecycle_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/lifecycle"
)

// BenchmarkLaunchLateness is the engine target measured on real launches:
// WorkSpaces created through the server (the real SDK, SigV4, the durable
// bolt store, the "fast" timing profile) and moved PENDING → AVAILABLE by
// the real lifecycle handlers, each with its subnet, private IP and
// follow-up timers. It reports how long after its due time each launch
// committed (p50, p99, max) and the machine's load average during the run:
//
//	spread  the clock runs while 16 clients create the WorkSpaces, 25 a
//	        call, as fast as the server takes them: launches fall due at
//	        their creation rate, and the engine competes with the creates
//	burst   the clock is frozen while they are created, then moved past
//	        their due time at once: every launch is due in the same instant
//
// Run it with -benchtime 1x; DESKPLANE_BENCH_LAUNCHES sets the number of
// WorkSpaces (default 100,000, the figure docs/BENCHMARKS.md records);
// DESKPLANE_BENCH_ENGINE_PROFILE=FILE writes a CPU profile of the burst's
// engine phase alone (after the creates) to FILE:
//
//	go test -run '^$' -bench LaunchLateness -benchtime 1x ./internal/lifecycle/
func BenchmarkLaunchLateness(b *testing.B) {
	n := 100_000
	if v := os.Getenv("DESKPLANE_BENCH_LAUNCHES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 25 {
			b.Fatalf("DESKPLANE_BENCH_LAUNCHES=%q: want a number of at least 25", v)
		}
	}
	for _, mode := range []string{"spread", "burst"} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				benchLaunches(b, n, mode == "burst")
			}
		})
	}
}

func benchLaunches(b *testing.B, n int, burst bool) {
	var mu sync.Mutex
	late := make([]time.Duration, 0, n)
	observe := func(t deskplane.Timer, firedAt time.Time) {
		if t.Name != deskplane.TimerWorkspaceState || t.Key.Kind != deskplane.KindWorkspace {
			return
		}
		mu.Lock()
		late = append(late, firedAt.Sub(t.Due))
		mu.Unlock()
	}
	fired := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(late)
	}
	e := startLaunchServer(b, n, observe)
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	if burst {
		e.App.Clock.Freeze()
	} else {
		e.App.Clock.Unfreeze()
	}
	before := fired()
	load := watchLoad()
	start := time.Now()
	createWorkspaces(b, e, dir, bundle, n)
	created := time.Since(start)
	cpu0 := processCPU()
	if path := os.Getenv("DESKPLANE_BENCH_ENGINE_PROFILE"); path != "" && burst {
		// The CPU profile of the engine alone, once the creates are done.
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			b.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if burst {
		// Every launch is due 2s after the frozen instant (the fast
		// profile's workspace.create): move the clock there and let it
		// run, the engine loop fires them all.
		e.App.Clock.Advance(2 * time.Second)
		e.App.Clock.Unfreeze()
		e.App.Engine.Wake()
	}
	deadline := time.Now().Add(15 * time.Minute)
	for fired()-before < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	total := time.Since(start)
	cpu := processCPU() - cpu0
	loads := load()
	mu.Lock()
	got := slices.Clone(late[before:])
	mu.Unlock()
	if len(got) != n {
		b.Fatalf("%d of %d launches fired", len(got), n)
	}
	slices.Sort(got)
	p := func(q float64) time.Duration { return got[min(len(got)-1, int(float64(len(got))*q))] }
	b.ReportMetric(float64(p(0.50).Microseconds())/1000, "p50-late-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-late-ms")
	b.ReportMetric(float64(got[len(got)-1].Microseconds())/1000, "max-late-ms")
	b.ReportMetric(float64(n)/created.Seconds(), "creates/s")
	if burst {
		// Nothing but the engine works once the WorkSpaces are created:
		// the process's CPU time per launch is the engine's cost, which
		// the load of a shared machine does not inflate as it does the
		// lateness.
		b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/launch")
	}
	b.Logf("%d launches: created in %s (%.0f/s), all AVAILABLE after %s; lateness p50 %s p99 %s max %s",
		n, created.Round(time.Millisecond), float64(n)/created.Seconds(), total.Round(time.Millisecond),
		p(0.50).Round(100*time.Microsecond), p(0.99).Round(100*time.Microsecond), got[len(got)-1].Round(100*time.Microsecond))
	b.Logf("machine load (/proc/loadavg 1-min) during the run: %s", loads)
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// startLaunchServer starts deskplane in-process on the durable bolt store,
// with the engine reporting each fired timer to observe, and serves it on
// a free port for the real SDK.
func startLaunchServer(b *testing.B, n int, observe func(deskplane.Timer, time.Time)) *apptest.Env {
	b.Helper()
	cfg := app.Defaults(func(string) string { return "" })
	cfg.Addr = "127.0.0.1:0"
	cfg.Timing = "fast"
	cfg.AdminToken = "admin"
	cfg.DataDir = b.TempDir()
	cfg.LogLevel = "error"
	cfg.QuotaWorkspaces = n + 1000
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, app.Options{Engine: lifecycle.Options{Observe: observe}})
	if err != nil {
		cancel()
		b.Fatal(err)
	}
	a.Clock.Freeze()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		a.Close()
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("deskplane stopped with: %v", err)
		}
	})
	return &apptest.Env{T: b, App: a, URL: "http://" + ln.Addr().String()}
}

// createWorkspaces creates n WorkSpaces (25 a call, 16 clients).
func createWorkspaces(b *testing.B, e *apptest.Env, dir, bundle string, n int) {
	const clients, per = 16, 25
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := workspaces.NewFromConfig(e.AWSConfig(apptest.AccountA, apptest.Region))
			for {
				base := int(next.Add(per)) - per
				if base >= n {
					return
				}
				reqs := make([]types.WorkspaceRequest, min(per, n-base))
				for i := range reqs {
					reqs[i] = types.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle),
						UserName: aws.String("u" + strconv.Itoa(base+i))}
				}
				out, err := c.CreateWorkspaces(context.Background(), &workspaces.CreateWorkspacesInput{Workspaces: reqs})
				if err == nil && len(out.PendingRequests) != len(reqs) {
					err = fmt.Errorf("%d of %d created: %+v", len(out.PendingRequests), len(reqs), out.FailedRequests)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("CreateWorkspaces: %v", err)
	}
}

// watchLoad samples the 1-minute load average every second until the
// returned function is called, which returns the samples' summary.
func watchLoad() func() string {
	read := func() string {
		raw, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return "?"
		}
		f := strings.Fields(string(raw))
		if len(f) == 0 {
			return "?"
		}
		return f[0]
	}
	var mu sync.Mutex
	samples := []string{read()}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				samples = append(samples, read())
				mu.Unlock()
			}
		}
	}()
	return func() string {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		samples = append(samples, read())
		hi := 0.0
		for _, s := range samples {
			if v, err := strconv.ParseFloat(s, 64); err == nil && v > hi {
				hi = v
			}
		}
		return fmt.Sprintf("start %s, max %.2f, end %s (%d samples)", samples[0], hi, samples[len(samples)-1], len(samples))
	}
}
