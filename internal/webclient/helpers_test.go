package webclient_test

import (
	"context"
	"encoding/binary"
	"errors"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	"github.com/coder/websocket"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/rfb"
	"github.com/deskplane/deskplane/internal/webclient"
)

// world is one deskplane with a registered directory, its users, and a web
// client in front of fake desktops.
type world struct {
	t    *testing.T
	e    *apptest.Env
	h    *webclient.Handler
	srv  *httptest.Server
	dir  string
	code string
	desk *fakeDesktops
}

const pw = "Corr3ct-Horse-9"

type options struct {
	limits webclient.Limits
}

func newWorld(t *testing.T, o options) *world {
	t.Helper()
	e := apptest.Start(t, apptest.Options{})
	w := &world{t: t, e: e, desk: newFakeDesktops(t)}
	w.dir = e.RegisteredDirectory(apptest.AccountA)
	out, err := e.WS(apptest.AccountA).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{w.dir}})
	if err != nil || len(out.Directories) != 1 {
		t.Fatalf("DescribeWorkspaceDirectories: %v", err)
	}
	w.code = aws.ToString(out.Directories[0].RegistrationCode)
	w.h = webclient.New(webclient.Deps{
		Access:   e.App.WebAccess,
		Desktops: w.desk,
		NoVNCDir: t.TempDir(),
		Poll:     20 * time.Millisecond,
		Limits:   o.limits,
	})
	w.srv = httptest.NewServer(w.h)
	t.Cleanup(w.srv.Close)
	return w
}

// allowWeb sets the directory's DeviceTypeWeb.
func (w *world) allowWeb(allow bool) {
	w.t.Helper()
	v := wstypes.AccessPropertyValueDeny
	if allow {
		v = wstypes.AccessPropertyValueAllow
	}
	_, err := w.e.WS(apptest.AccountA).ModifyWorkspaceAccessProperties(w.e.Ctx(), &workspaces.ModifyWorkspaceAccessPropertiesInput{
		ResourceId: aws.String(w.dir), WorkspaceAccessProperties: &wstypes.WorkspaceAccessProperties{DeviceTypeWeb: v}})
	if err != nil {
		w.t.Fatalf("ModifyWorkspaceAccessProperties: %v", err)
	}
}

func (w *world) data() *directoryservicedata.Client {
	return directoryservicedata.NewFromConfig(w.e.AWSConfig(apptest.AccountA, apptest.Region))
}

// user creates a directory user with Directory Service Data and gives it
// a password with ResetUserPassword.
func (w *world) user(name, password string) {
	w.t.Helper()
	if _, err := w.data().CreateUser(w.e.Ctx(), &directoryservicedata.CreateUserInput{DirectoryId: aws.String(w.dir), SAMAccountName: aws.String(name)}); err != nil {
		w.t.Fatalf("CreateUser %s: %v", name, err)
	}
	w.setPassword(name, password)
}

// setPassword is ResetUserPassword.
func (w *world) setPassword(name, pass string) {
	w.t.Helper()
	_, err := w.e.DS(apptest.AccountA).ResetUserPassword(w.e.Ctx(), &directoryservice.ResetUserPasswordInput{
		DirectoryId: aws.String(w.dir), UserName: aws.String(name), NewPassword: aws.String(pass)})
	if err != nil {
		w.t.Fatalf("ResetUserPassword %s: %v", name, err)
	}
}

// workspace creates an AVAILABLE WorkSpace for the user.
func (w *world) workspace(user string, mode wstypes.RunningMode) string {
	w.t.Helper()
	props := &wstypes.WorkspaceProperties{RunningMode: mode}
	if mode == wstypes.RunningModeManual { // a WorkSpaces Core feature (decision 0321)
		w.e.Control("POST", "account-settings", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "coreAllowListed": true}, nil)
	}
	if mode == wstypes.RunningModeAutoStop {
		props.RunningModeAutoStopTimeoutInMinutes = aws.Int32(60)
	}
	out, err := w.e.WS(apptest.AccountA).CreateWorkspaces(w.e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []wstypes.WorkspaceRequest{{
		DirectoryId: aws.String(w.dir), UserName: aws.String(user), BundleId: aws.String(w.e.AmazonBundle()), WorkspaceProperties: props}}})
	if err != nil || len(out.PendingRequests) != 1 {
		w.t.Fatalf("CreateWorkspaces: %v %+v", err, out)
	}
	w.e.Advance(time.Hour)
	return aws.ToString(out.PendingRequests[0].WorkspaceId)
}

func (w *world) connection(id string) wstypes.WorkspaceConnectionStatus {
	w.t.Helper()
	out, err := w.e.WS(apptest.AccountA).DescribeWorkspacesConnectionStatus(w.e.Ctx(), &workspaces.DescribeWorkspacesConnectionStatusInput{WorkspaceIds: []string{id}})
	if err != nil || len(out.WorkspacesConnectionStatus) != 1 {
		w.t.Fatalf("DescribeWorkspacesConnectionStatus: %v", err)
	}
	return out.WorkspacesConnectionStatus[0]
}

func (w *world) state(id string) wstypes.WorkspaceState {
	w.t.Helper()
	out, err := w.e.WS(apptest.AccountA).DescribeWorkspaces(w.e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil || len(out.Workspaces) != 1 {
		w.t.Fatalf("DescribeWorkspaces: %v", err)
	}
	return out.Workspaces[0].State
}

// browser is one person's browser: a cookie jar, no redirects followed.
type browser struct {
	w    *world
	c    *http.Client
	jar  *cookiejar.Jar
	last string // the last page's body
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{w: w, jar: jar, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(path string) (int, string) {
	b.w.t.Helper()
	resp, err := b.c.Get(b.w.srv.URL + path)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = html.UnescapeString(string(body))
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, b.last
}

func (b *browser) post(path string, form url.Values) (int, string) {
	b.w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.w.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		b.w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	b.last = html.UnescapeString(string(body))
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, b.last
}

var (
	preRE    = regexp.MustCompile(`name="pre" value="([^"]+)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	wsRE     = regexp.MustCompile(`data-ws="([^"]+)"`)
	problemR = regexp.MustCompile(`(?s)class="problem" role="alert">([^<]*)<`)
)

func find(re *regexp.Regexp, s string) string {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// problem is the refusal a page shows.
func problem(body string) string {
	return find(problemR, body)
}

// register enters the registration code.
func (b *browser) register(code string) (int, string) {
	b.w.t.Helper()
	_, page := b.get("/client/")
	return b.post("/client/register", url.Values{"pre": {find(preRE, page)}, "code": {code}})
}

// signin enters a user name and password on the sign-in form.
func (b *browser) signin(user, pass string) (int, string) {
	b.w.t.Helper()
	_, page := b.get("/client/")
	return b.post("/client/signin", url.Values{"pre": {find(preRE, page)}, "username": {user}, "password": {pass}})
}

// signedIn registers and signs in, and fails the test otherwise.
func (b *browser) signedIn(user, pass string) {
	b.w.t.Helper()
	if st, loc := b.register(b.w.code); st != http.StatusSeeOther {
		b.w.t.Fatalf("register: %d %s", st, problem(loc))
	}
	if st, loc := b.signin(user, pass); st != http.StatusSeeOther || loc != "/client/workspaces" {
		b.w.t.Fatalf("signin %s: %d %s", user, st, problem(loc))
	}
}

// desktopURL opens the desktop page and returns its WebSocket address.
func (b *browser) desktopURL(id string) string {
	b.w.t.Helper()
	st, page := b.get("/client/desktop/" + id)
	if st != http.StatusOK {
		b.w.t.Fatalf("desktop page of %s: %d %s", id, st, page)
	}
	u := find(wsRE, page)
	if u == "" {
		b.w.t.Fatalf("no WebSocket address on the desktop page: %s", page)
	}
	return u
}

// dial opens the desktop WebSocket with the browser's cookies.
func (b *browser) dial(path string) (*websocket.Conn, *http.Response, error) {
	u, _ := url.Parse(b.w.srv.URL + "/client/ws/")
	hdr := http.Header{}
	for _, c := range b.jar.Cookies(u) {
		hdr.Add("Cookie", c.String())
	}
	hdr.Set("Origin", b.w.srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.w.srv.URL, "http")+path, &websocket.DialOptions{HTTPHeader: hdr, Subprotocols: []string{"binary"}})
}

// rfbOver runs the RFB handshake over a desktop WebSocket.
func rfbOver(t *testing.T, c *websocket.Conn) *rfb.Conn {
	t.Helper()
	nc := websocket.NetConn(context.Background(), c, websocket.MessageBinary)
	_ = nc.SetDeadline(time.Now().Add(time.Minute)) // bounds only a failing run
	rc, err := rfb.Client(nc, rfb.Options{})
	if err != nil {
		t.Fatalf("RFB handshake through the proxy: %v", err)
	}
	_ = nc.SetDeadline(time.Time{})
	return rc
}

func eventually(t *testing.T, what string, fn func() bool) {
	t.Helper()
	// A minute bounds only a failing run: a loaded CI machine is slow.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if fn() {
			return
		}
	}
	t.Fatalf("%s: not within a minute", what)
}

// fakeDesktops is a desktop per WorkSpace that speaks the RFB handshake
// on a unix socket, like TigerVNC's Xvnc with SecurityTypes None.
type fakeDesktops struct {
	t     *testing.T
	sock  string
	conns atomic.Int32
	down  atomic.Bool
}

func newFakeDesktops(t *testing.T) *fakeDesktops {
	f := &fakeDesktops{t: t, sock: filepath.Join(t.TempDir(), "rfb.sock")}
	ln, err := net.Listen("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeDesktops) Endpoint(_ context.Context, id string) (string, string, error) {
	if f.down.Load() {
		return "", "", errors.New("desktop " + id + " is stopped")
	}
	return "unix", f.sock, nil
}

func (f *fakeDesktops) serve(c net.Conn) {
	defer c.Close()
	f.conns.Add(1)
	defer f.conns.Add(-1)
	if _, err := io.WriteString(c, "RFB 003.008\n"); err != nil {
		return
	}
	var ver [12]byte
	if _, err := io.ReadFull(c, ver[:]); err != nil {
		return
	}
	if _, err := c.Write([]byte{1, rfb.SecurityNone}); err != nil {
		return
	}
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		return
	}
	if err := binary.Write(c, binary.BigEndian, uint32(0)); err != nil {
		return
	}
	if _, err := io.ReadFull(c, b[:]); err != nil { // ClientInit
		return
	}
	name := "fake desktop"
	si := []byte{0, 64, 0, 48, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0}
	si = binary.BigEndian.AppendUint32(si, uint32(len(name)))
	si = append(si, name...)
	if _, err := c.Write(si); err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, c)
}
