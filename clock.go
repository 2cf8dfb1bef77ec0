package deskplane

import "time"

// Clock tells the time. All service time — lifecycle transitions,
// cooldowns, snapshots, timestamps in answers — comes from a Clock so that
// tests and users can move it forward. Signature checks use the wall clock
// instead, because clients sign with theirs.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }
