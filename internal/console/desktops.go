package console

import (
	"context"
	"net/http"
	"strconv"

	"github.com/deskplane/deskplane"
)

// Desktops are the real desktops behind WorkSpaces (deskplane -desktops
// local). Deps.Desktops is nil when deskplane runs none: the console then
// shows no thumbnail column and no Connect button, and the thumbnail
// address answers 404.
type Desktops interface {
	// Running reports which of the WorkSpaces have a desktop running now.
	Running(ctx context.Context, sc deskplane.Scope, workspaceIDs []string) map[string]bool
	// Thumbnail returns a PNG of the desktop's screen, at most width
	// pixels wide; ok is false when the WorkSpace has no running desktop.
	Thumbnail(ctx context.Context, sc deskplane.Scope, workspaceID string, width int) (png []byte, ok bool, err error)
	// ConnectURL is where a person connects to the desktop in the browser
	// (the web client), or "" when there is none.
	ConnectURL(sc deskplane.Scope, workspaceID string) string
}

// desktopsOf returns which WorkSpaces have a running desktop, with their
// Connect addresses; nil without desktops.
func (h *Handler) desktopsOf(q *req, ids []string) map[string]string {
	if h.d.Desktops == nil || len(ids) == 0 {
		return nil
	}
	sc := deskplane.Scope{Account: q.sc.Account, Region: q.sc.Region}
	run := h.d.Desktops.Running(q.r.Context(), sc, ids)
	out := make(map[string]string, len(run))
	for id, ok := range run {
		if ok {
			out[id] = h.d.Desktops.ConnectURL(sc, id)
		}
	}
	return out
}

// thumbnail serves a running desktop's screen.
func (h *Handler) thumbnail(q *req) {
	if h.d.Desktops == nil {
		http.NotFound(q.w, q.r)
		return
	}
	width := 320
	if v, err := strconv.Atoi(q.r.URL.Query().Get("w")); err == nil && v >= 64 && v <= 1280 {
		width = v
	}
	sc := deskplane.Scope{Account: q.sc.Account, Region: q.sc.Region}
	png, ok, err := h.d.Desktops.Thumbnail(q.r.Context(), sc, q.r.PathValue("id"), width)
	if err != nil {
		h.d.Log.Warn("console: thumbnail failed", "workspace", q.r.PathValue("id"), "err", err)
		http.Error(q.w, "the desktop's screen could not be read", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(q.w, q.r)
		return
	}
	q.w.Header().Set("Content-Type", "image/png")
	_, _ = q.w.Write(png)
}
