package directories

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/service/env"
)

// A registration whose state timer fails permanently ends in ERROR with a
// message, not REGISTERING or DEREGISTERING for ever; one that moved on is
// left alone.
func TestPermanentTimerFailureEndsInError(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	s := New(env.Env{Store: store, Clock: clock})
	e := lifecycle.New(store, clock, nil, lifecycle.Options{})
	e.Handle(deskplane.TimerDirectoryState, func(context.Context, deskplane.Tx, deskplane.Timer) error {
		return lifecycle.Permanent(errors.New("the registration record is corrupt"))
	})
	for name, f := range s.Failures() {
		e.HandleFailure(name, f)
	}
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	now := clock.Now()
	put := func(id string, state deskplane.DirectoryState, gen, timerGen int64) {
		if err := store.Update(ctx, func(tx deskplane.Tx) error {
			if err := deskplane.Directories().Put(tx, sc, id, &deskplane.Directory{ID: id, State: state, Generation: gen}); err != nil {
				return err
			}
			p, _ := json.Marshal(payload{Gen: timerGen})
			return tx.Schedule(deskplane.Timer{Key: deskplane.Directories().Key(sc, id), Name: deskplane.TimerDirectoryState, Due: now, Payload: p})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("d-0000000001", deskplane.DirectoryRegistering, 1, 1)
	put("d-0000000002", deskplane.DirectoryDeregistering, 3, 3)
	put("d-0000000003", deskplane.DirectoryRegistering, 2, 1) // the timer is stale
	if _, err := e.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]deskplane.DirectoryState{
		"d-0000000001": deskplane.DirectoryError,
		"d-0000000002": deskplane.DirectoryError,
		"d-0000000003": deskplane.DirectoryRegistering,
	} {
		_ = store.View(ctx, func(tx deskplane.Tx) error {
			d, ok, err := deskplane.Directories().Get(tx, sc, id)
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", id, ok, err)
			}
			if d.State != want || (want == deskplane.DirectoryError) != (d.ErrorMessage != "") {
				t.Errorf("%s: %s %q, want %s", id, d.State, d.ErrorMessage, want)
			}
			return nil
		})
	}
}
