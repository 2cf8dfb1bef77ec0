package console

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// req is one console request after the guards: the signed-in session and,
// for pages of an account and Region, the scope.
type req struct {
	w   http.ResponseWriter
	r   *http.Request
	id  string // session id (the cookie value)
	ses *session
	sc  scope
}

// scope is the account and Region a page shows.
type scope struct {
	Account, Region string
}

// Base is the path of the scope's pages.
func (s scope) Base() string { return Prefix + s.Account + "/" + s.Region }

const maxFormBytes = 1 << 20

// session returns the request's live session, or nil.
func (h *Handler) session(r *http.Request) (string, *session) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", nil
	}
	ses := h.sessions.get(c.Value)
	if ses == nil {
		return "", nil
	}
	return c.Value, ses
}

// page guards a GET page: without a session, the browser goes to sign-in
// and comes back afterwards.
func (h *Handler) page(fn func(*req)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ses := h.session(r)
		if ses == nil {
			next := r.URL.Path
			if r.URL.RawQuery != "" {
				next += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, Prefix+"signin?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fn(&req{w: w, r: r, id: id, ses: ses})
	})
}

// json guards an endpoint read by the page's script: 401 without a
// session.
func (h *Handler) json(fn func(*req)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ses := h.session(r)
		if ses == nil {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Sign in to the console first."})
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		fn(&req{w: w, r: r, id: id, ses: ses})
	})
}

// action guards a state-changing request: it must pass the cross-origin
// check, come from a live session and carry that session's CSRF token.
func (h *Handler) action(fn func(*req)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := h.cop.Check(r); err != nil {
			h.crossOrigin(w, r)
			return
		}
		id, ses := h.session(r)
		if ses == nil {
			h.plainError(w, http.StatusUnauthorized, "Your console session has ended or never began. Sign in again at /console/signin; nothing was changed.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.plainError(w, http.StatusBadRequest, "The form could not be read.")
			return
		}
		got := r.PostForm.Get("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ses.csrf)) != 1 {
			h.d.Log.Warn("console request refused: missing or wrong CSRF token", "path", r.URL.Path, "remote", r.RemoteAddr)
			h.plainError(w, http.StatusForbidden, "This form is stale or did not come from the console (its CSRF token is missing or wrong). Reload the page and try again; nothing was changed.")
			return
		}
		fn(&req{w: w, r: r, id: id, ses: ses})
	})
}

// crossOrigin answers a request refused by the cross-origin check.
func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	h.d.Log.Warn("console request refused: cross-origin", "path", r.URL.Path, "remote", r.RemoteAddr)
	h.plainError(w, http.StatusForbidden, "Cross-origin requests to the console are refused; nothing was changed.")
}

func (h *Handler) scoped(fn func(*req)) http.Handler {
	return h.page(func(q *req) {
		if h.withScope(q) {
			fn(q)
		}
	})
}

func (h *Handler) scopedJSON(fn func(*req)) http.Handler {
	return h.json(func(q *req) {
		if h.withScope(q) {
			fn(q)
		}
	})
}

func (h *Handler) scopedAction(fn func(*req)) http.Handler {
	return h.action(func(q *req) {
		if h.withScope(q) {
			fn(q)
		}
	})
}

// withScope reads the account and Region from the path; an account that is
// not configured or a Region that is not served answers 404.
func (h *Handler) withScope(q *req) bool {
	sc := scope{Account: q.r.PathValue("account"), Region: q.r.PathValue("region")}
	if !slices.Contains(h.d.Accounts, sc.Account) {
		h.notFound(q.w, q.r, "This deskplane has no account "+sc.Account+". Pick one of the accounts in the bar above.")
		return false
	}
	if !h.regionServed(sc.Region) {
		h.notFound(q.w, q.r, "This deskplane does not serve the Region "+sc.Region+".")
		return false
	}
	q.sc = sc
	return true
}

// regionServed applies the -regions setting, or, without one, the form of
// a Region name (lower-case letters, digits and dashes).
func (h *Handler) regionServed(region string) bool {
	if len(h.d.Regions) > 0 {
		return slices.Contains(h.d.Regions, region)
	}
	if region == "" || len(region) > 32 {
		return false
	}
	for i := 0; i < len(region); i++ {
		c := region[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// tokenInURL reports whether the admin token appears as a query value or a
// path segment; such requests are refused before anything else reads them.
func (h *Handler) tokenInURL(r *http.Request) bool {
	if h.d.Token == "" {
		return false
	}
	tok := []byte(h.d.Token)
	eq := func(s string) bool { return subtle.ConstantTimeCompare([]byte(s), tok) == 1 }
	q := r.URL.Query()
	for k, vs := range q {
		switch strings.ToLower(k) {
		case "token", "admin-token", "admin_token", "admintoken":
			return true
		}
		for _, v := range vs {
			if eq(v) {
				return true
			}
		}
	}
	for _, seg := range strings.Split(r.URL.Path, "/") {
		if eq(seg) {
			return true
		}
	}
	return false
}

// signinForm shows the sign-in form. It sets a short-lived cookie whose
// value the form echoes, so that a sign-in cannot be forged from another
// site (login CSRF).
func (h *Handler) signinForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if _, ses := h.session(r); ses != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.renderSignin(w, r, http.StatusOK, "")
}

func (h *Handler) renderSignin(w http.ResponseWriter, r *http.Request, status int, problem string) {
	pre := randomToken()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: pre, Path: Prefix + "signin", MaxAge: 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	h.render(w, status, "signin", view{Title: "Sign in", Data: map[string]string{
		"Pre": pre, "Next": safeNext(next), "Problem": problem}})
}

// signin checks the admin token and starts a session.
func (h *Handler) signin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := h.cop.Check(r); err != nil {
		h.crossOrigin(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		h.plainError(w, http.StatusBadRequest, "The sign-in form could not be read.")
		return
	}
	c, err := r.Cookie(signinCookie)
	pre := r.PostForm.Get("pre")
	if err != nil || pre == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(pre)) != 1 {
		h.d.Log.Warn("console sign-in refused: the form did not come from the console", "remote", r.RemoteAddr)
		h.renderSignin(w, r, http.StatusForbidden, "The sign-in form expired or did not come from this console. Try again.")
		return
	}
	tok := r.PostForm.Get("token")
	if h.d.Token == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(h.d.Token)) != 1 {
		h.d.Log.Warn("console sign-in failed: wrong admin token", "remote", r.RemoteAddr)
		h.renderSignin(w, r, http.StatusUnauthorized, "That is not the admin token. deskplane prints it at start (or set it with -admin-token).")
		return
	}
	if old, err := r.Cookie(sessionCookie); err == nil {
		h.sessions.end(old.Value) // a new sign-in never keeps an id set before it
	}
	id, _ := h.sessions.create()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: "", Path: Prefix + "signin", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: Prefix,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	h.d.Log.Info("console sign-in", "remote", r.RemoteAddr)
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// signout ends the session.
func (h *Handler) signout(q *req) {
	h.sessions.end(q.id)
	http.SetCookie(q.w, &http.Cookie{Name: sessionCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: q.r.TLS != nil})
	http.Redirect(q.w, q.r, Prefix+"signin", http.StatusSeeOther)
}

// safeNext keeps a return address inside the console: a path under
// /console/, never another host ("//evil", "/\evil").
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") {
		return Prefix
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" || u.User != nil {
		return Prefix
	}
	return next
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
