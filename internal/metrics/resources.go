package metrics

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskplane/deskplane"
)

// Resources by kind and state.
//
// Counting is a scan of the store, run only when /metrics is scraped and
// at most once per interval: 30 s, or 20 times as long as the last scan
// took, whichever is longer, so that counting never takes more than 5 % of
// one core however many records there are. In between, scrapes answer the
// last counts, with their age. The store is read in pages of 10,000
// records, each page in its own read transaction (so a long scan never
// holds a snapshot open), and a record's state is found by looking at the
// top level of its JSON without decoding it. On bolt a scan costs about
// 3 µs per record (docs/BENCHMARKS.md): 3 s for 1,000,000 records, which
// are then recounted at most once a minute.
//
// The store has no list of scopes, so the store wrapper (store.go)
// registers each scope written to in a marker record of the global scope,
// in the writing transaction, once per scope and process. The scan walks
// those markers.

// markerKind is the kind of the scope-marker records (global scope, id
// ACCOUNT/REGION).
const markerKind deskplane.Kind = "metricsscope"

func scopeMarker(sc deskplane.Scope) deskplane.Key {
	return deskplane.Key{Scope: deskplane.GlobalScope(), Kind: markerKind, ID: sc.Account + "/" + sc.Region}
}

// ResourceKinds are the record kinds counted: resources, not indexes or
// settings.
var resourceKinds = []deskplane.Kind{
	deskplane.KindWorkspace, deskplane.KindImage, deskplane.KindBundle, deskplane.KindDirectory,
	deskplane.KindDSDirectory, deskplane.KindUser, deskplane.KindIPGroup, deskplane.KindAlias,
	deskplane.KindPool, deskplane.KindAccountLink, deskplane.KindImageImport,
}

const scanPage = 10_000

// maxShare bounds the time spent counting: the next scan waits at least
// maxShare times as long as the last one took.
const maxShare = 20

// resourceCollector is the prometheus.Collector of resource counts.
type resourceCollector struct {
	store    deskplane.Store
	interval time.Duration
	now      func() time.Time

	desc, ageDesc, durDesc *prometheus.Desc

	mu     sync.Mutex // one scan at a time
	counts map[kindState]int
	at     time.Time
	took   time.Duration
	err    error
}

type kindState struct{ kind, state string }

// WatchResources registers the resource counts. The store must be the one
// Store returned (its scopes are registered as they are written); interval
// 0 means 30 s.
func (m *Metrics) WatchResources(interval time.Duration) {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	c := &resourceCollector{
		store: m.store, interval: interval, now: time.Now,
		desc:    prometheus.NewDesc("deskplane_resources", "Resources stored, by kind and state (state \"none\" for kinds without one), all accounts and Regions.", []string{"kind", "state"}, nil),
		ageDesc: prometheus.NewDesc("deskplane_resources_scan_age_seconds", "How old the resource counts are.", nil, nil),
		durDesc: prometheus.NewDesc("deskplane_resources_scan_duration_seconds", "How long the last resource scan took.", nil, nil),
	}
	m.reg.MustRegister(c)
}

func (c *resourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.ageDesc
	ch <- c.durDesc
}

func (c *resourceCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil || c.now().Sub(c.at) >= max(c.interval, maxShare*c.took) {
		start := c.now()
		counts, err := c.scan(context.Background())
		if err == nil || c.counts == nil {
			c.counts, c.at, c.took = counts, start, c.now().Sub(start)
		}
		c.err = err
	}
	if c.err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, c.err)
	}
	for ks, n := range c.counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), ks.kind, ks.state)
	}
	ch <- prometheus.MustNewConstMetric(c.ageDesc, prometheus.GaugeValue, c.now().Sub(c.at).Seconds())
	ch <- prometheus.MustNewConstMetric(c.durDesc, prometheus.GaugeValue, c.took.Seconds())
}

// scan counts every resource of every registered scope.
func (c *resourceCollector) scan(ctx context.Context) (map[kindState]int, error) {
	var scopes []deskplane.Scope
	err := c.store.View(ctx, func(tx deskplane.Tx) error {
		scopes = scopes[:0]
		return tx.List(deskplane.GlobalScope(), markerKind, 0, func(r deskplane.Record) bool {
			if a, reg, ok := strings.Cut(r.ID, "/"); ok {
				scopes = append(scopes, deskplane.Scope{Account: a, Region: reg})
			}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	counts := make(map[kindState]int)
	names := map[string]string{"": "none"} // state names, interned
	stateOf := func(data []byte) string {
		v := topLevelValue(data, "state")
		s, ok := names[string(v)]
		if !ok {
			s = string(v)
			names[s] = s
		}
		return s
	}
	for _, sc := range scopes {
		for _, kind := range resourceKinds {
			after := int64(0)
			for {
				n := 0
				err := c.store.View(ctx, func(tx deskplane.Tx) error {
					n = 0
					return tx.List(sc, kind, after, func(r deskplane.Record) bool {
						counts[kindState{string(kind), stateOf(r.Data)}]++
						after = r.Seq
						n++
						return n < scanPage
					})
				})
				if err != nil {
					return nil, err
				}
				if n < scanPage {
					break
				}
			}
		}
	}
	return counts, nil
}

// maxDueCounted bounds the count of due timers at one scrape.
const maxDueCounted = 10_000

// WatchTimers registers the timers waiting to fire: how many are due on
// the service clock and not yet fired (counted up to 10,000), and how long
// until the next one is due (negative when it is late). Both are read at
// each scrape.
func (m *Metrics) WatchTimers(clock deskplane.Clock) {
	m.reg.MustRegister(&timerCollector{store: m.store, clock: clock,
		due:  prometheus.NewDesc("deskplane_timers_due", "Lifecycle timers due on the service clock and not yet fired (counted up to 10000).", nil, nil),
		next: prometheus.NewDesc("deskplane_timer_next_due_seconds", "Seconds of service clock until the next lifecycle timer is due (negative: overdue); absent when none is scheduled.", nil, nil),
	})
}

type timerCollector struct {
	store     deskplane.Store
	clock     deskplane.Clock
	due, next *prometheus.Desc
}

func (c *timerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.due
	ch <- c.next
}

func (c *timerCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.clock.Now()
	var due int
	var next time.Time
	var any bool
	err := c.store.View(context.Background(), func(tx deskplane.Tx) error {
		ts, err := tx.Due(now, maxDueCounted)
		if err != nil {
			return err
		}
		due = len(ts)
		next, any, err = tx.NextDue()
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.due, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(due))
	if any {
		ch <- prometheus.MustNewConstMetric(c.next, prometheus.GaugeValue, next.Sub(now).Seconds())
	}
}
