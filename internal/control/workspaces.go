package control

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Control routes of WorkSpaces (docs/CONTROL-API.md): deskplane has no
// streaming clients, so tests say when a user connects to or disconnects
// from a WorkSpace. The routes check their input and call the WorkSpaces
// family through Workspaces.

// Workspaces is what the WorkSpaces control routes need of the WorkSpaces
// family (internal/service/workspaces.Service).
type Workspaces interface {
	// SetConnection sets a WorkSpace's connection state and returns it; an
	// unknown WorkSpace answers deskplane.CodeNotFound, a WorkSpace a user
	// cannot connect to deskplane.CodeInvalidState.
	SetConnection(ctx context.Context, sc deskplane.Scope, id string, state wsapi.ConnectionState) (wsapi.ConnectionState, error)
	// SetDescribeDelay sets how long new resources of the scope stay
	// hidden from the Describe operations, and returns it.
	SetDescribeDelay(ctx context.Context, sc deskplane.Scope, d time.Duration) (time.Duration, error)
}

// WorkspaceRoutes adds the WorkSpaces control routes to mux, which must sit
// behind the control API's token check (NewHandler's Routes).
func WorkspaceRoutes(mux *http.ServeMux, svc Workspaces) {
	r := workspaceRoutes{svc}
	mux.HandleFunc("POST "+Prefix+"workspaces/{id}/connection", r.connection)
	mux.HandleFunc("POST "+Prefix+"eventual-consistency", r.consistency)
}

type workspaceRoutes struct{ svc Workspaces }

// connection sets a WorkSpace's connection state, as
// DescribeWorkspacesConnectionStatus shows it: CONNECTED (only to an
// AVAILABLE WorkSpace) or DISCONNECTED, which starts the AutoStop timeout
// of an AUTO_STOP WorkSpace afresh.
func (wr workspaceRoutes) connection(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		State wsapi.ConnectionState `json:"state"`
	}
	sc, ok := decodeImageBody(w, r, &in, &in.imageTarget)
	if !ok {
		return
	}
	if in.State != wsapi.ConnectionStateConnected && in.State != wsapi.ConnectionStateDisconnected {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("state must be %s or %s, not %q",
			wsapi.ConnectionStateConnected, wsapi.ConnectionStateDisconnected, in.State))
		return
	}
	id := r.PathValue("id")
	state, err := wr.svc.SetConnection(r.Context(), sc, id, in.State)
	switch {
	case deskplane.HasCode(err, deskplane.CodeNotFound):
		WriteError(w, http.StatusNotFound, fmt.Errorf("account %s has no WorkSpace %s in %s", sc.Account, id, sc.Region))
	case deskplane.HasCode(err, deskplane.CodeInvalidState):
		WriteError(w, http.StatusConflict, err)
	case err != nil:
		WriteError(w, http.StatusInternalServerError, err)
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"workspaceId": id, "connectionState": state})
	}
}

// maxDescribeDelay bounds the eventual-consistency window (a day).
const maxDescribeDelay = 24 * time.Hour

// consistency sets eventual consistency on demand for an account in a
// Region: for describeDelaySeconds after it is created, a WorkSpace is
// not returned by DescribeWorkspaces or DescribeWorkspacesConnectionStatus,
// as AWS warns may happen (decision 0325). 0 turns it off (the default).
func (wr workspaceRoutes) consistency(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		DescribeDelaySeconds *int64 `json:"describeDelaySeconds"`
	}
	sc, ok := decodeImageBody(w, r, &in, &in.imageTarget)
	if !ok {
		return
	}
	if in.DescribeDelaySeconds == nil || *in.DescribeDelaySeconds < 0 || time.Duration(*in.DescribeDelaySeconds)*time.Second > maxDescribeDelay {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("describeDelaySeconds must be a number of seconds from 0 (off) to %d", int64(maxDescribeDelay/time.Second)))
		return
	}
	d, err := wr.svc.SetDescribeDelay(r.Context(), sc, time.Duration(*in.DescribeDelaySeconds)*time.Second)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"account": sc.Account, "region": sc.Region, "describeDelaySeconds": int64(d / time.Second)})
}
