package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deskplane/deskplane/internal/sigv4"
)

// Call is one request to send.
type Call struct {
	Service string // signing name: workspaces, ds
	Target  string // X-Amz-Target
	Body    []byte
	// Reusable says the same signed headers may be sent again within the
	// signature's validity window (the body does not change between calls).
	Reusable bool
}

// Op builds the calls of one operation of the mix.
type Op struct {
	Name   string
	Weight int
	// Build returns the next call for account index acct; n counts the
	// calls this worker built so far.
	Build func(acct int, n int) Call
	// Items, when set, counts what a successful (HTTP 200) answer did, e.g.
	// the WorkSpaces a CreateWorkspaces answer reports pending; the run
	// sums it in Result.Items.
	Items func(body []byte) int
}

// Config is one load run.
type Config struct {
	// Endpoints are the servers to load; worker i sends to Endpoints[i %
	// len(Endpoints)], so the load is split evenly between several nodes
	// serving one store.
	Endpoints   []string
	Region      string
	Accounts    []sigv4.Credential
	Ops         []Op
	Concurrency int
	Duration    time.Duration // run for this long …
	Count       int           // … or until this many requests were sent (whichever comes first; 0 = no limit)
	// ReuseSignatures is how long a signed request is re-sent as is
	// (0 = sign every request).
	ReuseSignatures time.Duration
	Client          *http.Client
}

// Result is what a run measured.
type Result struct {
	Requests  int
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
	Errors    map[string]int  // by error code (__type, or a transport error)
	Bytes     int64           // response bytes
	PerOp     map[string]int
	Items     map[string]int // by operation: what Op.Items counted in the successful answers
}

// Throughput is requests per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (0 < p <= 100).
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(r.Latencies) {
		i = len(r.Latencies) - 1
	}
	return r.Latencies[i]
}

// Summary is the report in one machine-readable line for scripts/bench.sh:
// "summary:" then key=value pairs, latencies in milliseconds.
func (r *Result) Summary() string {
	errs := 0
	for _, n := range r.Errors {
		errs += n
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return fmt.Sprintf("summary: requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f errors=%d",
		r.Requests, r.Elapsed.Seconds(), r.Throughput(), ms(r.Percentile(50)), ms(r.Percentile(99)), ms(r.Percentile(100)), errs)
}

// Print writes the report.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "requests:    %d in %.2fs\n", r.Requests, r.Elapsed.Seconds())
	fmt.Fprintf(w, "throughput:  %.0f req/s\n", r.Throughput())
	fmt.Fprintf(w, "latency:     p50 %s  p90 %s  p99 %s  max %s\n",
		r.Percentile(50).Round(time.Microsecond), r.Percentile(90).Round(time.Microsecond),
		r.Percentile(99).Round(time.Microsecond), r.Percentile(100).Round(time.Microsecond))
	if r.Requests > 0 {
		fmt.Fprintf(w, "response:    %d bytes on average\n", r.Bytes/int64(r.Requests))
	}
	ops := make([]string, 0, len(r.PerOp))
	for op := range r.PerOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		fmt.Fprintf(w, "  %-34s %d\n", op, r.PerOp[op])
	}
	if len(r.Errors) == 0 {
		fmt.Fprintf(w, "errors:      none\n")
		return
	}
	codes := make([]string, 0, len(r.Errors))
	for c := range r.Errors {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	fmt.Fprintf(w, "errors:\n")
	for _, c := range codes {
		fmt.Fprintf(w, "  %-34s %d\n", c, r.Errors[c])
	}
}

// NewClient returns an HTTP client that keeps enough idle connections for
// the concurrency.
func NewClient(concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = concurrency * 2
	t.MaxIdleConnsPerHost = concurrency * 2
	t.DisableCompression = true
	return &http.Client{Transport: t, Timeout: 60 * time.Second}
}

type signed struct {
	at   time.Time
	date string
	auth string
}

type worker struct {
	cfg      *Config
	endpoint string
	rng      *rand.Rand
	lat      []time.Duration
	errs     map[string]int
	perOp    map[string]int
	items    map[string]int
	bytes    int64
	cache    map[[32]byte]signed
	totalW   int
	built    int
}

// Run executes the load.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("no endpoint to load")
	}
	if len(cfg.Accounts) == 0 {
		return nil, fmt.Errorf("no accounts to sign with")
	}
	if len(cfg.Ops) == 0 {
		return nil, fmt.Errorf("empty operation mix")
	}
	if cfg.Duration <= 0 && cfg.Count <= 0 {
		return nil, fmt.Errorf("give a duration or a count")
	}
	if cfg.Client == nil {
		cfg.Client = NewClient(cfg.Concurrency)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	total := 0
	for _, op := range cfg.Ops {
		total += op.Weight
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	var sent atomic.Int64
	workers := make([]*worker, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &worker{cfg: &cfg, endpoint: cfg.Endpoints[i%len(cfg.Endpoints)], rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))),
			errs: map[string]int{}, perOp: map[string]int{}, items: map[string]int{}, cache: map[[32]byte]signed{}, totalW: total}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if cfg.Count > 0 && sent.Add(1) > int64(cfg.Count) {
					return
				}
				w.one(ctx)
			}
		}()
	}
	wg.Wait()
	res := &Result{Elapsed: time.Since(start), Errors: map[string]int{}, PerOp: map[string]int{}, Items: map[string]int{}}
	for _, w := range workers {
		res.Latencies = append(res.Latencies, w.lat...)
		res.Bytes += w.bytes
		for k, v := range w.errs {
			res.Errors[k] += v
		}
		for k, v := range w.perOp {
			res.PerOp[k] += v
		}
		for k, v := range w.items {
			res.Items[k] += v
		}
	}
	res.Requests = len(res.Latencies)
	sort.Slice(res.Latencies, func(i, j int) bool { return res.Latencies[i] < res.Latencies[j] })
	return res, nil
}

func (w *worker) pick() Op {
	n := w.rng.IntN(w.totalW)
	for _, op := range w.cfg.Ops {
		if n < op.Weight {
			return op
		}
		n -= op.Weight
	}
	return w.cfg.Ops[len(w.cfg.Ops)-1]
}

func (w *worker) one(ctx context.Context) {
	op := w.pick()
	acct := w.rng.IntN(len(w.cfg.Accounts))
	c := op.Build(acct, w.built)
	w.built++
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.endpoint+"/", bytes.NewReader(c.Body))
	if err != nil {
		w.errs["request: "+err.Error()]++
		return
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", c.Target)
	if err := w.sign(req, c, w.cfg.Accounts[acct]); err != nil {
		w.errs["sign: "+err.Error()]++
		return
	}
	t0 := time.Now()
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return // the run ended mid-request; not a failure
		}
		w.lat = append(w.lat, time.Since(t0))
		w.errs["transport: "+shortErr(err)]++
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil && ctx.Err() != nil {
		return // the run ended mid-answer; not a failure
	}
	w.lat = append(w.lat, time.Since(t0))
	w.perOp[op.Name]++
	w.bytes += int64(len(body))
	if err != nil {
		w.errs["transport: "+shortErr(err)]++
		return
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(body, &e)
		if e.Type == "" {
			e.Type = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		w.errs[e.Type]++
		return
	}
	if bytes.Contains(body, []byte(`"FailedRequests":[{`)) {
		w.errs[op.Name+": FailedRequests"]++
	}
	if op.Items != nil {
		w.items[op.Name] += op.Items(body)
	}
}

// sign signs req, or re-uses the headers of an identical request signed
// within the reuse window.
func (w *worker) sign(req *http.Request, c Call, cred sigv4.Credential) error {
	now := time.Now()
	if !c.Reusable || w.cfg.ReuseSignatures <= 0 {
		return sigv4.Sign(req, c.Body, cred, w.cfg.Region, c.Service, now)
	}
	h := sha256.New()
	h.Write([]byte(cred.AccessKeyID))
	h.Write([]byte{0})
	h.Write([]byte(c.Target))
	h.Write([]byte{0})
	h.Write(c.Body)
	var key [32]byte
	copy(key[:], h.Sum(nil))
	if s, ok := w.cache[key]; ok && now.Sub(s.at) < w.cfg.ReuseSignatures {
		req.Header.Set("X-Amz-Date", s.date)
		req.Header.Set("Authorization", s.auth)
		return nil
	}
	if err := sigv4.Sign(req, c.Body, cred, w.cfg.Region, c.Service, now); err != nil {
		return err
	}
	w.cache[key] = signed{at: now, date: req.Header.Get("X-Amz-Date"), auth: req.Header.Get("Authorization")}
	return nil
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
