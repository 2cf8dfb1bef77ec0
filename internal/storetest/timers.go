package storetest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

func testTimerSchedule(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	put(t, s, k, "x")
	a := deskplane.Timer{Key: k, Name: "stop", Due: t0.Add(2 * time.Minute), Payload: []byte(`{"to":"STOPPED"}`)}
	b := deskplane.Timer{Key: k, Name: "available", Due: t0.Add(time.Minute)}
	c := deskplane.Timer{Key: k, Name: "zz", Due: t0.Add(3 * time.Minute), Payload: []byte("c")}
	schedule(t, s, a, b, c)
	ts := timers(t, s, k)
	if len(ts) != 3 {
		t.Fatalf("Timers = %v", timerNames(ts))
	}
	checkTimer(t, ts[0], b)
	checkTimer(t, ts[1], a)
	checkTimer(t, ts[2], c)

	// Scheduling the same (Key, Name) replaces the timer.
	c2 := deskplane.Timer{Key: k, Name: "zz", Due: t0, Payload: []byte("c2")}
	schedule(t, s, c2)
	ts = timers(t, s, k)
	if len(ts) != 3 {
		t.Fatalf("Timers after replace = %v", timerNames(ts))
	}
	checkTimer(t, ts[0], c2)
	checkTimer(t, ts[1], b)
	checkTimer(t, ts[2], a)
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 3 {
		t.Errorf("Due after replace = %v, want 3 timers", timerNames(ds))
	}
	// A timer may exist for a key with no record.
	ghost := deskplane.Timer{Key: key(scopeA1, kindWS, "ghost"), Name: "n", Due: t0}
	schedule(t, s, ghost)
	if ts := timers(t, s, ghost.Key); len(ts) != 1 {
		t.Errorf("Timers of a key without a record = %v", timerNames(ts))
	}
	if ts := timers(t, s, key(scopeA1, kindWS, "nobody")); len(ts) != 0 {
		t.Errorf("Timers of an unknown key = %v", timerNames(ts))
	}
}

func testTimerCancel(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "a", Due: t0},
		deskplane.Timer{Key: k, Name: "b", Due: t0.Add(time.Second)},
	)
	update(t, s, func(tx deskplane.Tx) error {
		if err := tx.Cancel(k, "a"); err != nil {
			return err
		}
		return tx.Cancel(k, "no-such-timer") // not an error
	})
	ts := timers(t, s, k)
	if len(ts) != 1 || ts[0].Name != "b" {
		t.Errorf("Timers after Cancel = %v", timerNames(ts))
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 1 || ds[0].Name != "b" {
		t.Errorf("Due after Cancel = %v", timerNames(ds))
	}
	if at, ok := nextDue(t, s); !ok || !at.Equal(t0.Add(time.Second)) {
		t.Errorf("NextDue after Cancel = %v, %v", at, ok)
	}
}

func testTimerDue(t *testing.T, s deskplane.Store) {
	if ds := due(t, s, t0.Add(time.Hour), 10); len(ds) != 0 {
		t.Errorf("Due of an empty store = %v", timerNames(ds))
	}
	// Timers across scopes and kinds, scheduled out of order.
	var want []deskplane.Timer
	scopes := []deskplane.Scope{scopeA1, scopeB1, scopeA2}
	update(t, s, func(tx deskplane.Tx) error {
		for i := range 30 {
			j := (i * 17) % 30
			tm := deskplane.Timer{
				Key:     key(scopes[j%3], kindWS, fmt.Sprintf("ws-%02d", j)),
				Name:    "t",
				Due:     t0.Add(time.Duration(j) * time.Second),
				Payload: []byte(strconv.Itoa(j)),
			}
			if err := tx.Schedule(tm); err != nil {
				return err
			}
		}
		return nil
	})
	for j := range 30 {
		want = append(want, deskplane.Timer{
			Key:     key(scopes[j%3], kindWS, fmt.Sprintf("ws-%02d", j)),
			Name:    "t",
			Due:     t0.Add(time.Duration(j) * time.Second),
			Payload: []byte(strconv.Itoa(j)),
		})
	}
	// now equal to a Due includes that timer.
	ds := due(t, s, t0.Add(9*time.Second), 100)
	if len(ds) != 10 {
		t.Fatalf("Due(t0+9s) = %v, want 10 timers", timerNames(ds))
	}
	for i := range ds {
		checkTimer(t, ds[i], want[i])
	}
	// limit cuts the earliest first.
	ds = due(t, s, t0.Add(time.Hour), 4)
	if len(ds) != 4 {
		t.Fatalf("Due limit 4 = %v", timerNames(ds))
	}
	for i := range ds {
		checkTimer(t, ds[i], want[i])
	}
	if ds := due(t, s, t0.Add(-time.Nanosecond), 10); len(ds) != 0 {
		t.Errorf("Due before the first timer = %v", timerNames(ds))
	}
	if ds := due(t, s, t0.Add(time.Hour), 0); len(ds) != 0 {
		t.Errorf("Due with limit 0 = %v", timerNames(ds))
	}
	// Due returns but does not remove: firing is the caller's job.
	if ds := due(t, s, t0.Add(time.Hour), 100); len(ds) != 30 {
		t.Errorf("Due all = %d timers, want 30", len(ds))
	}
	// A typical firing loop: claim, cancel, commit.
	update(t, s, func(tx deskplane.Tx) error {
		ds, err := tx.Due(t0.Add(time.Hour), 5)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := tx.Cancel(d.Key, d.Name); err != nil {
				return err
			}
		}
		return nil
	})
	ds = due(t, s, t0.Add(time.Hour), 100)
	if len(ds) != 25 {
		t.Fatalf("Due after firing 5 = %d timers", len(ds))
	}
	checkTimer(t, ds[0], want[5])
}

func testTimerNextDue(t *testing.T, s deskplane.Store) {
	if at, ok := nextDue(t, s); ok {
		t.Errorf("NextDue of an empty store = %v, true", at)
	}
	k := key(scopeB1, kindImg, "img-1")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "b", Due: t0.Add(time.Minute)},
		deskplane.Timer{Key: key(scopeA1, kindWS, "ws"), Name: "a", Due: t0.Add(time.Hour)},
	)
	if at, ok := nextDue(t, s); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, t0.Add(time.Minute))
	}
	// Times before 1970 and far in the future are kept in order.
	early := time.Date(1960, 5, 6, 7, 8, 9, 10, time.UTC)
	schedule(t, s, deskplane.Timer{Key: k, Name: "early", Due: early})
	if at, ok := nextDue(t, s); !ok || !at.Equal(early) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, early)
	}
	update(t, s, func(tx deskplane.Tx) error { return tx.Cancel(k, "early") })
	// Non-UTC locations are the same instant.
	loc := time.FixedZone("X", 5*3600)
	schedule(t, s, deskplane.Timer{Key: k, Name: "zoned", Due: t0.In(loc)})
	if at, ok := nextDue(t, s); !ok || !at.Equal(t0) {
		t.Errorf("NextDue = %v, %v; want %v", at, ok, t0)
	}
}

func testTimerInTx(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "old", Due: t0.Add(time.Minute)},
		deskplane.Timer{Key: k, Name: "gone", Due: t0},
	)
	update(t, s, func(tx deskplane.Tx) error {
		if err := tx.Schedule(deskplane.Timer{Key: k, Name: "new", Due: t0.Add(30 * time.Second)}); err != nil {
			return err
		}
		if err := tx.Cancel(k, "gone"); err != nil {
			return err
		}
		if err := tx.Schedule(deskplane.Timer{Key: k, Name: "old", Due: t0.Add(2 * time.Minute)}); err != nil {
			return err
		}
		ts, err := tx.Timers(k)
		if err != nil {
			return err
		}
		if got := timerNames(ts); !equalStrings(got, []string{"ws-1/new", "ws-1/old"}) {
			t.Errorf("in-tx Timers = %v", got)
		}
		ds, err := tx.Due(t0.Add(time.Hour), 10)
		if err != nil {
			return err
		}
		if got := timerNames(ds); !equalStrings(got, []string{"ws-1/new", "ws-1/old"}) {
			t.Errorf("in-tx Due = %v", got)
		}
		at, ok, err := tx.NextDue()
		if err != nil {
			return err
		}
		if !ok || !at.Equal(t0.Add(30*time.Second)) {
			t.Errorf("in-tx NextDue = %v, %v", at, ok)
		}
		return nil
	})
	if got := timerNames(due(t, s, t0.Add(time.Hour), 10)); !equalStrings(got, []string{"ws-1/new", "ws-1/old"}) {
		t.Errorf("Due after commit = %v", got)
	}
}

func testDeleteRemovesTimers(t *testing.T, s deskplane.Store) {
	k := key(scopeA1, kindWS, "ws-1")
	other := key(scopeA1, kindWS, "ws-2")
	put(t, s, k, "x")
	put(t, s, other, "y")
	schedule(t, s,
		deskplane.Timer{Key: k, Name: "a", Due: t0},
		deskplane.Timer{Key: k, Name: "b", Due: t0.Add(time.Second)},
		deskplane.Timer{Key: other, Name: "a", Due: t0.Add(2 * time.Second)},
	)
	update(t, s, func(tx deskplane.Tx) error {
		if _, err := tx.Delete(k); err != nil {
			return err
		}
		ts, err := tx.Timers(k)
		if err != nil {
			return err
		}
		if len(ts) != 0 {
			t.Errorf("in-tx Timers after Delete = %v", timerNames(ts))
		}
		return nil
	})
	if ts := timers(t, s, k); len(ts) != 0 {
		t.Errorf("Timers after Delete = %v", timerNames(ts))
	}
	if ds := due(t, s, t0.Add(time.Hour), 10); !equalStrings(timerNames(ds), []string{"ws-2/a"}) {
		t.Errorf("Due after Delete = %v", timerNames(ds))
	}
	// Delete of a key with timers but no record removes the timers and
	// reports false.
	ghost := key(scopeA1, kindWS, "ghost")
	schedule(t, s, deskplane.Timer{Key: ghost, Name: "a", Due: t0})
	var existed bool
	update(t, s, func(tx deskplane.Tx) error {
		var err error
		existed, err = tx.Delete(ghost)
		return err
	})
	if existed {
		t.Error("Delete of a key with no record reported true")
	}
	if ts := timers(t, s, ghost); len(ts) != 0 {
		t.Errorf("Timers of ghost after Delete = %v", timerNames(ts))
	}
}
