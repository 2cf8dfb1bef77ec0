package account

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
)

// Failures returns the failure handlers of the family's timers by name:
// what the lifecycle engine does when an account.modify timer's handler
// fails permanently (docs/decisions/0140-timers-never-lost.md).
func (s *Service) Failures() map[string]lifecycle.FailureHandler {
	return map[string]lifecycle.FailureHandler{deskplane.TimerAccountModify: s.failAccountModify}
}

// failAccountModify ends a BYOL enablement that can never complete: its
// modification FAILED, the account's BYOL left as it was (so ModifyAccount
// may be called again). A timer that no longer applies changes nothing.
func (s *Service) failAccountModify(_ context.Context, tx deskplane.Tx, t deskplane.Timer, _ error) error {
	sc := t.Key.Scope
	acct, err := settings(tx, sc)
	if err != nil || acct.Pending == "" {
		return err
	}
	var p timerPayload
	if json.Unmarshal(t.Payload, &p) == nil && p.Gen != acct.Generation {
		return nil
	}
	mod, found, err := deskplane.AccountModifications().Get(tx, sc, acct.PendingModification)
	if err != nil {
		return err
	}
	if found {
		mod.ModificationState = deskplane.AccountModificationFailed
		mod.ErrorCode, mod.ErrorMessage = "InternalError", "BYOL could not be enabled for the account because of an internal error."
		if err := deskplane.AccountModifications().Put(tx, sc, mod.ID, mod); err != nil {
			return err
		}
	}
	acct.Pending, acct.PendingModification, acct.PendingCidrRange = "", "", ""
	acct.Generation++
	return deskplane.Save(tx, t.Key, acct)
}
