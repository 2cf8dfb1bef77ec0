package pools

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// A pool whose state timer fails permanently ends settled, with
// INTERNAL_SERVICE_ERROR in its Errors: an updating pool in the state it
// left, any other STOPPED; a pool that moved on is left alone.
func TestPermanentTimerFailureSettlesThePool(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	s := New(env.Env{Store: store, Clock: clock})
	e := lifecycle.New(store, clock, nil, lifecycle.Options{})
	e.Handle(deskplane.TimerPoolState, func(context.Context, deskplane.Tx, deskplane.Timer) error {
		return lifecycle.Permanent(errors.New("the pool record is corrupt"))
	})
	for name, f := range s.Failures() {
		e.HandleFailure(name, f)
	}
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	now := clock.Now()
	put := func(p *deskplane.Pool, timerGen int64) {
		if err := store.Update(ctx, func(tx deskplane.Tx) error {
			if err := deskplane.Pools().Put(tx, sc, p.ID, p); err != nil {
				return err
			}
			pl, _ := json.Marshal(payload{Gen: timerGen})
			return tx.Schedule(deskplane.Timer{Key: deskplane.Pools().Key(sc, p.ID), Name: deskplane.TimerPoolState, Due: now, Payload: pl})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put(&deskplane.Pool{ID: "wspool-000000001", State: deskplane.PoolStarting, Generation: 2}, 2)
	put(&deskplane.Pool{ID: "wspool-000000002", State: deskplane.PoolUpdating, ResumeState: deskplane.PoolRunning, Generation: 4}, 4)
	put(&deskplane.Pool{ID: "wspool-000000003", State: deskplane.PoolCreating, Generation: 2}, 1) // the timer is stale
	if _, err := e.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]deskplane.PoolState{
		"wspool-000000001": deskplane.PoolStopped,
		"wspool-000000002": deskplane.PoolRunning,
		"wspool-000000003": deskplane.PoolCreating,
	} {
		_ = store.View(ctx, func(tx deskplane.Tx) error {
			p, ok, err := deskplane.Pools().Get(tx, sc, id)
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", id, ok, err)
			}
			failed := len(p.Errors) == 1 && p.Errors[0].Code == string(wsapi.WorkspacesPoolErrorCodeInternalServiceError)
			if p.State != want || failed != (want != deskplane.PoolCreating) {
				t.Errorf("%s: %s %+v, want %s", id, p.State, p.Errors, want)
			}
			return nil
		})
	}
}
