package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/control"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// workspaceControlRoutes adds the control route that stands in for a user's
// client: deskplane has no streaming clients, so tests say when a user
// connects to or disconnects from a WorkSpace (docs/CONTROL-API.md).
func (s *Server) workspaceControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+control.Prefix+"workspaces/{id}/connection", s.ctlWorkspaceConnection)
}

// ctlWorkspaceConnection sets a WorkSpace's connection state, as
// DescribeWorkspacesConnectionStatus shows it. A disconnection starts the
// AutoStop timeout of an AUTO_STOP WorkSpace afresh (AG:running-mode: the
// WorkSpace stops after the timeout of disconnection); while a user is
// connected, AutoStop leaves the WorkSpace running.
func (s *Server) ctlWorkspaceConnection(w http.ResponseWriter, r *http.Request) {
	var in struct {
		controlTarget
		State string `json:"state"`
	}
	sc, ok := decodeControl(w, r, &in)
	if !ok {
		return
	}
	state := wsapi.ConnectionState(in.State)
	if state != wsapi.ConnectionStateConnected && state != wsapi.ConnectionStateDisconnected {
		control.WriteError(w, http.StatusBadRequest, fmt.Errorf("state must be CONNECTED or DISCONNECTED, not %q", in.State))
		return
	}
	id := r.PathValue("id")
	now := s.now()
	var out struct {
		WorkspaceID     string `json:"workspaceId"`
		ConnectionState string `json:"connectionState"`
	}
	err := s.d.Store.Update(r.Context(), func(tx deskplane.Tx) error {
		ws, err := loadWorkspace(tx, sc, id)
		if err != nil {
			return err
		}
		if ws == nil {
			return errControlNotFound
		}
		if state == wsapi.ConnectionStateConnected && ws.State != wsAvailable {
			return fmt.Errorf("%w: a user can connect only to an AVAILABLE WorkSpace; %s is %s", errControlConflict, id, ws.State)
		}
		ws.ConnectionState = string(state)
		ws.ConnectionStateChanged, ws.LastKnownUserConnection = now, now
		if state == wsapi.ConnectionStateDisconnected && ws.State == wsAvailable {
			if err := s.scheduleAutoStop(tx, sc, ws, now); err != nil {
				return err
			}
		}
		out.WorkspaceID, out.ConnectionState = ws.ID, ws.ConnectionState
		return saveWorkspace(tx, sc, ws)
	})
	switch {
	case errors.Is(err, errControlNotFound):
		control.WriteError(w, http.StatusNotFound, fmt.Errorf("account %s has no WorkSpace %s in %s", sc.Account, id, sc.Region))
	case errors.Is(err, errControlConflict):
		control.WriteError(w, http.StatusConflict, err)
	case err != nil:
		control.WriteError(w, http.StatusInternalServerError, err)
	default:
		control.WriteJSON(w, http.StatusOK, out)
	}
}

// errControlConflict answers 409: the resource is not in a state that
// allows the control action.
var errControlConflict = errors.New("conflict")
