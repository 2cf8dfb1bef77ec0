// Package console is deskplane's WorkSpaces console: server-rendered
// html/template pages with a little JavaScript, embedded in the binary and
// served under /console/ (docs/CONSOLE.md).
//
// The console is a client of the service layer, not a second one: every
// read and every action calls the generated wsapi.Service and dsapi.Service
// interfaces with the caller (account, Region) in the context, after the
// same model validation the API dispatcher applies, and shows the error
// code and message an API client would see. The test controls (clock,
// timing, faults, reset) go through the Controls interface; real desktops
// through the optional Desktops interface.
//
// Security (docs/decisions/0270-console-sessions.md): sign-in with the admin
// token in a POST form, then a server-side session behind an HttpOnly,
// SameSite=Strict cookie; every state-changing request carries the
// session's CSRF token and passes net/http's cross-origin protection; the
// admin token is refused in URLs and never logged; html/template escapes
// every value, and a strict Content-Security-Policy forbids inline script.
package console

import (
	"embed"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Prefix is the path prefix of the console.
const Prefix = "/console/"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the console needs from the app.
type Deps struct {
	// Token is the admin token people sign in with.
	Token string
	// WorkSpaces and Directories are the service layer, the same values
	// the API dispatchers call.
	WorkSpaces  wsapi.Service
	Directories dsapi.Service
	// MapWorkSpacesError and MapDirectoryError turn a service error into
	// the error an API client receives (its ErrorCode and message). Nil
	// shows the error's own text.
	MapWorkSpacesError func(error) error
	MapDirectoryError  func(error) error
	// Controls are the test controls; nil hides them.
	Controls Controls
	// Desktops shows real desktops; nil when deskplane runs none.
	Desktops Desktops
	// Accounts are the configured accounts (the first is the default);
	// Regions the served Regions (empty: any Region).
	Accounts []string
	Regions  []string
	Log      *slog.Logger
	// Wall is the wall clock for session expiry (nil: time.Now). Sessions
	// never follow the service clock, which tests move by days.
	Wall func() time.Time
	// SessionIdle and SessionMax bound a session's life (defaults 1 h
	// without a request, 12 h in all).
	SessionIdle, SessionMax time.Duration
}

// Handler serves the console.
type Handler struct {
	d        Deps
	mux      *http.ServeMux
	sessions *sessions
	pages    pages
	wsv      *wsapi.Dispatcher // for Validate only
	dsv      *dsapi.Dispatcher // for Validate only
	cop      *http.CrossOriginProtection
}

// New returns the console handler; mount it at Prefix.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Wall == nil {
		d.Wall = time.Now
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = time.Hour
	}
	if d.SessionMax <= 0 {
		d.SessionMax = 12 * time.Hour
	}
	if len(d.Accounts) == 0 {
		d.Accounts = []string{"000000000000"}
	}
	h := &Handler{
		d:        d,
		mux:      http.NewServeMux(),
		sessions: newSessions(d.Wall, d.SessionIdle, d.SessionMax, maxSessions),
		pages:    parsePages(),
		wsv:      wsapi.NewDispatcher(d.WorkSpaces),
		dsv:      dsapi.NewDispatcher(d.Directories),
		cop:      http.NewCrossOriginProtection(),
	}
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	h.routes()
	return h
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /console/static/{file}", h.static)
	m.HandleFunc("GET /console/signin", h.signinForm)
	m.HandleFunc("POST /console/signin", h.signin)
	m.Handle("POST /console/signout", h.action(h.signout))
	m.Handle("GET /console/{$}", h.page(h.home))
	m.Handle("GET /console/go", h.page(h.goScope))

	m.Handle("GET /console/{account}/{region}/workspaces", h.scoped(h.workspacesPage))
	m.Handle("GET /console/{account}/{region}/workspaces/live", h.scopedJSON(h.workspacesLive))
	m.Handle("GET /console/{account}/{region}/workspaces/new", h.scoped(h.createForm))
	m.Handle("POST /console/{account}/{region}/workspaces", h.scopedAction(h.createWorkspaces))
	m.Handle("POST /console/{account}/{region}/workspaces/bulk", h.scopedAction(h.bulkAction))
	m.Handle("GET /console/{account}/{region}/workspaces/{id}", h.scoped(h.workspacePage))
	m.Handle("GET /console/{account}/{region}/workspaces/{id}/thumbnail", h.scopedJSON(h.thumbnail))
	m.Handle("POST /console/{account}/{region}/workspaces/{id}/{action}", h.scopedAction(h.workspaceAction))

	m.Handle("GET /console/{account}/{region}/directories", h.scoped(h.directoriesPage))
	m.Handle("POST /console/{account}/{region}/directories", h.scopedAction(h.createDirectory))
	m.Handle("GET /console/{account}/{region}/directories/{id}", h.scoped(h.directoryPage))
	m.Handle("POST /console/{account}/{region}/directories/{id}/{action}", h.scopedAction(h.directoryAction))
	m.Handle("GET /console/{account}/{region}/bundles", h.scoped(h.bundlesPage))
	m.Handle("GET /console/{account}/{region}/images", h.scoped(h.imagesPage))
	m.Handle("GET /console/{account}/{region}/images/{id}", h.scoped(h.imagePage))
	m.Handle("POST /console/{account}/{region}/images/{id}/{action}", h.scopedAction(h.imageAction))
	m.Handle("GET /console/{account}/{region}/ipgroups", h.scoped(h.ipGroupsPage))
	m.Handle("GET /console/{account}/{region}/aliases", h.scoped(h.aliasesPage))
	m.Handle("GET /console/{account}/{region}/pools", h.scoped(h.poolsPage))

	m.Handle("GET /console/controls", h.page(h.controlsPage))
	m.Handle("POST /console/controls/{action}", h.action(h.controlAction))
	m.Handle("GET /console/clock", h.json(h.clockJSON))

	m.HandleFunc("/console/", func(w http.ResponseWriter, r *http.Request) {
		h.notFound(w, r, "There is no console page at this address.")
	})
}

// ServeHTTP applies the guards every console request passes (security
// headers, the admin token refused in URLs) and routes it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "same-origin")
	if h.tokenInURL(r) {
		h.d.Log.Warn("console request refused: the admin token was in the URL", "path_len", len(r.URL.Path), "remote", r.RemoteAddr)
		hdr.Set("Cache-Control", "no-store")
		http.Error(w, "The admin token must never be put in a URL (URLs end up in logs and browser history). Sign in with the form at /console/signin.", http.StatusBadRequest)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// static serves the embedded stylesheet and script (no directory
// listings). They hold nothing secret: no session is needed.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(b)
}
