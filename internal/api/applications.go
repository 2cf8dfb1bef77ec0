package api

import "deskplane/internal/lifecycle"

// applicationTimers registers the application deployment lifecycle handlers.
func (s *Server) applicationTimers(m map[string]lifecycle.Handler) {}
