package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane/internal/smithy"
)

// pages are the parsed templates, one set per page (layout + page).
type pages map[string]*template.Template

// view is what every page template receives.
type view struct {
	Title   string
	Nav     string // the section highlighted in the navigation
	Scope   scope
	Signed  bool
	CSRF    string
	Flashes []flash
	Clock   *ClockState
	// Accounts and Regions fill the scope picker; RegionFree says any
	// Region may be typed.
	Accounts   []string
	Regions    []string
	RegionFree bool
	Controls   bool // the test controls exist
	Desktops   bool // real desktops exist
	Path       string
	Data       any
}

func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"str": func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		},
		"i32": func(p *int32) string {
			if p == nil {
				return ""
			}
			return fmt.Sprint(*p)
		},
		"bool": func(p *bool) string {
			if p == nil {
				return ""
			}
			if *p {
				return "yes"
			}
			return "no"
		},
		"ts": func(t *smithy.Timestamp) string {
			if t == nil {
				return ""
			}
			return t.Time.UTC().Format("2006-01-02 15:04:05 UTC")
		},
		"time":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"join":       strings.Join,
		"lower":      func(s any) string { return strings.ToLower(fmt.Sprint(s)) },
		"stateClass": stateClass,
		"eq2":        func(a any, b string) bool { return fmt.Sprint(a) == b },
	}
}

// stateClass is the CSS class of a state: ok, busy, stopped or bad.
func stateClass(s any) string {
	switch v := strings.ToUpper(fmt.Sprint(s)); v {
	case "AVAILABLE", "REGISTERED", "ACTIVE", "CREATED", "ENABLED", "CONNECTED", "RUNNING":
		return "st-ok"
	case "STOPPED", "DISCONNECTED", "DEREGISTERED", "INACTIVE", "SUSPENDED":
		return "st-stopped"
	case "ERROR", "UNHEALTHY", "FAILED", "IMPAIRED", "IMPAIREDFAILED", "TERMINATED", "DELETED":
		return "st-bad"
	case "":
		return ""
	default:
		return "st-busy"
	}
}

func parsePages() pages {
	funcs := templateFuncs()
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err) // the pattern is constant
	}
	ps := make(pages)
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		// Templates are embedded: a parse error is a build defect that
		// every test of the package reports at once.
		ps[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return ps
}

// render writes the page; the template runs into a buffer first so that a
// template error becomes a clean 500, never half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, v view) {
	t := h.pages[name]
	if t == nil {
		h.d.Log.Error("console: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		h.d.Log.Error("console: template failed", "name", name, "err", err)
		http.Error(w, "The console could not draw this page; the server log says why.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// show renders a page of the signed-in console.
func (h *Handler) show(q *req, status int, name, title, nav string, data any) {
	v := view{
		Title: title, Nav: nav, Scope: q.sc, Signed: true, CSRF: q.ses.csrf,
		Flashes:  h.sessions.takeFlashes(q.ses),
		Accounts: h.d.Accounts, Controls: h.d.Controls != nil, Desktops: h.d.Desktops != nil,
		Path: q.r.URL.RequestURI(), Data: data,
	}
	v.Regions, v.RegionFree = h.regionChoices(q.sc.Region)
	if v.Scope.Account == "" {
		v.Scope = h.defaultScope()
	}
	if h.d.Controls != nil {
		c := h.d.Controls.Clock()
		v.Clock = &c
	}
	h.render(q.w, status, name, v)
}

// regionChoices are the Regions offered in the picker.
func (h *Handler) regionChoices(current string) ([]string, bool) {
	if len(h.d.Regions) > 0 {
		return h.d.Regions, false
	}
	rs := []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"}
	if current != "" && !slices.Contains(rs, current) {
		rs = append([]string{current}, rs...)
	}
	return rs, true
}

func (h *Handler) defaultScope() scope {
	region := "us-east-1"
	if len(h.d.Regions) > 0 {
		region = h.d.Regions[0]
	}
	return scope{Account: h.d.Accounts[0], Region: region}
}

// notFound answers 404 with a console page (or plain text without a
// session).
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	h.errorPage(w, r, http.StatusNotFound, msg)
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id, ses := h.session(r)
	if ses == nil {
		h.plainError(w, status, msg)
		return
	}
	q := &req{w: w, r: r, id: id, ses: ses}
	if a, rg := r.PathValue("account"), r.PathValue("region"); a != "" && h.regionServed(rg) {
		for _, acct := range h.d.Accounts {
			if acct == a {
				q.sc = scope{Account: a, Region: rg}
			}
		}
	}
	h.show(q, status, "error", http.StatusText(status), "", msg)
}

// plainError answers a short page without the console's frame: used
// before a session is known.
func (h *Handler) plainError(w http.ResponseWriter, status int, msg string) {
	h.render(w, status, "error", view{Title: http.StatusText(status), Data: msg})
}

// redirect answers a state-changing request: the message goes to the
// session, the browser to the page (post/redirect/get).
func (h *Handler) redirect(q *req, to, kind, text string) {
	if text != "" {
		h.sessions.addFlash(q.ses, kind, text)
	}
	http.Redirect(q.w, q.r, to, http.StatusSeeOther)
}
