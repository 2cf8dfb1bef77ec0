package control

import (
	"fmt"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
)

// Timing holds the timing profile in force and its per-transition
// overrides. Safe for concurrent use.
type Timing struct {
	start     deskplane.Profile // the profile at start, which Reset restores
	mu        sync.RWMutex
	base      deskplane.Profile
	overrides map[deskplane.Transition]time.Duration
	current   deskplane.Profile
}

// NewTiming starts with the named profile.
func NewTiming(name string) (*Timing, error) {
	p, err := deskplane.NamedProfile(name)
	if err != nil {
		return nil, err
	}
	return &Timing{start: p, base: p, current: p}, nil
}

// Profile returns the profile in force (overrides applied).
func (t *Timing) Profile() deskplane.Profile {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.current
}

// Duration is how long a transition takes now.
func (t *Timing) Duration(tr deskplane.Transition) time.Duration {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.current.Duration(tr)
}

// Set switches to the named profile (empty keeps the current one) and
// replaces the overrides (nil keeps them).
func (t *Timing) Set(name string, overrides map[string]string) error {
	var base deskplane.Profile
	if name != "" {
		p, err := deskplane.NamedProfile(name)
		if err != nil {
			return err
		}
		base = p
	}
	var ov map[deskplane.Transition]time.Duration
	if overrides != nil {
		known := make(map[deskplane.Transition]bool)
		for _, tr := range deskplane.Transitions() {
			known[tr] = true
		}
		ov = make(map[deskplane.Transition]time.Duration, len(overrides))
		for k, v := range overrides {
			if !known[deskplane.Transition(k)] {
				return fmt.Errorf("unknown transition %q", k)
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("override %s: %q is not a duration such as 5s", k, v)
			}
			ov[deskplane.Transition(k)] = d
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if name != "" {
		t.base = base
	}
	if ov != nil {
		t.overrides = ov
	}
	t.current = t.base.With(t.overrides)
	return nil
}

// Reset restores the profile the server started with, without overrides.
func (t *Timing) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.base, t.overrides, t.current = t.start, nil, t.start
}

// Overrides returns the overrides in force, as strings.
func (t *Timing) Overrides() map[string]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]string, len(t.overrides))
	for k, v := range t.overrides {
		out[string(k)] = v.String()
	}
	return out
}
