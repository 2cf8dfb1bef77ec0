package pools

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Failures returns the failure handlers of the family's timers by name:
// what the lifecycle engine does when a pool.state timer's handler fails
// permanently (docs/decisions/0140-timers-never-lost.md).
func (s *Service) Failures() map[string]lifecycle.FailureHandler {
	return map[string]lifecycle.FailureHandler{deskplane.TimerPoolState: s.failPoolState}
}

// failPoolState ends a pool's transitional state that can never end
// normally: an updating pool goes back to the state it left, any other to
// STOPPED (from which it may be started or terminated again), with an
// INTERNAL_SERVICE_ERROR in its Errors. A timer that no longer applies
// changes nothing.
func (s *Service) failPoolState(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc := t.Key.Scope
	p, ok, err := deskplane.Pools().Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	var pl payload
	if json.Unmarshal(t.Payload, &pl) == nil && pl.Gen != p.Generation {
		return nil
	}
	if !deskplane.PoolTable().Transitional(p.State) {
		return nil
	}
	next := deskplane.PoolStopped
	if p.State == deskplane.PoolUpdating && p.ResumeState != "" {
		next, p.ResumeState = p.ResumeState, ""
	}
	p.Errors = append(p.Errors, deskplane.PoolError{Code: string(wsapi.WorkspacesPoolErrorCodeInternalServiceError),
		Message: "The WorkSpaces Pool " + p.ID + " could not complete its " + string(p.State) + " transition because of an internal error."})
	return s.enter(tx, sc, p, next, t.Due, "")
}
