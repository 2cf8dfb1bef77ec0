package api

import (
	"log/slog"
	"net/http"

	"deskplane/internal/awsjson"
	"deskplane/internal/sigv4"
)

// DataRoutes serves the Directory Service Data subset (REST JSON).
func (s *Server) DataRoutes(mux *http.ServeMux, v *sigv4.Verifier, log *slog.Logger, hook awsjson.Hook) {
}
