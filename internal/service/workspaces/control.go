package workspaces

import (
	"context"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// What the control API does to WorkSpaces (internal/control/workspaces.go,
// docs/CONTROL-API.md): it stands in for a user's streaming client.

// SetConnection sets a WorkSpace's connection state, as
// DescribeWorkspacesConnectionStatus shows it, and returns the state set.
// A disconnection starts the AutoStop timeout of an AUTO_STOP WorkSpace
// afresh (the WorkSpace stops after the timeout of disconnection); while a
// user is connected, AutoStop leaves the WorkSpace running. A user can
// connect only to an AVAILABLE WorkSpace (CodeInvalidState otherwise); a
// scope without the WorkSpace answers CodeNotFound.
func (s *Service) SetConnection(ctx context.Context, sc deskplane.Scope, id string, state wsapi.ConnectionState) (wsapi.ConnectionState, error) {
	now := s.Now()
	var out wsapi.ConnectionState
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, id)
		if err != nil {
			return err
		}
		if state == wsapi.ConnectionStateConnected && ws.State != wsAvailable {
			return deskplane.Errorf(deskplane.CodeInvalidState, "a user can connect only to an AVAILABLE WorkSpace; %s is %s", id, ws.State)
		}
		ws.ConnectionState = string(state)
		ws.ConnectionStateChanged, ws.LastKnownUserConnection = now, now
		if state == wsapi.ConnectionStateDisconnected && ws.State == wsAvailable {
			if err := s.scheduleAutoStop(tx, sc, ws, now); err != nil {
				return err
			}
		}
		out = state
		return saveWorkspace(tx, sc, ws)
	})
	return out, err
}

// SetDescribeDelay sets how long a new resource of the scope stays hidden
// from the Describe operations (0: shown at once, the default) and returns
// it: eventual consistency on demand, so that clients can test their
// retries (docs/decisions/0325-eventual-consistency-on-demand.md).
func (s *Service) SetDescribeDelay(ctx context.Context, sc deskplane.Scope, d time.Duration) (time.Duration, error) {
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		acct.DescribeDelay = d
		return deskplane.Save(tx, deskplane.AccountKey(sc), acct)
	})
	return d, err
}
