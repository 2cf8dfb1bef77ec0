// Package storetest is the one conformance suite for implementations of
// deskplane.Store. Every store runs Run; durable stores also run
// RunDurability.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) deskplane.Store { return openFresh(t) })
//	}
//
// The suite only uses the deskplane.Store and deskplane.Tx interfaces, so
// what it checks is the contract written in store.go, nothing more.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

// Run runs the conformance suite. open must return a fresh, empty store;
// the suite closes it.
func Run(t *testing.T, open func(t *testing.T) deskplane.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s deskplane.Store)
	}{
		{"PutGet", testPutGet},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"DataIsCopied", testDataIsCopied},
		{"ListOrder", testListOrder},
		{"ListPagination", testListPagination},
		{"Count", testCount},
		{"ScopeIsolation", testScopeIsolation},
		{"Prefetch", testPrefetch},
		{"ReadYourWrites", testReadYourWrites},
		{"Rollback", testRollback},
		{"ViewSnapshot", testViewSnapshot},
		{"ViewReadOnly", testViewReadOnly},
		{"CancelledContext", testCancelledContext},
		{"TimerSchedule", testTimerSchedule},
		{"TimerCancel", testTimerCancel},
		{"TimerDue", testTimerDue},
		{"TimerNextDue", testTimerNextDue},
		{"TimerInTx", testTimerInTx},
		{"DeleteRemovesTimers", testDeleteRemovesTimers},
		{"ResetAccount", testResetAccount},
		{"ResetAll", testResetAll},
		{"ResetInTx", testResetInTx},
		{"Regions", testRegions},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"RerunnableFn", testRerunnableFn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// RunDurability checks that a durable store keeps what it committed across
// a close and a reopen. openAt opens the store kept at dir (a fresh
// directory made by the suite; a store that does not live in files may map
// it to any location of its own, such as a database schema). The suite
// closes every store it opens.
func RunDurability(t *testing.T, openAt func(t *testing.T, dir string) deskplane.Store) {
	t.Run("Reopen", func(t *testing.T) { testReopen(t, openAt) })
	t.Run("ReopenAfterReset", func(t *testing.T) { testReopenAfterReset(t, openAt) })
}

// Scopes and kinds the tests use.
var (
	scopeA1 = deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeA2 = deskplane.Scope{Account: "111111111111", Region: "eu-west-1"}
	scopeB1 = deskplane.Scope{Account: "222222222222", Region: "us-east-1"}
)

const (
	kindWS  deskplane.Kind = "workspace"
	kindImg deskplane.Kind = "image"
)

func key(s deskplane.Scope, kind deskplane.Kind, id string) deskplane.Key {
	return deskplane.Key{Scope: s, Kind: kind, ID: id}
}

// t0 has a nanosecond part so that stores must keep full precision.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)

func update(t *testing.T, s deskplane.Store, fn func(tx deskplane.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s deskplane.Store, fn func(tx deskplane.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func put(t *testing.T, s deskplane.Store, k deskplane.Key, data string) deskplane.Record {
	t.Helper()
	var r deskplane.Record
	update(t, s, func(tx deskplane.Tx) error {
		var err error
		r, err = tx.Put(k, []byte(data))
		return err
	})
	return r
}

// get returns the record and whether it exists.
func get(t *testing.T, s deskplane.Store, k deskplane.Key) (deskplane.Record, bool) {
	t.Helper()
	var r deskplane.Record
	var found bool
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		r, err = tx.Get(k)
		switch {
		case err == nil:
			found = true
		case errors.Is(err, deskplane.ErrNotFound):
			found = false
			err = nil
		}
		return err
	})
	return r, found
}

func listAll(t *testing.T, tx deskplane.Tx, sc deskplane.Scope, kind deskplane.Kind, after int64) []deskplane.Record {
	t.Helper()
	var out []deskplane.Record
	if err := tx.List(sc, kind, after, func(r deskplane.Record) bool {
		r.Data = append([]byte(nil), r.Data...) // valid only during the callback
		out = append(out, r)
		return true
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

func list(t *testing.T, s deskplane.Store, sc deskplane.Scope, kind deskplane.Kind) []deskplane.Record {
	t.Helper()
	var out []deskplane.Record
	view(t, s, func(tx deskplane.Tx) error {
		out = listAll(t, tx, sc, kind, 0)
		return nil
	})
	return out
}

func count(t *testing.T, s deskplane.Store, sc deskplane.Scope, kind deskplane.Kind) int {
	t.Helper()
	var n int
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		n, err = tx.Count(sc, kind)
		return err
	})
	return n
}

func ids(rs []deskplane.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func timerNames(ts []deskplane.Timer) []string {
	out := make([]string, len(ts))
	for i, tm := range ts {
		out[i] = tm.Key.ID + "/" + tm.Name
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func checkRecord(t *testing.T, got deskplane.Record, k deskplane.Key, version int64, data string) {
	t.Helper()
	if got.Key != k {
		t.Errorf("record key = %+v, want %+v", got.Key, k)
	}
	if got.Version != version {
		t.Errorf("record %s version = %d, want %d", k.ID, got.Version, version)
	}
	if string(got.Data) != data {
		t.Errorf("record %s data = %q, want %q", k.ID, got.Data, data)
	}
	if got.Seq <= 0 {
		t.Errorf("record %s seq = %d, want > 0", k.ID, got.Seq)
	}
}

func timers(t *testing.T, s deskplane.Store, k deskplane.Key) []deskplane.Timer {
	t.Helper()
	var out []deskplane.Timer
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		out, err = tx.Timers(k)
		return err
	})
	return out
}

func due(t *testing.T, s deskplane.Store, now time.Time, limit int) []deskplane.Timer {
	t.Helper()
	var out []deskplane.Timer
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		out, err = tx.Due(now, limit)
		return err
	})
	return out
}

func nextDue(t *testing.T, s deskplane.Store) (time.Time, bool) {
	t.Helper()
	var at time.Time
	var ok bool
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		at, ok, err = tx.NextDue()
		return err
	})
	return at, ok
}

func schedule(t *testing.T, s deskplane.Store, tms ...deskplane.Timer) {
	t.Helper()
	update(t, s, func(tx deskplane.Tx) error {
		for _, tm := range tms {
			if err := tx.Schedule(tm); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkTimer(t *testing.T, got, want deskplane.Timer) {
	t.Helper()
	if got.Key != want.Key || got.Name != want.Name || !got.Due.Equal(want.Due) || !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("timer = {%+v %q %v %q}, want {%+v %q %v %q}",
			got.Key, got.Name, got.Due, got.Payload, want.Key, want.Name, want.Due, want.Payload)
	}
}
