package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/deskplane/deskplane"
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

// Reset puts the clock back on the wall clock: no offset, frozen at the
// wall clock's time if it was frozen. It is the one way the service time
// moves backwards: the control API's reset of everything, after which no
// timestamp a client saw refers to anything.
func (c *VirtualClock) Reset() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset, c.last = 0, time.Time{}
	if c.frozen {
		c.frozenAt = c.wall()
	}
	return c.nowLocked()
}

// Frozen reports whether the clock is frozen.
func (c *VirtualClock) Frozen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frozen
}

// Offset returns how far the clock is ahead of the wall clock now.
func (c *VirtualClock) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked().Sub(c.wall())
}

// Restore sets the clock ahead of the wall clock by offset (a negative
// offset is ignored), as saved by an earlier run.
func (c *VirtualClock) Restore(offset time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if offset > c.offset {
		c.offset = offset
	}
}

// clockKey is where the clock offset is kept: outside every account's scope,
// so Reset of an account leaves it alone.
func clockKey() deskplane.Key {
	return deskplane.Key{Kind: deskplane.KindCounter, ID: "clock"}
}

// SaveClock records the clock's offset in the store so that a restart keeps
// the service time (and so the transitions scheduled in it) where it was.
func SaveClock(ctx context.Context, s deskplane.Store, c *VirtualClock) error {
	off := c.Offset()
	return s.Update(ctx, func(tx deskplane.Tx) error {
		_, err := tx.Put(clockKey(), []byte(strconv.FormatInt(int64(off), 10)))
		return err
	})
}

// LoadClock restores the offset SaveClock recorded, if any.
func LoadClock(ctx context.Context, s deskplane.Store, c *VirtualClock) error {
	return s.View(ctx, func(tx deskplane.Tx) error {
		rec, err := tx.Get(clockKey())
		if errors.Is(err, deskplane.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(string(rec.Data), 10, 64)
		if err != nil {
			return fmt.Errorf("stored clock offset %q: %w", rec.Data, err)
		}
		c.Restore(time.Duration(n))
		return nil
	})
}
