// Package metrics is deskplane's Prometheus instrumentation, served on
// GET /metrics: requests by operation and status and their latency (from
// the httpx chain), store transactions (by wrapping the deskplane.Store),
// fired timers and their lateness (the lifecycle engine's Observe hook),
// and resources by kind and state (a periodic scan, see resources.go).
//
// Everything is registered on the Metrics' own registry; nothing is global.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/httpx"
)

// Metrics holds deskplane's metrics and their registry.
type Metrics struct {
	reg *prometheus.Registry

	requests *prometheus.CounterVec   // service, operation, status
	errors   *prometheus.CounterVec   // service, operation, code
	latency  *prometheus.HistogramVec // service, operation

	storeTx        *prometheus.HistogramVec // mode
	storeRetries   prometheus.Counter
	storeConflicts prometheus.Counter
	storeErrors    *prometheus.CounterVec // mode

	timersFired   *prometheus.CounterVec // timer
	timerLateness prometheus.Histogram

	store *store // set by Store

	opsMu sync.RWMutex
	ops   map[string]map[string]*opMetrics // service → operation
}

// opMetrics are one operation's children of the request metrics, kept so
// that the request path does not hash label values.
type opMetrics struct {
	latency prometheus.Observer
	mu      sync.RWMutex
	status  map[int]prometheus.Counter
	codes   map[string]prometheus.Counter
}

// New returns the metrics, with the Go runtime and process collectors
// (memory, goroutines, resident set size) registered too.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), ops: make(map[string]map[string]*opMetrics)}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskplane_requests_total",
		Help: "AWS API requests answered, by service, operation and HTTP status (operation empty when the request could not be routed).",
	}, []string{"service", "operation", "status"})
	m.errors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskplane_request_errors_total",
		Help: "AWS API requests answered with an error, by service, operation and error code.",
	}, []string{"service", "operation", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "deskplane_request_duration_seconds",
		Help:    "Time from the first byte of a request's handling to its answer, by service and operation.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"service", "operation"})
	m.storeTx = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "deskplane_store_transaction_duration_seconds",
		Help:    "Store transactions, from the call to their commit (or failure), by mode (update or view).",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
	}, []string{"mode"})
	m.storeRetries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "deskplane_store_transaction_retries_total",
		Help: "Extra runs of update transactions, each caused by a conflict with a concurrent writer.",
	})
	m.storeConflicts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "deskplane_store_transaction_conflicts_total",
		Help: "Update transactions that failed because conflicts outlasted the store's retries.",
	})
	m.storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskplane_store_transaction_errors_total",
		Help: "Store transactions that returned an error, by mode (including the caller's own errors that roll back).",
	}, []string{"mode"})
	m.timersFired = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "deskplane_timers_fired_total",
		Help: "Lifecycle timers fired, by timer name.",
	}, []string{"timer"})
	m.timerLateness = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "deskplane_timer_lateness_seconds",
		Help:    "How long after its due time (on the service clock) each timer's transaction committed.",
		Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	})
	m.reg.MustRegister(m.requests, m.errors, m.latency, m.storeTx, m.storeRetries, m.storeConflicts, m.storeErrors, m.timersFired, m.timerLateness)
	return m
}

// Registry is where further collectors go.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorLog: nil})
}

// ObserveExchange implements httpx.Observer: one answered AWS request.
func (m *Metrics) ObserveExchange(ex *httpx.Exchange, took time.Duration) {
	service, op := ex.Route.Service, ex.Route.Operation
	om := m.op(service, op)
	om.latency.Observe(took.Seconds())
	om.mu.RLock()
	c, ok := om.status[ex.Status]
	om.mu.RUnlock()
	if !ok {
		c = m.requests.WithLabelValues(service, op, strconv.Itoa(ex.Status))
		om.mu.Lock()
		om.status[ex.Status] = c
		om.mu.Unlock()
	}
	c.Inc()
	if ex.ErrCode == "" {
		return
	}
	om.mu.RLock()
	c, ok = om.codes[ex.ErrCode]
	om.mu.RUnlock()
	if !ok {
		c = m.errors.WithLabelValues(service, op, ex.ErrCode)
		om.mu.Lock()
		om.codes[ex.ErrCode] = c
		om.mu.Unlock()
	}
	c.Inc()
}

// op returns the metrics of an operation, made on first use.
func (m *Metrics) op(service, op string) *opMetrics {
	m.opsMu.RLock()
	om := m.ops[service][op]
	m.opsMu.RUnlock()
	if om != nil {
		return om
	}
	m.opsMu.Lock()
	defer m.opsMu.Unlock()
	if om = m.ops[service][op]; om != nil {
		return om
	}
	if m.ops[service] == nil {
		m.ops[service] = make(map[string]*opMetrics)
	}
	om = &opMetrics{latency: m.latency.WithLabelValues(service, op), status: make(map[int]prometheus.Counter), codes: make(map[string]prometheus.Counter)}
	m.ops[service][op] = om
	return om
}

// ObserveTimer is the lifecycle engine's Observe option: a fired timer.
func (m *Metrics) ObserveTimer(t deskplane.Timer, firedAt time.Time) {
	m.timersFired.WithLabelValues(t.Name).Inc()
	late := firedAt.Sub(t.Due)
	if late < 0 {
		late = 0
	}
	m.timerLateness.Observe(late.Seconds())
}

// Gauge registers a gauge whose value f returns at each scrape.
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
}
