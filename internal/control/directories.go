package control

import (
	"context"
	"errors"
	"net/http"

	"github.com/deskplane/deskplane"
)

// Control routes of directories (docs/CONTROL-API.md, directories
// section): what a test decides about a Directory Service directory's
// users. The route checks its input and calls the directories family
// through Directories.

// Directories is what the directory control routes need of the
// directories family (internal/service/directories.Service).
type Directories interface {
	// SetAnyUser sets the any-user switch of a Directory Service
	// directory of the scope; a scope without the directory answers an
	// error of CodeNotFound.
	SetAnyUser(ctx context.Context, sc deskplane.Scope, id string, enabled bool) error
}

// DirectoryRoutes adds the directory control routes to mux, which must sit
// behind the control API's token check (NewHandler's Routes):
//
//	POST /_deskplane/directories/{id}/any-user
//	     {"account": "...", "region": "...", "enabled": true}
//
// makes every user name exist in the directory (enabled defaults to true).
func DirectoryRoutes(mux *http.ServeMux, svc Directories) {
	mux.HandleFunc("POST "+Prefix+"directories/{id}/any-user", directoryRoutes{svc}.anyUser)
}

type directoryRoutes struct{ svc Directories }

func (dr directoryRoutes) anyUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		imageTarget
		Enabled *bool `json:"enabled"`
	}
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if in.Account == "" || in.Region == "" {
		WriteError(w, http.StatusBadRequest, errors.New(`the body needs the directory's account and region: {"account": "000000000000", "region": "us-east-1"}`))
		return
	}
	sc, err := in.scope()
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	enabled := in.Enabled == nil || *in.Enabled
	id := r.PathValue("id")
	err = dr.svc.SetAnyUser(r.Context(), sc, id, enabled)
	switch {
	case deskplane.HasCode(err, deskplane.CodeNotFound):
		WriteError(w, http.StatusNotFound, err)
	case err != nil:
		WriteError(w, http.StatusInternalServerError, err)
	default:
		WriteJSON(w, http.StatusOK, map[string]any{"directoryId": id, "anyUser": enabled})
	}
}
