package api

import (
	"net/http"

	"deskplane/internal/lifecycle"
)

// imageTimers registers the image lifecycle handlers.
func (s *Server) imageTimers(m map[string]lifecycle.Handler) {}

// imageControlRoutes adds control routes for images (updates available).
func (s *Server) imageControlRoutes(mux *http.ServeMux) {}
