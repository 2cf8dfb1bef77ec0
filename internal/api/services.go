package api

import (
	"net/http"

	"github.com/deskplane/deskplane/internal/wsapi"
)

// wsService implements wsapi.Service. Operations not yet written fall
// through to wsapi.Unimplemented.
type wsService struct {
	wsapi.Unimplemented
	*Server
}

// WorkSpaces returns the WorkSpaces service.
func (s *Server) WorkSpaces() wsapi.Service { return &wsService{Server: s} }

// ControlRoutes adds the service's own control routes (under /_deskplane/).
func (s *Server) ControlRoutes(mux *http.ServeMux) {
	s.directoryControlRoutes(mux) // directories.go
}
