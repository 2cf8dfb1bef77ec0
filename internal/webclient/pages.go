package webclient

import (
	"crypto/subtle"
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane/internal/service/webaccess"
)

type pages map[string]*template.Template

func parsePages() pages {
	p := make(pages)
	for _, name := range []string{"register", "signin", "workspaces", "desktop", "problem"} {
		p[name] = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return p
}

// view is what every page template gets.
type view struct {
	Title   string
	User    string // signed-in user, "" before sign-in
	CSRF    string
	Problem string
	Flash   string
	Data    any
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, v view) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := h.pages[name].ExecuteTemplate(w, "layout", v); err != nil {
		h.d.Log.Error("web client: rendering a page failed", "page", name, "err", err)
	}
}

// req is a request of a signed-in user.
type req struct {
	w   http.ResponseWriter
	r   *http.Request
	tok string
	ses session
}

func (h *Handler) session(r *http.Request) (string, session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", session{}, false
	}
	ses, ok := h.sessions.get(c.Value)
	return c.Value, ses, ok
}

// signedIn checks the session and the rules every request of a signed-in
// user passes again (the directory still admits the address and the
// device, the user is still enabled); a refusal ends the session.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (*req, error) {
	tok, ses, ok := h.session(r)
	if !ok {
		return nil, nil
	}
	if err := h.d.Access.Check(r.Context(), ses.id, clientAddr(r)); err != nil {
		if _, refused := webaccess.IsRefusal(err); refused {
			h.sessions.end(tok)
			h.closeSession(hashKey(tok))
		}
		return nil, err
	}
	return &req{w: w, r: r, tok: tok, ses: ses}, nil
}

// page guards a page: without a session, the browser goes to sign-in.
func (h *Handler) page(fn func(*req)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		q, err := h.signedIn(w, r)
		switch {
		case err != nil:
			h.problem(w, r, err)
		case q == nil:
			http.Redirect(w, r, Prefix, http.StatusSeeOther)
		default:
			fn(q)
		}
	})
}

// json guards an endpoint the page's script reads.
func (h *Handler) json(fn func(*req)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		q, err := h.signedIn(w, r)
		switch {
		case err != nil:
			status, msg := h.status(err)
			writeJSON(w, status, map[string]string{"error": msg})
		case q == nil:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Sign in first."})
		default:
			fn(q)
		}
	})
}

// action guards a state-changing form of a signed-in user: cross-origin
// check, session, CSRF token.
func (h *Handler) action(fn func(*req)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := h.cop.Check(r); err != nil {
			h.crossOrigin(w, r)
			return
		}
		tok, ses, ok := h.session(r)
		if !ok {
			http.Error(w, "Your session has ended. Sign in again; nothing was changed.", http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "The form could not be read.", http.StatusBadRequest)
			return
		}
		got := r.PostForm.Get("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ses.csrf)) != 1 {
			h.d.Log.Warn("web client: request refused: missing or wrong CSRF token", "path", r.URL.Path, "remote", r.RemoteAddr)
			http.Error(w, "This form is stale or did not come from the web client (its CSRF token is missing or wrong). Reload the page and try again; nothing was changed.", http.StatusForbidden)
			return
		}
		fn(&req{w: w, r: r, tok: tok, ses: ses})
	})
}

func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	h.d.Log.Warn("web client: request refused: cross-origin", "path", r.URL.Path, "remote", r.RemoteAddr)
	http.Error(w, "Cross-origin requests to the web client are refused; nothing was changed.", http.StatusForbidden)
}

// status maps an error to the HTTP status and the message shown.
func (h *Handler) status(err error) (int, string) {
	ref, ok := webaccess.IsRefusal(err)
	if !ok {
		h.d.Log.Error("web client: request failed", "err", err)
		return http.StatusInternalServerError, "Something went wrong on deskplane's side; try again. (The server log has the details.)"
	}
	switch ref.Reason {
	case webaccess.BadCode:
		return http.StatusNotFound, ref.Message
	case webaccess.BadCredentials:
		return http.StatusUnauthorized, ref.Message
	case webaccess.NoSuchWorkspace:
		return http.StatusNotFound, ref.Message
	case webaccess.NotConnectable, webaccess.NotYet:
		return http.StatusConflict, ref.Message
	}
	return http.StatusForbidden, ref.Message
}

// problem shows a refusal on a page of its own.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := h.status(err)
	h.render(w, status, "problem", view{Title: "WorkSpaces", Problem: msg})
}

// ---- registration and sign-in ----------------------------------------------

// preToken sets the short-lived cookie whose value the register and
// sign-in forms echo, so neither can be submitted from another site.
func preToken(w http.ResponseWriter, r *http.Request) string {
	pre := randomToken()
	http.SetCookie(w, &http.Cookie{Name: preCookie, Value: pre, Path: Prefix, MaxAge: 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return pre
}

func checkPre(r *http.Request) bool {
	c, err := r.Cookie(preCookie)
	pre := r.PostForm.Get("pre")
	return err == nil && pre != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(pre)) == 1
}

// home shows the registration form, or the sign-in form of the
// registered directory, or the signed-in user's WorkSpaces.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if _, _, ok := h.session(r); ok {
		http.Redirect(w, r, Prefix+"workspaces", http.StatusSeeOther)
		return
	}
	c, err := r.Cookie(regCookie)
	if err != nil || c.Value == "" {
		h.renderRegister(w, r, http.StatusOK, "")
		return
	}
	reg, err := h.d.Access.Register(r.Context(), c.Value)
	if err == nil {
		err = h.d.Access.Admit(r.Context(), reg, clientAddr(r))
	}
	if err != nil {
		status, msg := h.status(err)
		if ref, ok := webaccess.IsRefusal(err); ok && ref.Reason == webaccess.BadCode {
			h.renderRegister(w, r, status, msg)
			return
		}
		h.renderSignin(w, r, status, reg, msg)
		return
	}
	h.renderSignin(w, r, http.StatusOK, reg, "")
}

func (h *Handler) renderRegister(w http.ResponseWriter, r *http.Request, status int, problem string) {
	h.render(w, status, "register", view{Title: "Register", Problem: problem, Data: map[string]string{"Pre": preToken(w, r)}})
}

func (h *Handler) renderSignin(w http.ResponseWriter, r *http.Request, status int, reg webaccess.Registration, problem string) {
	h.render(w, status, "signin", view{Title: "Sign in", Problem: problem, Data: map[string]any{
		"Pre": preToken(w, r), "Reg": reg}})
}

// limited answers 429 when the address has used up its attempts.
func (h *Handler) limited(w http.ResponseWriter, r *http.Request, key string, l *limiter, what string) bool {
	blocked, wait := l.blocked(key)
	if !blocked {
		return false
	}
	secs := int(wait.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	h.d.Log.Warn("web client: rate limited", "limit", what, "remote", r.RemoteAddr)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	h.render(w, http.StatusTooManyRequests, "problem", view{Title: "Too many attempts",
		Problem: "Too many sign-in attempts " + what + ". Wait " + waitText(wait) + " and try again."})
	return true
}

func waitText(d time.Duration) string {
	if d <= time.Minute {
		return "a minute"
	}
	return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " minutes"
}

// register checks a registration code and remembers it in a cookie.
func (h *Handler) register(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !h.formOK(w, r) {
		return
	}
	addr := clientAddr(r).String()
	if h.limited(w, r, addr, h.byAddr, "from your address") {
		return
	}
	h.byAddr.add(addr)
	code := strings.TrimSpace(r.PostForm.Get("code"))
	reg, err := h.d.Access.Register(r.Context(), code)
	if err != nil {
		status, msg := h.status(err)
		h.d.Log.Info("web client: registration refused", "remote", r.RemoteAddr)
		h.renderRegister(w, r, status, msg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: regCookie, Value: reg.Code, Path: Prefix, MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// forget drops the remembered registration code ("Change registration
// code").
func (h *Handler) forget(w http.ResponseWriter, r *http.Request) {
	if !h.formOK(w, r) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: regCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, Prefix, http.StatusSeeOther)
}

// formOK applies the checks of a form sent before sign-in: cross-origin
// protection and the pre-sign-in token.
func (h *Handler) formOK(w http.ResponseWriter, r *http.Request) bool {
	if err := h.cop.Check(r); err != nil {
		h.crossOrigin(w, r)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "The form could not be read.", http.StatusBadRequest)
		return false
	}
	if !checkPre(r) {
		h.d.Log.Warn("web client: form refused: it did not come from the web client", "path", r.URL.Path, "remote", r.RemoteAddr)
		h.renderRegister(w, r, http.StatusForbidden, "The form expired or did not come from this web client. Try again.")
		return false
	}
	return true
}

// signin checks the user's name and password and starts a session.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !h.formOK(w, r) {
		return
	}
	c, err := r.Cookie(regCookie)
	if err != nil || c.Value == "" {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	addr := clientAddr(r)
	if h.limited(w, r, addr.String(), h.byAddr, "from your address") {
		return
	}
	h.byAddr.add(addr.String())
	reg, err := h.d.Access.Register(r.Context(), c.Value)
	if err != nil {
		status, msg := h.status(err)
		h.renderRegister(w, r, status, msg)
		return
	}
	user := strings.TrimSpace(r.PostForm.Get("username"))
	userKey := reg.Scope.Account + "/" + reg.Scope.Region + "/" + reg.DirectoryID + "/" + strings.ToLower(user)
	if h.limited(w, r, userKey, h.byUser, "for this user") {
		return
	}
	id, err := h.d.Access.SignIn(r.Context(), reg, user, r.PostForm.Get("password"), addr)
	if err != nil {
		if ref, ok := webaccess.IsRefusal(err); ok && (ref.Reason == webaccess.BadCredentials || ref.Reason == webaccess.UserDisabled) {
			h.byUser.add(userKey)
		}
		status, msg := h.status(err)
		h.d.Log.Info("web client: sign-in refused", "directory", reg.DirectoryID, "remote", r.RemoteAddr, "why", msg)
		h.renderSignin(w, r, status, reg, msg)
		return
	}
	h.byUser.reset(userKey)
	if old, err := r.Cookie(sessionCookie); err == nil {
		h.sessions.end(old.Value) // a new sign-in never keeps an id set before it
	}
	tok := h.sessions.create(id)
	http.SetCookie(w, &http.Cookie{Name: preCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	h.d.Log.Info("web client: sign-in", "directory", reg.DirectoryID, "user", id.UserName, "remote", r.RemoteAddr)
	http.Redirect(w, r, Prefix+"workspaces", http.StatusSeeOther)
}

// signout ends the session and its desktop connections.
func (h *Handler) signout(q *req) {
	h.sessions.end(q.tok)
	h.closeSession(hashKey(q.tok))
	http.SetCookie(q.w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: q.r.TLS != nil})
	http.Redirect(q.w, q.r, Prefix, http.StatusSeeOther)
}

// ---- WorkSpaces ---------------------------------------------------------------

// wsRow is a WorkSpace as the list page and its script show it.
type wsRow struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	State       string `json:"state"`
	RunningMode string `json:"runningMode"`
	Compute     string `json:"computeType"`
	Connected   bool   `json:"connected"`
	Connectable bool   `json:"connectable"`
	Reason      string `json:"reason,omitempty"`
}

func rows(list []webaccess.Workspace) []wsRow {
	out := make([]wsRow, 0, len(list))
	for _, w := range list {
		out = append(out, wsRow{ID: w.ID, Name: w.Name, State: string(w.State), RunningMode: string(w.RunningMode),
			Compute: w.ComputeType, Connected: w.Connected, Connectable: w.CanConnect == 0, Reason: w.Reason})
	}
	return out
}

func (h *Handler) workspacesPage(q *req) {
	list, err := h.d.Access.Workspaces(q.r.Context(), q.ses.id, clientAddr(q.r))
	if err != nil {
		h.problem(q.w, q.r, err)
		return
	}
	h.render(q.w, http.StatusOK, "workspaces", view{Title: "Your WorkSpaces", User: q.ses.id.UserName, CSRF: q.ses.csrf,
		Flash: h.sessions.takeFlash(q.tok), Data: map[string]any{"Rows": rows(list), "Reg": q.ses.id.Registration}})
}

func (h *Handler) workspacesJSON(q *req) {
	list, err := h.d.Access.Workspaces(q.r.Context(), q.ses.id, clientAddr(q.r))
	if err != nil {
		status, msg := h.status(err)
		writeJSON(q.w, status, map[string]string{"error": msg})
		return
	}
	writeJSON(q.w, http.StatusOK, map[string]any{"workspaces": rows(list)})
}

// desktopPage opens a WorkSpace's desktop: the page around noVNC, with a
// single-use ticket for its WebSocket.
func (h *Handler) desktopPage(q *req) {
	id := q.r.PathValue("id")
	w, err := h.d.Access.Workspace(q.r.Context(), q.ses.id, id)
	if err != nil {
		h.problem(q.w, q.r, err)
		return
	}
	if w.CanConnect != 0 {
		h.sessions.setFlash(q.tok, w.Reason)
		http.Redirect(q.w, q.r, Prefix+"workspaces", http.StatusSeeOther)
		return
	}
	if h.d.Desktops == nil {
		h.render(q.w, http.StatusServiceUnavailable, "problem", view{Title: w.Name, User: q.ses.id.UserName, CSRF: q.ses.csrf,
			Problem: noDesktops})
		return
	}
	t := h.sessions.issue(q.tok, id)
	h.render(q.w, http.StatusOK, "desktop", view{Title: w.Name, User: q.ses.id.UserName, CSRF: q.ses.csrf,
		Data: map[string]string{"ID": id, "Name": w.Name, "WS": Prefix + "ws/" + id + "?ticket=" + t}})
}

const noDesktops = "This deskplane runs no desktops, so there is nothing to connect to. Start deskplane with -desktops local (see the README, \"Connect to a WorkSpace\")."

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
