package api

import "deskplane/internal/lifecycle"

// workspaceTimers registers the WorkSpace lifecycle handlers.
func (s *Server) workspaceTimers(m map[string]lifecycle.Handler) {}
