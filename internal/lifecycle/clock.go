package lifecycle

import (
	"sync"
	"time"
)

// VirtualClock is the service clock: the wall clock plus an offset that only
// grows, optionally frozen. Advancing it never moves time backwards, so
// timestamps a client saw stay in order.
type VirtualClock struct {
	wall func() time.Time

	mu       sync.Mutex
	offset   time.Duration
	frozen   bool
	frozenAt time.Time
	last     time.Time
}

// NewVirtualClock returns a clock that follows wall (time.Now when nil).
func NewVirtualClock(wall func() time.Time) *VirtualClock {
	if wall == nil {
		wall = time.Now
	}
	return &VirtualClock{wall: wall}
}

// Now returns the service time. It never goes backwards.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *VirtualClock) nowLocked() time.Time {
	var t time.Time
	if c.frozen {
		t = c.frozenAt
	} else {
		t = c.wall().Add(c.offset)
	}
	if t.Before(c.last) {
		t = c.last
	}
	c.last = t
	return t
}

// Advance moves the clock forward by d (negative d is ignored) and returns
// the new time.
func (c *VirtualClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		if c.frozen {
			c.frozenAt = c.frozenAt.Add(d)
		} else {
			c.offset += d
		}
	}
	return c.nowLocked()
}

// Freeze stops the clock at its current time; it then moves only when
// advanced. Unfreeze lets it follow the wall clock again from where it
// stands.
func (c *VirtualClock) Freeze() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked()
	c.frozen, c.frozenAt = true, now
	return now
}

// Unfreeze resumes following the wall clock from the frozen time.
func (c *VirtualClock) Unfreeze() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.offset = c.frozenAt.Sub(c.wall())
		c.frozen = false
	}
	return c.nowLocked()
}

// Frozen reports whether the clock is frozen.
func (c *VirtualClock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}
