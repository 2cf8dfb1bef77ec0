package console

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// fakeWS is a WorkSpaces service with a fixed fleet, for tests that do not
// need the real one.
type fakeWS struct {
	wsapi.Unimplemented
	fleet []wsapi.Workspace
	mu    sync.Mutex
	calls []deskplane.Caller
}

func (f *fakeWS) record(ctx context.Context) {
	c, _ := deskplane.CallerFrom(ctx)
	f.mu.Lock()
	f.calls = append(f.calls, c)
	f.mu.Unlock()
}

func (f *fakeWS) DescribeWorkspaces(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*wsapi.DescribeWorkspacesResult, error) {
	f.record(ctx)
	out := &wsapi.DescribeWorkspacesResult{Workspaces: []wsapi.Workspace{}}
	for _, w := range f.fleet {
		if len(in.WorkspaceIds) == 0 || slices.Contains(in.WorkspaceIds, *w.WorkspaceId) {
			out.Workspaces = append(out.Workspaces, w)
		}
	}
	return out, nil
}

func (f *fakeWS) DescribeWorkspacesConnectionStatus(ctx context.Context, in *wsapi.DescribeWorkspacesConnectionStatusRequest) (*wsapi.DescribeWorkspacesConnectionStatusResult, error) {
	return &wsapi.DescribeWorkspacesConnectionStatusResult{}, nil
}

func (f *fakeWS) DescribeWorkspaceDirectories(ctx context.Context, in *wsapi.DescribeWorkspaceDirectoriesRequest) (*wsapi.DescribeWorkspaceDirectoriesResult, error) {
	return &wsapi.DescribeWorkspaceDirectoriesResult{}, nil
}

func (f *fakeWS) DescribeWorkspaceSnapshots(ctx context.Context, in *wsapi.DescribeWorkspaceSnapshotsRequest) (*wsapi.DescribeWorkspaceSnapshotsResult, error) {
	return &wsapi.DescribeWorkspaceSnapshotsResult{}, nil
}

func (f *fakeWS) DescribeTags(ctx context.Context, in *wsapi.DescribeTagsRequest) (*wsapi.DescribeTagsResult, error) {
	return &wsapi.DescribeTagsResult{}, nil
}

func (f *fakeWS) DescribeWorkspaceBundles(ctx context.Context, in *wsapi.DescribeWorkspaceBundlesRequest) (*wsapi.DescribeWorkspaceBundlesResult, error) {
	return &wsapi.DescribeWorkspaceBundlesResult{}, nil
}

func fleet(ids ...string) []wsapi.Workspace {
	var out []wsapi.Workspace
	for _, id := range ids {
		out = append(out, wsapi.Workspace{WorkspaceId: ptr(id), State: wsapi.WorkspaceStateAvailable, UserName: ptr("u-" + id),
			DirectoryId: ptr("d-0123456789"), BundleId: ptr("wsb-012345678")})
	}
	return out
}

// fakeDesktops runs a desktop for some WorkSpaces.
type fakeDesktops struct{ running map[string]bool }

func (d fakeDesktops) Running(_ context.Context, _ deskplane.Scope, ids []string) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = d.running[id]
	}
	return out
}

func (d fakeDesktops) Thumbnail(_ context.Context, _ deskplane.Scope, id string, width int) ([]byte, bool, error) {
	if !d.running[id] {
		return nil, false, nil
	}
	img := image.NewRGBA(image.Rect(0, 0, width, width*3/4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, false, err
	}
	return b.Bytes(), true, nil
}

func (d fakeDesktops) ConnectURL(sc deskplane.Scope, id string) string {
	return "/client/" + sc.Account + "/" + sc.Region + "/" + id
}

type testServer struct {
	*httptest.Server
	h    *Handler
	now  time.Time
	mu   sync.Mutex
	logs *bytes.Buffer
}

func (s *testServer) wall() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *testServer) pass(d time.Duration) {
	s.mu.Lock()
	s.now = s.now.Add(d)
	s.mu.Unlock()
}

func newTestServer(t *testing.T, d Deps) *testServer {
	s := &testServer{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), logs: &bytes.Buffer{}}
	if d.Token == "" {
		d.Token = "s3cret-admin-token"
	}
	if d.WorkSpaces == nil {
		d.WorkSpaces = &fakeWS{}
	}
	if d.Directories == nil {
		d.Directories = dsapi.Unimplemented{}
	}
	d.Wall = s.wall
	d.Log = slog.New(slog.NewTextHandler(syncWriter{w: s.logs, mu: &s.mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.h = New(d)
	mux := http.NewServeMux()
	mux.Handle(Prefix, s.h)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

type syncWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// client signs in and returns a cookie-keeping client that does not follow
// redirects.
func (s *testServer) client(t *testing.T, token string) (*http.Client, *http.Response) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(s.URL + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="pre" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no sign-in form: %s", body)
	}
	res, err = c.PostForm(s.URL+"/console/signin", url.Values{"pre": {string(m[1])}, "token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return c, res
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func TestSessionsExpireWhenIdleAndAfterTheirMaximum(t *testing.T) {
	s := newTestServer(t, Deps{SessionIdle: 30 * time.Minute, SessionMax: 2 * time.Hour})
	page := s.URL + "/console/000000000000/us-east-1/workspaces"
	c, res := s.client(t, "s3cret-admin-token")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	// Used every 20 minutes, the session lives until its maximum.
	for i := range 5 {
		s.pass(20 * time.Minute)
		if code, _, _ := get(t, c, page); code != http.StatusOK {
			t.Fatalf("request %d, %s after sign-in: %d", i, time.Duration(i+1)*20*time.Minute, code)
		}
	}
	s.pass(30 * time.Minute) // 2h10m after sign-in
	if code, _, _ := get(t, c, page); code != http.StatusSeeOther {
		t.Errorf("after the maximum: %d, want 303 to sign-in", code)
	}
	if n := s.h.sessions.count(); n != 0 {
		t.Errorf("%d sessions held after expiry", n)
	}
	// Idle longer than the idle limit.
	c2, _ := s.client(t, "s3cret-admin-token")
	s.pass(31 * time.Minute)
	if code, _, _ := get(t, c2, page); code != http.StatusSeeOther {
		t.Errorf("after 31 idle minutes: %d, want 303", code)
	}
	// An expired session cannot act either.
	res, err := c2.PostForm(s.URL+"/console/controls/freeze", url.Values{"csrf": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST with an expired session: %d, want 401", res.StatusCode)
	}
}

func TestSessionsAreCapped(t *testing.T) {
	now := time.Now()
	ss := newSessions(func() time.Time { return now }, time.Hour, time.Hour, 3)
	var ids []string
	for range 5 {
		now = now.Add(time.Second)
		id, _ := ss.create()
		ids = append(ids, id)
	}
	if ss.count() != 3 {
		t.Fatalf("%d sessions, want 3", ss.count())
	}
	if ss.get(ids[0]) != nil || ss.get(ids[1]) != nil || ss.get(ids[4]) == nil {
		t.Error("the cap did not evict the sessions idle longest")
	}
	if ss.get("") != nil || ss.get(strings.Repeat("a", 500)) != nil {
		t.Error("an empty or overlong id found a session")
	}
}

func TestTheAdminTokenIsNeverLogged(t *testing.T) {
	const token = "s3cret-admin-token"
	s := newTestServer(t, Deps{Token: token})
	s.client(t, "wrong-token-guess")
	c, _ := s.client(t, token)
	for _, u := range []string{"/console/signin?token=" + token, "/console/000000000000/us-east-1/workspaces?q=" + token, "/console/" + token} {
		code, body, _ := get(t, c, s.URL+u)
		if code != http.StatusBadRequest || strings.Contains(body, token) {
			t.Errorf("GET %s: %d", u, code)
		}
	}
	s.mu.Lock()
	logs := s.logs.String()
	s.mu.Unlock()
	if !strings.Contains(logs, "console sign-in failed") || !strings.Contains(logs, "admin token was in the URL") {
		t.Errorf("the log does not record the refusals: %s", logs)
	}
	if strings.Contains(logs, token) || strings.Contains(logs, "wrong-token-guess") {
		t.Errorf("a token reached the log: %s", logs)
	}
}

func TestCallsCarryTheScopeAsTheCaller(t *testing.T) {
	f := &fakeWS{fleet: fleet("ws-aaaaaaaa1")}
	s := newTestServer(t, Deps{WorkSpaces: f, Accounts: []string{"000000000000", "111111111111"}})
	c, _ := s.client(t, "s3cret-admin-token")
	if code, body, _ := get(t, c, s.URL+"/console/111111111111/eu-west-1/workspaces"); code != http.StatusOK || !strings.Contains(body, "ws-aaaaaaaa1") {
		t.Fatalf("table: %d %s", code, body)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("no call reached the service")
	}
	for _, c := range f.calls {
		if c.Account != "111111111111" || c.Region != "eu-west-1" || c.Operation != "DescribeWorkspaces" || len(c.RequestID) != 36 {
			t.Errorf("caller %+v", c)
		}
	}
}

func TestWithoutDesktopsNoThumbnailsOrConnect(t *testing.T) {
	f := &fakeWS{fleet: fleet("ws-aaaaaaaa1")}
	s := newTestServer(t, Deps{WorkSpaces: f})
	c, _ := s.client(t, "s3cret-admin-token")
	base := s.URL + "/console/000000000000/us-east-1/workspaces"
	for _, u := range []string{base, base + "/ws-aaaaaaaa1"} {
		code, body, _ := get(t, c, u)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", u, code)
		}
		if strings.Contains(body, "<img") || strings.Contains(body, "Connect</a>") || strings.Contains(body, "<th>Desktop</th>") {
			t.Errorf("%s shows desktop parts without desktops", u)
		}
	}
	if code, _, _ := get(t, c, base+"/ws-aaaaaaaa1/thumbnail"); code != http.StatusNotFound {
		t.Errorf("thumbnail without desktops: %d, want 404", code)
	}
	_, body, _ := get(t, c, base+"/live?ids=ws-aaaaaaaa1")
	if !strings.Contains(body, `"desktop":false`) {
		t.Errorf("live without desktops: %s", body)
	}
}

func TestDesktopsShowThumbnailsAndConnect(t *testing.T) {
	f := &fakeWS{fleet: fleet("ws-aaaaaaaa1", "ws-bbbbbbbb2")}
	s := newTestServer(t, Deps{WorkSpaces: f, Desktops: fakeDesktops{running: map[string]bool{"ws-aaaaaaaa1": true}}})
	c, _ := s.client(t, "s3cret-admin-token")
	base := s.URL + "/console/000000000000/us-east-1/workspaces"
	_, body, _ := get(t, c, base)
	if !strings.Contains(body, "<th>Desktop</th>") || !strings.Contains(body, `src="/console/000000000000/us-east-1/workspaces/ws-aaaaaaaa1/thumbnail"`) {
		t.Errorf("table: no thumbnail of the running desktop: %s", body)
	}
	if strings.Contains(body, "ws-bbbbbbbb2/thumbnail") {
		t.Error("a thumbnail for a WorkSpace without a desktop")
	}
	if !strings.Contains(body, `href="/client/000000000000/us-east-1/ws-aaaaaaaa1"`) {
		t.Error("no Connect link")
	}
	code, img, hdr := get(t, c, base+"/ws-aaaaaaaa1/thumbnail?w=200")
	if code != http.StatusOK || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("thumbnail: %d %s", code, hdr.Get("Content-Type"))
	}
	if cfg, err := png.DecodeConfig(strings.NewReader(img)); err != nil || cfg.Width != 200 {
		t.Errorf("thumbnail: %v %+v", err, cfg)
	}
	if code, _, _ := get(t, c, base+"/ws-bbbbbbbb2/thumbnail"); code != http.StatusNotFound {
		t.Errorf("thumbnail of a WorkSpace without a desktop: %d", code)
	}
	_, detail, _ := get(t, c, base+"/ws-aaaaaaaa1")
	if !strings.Contains(detail, `id="connect"`) || !strings.Contains(detail, `id="thumb"`) {
		t.Errorf("detail page without Connect or screen: %s", detail)
	}
	// The thumbnail needs the session like every page.
	anon := &http.Client{}
	if code, _, _ := get(t, anon, base+"/ws-aaaaaaaa1/thumbnail"); code != http.StatusUnauthorized {
		t.Errorf("thumbnail without a session: %d", code)
	}
}

func TestSigningInAgainReplacesTheSession(t *testing.T) {
	s := newTestServer(t, Deps{})
	c, _ := s.client(t, "s3cret-admin-token")
	u, _ := url.Parse(s.URL + "/console/")
	old := c.Jar.Cookies(u)[0].Value
	if s.h.sessions.get(old) == nil {
		t.Fatal("no live session after sign-in")
	}
	// A sign-in that presents a session id (planted or old) ends it and
	// hands out a new one: no session fixation.
	jar, _ := cookiejar.New(nil)
	c2 := &http.Client{Jar: jar, CheckRedirect: c.CheckRedirect}
	res, err := c2.Get(s.URL + "/console/signin")
	if err != nil {
		t.Fatal(err)
	}
	form, _ := io.ReadAll(res.Body)
	res.Body.Close()
	c2.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: old, Path: "/console/"}})
	pre := regexp.MustCompile(`name="pre" value="([^"]+)"`).FindSubmatch(form)[1]
	res, err = c2.PostForm(s.URL+"/console/signin", url.Values{"pre": {string(pre)}, "token": {"s3cret-admin-token"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	if s.h.sessions.get(old) != nil {
		t.Error("the session id presented at sign-in is still live")
	}
	if nw := c2.Jar.Cookies(u); len(nw) == 0 || nw[0].Value == old {
		t.Error("sign-in kept the old session id")
	}
}
