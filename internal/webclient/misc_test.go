package webclient_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/webclient"
)

func TestNoVNCIsServedFromItsDirectoryOnly(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"core/rfb.js":                     "export default class RFB {}",
		"vendor/pako/lib/zlib/inflate.js": "export const inflate = 1;",
		"vnc.html":                        "<html>",
		"core/secret.txt":                 "no",
		"../outside.js":                   "no",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "..", "outside.js"), filepath.Join(dir, "core", "escape.js")); err != nil {
		t.Fatal(err)
	}
	h := webclient.New(webclient.Deps{NoVNCDir: dir})
	get := func(path string) (int, string, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
	}
	if st, ct, body := get("/client/novnc/core/rfb.js"); st != http.StatusOK || !strings.HasPrefix(ct, "text/javascript") || !strings.Contains(body, "RFB") {
		t.Fatalf("core/rfb.js: %d %s %q", st, ct, body)
	}
	if st, _, _ := get("/client/novnc/vendor/pako/lib/zlib/inflate.js"); st != http.StatusOK {
		t.Fatalf("vendor module: %d", st)
	}
	for _, p := range []string{
		"/client/novnc/vnc.html", "/client/novnc/core/secret.txt", "/client/novnc/core/",
		"/client/novnc/../outside.js", "/client/novnc/core/../../outside.js", "/client/novnc/core/%2e%2e/%2e%2e/outside.js",
		"/client/novnc/core/escape.js", "/client/novnc/core/missing.js", "/client/novnc/",
	} {
		if st, _, body := get(p); st == http.StatusOK || strings.Contains(body, "no") && st < 300 {
			t.Errorf("%s: %d %q", p, st, body)
		}
	}
	if webclient.Available(dir) != true || webclient.Available(t.TempDir()) {
		t.Error("Available")
	}
}

// clock is a wall clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSessionsExpire(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	c := &clock{now: time.Now()}
	w.h = webclient.New(webclient.Deps{Access: w.e.App.WebAccess, Desktops: w.desk, Wall: c.Now})
	w.srv.Config.Handler = w.h
	b := w.browser()
	b.signedIn("alice", pw)
	c.add(29 * time.Minute)
	if st, _ := b.get("/client/workspaces"); st != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", st)
	}
	c.add(31 * time.Minute)
	if st, _ := b.get("/client/workspaces"); st != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: %d, want the sign-in page", st)
	}
	b.signedIn("alice", pw)
	for range 40 {
		c.add(20 * time.Minute)
		if st, _ := b.get("/client/workspaces"); st != http.StatusOK {
			break
		}
	}
	if st, _ := b.get("/client/workspaces"); st != http.StatusSeeOther {
		t.Fatalf("a session used every 20 minutes past 12 hours: %d", st)
	}
	// A desktop ticket lives one minute.
	b.signedIn("alice", pw)
	id := w.workspace("alice", "ALWAYS_ON")
	u := b.desktopURL(id)
	c.add(61 * time.Second)
	if _, resp, err := b.dial(u); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a ticket after 61 s: %v %v", err, resp)
	}
}

func TestRegistrationCodesOfOtherAccountsAndDeregisteredDirectories(t *testing.T) {
	w := newWorld(t, options{})
	dirB := w.e.RegisteredDirectory(apptest.AccountB)
	wsB := w.e.WS(apptest.AccountB)
	out, err := wsB.DescribeWorkspaceDirectories(w.e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{dirB}})
	if err != nil {
		t.Fatal(err)
	}
	codeB := aws.ToString(out.Directories[0].RegistrationCode)
	b := w.browser()
	if st, _ := b.register(codeB); st != http.StatusSeeOther {
		t.Fatalf("account B's code: %d %s", st, problem(b.last))
	}
	if _, body := b.get("/client/"); !strings.Contains(body, codeB) {
		t.Fatalf("account B's sign-in page: %s", body)
	}
	if _, err := wsB.DeregisterWorkspaceDirectory(w.e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(dirB)}); err != nil {
		t.Fatal(err)
	}
	w.e.Advance(time.Hour)
	if st, body := b.get("/client/"); st != http.StatusNotFound || problem(body) != msgBadCode {
		t.Fatalf("the remembered code of a deregistered directory: %d %q", st, problem(body))
	}
	if st, _ := b.register(codeB); st != http.StatusNotFound {
		t.Fatalf("a deregistered directory's code: %d", st)
	}
}
