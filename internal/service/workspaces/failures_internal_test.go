package workspaces

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/service/env"
)

// A WorkSpace whose state timer fails permanently ends in ERROR with an
// error code, not in its transitional state for ever; a WorkSpace that
// moved on is left alone.
func TestPermanentTimerFailureEndsInError(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	s := New(env.Env{Store: store, Clock: clock})
	e := lifecycle.New(store, clock, nil, lifecycle.Options{})
	e.Handle(timerWSState, func(context.Context, deskplane.Tx, deskplane.Timer) error {
		return lifecycle.Permanent(errors.New("the bundle record is corrupt"))
	})
	for name, f := range s.Failures() {
		e.HandleFailure(name, f)
	}
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	now := clock.Now()
	put := func(id string, state deskplane.WorkspaceState, gen, timerGen int64) {
		ws := &deskplane.Workspace{ID: id, State: state, Generation: gen, SubnetID: "subnet-1"}
		if err := store.Update(ctx, func(tx deskplane.Tx) error {
			if err := saveWorkspace(tx, sc, ws); err != nil {
				return err
			}
			return tx.Schedule(deskplane.Timer{Key: wsKey(sc, id), Name: timerWSState, Due: now,
				Payload: []byte(strconv.FormatInt(timerGen, 10))})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("ws-pending0", wsPending, 3, 3)
	put("ws-stopping", deskplane.WorkspaceStopping, 5, 5)
	put("ws-movedon0", wsPending, 7, 6) // the timer is stale
	if _, err := e.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]struct {
		state deskplane.WorkspaceState
		code  string
	}{
		"ws-pending0": {wsError, failCreationDefault},
		"ws-stopping": {wsError, failTransitionCode},
		"ws-movedon0": {wsPending, ""},
	} {
		_ = store.View(ctx, func(tx deskplane.Tx) error {
			ws, err := loadWorkspace(tx, sc, id)
			if err != nil || ws == nil {
				t.Fatalf("%s: %v", id, err)
			}
			if ws.State != want.state || ws.ErrorCode != want.code {
				t.Errorf("%s: %s %q; want %s %q", id, ws.State, ws.ErrorCode, want.state, want.code)
			}
			if want.state == wsError && (ws.ErrorMessage == "" || !ws.StateChanged.Equal(now)) {
				t.Errorf("%s: message %q, changed %v", id, ws.ErrorMessage, ws.StateChanged)
			}
			return nil
		})
	}
}
