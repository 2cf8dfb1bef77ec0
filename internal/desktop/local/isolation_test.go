package local_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestIsolationFromInside acts from inside desktop A, as its user, against
// desktop B, the host and deskplane: everything must fail.
func TestIsolationFromInside(t *testing.T) {
	e := newEnv(t)
	e.launch("ws-alice", "")
	e.launch("ws-bob", "")
	e.sh("ws-bob", "echo bob-private > ~/secret && mkdir -p /opt/bob && echo bob-system > /opt/bob/file")
	probe := e.installProbe("ws-alice")
	bobHome, _, _ := e.p.HomeDir("ws-bob")
	bobUID, _ := e.p.UID("ws-bob")
	aliceUID, _ := e.p.UID("ws-alice")
	if bobUID == aliceUID {
		t.Fatalf("both desktops run as host uid %d", bobUID)
	}
	// A listener on the host's loopback, as deskplane's API would be.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	mustFail := func(what string, args ...string) probeResult {
		t.Helper()
		r := e.probe("ws-alice", probe, args...)
		if r.OK {
			t.Errorf("from inside ws-alice, %s succeeded: %v", what, r.Output)
		}
		return r
	}

	// Another desktop's files: its home, its volumes, its root volume, its
	// view of the system layer.
	mustFail("reading bob's home through the host path", "read", filepath.Join(bobHome, "secret"))
	mustFail("listing bob's home", "list", bobHome)
	mustFail("reading bob's user volume image", "read", filepath.Join(e.dir, "desktops", "ws-bob", "home.img"))
	mustFail("reading bob's root volume image", "read", filepath.Join(e.dir, "desktops", "ws-bob", "root.img"))
	mustFail("listing bob's root volume", "list", filepath.Join(e.dir, "desktops", "ws-bob", "mnt", "root", "upper", "opt"))
	mustFail("reading bob's /opt", "read", filepath.Join(e.p.RunDir(), "ws-bob", "opt", "bob", "file"))
	mustFail("reading /opt/bob in its own view", "read", "/opt/bob/file")
	// deskplane's data directory and admin token.
	mustFail("reading the admin token", "read", filepath.Join(e.data, "admin-token"))
	mustFail("listing the data directory", "list", e.data)
	mustFail("listing the provider's directory", "list", e.dir)
	mustFail("listing the run directory", "list", e.p.RunDir())
	mustFail("reading the host's root home", "list", "/root")
	// Another desktop's VNC socket, and the host's network.
	mustFail("connecting to bob's VNC socket", "unix", e.p.Socket("ws-bob"))
	mustFail("connecting to a host TCP port", "tcp", ln.Addr().String())
	mustFail("connecting to the host's PostgreSQL", "tcp", "127.0.0.1:5432")
	// Its own VNC socket is its own desktop (the proxy of issue 16 reaches
	// the same socket from the host).
	if r := e.probe("ws-alice", probe, "rfb", "/run/vnc/rfb.sock"); !r.OK || r.Output[0] != "ws-alice" {
		t.Errorf("own VNC socket: %+v", r)
	}

	// Another desktop's processes: not visible, not signalable.
	r := e.probe("ws-alice", probe, "procs")
	if !r.OK {
		t.Fatal(r)
	}
	for _, line := range r.Output {
		if strings.Contains(line, "ws-bob") {
			t.Errorf("bob's process is visible from alice: %s", line)
		}
		if strings.Contains(line, "local.test") && !strings.Contains(line, "probe") {
			t.Errorf("a host process is visible from alice: %s", line)
		}
	}
	if len(r.Output) > 12 {
		t.Errorf("alice sees %d processes: %v", len(r.Output), r.Output)
	}
	bobPids, _ := e.p.Processes("ws-bob")
	for _, pid := range bobPids {
		if pid > 1000 { // a host pid; alice's own pids are small
			mustFail("signalling bob's process by its host pid", "kill", strconv.Itoa(pid))
		}
	}

	// Root: not now, not by setuid, not by a user namespace, not by mount.
	if r := e.probe("ws-alice", probe, "status"); !r.OK || !contains(r.Output, "Uid: 1000 1000 1000 1000") ||
		!contains(r.Output, "CapEff: 0000000000000000") || !contains(r.Output, "NoNewPrivs: 1") {
		t.Errorf("credentials inside: %+v", r)
	}
	// EINVAL: uid 0 does not even exist in the desktop's user namespace.
	if r := mustFail("setuid(0)", "setuid"); r.Errno != int(syscall.EPERM) && r.Errno != int(syscall.EINVAL) {
		t.Errorf("setuid(0): %+v", r)
	}
	mustFail("creating a user namespace", "userns")
	mustFail("mounting a file system", "mount")
	// The system layer: writable only where the user may install software;
	// host files stay the host's; no setuid anywhere.
	mustFail("writing /usr/bin", "write", "/usr/bin/evil")
	mustFail("writing /etc", "write", "/etc/evil")
	mustFail("replacing /etc/passwd", "write", "/etc/passwd")
	for _, dir := range []string{"/usr", "/etc", "/opt", "/home/alice_smith"} {
		r := e.probe("ws-alice", probe, "statfs", dir)
		flags, _ := strconv.ParseInt(r.Output[0], 10, 64)
		if !r.OK || flags&2 == 0 { // ST_NOSUID
			t.Errorf("%s is not mounted nosuid: %+v", dir, r)
		}
	}
	if r := e.probe("ws-alice", probe, "write", "/opt/mine"); !r.OK {
		t.Errorf("alice cannot install into /opt: %+v", r)
	}
	// The host side: bob's files are still bob's, and untouched.
	if b, err := os.ReadFile(filepath.Join(bobHome, "secret")); err != nil || string(b) != "bob-private\n" {
		t.Fatalf("bob's secret: %q %v", b, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
