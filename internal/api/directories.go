package api

import (
	"net/http"

	"deskplane/internal/lifecycle"
)

// directoryTimers registers the directory lifecycle handlers.
func (s *Server) directoryTimers(m map[string]lifecycle.Handler) {}

// directoryControlRoutes adds control routes for directories and users.
func (s *Server) directoryControlRoutes(mux *http.ServeMux) {}
