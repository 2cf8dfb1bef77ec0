package bundles

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
)

// Failures returns the failure handlers of the family's timers by name:
// what the lifecycle engine runs when a timer's handler fails permanently
// (docs/decisions/0140-timers-never-lost.md).
func (s *Service) Failures() map[string]lifecycle.FailureHandler {
	return map[string]lifecycle.FailureHandler{deskplane.TimerBundleState: s.failBundle}
}

// failBundle puts a transitional bundle whose timer can never be handled
// in ERROR; a bundle that moved on is left alone.
func (s *Service) failBundle(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc := t.Key.Scope
	b, ok, err := deskplane.Bundles().Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	var p bundlePayload
	if json.Unmarshal(t.Payload, &p) == nil && p.Gen != b.Generation {
		return nil
	}
	if !deskplane.BundleTable().Transitional(b.State) {
		return nil
	}
	b.SetState(deskplane.BundleError, t.Due)
	return deskplane.Bundles().Put(tx, sc, b.ID, b)
}
