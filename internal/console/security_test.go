package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/apptest"
)

func TestPagesSendTheBrowserToSignIn(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, e.URL)
	p := b.get(scopeA + "/workspaces?state=PENDING")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/console/signin?next=") {
		t.Fatalf("GET without a session = %d %q, want 303 to the sign-in form", p.Status, p.Location)
	}
	next, _ := url.Parse(p.Location)
	if got := next.Query().Get("next"); got != scopeA+"/workspaces?state=PENDING" {
		t.Errorf("next = %q", got)
	}
	if p := b.get(scopeA + "/workspaces/live?ids=ws-x"); p.Status != http.StatusUnauthorized {
		t.Errorf("live states without a session = %d, want 401", p.Status)
	}
	if p := b.get("/console/clock"); p.Status != http.StatusUnauthorized {
		t.Errorf("clock without a session = %d, want 401", p.Status)
	}
	// The static files hold nothing secret.
	if p := b.get("/console/static/console.js"); p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("console.js = %d %s", p.Status, p.Header.Get("Content-Type"))
	}
	if p := b.get("/console/static/"); p.Status != http.StatusNotFound {
		t.Errorf("static directory listing = %d, want 404", p.Status)
	}
}

func TestSignInSetsAStrictSessionCookie(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, e.URL)
	p := b.get("/console/signin")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `type="password" name="token"`) || !strings.Contains(p.Body, `method="post"`) {
		t.Fatalf("sign-in form: %d %s", p.Status, excerpt(p.Body))
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if got := p.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("sign-in form Cache-Control = %q", got)
	}

	p = b.signIn("admin")
	if p.Status != http.StatusSeeOther || p.Location != "/console/" {
		t.Fatalf("sign-in = %d %q", p.Status, p.Location)
	}
	var sc *http.Cookie
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == "deskplane_console" {
			sc = c
		}
	}
	if sc == nil {
		t.Fatal("no session cookie")
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/console/" || len(sc.Value) < 40 {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Strict, Path=/console/, a long random value", sc)
	}
	if strings.Contains(sc.Value, "admin") {
		t.Error("the session cookie carries the admin token")
	}
	if p := b.follow("/console/"); p.Status != http.StatusOK || !strings.Contains(p.Body, "<h1>WorkSpaces</h1>") {
		t.Fatalf("after sign-in: %d %s", p.Status, excerpt(p.Body))
	}
	// A second browser signs in to a session of its own.
	b2 := newBrowser(t, e.URL)
	b2.signIn("admin")
	b2.follow("/console/")
	if b2.csrf == "" || b2.csrf == b.csrf {
		t.Errorf("two sessions share the CSRF token %q", b.csrf)
	}
}

func TestSignInRefusesWrongTokensAndForeignForms(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, e.URL)
	for _, tok := range []string{"", "admi", "admin ", "ADMIN", "adminadmin"} {
		p := b.signIn(tok)
		if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "not the admin token") {
			t.Errorf("sign-in with %q = %d, want 401", tok, p.Status)
		}
		if strings.Contains(p.Header.Get("Set-Cookie"), "deskplane_console=") {
			t.Errorf("sign-in with %q set a session cookie", tok)
		}
	}
	if p := b.get(scopeA + "/workspaces"); p.Status != http.StatusSeeOther {
		t.Errorf("after failed sign-ins a page answers %d", p.Status)
	}

	// A sign-in form posted from another site: no pre-session cookie, or
	// the browser says cross-site.
	forged := newBrowser(t, e.URL)
	p := forged.post("/console/signin", url.Values{"pre": {"guess"}, "token": {"admin"}, "csrf": {"-"}})
	if p.Status != http.StatusForbidden {
		t.Errorf("sign-in without the form's cookie = %d, want 403", p.Status)
	}
	cross := newBrowser(t, e.URL)
	cross.get("/console/signin")
	cross.header.Set("Sec-Fetch-Site", "cross-site")
	if p := cross.signIn("admin"); p.Status != http.StatusForbidden {
		t.Errorf("cross-site sign-in = %d, want 403", p.Status)
	}
	// A redirect target outside the console is ignored.
	evil := newBrowser(t, e.URL)
	pg := evil.get("/console/signin?next=//evil.example/x")
	m := preRE.FindStringSubmatch(pg.Body)
	p = evil.post("/console/signin", url.Values{"pre": {m[1]}, "token": {"admin"}, "next": {"//evil.example/x"}, "csrf": {"-"}})
	if p.Status != http.StatusSeeOther || p.Location != "/console/" {
		t.Errorf("sign-in with next=//evil.example = %d %q, want /console/", p.Status, p.Location)
	}
}

func TestTheAdminTokenIsRefusedInURLs(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := newBrowser(t, e.URL)
	for _, path := range []string{
		"/console/signin?token=admin",
		"/console/signin?token=whatever",
		"/console/?t=admin",
		"/console/admin/us-east-1/workspaces",
		scopeA + "/workspaces?q=admin",
	} {
		p := b.get(path)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "never be put in a URL") {
			t.Errorf("GET %s = %d, want 400", path, p.Status)
		}
		if strings.Contains(p.Body, "admin<") || strings.Contains(p.Body, "=admin") {
			t.Errorf("GET %s echoes the token", path)
		}
	}
	// Not even a signed-in browser may send it.
	s := signedIn(t, e)
	if p := s.get(scopeA + "/workspaces?directory=admin"); p.Status != http.StatusBadRequest {
		t.Errorf("signed in, token in the query = %d, want 400", p.Status)
	}
}

func TestActionsNeedTheSessionAndItsCSRFToken(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	create := func() url.Values {
		return url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"mallory"}}
	}
	b := signedIn(t, e)

	cases := []struct {
		name   string
		mutate func(*browser) *browser
		form   url.Values
		want   int
	}{
		{"no cookie", func(*browser) *browser { return newBrowser(t, e.URL) }, url.Values{"csrf": {"x"}}, http.StatusUnauthorized},
		{"forged cookie", func(*browser) *browser {
			f := newBrowser(t, e.URL)
			u, _ := url.Parse(e.URL + "/console/")
			f.c.Jar.SetCookies(u, []*http.Cookie{{Name: "deskplane_console", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Path: "/console/"}})
			f.csrf = b.csrf
			return f
		}, nil, http.StatusUnauthorized},
		{"missing CSRF token", func(b *browser) *browser { return b }, url.Values{"csrf": {"-"}}, http.StatusForbidden},
		{"wrong CSRF token", func(b *browser) *browser { return b }, url.Values{"csrf": {"AAAA" + b.csrf[4:]}}, http.StatusForbidden},
		{"cross-site request", func(b *browser) *browser {
			c := *b
			c.header = http.Header{"Sec-Fetch-Site": {"cross-site"}}
			return &c
		}, nil, http.StatusForbidden},
		{"foreign Origin", func(b *browser) *browser {
			c := *b
			c.header = http.Header{"Origin": {"http://evil.example"}}
			return &c
		}, nil, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := create()
			for k, v := range tc.form {
				form[k] = v
			}
			c := tc.mutate(b)
			for _, path := range []string{scopeA + "/workspaces", "/console/controls/unfreeze", "/console/controls/reset"} {
				f := cloneValues(form)
				f.Set("confirm", "yes")
				f.Set("account", apptest.AccountA)
				p := c.post(path, f)
				if p.Status != tc.want {
					t.Errorf("POST %s = %d, want %d: %s", path, p.Status, tc.want, excerpt(p.Body))
				}
				if !strings.Contains(p.Body, "nothing was changed") {
					t.Errorf("POST %s: the refusal does not say nothing was changed", path)
				}
			}
		})
	}
	out, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Workspaces) != 0 {
		t.Errorf("refused requests created %d WorkSpaces", len(out.Workspaces))
	}
	if !e.App.Clock.Frozen() { // apptest freezes it; the refused unfreeze must not have run
		t.Error("a refused request unfroze the clock")
	}
	// The same form with the token goes through.
	p := b.postFollow(scopeA+"/workspaces", create())
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Created ws-") {
		t.Fatalf("create with the CSRF token: %d %s", p.Status, excerpt(p.Body))
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := signedIn(t, e)
	stolen := cloneCookies(t, b, e.URL)
	p := b.post("/console/signout", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/console/signin" {
		t.Fatalf("sign-out = %d %q", p.Status, p.Location)
	}
	if p := b.get(scopeA + "/workspaces"); p.Status != http.StatusSeeOther {
		t.Errorf("page after sign-out = %d, want 303", p.Status)
	}
	// The old cookie value, replayed, opens nothing.
	replay := newBrowser(t, e.URL)
	u, _ := url.Parse(e.URL + "/console/")
	replay.c.Jar.SetCookies(u, stolen)
	if p := replay.get(scopeA + "/workspaces"); p.Status != http.StatusSeeOther {
		t.Errorf("replayed cookie after sign-out = %d, want 303", p.Status)
	}
	// Sign-out itself needs the CSRF token (no logout by a foreign site).
	b2 := signedIn(t, e)
	if p := b2.post("/console/signout", url.Values{"csrf": {"-"}}); p.Status != http.StatusForbidden {
		t.Errorf("sign-out without CSRF token = %d, want 403", p.Status)
	}
	if p := b2.get(scopeA + "/workspaces"); p.Status != http.StatusOK {
		t.Errorf("the session ended by a forged sign-out: %d", p.Status)
	}
}

func cloneCookies(t *testing.T, b *browser, base string) []*http.Cookie {
	u, _ := url.Parse(base + "/console/")
	var out []*http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/console/"})
	}
	if len(out) == 0 {
		t.Fatal("no cookies")
	}
	return out
}

func TestUnknownAccountsAndRegionsAnswer404(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *appConfig) { c.Regions = "us-east-1,eu-west-1" }})
	b := signedIn(t, e)
	for _, path := range []string{
		"/console/999999999999/us-east-1/workspaces",
		"/console/" + apptest.AccountA + "/ap-south-1/workspaces",
		"/console/" + apptest.AccountA + "/US_EAST/workspaces",
		"/console/nothing-here",
	} {
		if p := b.get(path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, p.Status)
		}
	}
	if p := b.get("/console/" + apptest.AccountB + "/eu-west-1/workspaces"); p.Status != http.StatusOK {
		t.Errorf("a configured account in a served Region = %d", p.Status)
	}
	p := b.get("/console/go?account=" + apptest.AccountC + "&region=eu-west-1&page=images")
	if p.Status != http.StatusSeeOther || p.Location != "/console/"+apptest.AccountC+"/eu-west-1/images" {
		t.Errorf("scope picker = %d %q", p.Status, p.Location)
	}
	if p := b.get("/console/go?account=" + apptest.AccountC + "&region=ap-south-1"); p.Status != http.StatusBadRequest {
		t.Errorf("scope picker to an unserved Region = %d, want 400", p.Status)
	}
}
