package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/bolt"
	"github.com/deskplane/deskplane/internal/memory"
)

func TestTopLevelValue(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{`{"state":"AVAILABLE"}`, "AVAILABLE"},
		{` { "id" : "ws-1", "state" : "PENDING" } `, "PENDING"},
		{`{"modificationStates":[{"resource":"COMPUTE_TYPE","state":"UPDATE_IN_PROGRESS"}],"state":"AVAILABLE"}`, "AVAILABLE"},
		{`{"props":{"state":"nested"},"n":12,"ok":true,"x":null,"s":"a\"state\":\"no\"","state":"STOPPED"}`, "STOPPED"},
		{`{"props":{"state":"nested"}}`, ""},
		{`{"state":5}`, ""},
		{`[{"state":"x"}]`, ""},
		{`{"state":"A`, ""},
		{``, ""},
	} {
		if got := string(topLevelValue([]byte(tc.data), "state")); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.data, got, tc.want)
		}
	}
}

// retrying is a store whose Update runs fn twice (a conflict, then the
// commit), and whose first Update of all fails with ErrConflict.
type retrying struct {
	deskplane.Store
	calls int
}

func (r *retrying) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	r.calls++
	if r.calls == 1 {
		return fmt.Errorf("gave up: %w", deskplane.ErrConflict)
	}
	if err := r.Store.Update(ctx, func(tx deskplane.Tx) error { return fn(tx) }); err != nil {
		return err
	}
	return r.Store.Update(ctx, fn)
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func wantMetric(t *testing.T, text string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains(text, l+"\n") {
			t.Errorf("metrics lack %q", l)
		}
	}
}

func TestStoreTransactionsAreMeasured(t *testing.T) {
	m := New()
	s := m.Store(&retrying{Store: memory.New()})
	ctx := context.Background()
	k := deskplane.Key{Scope: deskplane.Scope{Account: "111111111111", Region: "us-east-1"}, Kind: deskplane.KindWorkspace, ID: "ws-1"}
	put := func(tx deskplane.Tx) error { _, err := tx.Put(k, []byte(`{"state":"PENDING"}`)); return err }
	if err := s.Update(ctx, put); !errors.Is(err, deskplane.ErrConflict) {
		t.Fatalf("first update: %v", err)
	}
	if err := s.Update(ctx, put); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx deskplane.Tx) error { _, err := tx.Get(k); return err }); err != nil {
		t.Fatal(err)
	}
	wantMetric(t, scrape(t, m),
		`deskplane_store_transaction_conflicts_total 1`,
		`deskplane_store_transaction_retries_total 1`,
		`deskplane_store_transaction_errors_total{mode="update"} 1`,
		`deskplane_store_transaction_duration_seconds_count{mode="update"} 2`,
		`deskplane_store_transaction_duration_seconds_count{mode="view"} 1`,
	)
}

func TestResourcesByKindAndState(t *testing.T) {
	m := New()
	s := m.Store(memory.New())
	m.WatchResources(time.Hour)
	ctx := context.Background()
	put := func(account, region string, kind deskplane.Kind, id, data string) {
		t.Helper()
		k := deskplane.Key{Scope: deskplane.Scope{Account: account, Region: region}, Kind: kind, ID: id}
		if err := s.Update(ctx, func(tx deskplane.Tx) error { _, err := tx.Put(k, []byte(data)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	put("111111111111", "us-east-1", deskplane.KindWorkspace, "ws-1", `{"state":"AVAILABLE"}`)
	put("111111111111", "us-east-1", deskplane.KindWorkspace, "ws-2", `{"state":"PENDING"}`)
	put("111111111111", "eu-west-1", deskplane.KindWorkspace, "ws-3", `{"state":"AVAILABLE"}`)
	put("222222222222", "us-east-1", deskplane.KindImage, "wsi-1", `{"state":"AVAILABLE"}`)
	put("222222222222", "us-east-1", deskplane.KindIPGroup, "wsipg-1", `{"name":"g"}`)
	put("222222222222", "us-east-1", deskplane.KindTags, "ws-1", `{"state":"not a resource"}`)
	text := scrape(t, m)
	wantMetric(t, text,
		`deskplane_resources{kind="workspace",state="AVAILABLE"} 2`,
		`deskplane_resources{kind="workspace",state="PENDING"} 1`,
		`deskplane_resources{kind="image",state="AVAILABLE"} 1`,
		`deskplane_resources{kind="ipgroup",state="none"} 1`,
	)
	if strings.Contains(text, `kind="tags"`) {
		t.Error("tags counted as a resource")
	}
	// Within the interval the counts are not recomputed.
	put("111111111111", "us-east-1", deskplane.KindWorkspace, "ws-4", `{"state":"PENDING"}`)
	wantMetric(t, scrape(t, m), `deskplane_resources{kind="workspace",state="PENDING"} 1`)

	// A new Metrics over the same data (a restart) finds every scope again.
	m2 := New()
	m2.Store(s.(*store).Store)
	m2.WatchResources(time.Hour)
	wantMetric(t, scrape(t, m2),
		`deskplane_resources{kind="workspace",state="PENDING"} 2`,
		`deskplane_resources{kind="workspace",state="AVAILABLE"} 2`,
	)
	// Reset of everything forgets the scopes; writes register them again.
	if err := s.Update(ctx, func(tx deskplane.Tx) error { return tx.Reset("") }); err != nil {
		t.Fatal(err)
	}
	put("111111111111", "us-east-1", deskplane.KindWorkspace, "ws-9", `{"state":"STOPPED"}`)
	m3 := New()
	m3.Store(s.(*store).Store)
	m3.WatchResources(time.Hour)
	text = scrape(t, m3)
	wantMetric(t, text, `deskplane_resources{kind="workspace",state="STOPPED"} 1`)
	if strings.Contains(text, `state="AVAILABLE"`) {
		t.Errorf("counts survived a reset:\n%s", text)
	}
}

// BenchmarkResourceScan measures the scan that counts resources by kind
// and state (docs/decisions/0124-metrics.md): 100,000 WorkSpace records of
// the usual size in 10 scopes of the bolt store; ns/op is per scan,
// ns/record per record.
func BenchmarkResourceScan(b *testing.B) {
	st, err := bolt.Open(b.TempDir()+"/scan.db", bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	m := New()
	s := m.Store(st)
	const total, scopes, batch = 100_000, 10, 1000
	data := []byte(`{"id":"ws-0123456789","directoryId":"d-906732325d","userName":"user-123456","ipAddress":"10.0.1.17","state":"AVAILABLE","bundleId":"wsb-b0s22j3d7","subnetId":"subnet-0123456789abcdef0","computerName":"WSAMZN-0123456","properties":{"runningMode":"AUTO_STOP","runningModeAutoStopTimeoutInMinutes":60,"rootVolumeSizeGib":80,"userVolumeSizeGib":50,"computeTypeName":"STANDARD","protocols":["PCOIP"]},"modificationStates":[],"rootVolumeEncryptionEnabled":false,"userVolumeEncryptionEnabled":false,"created":"2026-11-21T10:00:00Z","stateChanged":"2026-11-21T10:20:00Z","tags":[{"key":"team","value":"qa"}]}`)
	ctx := context.Background()
	for i := 0; i < total; i += batch {
		sc := deskplane.Scope{Account: fmt.Sprintf("%012d", 100000000000+i%scopes), Region: "us-east-1"}
		if err := s.Update(ctx, func(tx deskplane.Tx) error {
			for j := range batch {
				if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: deskplane.KindWorkspace, ID: fmt.Sprintf("ws-%09d", i+j)}, data); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	c := &resourceCollector{store: s}
	b.ResetTimer()
	for b.Loop() {
		counts, err := c.scan(ctx)
		if err != nil || counts[kindState{"workspace", "AVAILABLE"}] != total {
			b.Fatalf("%v %v", err, counts)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/total, "ns/record")
}

// TestSlowScansAreSpacedOut: the next scan waits at least 20 times as long
// as the last one took, so that counting stays under 5 % of one core.
func TestSlowScansAreSpacedOut(t *testing.T) {
	m := New()
	s := m.Store(memory.New())
	ctx := context.Background()
	put := func(id string) {
		k := deskplane.Key{Scope: deskplane.Scope{Account: "111111111111", Region: "us-east-1"}, Kind: deskplane.KindPool, ID: id}
		if err := s.Update(ctx, func(tx deskplane.Tx) error { _, err := tx.Put(k, []byte(`{"state":"RUNNING"}`)); return err }); err != nil {
			t.Fatal(err)
		}
	}
	put("wspool-1")
	now := time.Unix(1000, 0)
	c := &resourceCollector{store: s, interval: 30 * time.Second, now: func() time.Time { return now }}
	collect := func() map[kindState]int {
		ch := make(chan prometheus.Metric, 100)
		c.desc = prometheus.NewDesc("x", "x", []string{"kind", "state"}, nil)
		c.ageDesc, c.durDesc = prometheus.NewDesc("a", "a", nil, nil), prometheus.NewDesc("d", "d", nil, nil)
		c.Collect(ch)
		close(ch)
		return c.counts
	}
	collect()
	c.took = 10 * time.Second // as if the scan had been slow
	put("wspool-2")
	now = now.Add(time.Minute)
	if n := collect()[kindState{"pool", "RUNNING"}]; n != 1 {
		t.Fatalf("rescanned after 1 min although the last scan took 10 s: %d", n)
	}
	now = now.Add(150 * time.Second)
	if n := collect()[kindState{"pool", "RUNNING"}]; n != 2 {
		t.Fatalf("not rescanned 210 s after a 10 s scan: %d", n)
	}
}
