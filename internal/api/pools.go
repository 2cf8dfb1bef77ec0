package api

import "deskplane/internal/lifecycle"

// poolTimers registers the pool lifecycle handlers.
func (s *Server) poolTimers(m map[string]lifecycle.Handler) {}
