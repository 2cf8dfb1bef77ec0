package e2e_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskplane/deskplane/internal/apptest"
)

// From inside desktop A, as its user: B's files and processes, deskplane's
// data directory and admin token, and deskplane's API are out of reach.
func TestDesktopsAreIsolated(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dataDir := d.App.Config.DataDir
	if err := os.WriteFile(filepath.Join(dataDir, "admin-token"), []byte("secret-admin-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := d.RegisteredDirectory(apptest.AccountA)
	a := d.launch(apptest.AccountA, dir, d.AmazonBundle(), "alice")
	b := d.launch(apptest.AccountA, dir, d.AmazonBundle(), "bob")
	d.sh(b, "echo bob-secret > ~/secret")
	desktops := d.App.Config.DesktopDirectory()
	u, _ := url.Parse(d.URL)

	checks := []struct{ name, script string }{
		{"B's home", "cat /home/bob/secret"},
		{"B's volumes", "ls " + filepath.Join(desktops, "desktops", b)},
		{"B's view and socket", "ls " + filepath.Join(d.App.Desktops.RunDir(), b, "vnc")},
		{"deskplane's data directory", "ls " + dataDir},
		{"the admin token", "cat " + filepath.Join(dataDir, "admin-token")},
		{"deskplane's API", "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", " + u.Port() + "), 2)'"},
		{"root", "ls /root"},
		{"a system file", "echo x > /usr/bin/evil"},
	}
	for _, c := range checks {
		if out, err := d.App.Desktops.Exec(d.Ctx(), a, nil, "/bin/sh", "-c", c.script); err == nil {
			t.Errorf("%s: reachable from A (%q): %s", c.name, c.script, out)
		}
	}
	// A sees its own processes only: none of B's, none of the host's.
	procs := d.sh(a, "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done")
	if strings.Contains(procs, b) || strings.Contains(procs, "e2e.test") || strings.Contains(procs, "postgres") {
		t.Errorf("A sees processes not its own:\n%s", procs)
	}
	if home := d.sh(a, "ls /home"); home != "alice" {
		t.Errorf("A's /home lists %q", home)
	}
	if id := d.sh(a, "id -u"); id != "1000" {
		t.Errorf("A runs as uid %s inside", id)
	}
	if strings.Contains(d.sh(a, "env"), "secret-admin-token") {
		t.Error("the admin token is in A's environment")
	}
}
