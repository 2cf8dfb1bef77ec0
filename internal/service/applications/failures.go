package applications

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Failures returns the failure handlers of the family's timers by name:
// what the lifecycle engine runs when a timer's handler fails permanently
// (docs/decisions/0140-timers-never-lost.md).
func (s *Service) Failures() map[string]lifecycle.FailureHandler {
	return map[string]lifecycle.FailureHandler{deskplane.TimerAppDeploy: s.failAppDeploy}
}

// failAppDeploy ends a deployment whose timer can never be handled in
// ERROR with an internal-error code; an association that moved on is left
// alone.
func (s *Service) failAppDeploy(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc, assocs := t.Key.Scope, deskplane.AppAssociations()
	as, ok, err := assocs.Get(tx, sc, t.Key.ID)
	if err != nil || !ok {
		return err
	}
	var p appDeployPayload
	if json.Unmarshal(t.Payload, &p) == nil && p.Gen != as.Generation {
		return nil
	}
	if !deskplane.AppAssociationTable().Transitional(as.State) {
		return nil
	}
	setAssocState(as, deskplane.AppError, t.Due)
	as.ErrorCode = string(wsapi.AssociationErrorCodeInternalServerError)
	as.ErrorMessage = "The deployment of the application " + as.ApplicationID + " failed because of an internal error."
	return assocs.Put(tx, sc, t.Key.ID, as)
}
