// Package webclient is deskplane's WorkSpaces web client, served at
// /client/: a directory user enters the registration code of a registered
// directory, signs in with the user name and password of the directory,
// sees their WorkSpaces with their states and connects to one, whose
// desktop opens in the page. The VNC client in the page is noVNC, served
// from the host's package (Debian's novnc, /usr/share/novnc), never kept
// in this repository; deskplane proxies its WebSocket to the desktop's
// VNC socket, which nothing outside deskplane can reach.
//
// The rules (access properties, IP access control groups, ownership,
// WorkSpace states) are the webaccess family's; this package is their
// HTTP side: html/template pages embedded in the binary, sessions behind
// HttpOnly SameSite=Strict cookies, CSRF tokens and net/http's
// cross-origin protection on every form, sign-in rate limits, and
// single-use WebSocket tickets (docs/decisions/0251-web-client-access-rules.md,
// 0252-web-client-sessions.md, 0253-web-client-connections.md).
package webclient

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"net/netip"
	"path"
	"sync"
	"time"

	"github.com/deskplane/deskplane/internal/service/webaccess"
)

// Prefix is the path prefix of the web client.
const Prefix = "/client/"

// DefaultNoVNCDir is where Debian's novnc package puts noVNC.
const DefaultNoVNCDir = "/usr/share/novnc"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Desktops finds the VNC endpoint of a WorkSpace's running desktop.
type Desktops interface {
	// Endpoint returns where the desktop's VNC server listens, as a
	// network and address for net.Dial ("unix", "/run/…/rfb.sock"); an
	// error when the WorkSpace has no running desktop.
	Endpoint(ctx context.Context, workspaceID string) (network, address string, err error)
}

// Deps are what the web client needs.
type Deps struct {
	Access *webaccess.Service
	// Desktops reaches the desktops; nil when deskplane runs none (a
	// connection is then refused with a message saying so).
	Desktops Desktops
	// NoVNCDir is the directory of noVNC (core/ and vendor/); default
	// DefaultNoVNCDir.
	NoVNCDir string
	Log      *slog.Logger
	// Wall is the wall clock of sessions and rate limits (nil: time.Now);
	// never the service clock, which tests move by days.
	Wall func() time.Time
	// SessionIdle and SessionMax bound a session's life (defaults 30
	// minutes without use, 12 hours in all).
	SessionIdle, SessionMax time.Duration
	// Poll is how often an open desktop connection checks that its
	// WorkSpace is still connectable (default 2 s).
	Poll time.Duration
	// Limits are the sign-in rate limits (zero: the defaults).
	Limits Limits
}

// Limits are the sign-in rate limits.
type Limits struct {
	// PerAddress sign-in and registration attempts per Window from one
	// client address (default 30 per 5 minutes).
	PerAddress int
	Window     time.Duration
	// PerUser failed sign-ins per UserWindow for one user of a directory
	// (default 5 per 15 minutes); then the user is locked until the
	// oldest failure leaves the window.
	PerUser    int
	UserWindow time.Duration
}

// Handler serves the web client.
type Handler struct {
	d        Deps
	mux      *http.ServeMux
	sessions *sessions
	byAddr   *limiter
	byUser   *limiter
	pages    pages
	cop      *http.CrossOriginProtection
	novnc    *noVNC

	mu    sync.Mutex
	conns map[string]*desktopConn // open desktop connections by scope/WorkSpace
}

// New returns the web client handler; mount it at Prefix.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Wall == nil {
		d.Wall = time.Now
	}
	if d.NoVNCDir == "" {
		d.NoVNCDir = DefaultNoVNCDir
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = 30 * time.Minute
	}
	if d.SessionMax <= 0 {
		d.SessionMax = 12 * time.Hour
	}
	if d.Poll <= 0 {
		d.Poll = 2 * time.Second
	}
	l := d.Limits
	if l.PerAddress <= 0 {
		l.PerAddress = 30
	}
	if l.Window <= 0 {
		l.Window = 5 * time.Minute
	}
	if l.PerUser <= 0 {
		l.PerUser = 5
	}
	if l.UserWindow <= 0 {
		l.UserWindow = 15 * time.Minute
	}
	d.Limits = l
	h := &Handler{
		d:        d,
		mux:      http.NewServeMux(),
		sessions: newSessions(d.Wall, d.SessionIdle, d.SessionMax),
		byAddr:   newLimiter(d.Wall, l.PerAddress, l.Window, 65536),
		byUser:   newLimiter(d.Wall, l.PerUser, l.UserWindow, 65536),
		pages:    parsePages(),
		cop:      http.NewCrossOriginProtection(),
		novnc:    &noVNC{dir: d.NoVNCDir},
		conns:    make(map[string]*desktopConn),
	}
	h.cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	h.routes()
	return h
}

func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /client/static/{file}", h.static)
	m.HandleFunc("GET /client/novnc/", h.novnc.serve)
	m.HandleFunc("GET /client/{$}", h.home)
	m.HandleFunc("POST /client/register", h.register)
	m.HandleFunc("POST /client/forget", h.forget)
	m.HandleFunc("POST /client/signin", h.signin)
	m.Handle("POST /client/signout", h.action(h.signout))
	m.Handle("GET /client/workspaces", h.page(h.workspacesPage))
	m.Handle("GET /client/workspaces.json", h.json(h.workspacesJSON))
	m.Handle("GET /client/desktop/{id}", h.page(h.desktopPage))
	m.HandleFunc("GET /client/ws/{id}", h.websocket)
	m.HandleFunc("/client/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "There is no web client page at this address.", http.StatusNotFound)
	})
}

// ServeHTTP applies the headers every answer carries and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

// clientAddr is the address the request came from (the TCP peer; a
// forwarding proxy's headers are not trusted).
func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// static serves the embedded stylesheet and scripts.
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
