package api

import "deskplane/internal/lifecycle"

// extraTimers registers the handlers of the remaining operations' resources
// (connection aliases, pools, application deployments).
func (s *Server) extraTimers(m map[string]lifecycle.Handler) {}
