package api

import "deskplane/internal/lifecycle"

// aliasTimers registers the connection alias lifecycle handlers.
func (s *Server) aliasTimers(m map[string]lifecycle.Handler) {}
