package directories

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
	return map[string]lifecycle.FailureHandler{deskplane.TimerDirectoryState: s.failDirectory}
}

// failDirectory puts a registration whose REGISTERING or DEREGISTERING
// timer can never be handled in ERROR; one that moved on is left alone.
func (s *Service) failDirectory(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc := t.Key.Scope
	d, ok, err := deskplane.Directories().Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	var p payload
	if json.Unmarshal(t.Payload, &p) == nil && p.Gen != d.Generation {
		return nil
	}
	if !deskplane.DirectoryTable().Transitional(d.State) {
		return nil
	}
	d.State, d.StateChanged = deskplane.DirectoryError, t.Due
	d.ErrorMessage = "The directory's registration could not complete because of an internal error."
	d.Generation++
	return deskplane.Directories().Put(tx, sc, d.ID, d)
}
