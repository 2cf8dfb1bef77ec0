package webclient

import (
	"sync"
	"time"
)

// limiter counts events per key in a sliding window and refuses once a
// key has had max of them (docs/decisions/0252-web-client-sessions.md).
// The number of keys is bounded: when full, the key seen least recently
// is forgotten.
type limiter struct {
	wall   func() time.Time
	max    int
	window time.Duration
	keys   int

	mu sync.Mutex
	m  map[string][]time.Time
}

func newLimiter(wall func() time.Time, max int, window time.Duration, keys int) *limiter {
	return &limiter{wall: wall, max: max, window: window, keys: keys, m: make(map[string][]time.Time)}
}

// blocked reports whether key has used up its window, and when it may try
// again.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	now := l.wall()
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.prune(key, now)
	if len(ev) < l.max {
		return false, 0
	}
	return true, ev[0].Add(l.window).Sub(now)
}

// add counts one event for key.
func (l *limiter) add(key string) {
	now := l.wall()
	l.mu.Lock()
	defer l.mu.Unlock()
	ev := l.prune(key, now)
	if ev == nil && len(l.m) >= l.keys {
		l.evictLocked()
	}
	if len(ev) >= l.max {
		ev = ev[1:]
	}
	l.m[key] = append(ev, now)
}

// reset forgets key (a successful sign-in clears the user's failures).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}

func (l *limiter) prune(key string, now time.Time) []time.Time {
	ev := l.m[key]
	i := 0
	for i < len(ev) && now.Sub(ev[i]) >= l.window {
		i++
	}
	if i == len(ev) {
		delete(l.m, key)
		return nil
	}
	ev = ev[i:]
	l.m[key] = ev
	return ev
}

func (l *limiter) evictLocked() {
	var victim string
	var at time.Time
	first := true
	for k, ev := range l.m {
		if last := ev[len(ev)-1]; first || last.Before(at) {
			victim, at, first = k, last, false
		}
	}
	delete(l.m, victim)
}
