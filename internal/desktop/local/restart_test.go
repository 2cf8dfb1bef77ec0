package local_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/desktop/local"
)

type ownerSpec struct {
	Dir     string `json:"dir"`
	UIDBase int    `json:"uidBase"`
	ID      string `json:"id"`
}

// ownerMain stands in for deskplane: it opens the provider, launches a
// desktop, says READY and waits to be killed. On SIGTERM it closes the
// provider and exits as deskplane does.
func ownerMain(spec string) int {
	var s ownerSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	p, err := local.New(local.Options{Dir: s.Dir, UIDBase: s.UIDBase, UIDCount: 100})
	if err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	ctx := context.Background()
	if err := p.Provision(ctx, deskplane.DesktopSpec{ID: s.ID, UserName: "carol", Resources: small()}); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	if err := p.Start(ctx, s.ID); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	if _, err := p.Exec(ctx, s.ID, nil, "/bin/sh", "-c", "echo before-restart > ~/mark"); err != nil {
		fmt.Println("ERROR", err)
		return 2
	}
	fmt.Println("READY")
	<-term
	p.Close()
	return 0
}

// TestDesktopsSurviveOwnerDeath kills the process that owns a provider
// (SIGKILL and SIGTERM), opens a new provider on the same directory, and
// finds the desktop still running, answering and controllable
// (docs/decisions/0183-desktops-survive-restarts.md).
func TestDesktopsSurviveOwnerDeath(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			e := newEnv(t)
			id := "ws-owner1"
			// The owner needs the directory and uid range: hand them over.
			e.p.Close()
			spec, _ := json.Marshal(ownerSpec{Dir: e.dir, UIDBase: e.opt.UIDBase, ID: id})
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "DESKPLANE_DESKTOP_OWNER="+string(spec))
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || strings.TrimSpace(line) != "READY" {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				t.Fatalf("owner: %q %v", line, err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			p, err := local.New(e.opt)
			if err != nil {
				t.Fatal(err)
			}
			e.p = p
			screenOf(t, e, id)
			if got := e.sh(id, "cat ~/mark"); got != "before-restart" {
				t.Fatalf("after the owner's death: %q", got)
			}
			list, err := p.List(e.ctx())
			if err != nil || len(list) != 1 || list[0].ID != id || list[0].State != deskplane.DesktopRunning {
				t.Fatalf("list %+v %v", list, err)
			}
			// The adopted desktop is not our child: Stop must still end
			// every process.
			pids, _ := p.Processes(id)
			if err := p.Stop(e.ctx(), id); err != nil {
				t.Fatal(err)
			}
			uid, _ := p.UID(id)
			for _, pid := range pids {
				if hostUID(t, pid) == uid && !zombie(pid) {
					t.Errorf("process %d survived Stop", pid)
				}
			}
			if err := p.Start(e.ctx(), id); err != nil {
				t.Fatal(err)
			}
			screenOf(t, e, id)
		})
	}
}

// TestDesktopDiedWhileOwnerWasDown: the recorded state says running, the
// processes are gone; the new provider reports it unhealthy, and Start
// brings it back (the reconciler's recovery after a host reboot).
func TestDesktopDiedWhileOwnerWasDown(t *testing.T) {
	e := newEnv(t)
	id := "ws-down1"
	e.launch(id, "")
	e.sh(id, "echo still > ~/mark")
	pids, _ := e.p.Processes(id)
	e.p.Close()
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(time.Minute) // bounds only a failing run
	for {
		alive := 0
		for _, pid := range pids {
			if !zombie(pid) {
				alive++
			}
		}
		if alive == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("desktop processes do not die")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p, err := local.New(e.opt)
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	st := e.wantState(id, deskplane.DesktopUnhealthy)
	if !strings.Contains(st.Reason, "ended") {
		t.Fatalf("reason %q", st.Reason)
	}
	if err := p.Start(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	screenOf(t, e, id)
	if got := e.sh(id, "cat ~/mark"); got != "still" {
		t.Fatalf("%q", got)
	}
}

func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z'
}

// TestOneProviderPerDirectory: a second provider on the same directory, or
// on the same uid range, is refused while the first is open.
func TestOneProviderPerDirectory(t *testing.T) {
	e := newEnv(t)
	if _, err := local.New(e.opt); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second provider on %s: %v", e.dir, err)
	}
	other := e.opt
	other.Dir = t.TempDir()
	if _, err := local.New(other); err == nil || !strings.Contains(err.Error(), "uids from") {
		t.Fatalf("second provider on uids from %d: %v", e.opt.UIDBase, err)
	}
}
