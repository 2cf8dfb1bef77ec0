package api

import "github.com/deskplane/deskplane/internal/lifecycle"

// extraTimers registers the handlers of the remaining operations' resources.
func (s *Server) extraTimers(m map[string]lifecycle.Handler) {
	s.poolTimers(m) // pools.go
}
