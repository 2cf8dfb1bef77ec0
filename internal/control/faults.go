// Package control is deskplane's control API for tests (not an AWS API):
// reset state, read and advance the service clock, change the timing
// profile, inject faults and throttling. It is served under /_deskplane/ and
// guarded by an admin token. Call faults, throttling and the timing profile
// live in the memory of the node that receives them; transition faults are
// records of the store (deskplane.TransitionFault), shared by every node.
package control

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
)

// CallFault makes matching API calls fail, or slows them down. Empty match
// fields match everything.
type CallFault struct {
	ID          string  `json:"id"`
	Operation   string  `json:"operation,omitempty"`
	Account     string  `json:"account,omitempty"`
	Region      string  `json:"region,omitempty"`
	Probability float64 `json:"probability,omitempty"` // 0 or absent = always
	// Error is the wire error name (__type), e.g. ThrottlingException or
	// InternalFailure. Empty means no error: only Latency applies.
	Error   string `json:"error,omitempty"`
	Status  int    `json:"status,omitempty"` // default: 500 for InternalFailure/ServiceUnavailable-like names, else 400
	Message string `json:"message,omitempty"`
	// Latency is added before the call is answered (Go duration syntax).
	Latency string `json:"latency,omitempty"`
	// Count limits how many calls the fault hits; 0 = unlimited.
	Count int `json:"count,omitempty"`
	// Hits is how many calls the fault has hit, and Remaining how many it
	// will still hit (absent when Count is 0): what GET /faults shows.
	// Both are ignored in a request.
	Hits      int `json:"hits"`
	Remaining int `json:"remaining,omitempty"`

	latency time.Duration
}

// TransitionFault makes the next transitions of matching resources end in a
// failure state (ERROR, UNHEALTHY…) with an error code. It is kept in the
// store: see deskplane.TakeTransitionFault.
type TransitionFault = deskplane.TransitionFault

// Throttle models the service's request rate limit: a token bucket per
// account, region and operation.
type Throttle struct {
	Enabled bool    `json:"enabled"`
	Rate    float64 `json:"rate"`  // tokens per second (real service: 2)
	Burst   float64 `json:"burst"` // bucket size (real service: 5)
}

type bucket struct {
	tokens float64
	last   time.Time
}

// Faults holds the injected call faults and the throttle of this node.
// Safe for concurrent use.
type Faults struct {
	wall func() time.Time
	rand func() float64

	ops map[string]bool // the operations a call fault may name; nil = any

	mu       sync.Mutex
	next     int
	calls    []*CallFault
	throttle Throttle
	buckets  map[string]*bucket
}

// NewFaults returns an empty registry. wall is the wall clock for latency
// and throttling (nil = time.Now).
func NewFaults(wall func() time.Time) *Faults {
	if wall == nil {
		wall = time.Now
	}
	return &Faults{wall: wall, rand: rand.Float64, buckets: make(map[string]*bucket)}
}

// KnowOperations lists the operations a call fault may name (every
// operation of every served API): a fault naming another one is refused,
// since it would never match. Call it before serving.
func (f *Faults) KnowOperations(lists ...[]string) {
	f.ops = make(map[string]bool)
	for _, l := range lists {
		for _, op := range l {
			f.ops[op] = true
		}
	}
}

func (f *Faults) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s-%d", prefix, f.next)
}

// AddCall registers a call fault and returns it with its id.
func (f *Faults) AddCall(c CallFault) (CallFault, error) {
	if c.Latency != "" {
		d, err := time.ParseDuration(c.Latency)
		if err != nil || d < 0 {
			return CallFault{}, fmt.Errorf("latency %q is not a duration such as 250ms", c.Latency)
		}
		c.latency = d
	}
	if c.Operation != "" && f.ops != nil && !f.ops[c.Operation] {
		return CallFault{}, fmt.Errorf("operation %q is not an operation deskplane serves (names are case-sensitive, such as DescribeWorkspaces)", c.Operation)
	}
	if c.Account != "" && !deskplane.ValidAccountID(c.Account) {
		return CallFault{}, fmt.Errorf("account %q is not a 12-digit account id", c.Account)
	}
	if c.Count < 0 {
		return CallFault{}, fmt.Errorf("count must not be negative")
	}
	if c.Probability < 0 || c.Probability > 1 {
		return CallFault{}, fmt.Errorf("probability must be between 0 and 1")
	}
	if c.Error == "" && c.latency == 0 {
		return CallFault{}, fmt.Errorf("a call fault needs an error, a latency, or both")
	}
	if c.Status == 0 && c.Error != "" {
		c.Status = defaultStatus(c.Error)
	}
	if c.Message == "" && c.Error != "" {
		c.Message = defaultMessage(c.Error)
	}
	c.Hits = 0
	f.mu.Lock()
	defer f.mu.Unlock()
	c.ID = f.id("call")
	f.calls = append(f.calls, &c)
	return c.shown(), nil
}

func defaultStatus(code string) int {
	switch code {
	case "InternalFailure", "InternalServerError", "InternalServerException", "ServiceException":
		return http.StatusInternalServerError
	case "ServiceUnavailable", "ServiceUnavailableException":
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

func defaultMessage(code string) string {
	switch code {
	case "ThrottlingException", "Throttling":
		return "Rate exceeded"
	case "InternalFailure":
		return "The request processing has failed because of an unknown error, exception or failure."
	case "ServiceUnavailable":
		return "The request has failed due to a temporary failure of the server."
	}
	return "Injected fault: " + code
}

// SetThrottle replaces the throttle settings.
func (f *Faults) SetThrottle(t Throttle) error {
	if t.Enabled && (t.Rate <= 0 || t.Burst < 1) {
		return fmt.Errorf("throttling needs rate > 0 and burst >= 1")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = t
	f.buckets = make(map[string]*bucket)
	return nil
}

// Clear removes every call fault and turns throttling off.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
	f.throttle = Throttle{}
	f.buckets = make(map[string]*bucket)
}

// Snapshot lists the registered call faults and the throttle.
func (f *Faults) Snapshot() ([]CallFault, Throttle) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := make([]CallFault, 0, len(f.calls))
	for _, c := range f.calls {
		calls = append(calls, c.shown())
	}
	return calls, f.throttle
}

// shown is the fault as GET /faults shows it.
func (c *CallFault) shown() CallFault {
	v := *c
	v.Remaining = 0
	if v.Count > 0 {
		v.Remaining = v.Count - v.Hits
	}
	return v
}

func match(want, got string) bool { return want == "" || want == got }

// Hook is the awsjson.Hook that applies throttling and call faults.
func (f *Faults) Hook(ctx context.Context, c deskplane.Caller) error {
	f.mu.Lock()
	if f.throttle.Enabled {
		key := c.Account + "\x00" + c.Region + "\x00" + c.Operation
		now := f.wall()
		b := f.buckets[key]
		if b == nil {
			b = &bucket{tokens: f.throttle.Burst, last: now}
			f.buckets[key] = b
		}
		b.tokens += now.Sub(b.last).Seconds() * f.throttle.Rate
		if b.tokens > f.throttle.Burst {
			b.tokens = f.throttle.Burst
		}
		b.last = now
		if b.tokens < 1 {
			f.mu.Unlock()
			return &awsjson.Error{Type: "ThrottlingException", Status: http.StatusBadRequest, Message: "Rate exceeded"}
		}
		b.tokens--
	}
	var hit *CallFault
	var latency time.Duration
	for i := 0; i < len(f.calls); i++ {
		cf := f.calls[i]
		if !match(cf.Operation, c.Operation) || !match(cf.Account, c.Account) || !match(cf.Region, c.Region) {
			continue
		}
		if cf.Error != "" && hit != nil {
			continue // another fault's error answers: this one does not fire, nor is it used up
		}
		if cf.Probability > 0 && f.rand() >= cf.Probability {
			continue
		}
		cf.Hits++
		if cf.Count > 0 && cf.Hits >= cf.Count {
			f.calls = append(f.calls[:i], f.calls[i+1:]...)
			i--
		}
		latency += cf.latency
		if cf.Error != "" && hit == nil {
			hit = cf
		}
	}
	f.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if hit != nil {
		return &awsjson.Error{Type: hit.Error, Status: hit.Status, Message: hit.Message}
	}
	return nil
}
