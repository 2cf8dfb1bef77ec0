package lifecycle_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/bolt"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
)

// record is about the size of a stored WorkSpace.
var recordBody = []byte(`{"id":"ws-0d4y2sbl5","directoryId":"d-906732325d","userName":"someone","bundleId":"wsb-b0s22j3d7","state":"PENDING","gen":1,"stateChanged":"2026-01-01T00:00:00Z","created":"2026-01-01T00:00:00Z","runningMode":"AUTO_STOP","autoStopMinutes":60,"rootGb":80,"userGb":50,"computeType":"STANDARD","protocols":["PCOIP"],"os":"WINDOWS_SERVER_2022"}`)

// available is the work of a real PENDING → AVAILABLE transition: read the
// record, change it, write it back.
func available(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	rec, err := tx.Get(t.Key)
	if err != nil {
		return err
	}
	_, err = tx.Put(t.Key, rec.Data)
	return err
}

func seed(b testing.TB, s deskplane.Store, n int, due func(i int) time.Time) {
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	for start := 0; start < n; start += 1000 {
		if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				k := deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspace, ID: fmt.Sprintf("ws-%09d", i)}
				if _, err := tx.Put(k, recordBody); err != nil {
					return err
				}
				if err := tx.Schedule(deskplane.Timer{Key: k, Name: "workspace.state", Due: due(i)}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func stores(b *testing.B) map[string]func() deskplane.Store {
	return map[string]func() deskplane.Store{
		"memory": func() deskplane.Store { return memory.New() },
		"bolt": func() deskplane.Store {
			s, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), bolt.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
	}
}

// BenchmarkEngineTick fires 512 due transitions in one RunDue (one batch).
func BenchmarkEngineTick(b *testing.B) {
	for name, open := range stores(b) {
		b.Run(name, func(b *testing.B) {
			s := open()
			defer s.Close()
			clock := frozenClock()
			e := lifecycle.New(s, clock, nil, lifecycle.Options{Batch: 512})
			e.Handle("workspace.state", available)
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				seed(b, s, 512, func(int) time.Time { return clock.Now() })
				b.StartTimer()
				n, err := e.RunDue(context.Background())
				if err != nil || n != 512 {
					b.Fatalf("fired %d, %v", n, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*512), "ns/transition")
		})
	}
}

// BenchmarkLateness100k is the engine target: 100,000 pending WorkSpaces,
// due over ten seconds of a running clock (10,000 transitions a second),
// moved to AVAILABLE by the engine loop; it reports the p50, p99 and max
// lateness (time past due when the transition committed). Run it with
// -benchtime 1x.
func BenchmarkLateness100k(b *testing.B) {
	const n = 100_000
	for name, open := range stores(b) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				s := open()
				clock := lifecycle.NewVirtualClock(nil)
				var mu sync.Mutex
				late := make([]time.Duration, 0, n)
				e := lifecycle.New(s, clock, nil, lifecycle.Options{Observe: func(t deskplane.Timer, at time.Time) {
					mu.Lock()
					late = append(late, at.Sub(t.Due))
					mu.Unlock()
				}})
				e.Handle("workspace.state", available)
				start := clock.Now().Add(3 * time.Second)
				seed(b, s, n, func(i int) time.Time { return start.Add(time.Duration(i) * 10 * time.Second / n) })
				if clock.Now().After(start) {
					b.Fatalf("seeding took longer than the 3s head start")
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan struct{})
				go func() { _ = e.Run(ctx); close(done) }()
				deadline := time.Now().Add(60 * time.Second)
				for {
					mu.Lock()
					got := len(late)
					mu.Unlock()
					if got == n || time.Now().After(deadline) {
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
				cancel()
				<-done
				s.Close()
				if len(late) != n {
					b.Fatalf("%d of %d transitions fired", len(late), n)
				}
				sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
				b.ReportMetric(float64(late[n/2].Milliseconds()), "p50-late-ms")
				b.ReportMetric(float64(late[n*99/100].Milliseconds()), "p99-late-ms")
				b.ReportMetric(float64(late[n-1].Milliseconds()), "max-late-ms")
			}
		})
	}
}
