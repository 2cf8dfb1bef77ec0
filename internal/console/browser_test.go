package console_test

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

type appConfig = app.Config

// browser is a minimal form-posting client with a cookie jar: what a
// person's browser does with the console's pages, without JavaScript.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
	// header is added to every request (attacker tests).
	header http.Header
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, header: http.Header{},
		c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer.
type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
var preRE = regexp.MustCompile(`name="pre" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	for k, vs := range b.header {
		req.Header[k] = vs
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := page{Status: res.StatusCode, Body: string(body), Location: res.Header.Get("Location"), Header: res.Header}
	if m := csrfRE.FindStringSubmatch(p.Body); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// follow GETs path and follows redirects inside the console.
func (b *browser) follow(path string) page {
	b.t.Helper()
	p := b.get(path)
	for i := 0; i < 5 && p.Status == http.StatusSeeOther; i++ {
		p = b.get(p.Location)
	}
	return p
}

// post sends a form; the session's CSRF token is added unless the form
// has one (or says csrf="-" to send none).
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	switch form.Get("csrf") {
	case "":
		form.Set("csrf", b.csrf)
	case "-":
		form.Del("csrf")
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// postFollow posts and follows the redirect (post/redirect/get).
func (b *browser) postFollow(path string, form url.Values) page {
	b.t.Helper()
	p := b.post(path, form)
	if p.Status == http.StatusSeeOther {
		return b.follow(p.Location)
	}
	return p
}

// confirmAndPost posts the form, expects the confirmation page, then posts
// it again confirmed.
func (b *browser) confirmAndPost(path string, form url.Values) page {
	b.t.Helper()
	p := b.post(path, form)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `name="confirm" value="yes"`) {
		b.t.Fatalf("POST %s: want a confirmation page, got %d: %s", path, p.Status, excerpt(p.Body))
	}
	form = cloneValues(form)
	form.Set("confirm", "yes")
	form.Del("csrf")
	return b.postFollow(path, form)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// signIn signs in with the token through the form.
func (b *browser) signIn(token string) page {
	b.t.Helper()
	p := b.get("/console/signin")
	m := preRE.FindStringSubmatch(p.Body)
	if m == nil {
		b.t.Fatalf("sign-in form without its hidden field: %s", excerpt(p.Body))
	}
	return b.post("/console/signin", url.Values{"pre": {m[1]}, "token": {token}, "next": {"/console/"}, "csrf": {"-"}})
}

// signedIn returns a browser signed in to e's console.
func signedIn(t testing.TB, e *apptest.Env) *browser {
	t.Helper()
	b := newBrowser(t, e.URL)
	if p := b.signIn("admin"); p.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", p.Status, excerpt(p.Body))
	}
	b.follow("/console/")
	return b
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

const scopeA = "/console/" + apptest.AccountA + "/" + apptest.Region

// modernBundle returns an AMAZON bundle whose WorkSpaces can be rebuilt
// and imaged (Windows 7 ones cannot): Standard on Server 2022.
func modernBundle(t testing.TB, e *apptest.Env) string {
	t.Helper()
	in := &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String("AMAZON")}
	for {
		out, err := e.WS(apptest.AccountA).DescribeWorkspaceBundles(e.Ctx(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range out.Bundles {
			if n := aws.ToString(b.Name); strings.HasPrefix(n, "Standard with") && strings.Contains(n, "Server 2022") {
				return aws.ToString(b.BundleId)
			}
		}
		if out.NextToken == nil {
			t.Fatal("no Standard Server 2022 bundle in the catalogue")
		}
		in.NextToken = out.NextToken
	}
}
