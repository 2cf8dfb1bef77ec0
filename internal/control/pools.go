package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Control routes of WorkSpaces Pools (docs/CONTROL-API.md, pools section):
// deskplane has no streaming clients, so a test starts a pool's streaming
// session here. The route checks its input and calls the pools family
// through Pools.

// Pools is what the pool control routes need of the pools family
// (internal/service/pools.Service).
type Pools interface {
	// StartSession starts a streaming session for the user on a pool of
	// the scope. A scope without the pool answers an error of
	// CodeNotFound; a pool not RUNNING or without a free user session, an
	// error of CodeInvalidState.
	StartSession(ctx context.Context, sc deskplane.Scope, id, userID string, connectionState wsapi.SessionConnectionState) (wsapi.WorkspacesPoolSession, error)
}

// PoolRoutes adds the pool control routes to mux, which must sit behind
// the control API's token check (NewHandler's Routes):
//
//	POST /_deskplane/pools/{id}/sessions
//	     {"account": "...", "region": "...", "userId": "alice", "connectionState": "CONNECTED"}
//
// starts a streaming session for the user on a RUNNING pool with a free
// user session (409 otherwise) and answers it as
// DescribeWorkspacesPoolSessions shows it.
func PoolRoutes(mux *http.ServeMux, svc Pools) {
	mux.HandleFunc("POST "+Prefix+"pools/{id}/sessions", poolRoutes{svc}.session)
}

type poolRoutes struct{ svc Pools }

func (pr poolRoutes) session(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		UserID          string                       `json:"userId"`
		ConnectionState wsapi.SessionConnectionState `json:"connectionState"`
	}
	sc, ok := decodeImageBody(w, r, &in, &in.imageTarget)
	if !ok {
		return
	}
	if n := len(in.UserID); n < 2 || n > 128 {
		WriteError(w, http.StatusBadRequest, errors.New("userId must be 2 to 128 characters (the model's WorkspacesPoolUserId)"))
		return
	}
	if in.ConnectionState == "" {
		in.ConnectionState = wsapi.SessionConnectionStateConnected
	}
	if !in.ConnectionState.IsKnown() {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("connectionState must be %s or %s, not %q",
			wsapi.SessionConnectionStateConnected, wsapi.SessionConnectionStateNotConnected, in.ConnectionState))
		return
	}
	id := r.PathValue("id")
	out, err := pr.svc.StartSession(r.Context(), sc, id, in.UserID, in.ConnectionState)
	switch {
	case deskplane.HasCode(err, deskplane.CodeNotFound):
		WriteError(w, http.StatusNotFound, fmt.Errorf("account %s has no pool %s in %s", sc.Account, id, sc.Region))
	case deskplane.HasCode(err, deskplane.CodeInvalidState):
		var de *deskplane.Error
		if errors.As(err, &de) {
			err = errors.New(de.Message)
		}
		WriteError(w, http.StatusConflict, err)
	case err != nil:
		WriteError(w, http.StatusInternalServerError, err)
	default:
		WriteJSON(w, http.StatusOK, out)
	}
}
