package local_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/desktop/local"
	"github.com/deskplane/deskplane/internal/rfb"
)

// The test binary doubles as two helper programs, chosen by environment:
//   - DESKPLANE_DESKTOP_PROBE: a probe run inside a desktop (copied into
//     its home), acting as the attacker or measuring what it can do;
//   - DESKPLANE_DESKTOP_OWNER: a process that owns a provider and is then
//     killed, for the restart tests.
func TestMain(m *testing.M) {
	if os.Getenv("DESKPLANE_DESKTOP_PROBE") != "" {
		os.Exit(probeMain(os.Args[1:]))
	}
	if spec := os.Getenv("DESKPLANE_DESKTOP_OWNER"); spec != "" {
		os.Exit(ownerMain(spec))
	}
	os.Exit(m.Run())
}

// requireDesktops skips the test when the host cannot run desktops, unless
// CI is set: then the test must run, and fails.
func requireDesktops(t testing.TB) {
	t.Helper()
	if missing := local.Missing(); len(missing) > 0 {
		msg := "desktop tests need " + strings.Join(missing, ", ") +
			"; install with: apt-get install -y tigervnc-standalone-server openbox xterm bubblewrap (and run as root)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so these tests must run)")
		}
		t.Skip(msg)
	}
}

type env struct {
	t    testing.TB
	p    *local.Provider
	dir  string // the provider's Dir
	data string // a stand-in for deskplane's data directory (Dir's parent)
	opt  local.Options
}

// newEnv opens a provider in a fresh directory below a stand-in data
// directory that holds an admin token, and on cleanup terminates every
// desktop and checks that nothing is left behind.
func newEnv(t testing.TB) *env {
	t.Helper()
	requireDesktops(t)
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "admin-token"), []byte("secret-admin-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, data: data, dir: filepath.Join(data, "desktops")}
	var err error
	for range 20 {
		e.opt = local.Options{Dir: e.dir, UIDBase: 3000000 + rand.IntN(100000)*100, UIDCount: 100}
		e.p, err = local.New(e.opt)
		if err == nil || !strings.Contains(err.Error(), "in use by another provider") {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.cleanup() })
	return e
}

func (e *env) cleanup() {
	ctx := context.Background()
	list, err := e.p.List(ctx)
	if err != nil {
		e.t.Errorf("list: %v", err)
	}
	for _, d := range list {
		if err := e.p.Terminate(ctx, d.ID); err != nil {
			e.t.Errorf("terminate %s: %v", d.ID, err)
		}
	}
	run := e.p.RunDir()
	e.p.Close()
	checkNoMounts(e.t, e.dir)
	checkNoMounts(e.t, run)
	_ = os.RemoveAll(run)
	// Each test draws its own uid range; its lock file goes with it.
	_ = os.Remove(filepath.Join("/run/deskplane", fmt.Sprintf("uids-%d.lock", e.opt.UIDBase)))
}

func checkNoMounts(t testing.TB, dir string) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			t.Errorf("mount left behind: %s", f[4])
		}
	}
}

func (e *env) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	e.t.Cleanup(cancel)
	return ctx
}

// small are test-sized resources: STANDARD compute, small volumes.
func small() deskplane.DesktopResources {
	return deskplane.DesktopResources{ComputeType: "STANDARD", CPUs: 2, MemoryMiB: 4096, RootVolumeGiB: 2, UserVolumeGiB: 1}
}

// launch provisions and starts a desktop.
func (e *env) launch(id, image string) {
	e.t.Helper()
	if err := e.p.Provision(e.ctx(), deskplane.DesktopSpec{ID: id, ImageID: image, UserName: "Alice.Smith", Resources: small()}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.p.Start(e.ctx(), id); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) status(id string) deskplane.DesktopStatus {
	e.t.Helper()
	st, err := e.p.Status(e.ctx(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *env) wantState(id string, want deskplane.DesktopState) deskplane.DesktopStatus {
	e.t.Helper()
	st := e.status(id)
	if st.State != want {
		e.t.Fatalf("%s: state %s (%s), want %s", id, st.State, st.Reason, want)
	}
	return st
}

// sh runs a shell command inside the desktop and returns its output.
func (e *env) sh(id, script string) string {
	e.t.Helper()
	out, err := e.p.Exec(e.ctx(), id, nil, "/bin/sh", "-c", script)
	if err != nil {
		e.t.Fatalf("in %s: %s: %v: %s", id, script, err, out)
	}
	return strings.TrimSpace(string(out))
}

// installProbe copies this test binary into the desktop's home and returns
// its path inside the desktop.
func (e *env) installProbe(id string) string {
	e.t.Helper()
	home, login, err := e.p.HomeDir(id)
	if err != nil {
		e.t.Fatal(err)
	}
	uid, err := e.p.UID(id)
	if err != nil {
		e.t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		e.t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(home, "probe")
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := io.Copy(f, src); err != nil {
		e.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chown(dst, uid, uid); err != nil {
		e.t.Fatal(err)
	}
	return "/home/" + login + "/probe"
}

// probe runs the probe inside the desktop and decodes its answer.
func (e *env) probe(id, probePath string, args ...string) probeResult {
	e.t.Helper()
	out, err := e.p.Exec(e.ctx(), id, []string{"DESKPLANE_DESKTOP_PROBE=1"}, append([]string{probePath}, args...)...)
	var r probeResult
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		e.t.Fatalf("probe %v in %s: %v: %s (%v)", args, id, err, out, jerr)
	}
	return r
}

type probeResult struct {
	OK     bool     `json:"ok"`
	Err    string   `json:"err,omitempty"`
	Errno  int      `json:"errno,omitempty"`
	Output []string `json:"output,omitempty"`
}

// probeMain is the probe program inside a desktop.
func probeMain(args []string) int {
	r := runProbe(args)
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	return 0
}

func fail(err error) probeResult {
	r := probeResult{Err: err.Error()}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		r.Errno = int(errno)
	}
	return r
}

func runProbe(args []string) probeResult {
	if len(args) == 0 {
		return probeResult{Err: "no probe"}
	}
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch args[0] {
	case "read":
		b, err := os.ReadFile(arg(1))
		if err != nil {
			return fail(err)
		}
		return probeResult{OK: true, Output: []string{string(b)}}
	case "list":
		ents, err := os.ReadDir(arg(1))
		if err != nil {
			return fail(err)
		}
		r := probeResult{OK: true}
		for _, e := range ents {
			r.Output = append(r.Output, e.Name())
		}
		return r
	case "write":
		err := os.WriteFile(arg(1), []byte("x"), 0o644)
		if err != nil {
			return fail(err)
		}
		return probeResult{OK: true}
	case "unix", "tcp":
		c, err := net.DialTimeout(args[0], arg(1), 2*time.Second)
		if err != nil {
			return fail(err)
		}
		c.Close()
		return probeResult{OK: true}
	case "rfb":
		c, err := rfb.Dial("unix", arg(1), rfb.Options{}, 2*time.Second)
		if err != nil {
			return fail(err)
		}
		c.Close()
		return probeResult{OK: true, Output: []string{c.Name}}
	case "procs":
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return fail(err)
		}
		r := probeResult{OK: true}
		for _, e := range ents {
			if e.Name()[0] < '0' || e.Name()[0] > '9' {
				continue
			}
			cmd, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			r.Output = append(r.Output, e.Name()+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
		}
		return r
	case "kill":
		var pid int
		fmt.Sscan(arg(1), &pid)
		if err := syscall.Kill(pid, 0); err != nil {
			return fail(err)
		}
		return probeResult{OK: true}
	case "setuid":
		if err := syscall.Setuid(0); err != nil {
			return fail(err)
		}
		return probeResult{OK: true, Output: []string{fmt.Sprint(os.Getuid())}}
	case "userns":
		if err := syscall.Unshare(syscall.CLONE_NEWUSER); err != nil {
			return fail(err)
		}
		return probeResult{OK: true}
	case "mount":
		if err := syscall.Mount("none", "/tmp", "tmpfs", 0, ""); err != nil {
			return fail(err)
		}
		return probeResult{OK: true}
	case "status":
		b, err := os.ReadFile("/proc/self/status")
		if err != nil {
			return fail(err)
		}
		r := probeResult{OK: true}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "Uid:") || strings.HasPrefix(line, "Cap") || strings.HasPrefix(line, "NoNewPrivs:") {
				r.Output = append(r.Output, strings.Join(strings.Fields(line), " "))
			}
		}
		return r
	case "statfs":
		var st syscall.Statfs_t
		if err := syscall.Statfs(arg(1), &st); err != nil {
			return fail(err)
		}
		return probeResult{OK: true, Output: []string{fmt.Sprint(st.Flags), fmt.Sprint(st.Blocks * uint64(st.Bsize))}}
	case "fill":
		// Write MiB of data to a file; report how far it got.
		var mib int
		fmt.Sscan(arg(2), &mib)
		f, err := os.Create(arg(1))
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		buf := make([]byte, 1<<20)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		for i := 0; i < mib; i++ {
			if _, err := f.Write(buf); err != nil {
				r := fail(err)
				r.Output = []string{fmt.Sprint(i)}
				return r
			}
		}
		if err := f.Sync(); err != nil {
			return fail(err)
		}
		return probeResult{OK: true, Output: []string{fmt.Sprint(mib)}}
	case "alloc":
		var mib int
		fmt.Sscan(arg(1), &mib)
		keep := make([][]byte, 0, mib)
		for i := 0; i < mib; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			keep = append(keep, b)
		}
		return probeResult{OK: true, Output: []string{fmt.Sprint(len(keep))}}
	case "spin":
		var ms, n int
		fmt.Sscan(arg(1), &ms)
		fmt.Sscan(arg(2), &n)
		done := make(chan struct{})
		start := time.Now()
		end := time.Now().Add(time.Duration(ms) * time.Millisecond)
		for i := 0; i < n; i++ {
			go func() {
				x := 0
				for time.Now().Before(end) {
					x++
				}
				_ = x
				done <- struct{}{}
			}()
		}
		for i := 0; i < n; i++ {
			<-done
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		return probeResult{OK: true, Output: []string{fmt.Sprintf("%.3f", cpu.Seconds()/time.Since(start).Seconds())}}
	}
	return probeResult{Err: "unknown probe " + args[0]}
}
