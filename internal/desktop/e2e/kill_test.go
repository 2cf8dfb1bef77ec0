package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/desktop/local"
)

// serveVariable makes the test binary a deskplane server: the arguments
// after -- are deskplane's flags. The SIGKILL test runs deskplane as a
// process of its own so that it can be killed.
const serveVariable = "DESKPLANE_E2E_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveVariable) != "" {
		os.Exit(serve(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// serve runs deskplane as cmd/deskplane does, until SIGTERM.
func serve(args []string) int {
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg, err := app.Parse(args, func(string) string { return "" }, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	a, err := app.New(ctx, cfg, app.Options{Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := a.Serve(ctx, ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// server is deskplane running as a child process of the test.
type server struct {
	t    *testing.T
	args []string
	cmd  *exec.Cmd
	url  string
}

func (s *server) start() {
	s.t.Helper()
	self, err := os.Executable()
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(self, append([]string{"-test.run=^$", "--"}, s.args...)...)
	s.cmd.Env = append(os.Environ(), serveVariable+"=1")
	s.cmd.Stderr = os.Stderr
	if testing.Verbose() {
		s.cmd.Stdout = os.Stdout
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("deskplane did not answer /health: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) kill(sig syscall.Signal) {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// After SIGKILL of deskplane — once with a WorkSpace AVAILABLE, once while
// another is still PENDING — the next start adopts the running desktop
// (its X server is the same process) and finishes the launch that was cut
// short.
func TestDesktopsSurviveSIGKILL(t *testing.T) {
	requireDesktops(t)
	data := t.TempDir()
	uid := 20_000_000 + rand.IntN(1000)*100_000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{t: t, url: "http://" + addr, args: []string{"-addr", addr, "-data-dir", data, "-timing", "instant",
		"-admin-token", "admin", "-desktops", "local", "-node-name", "node-a", "-desktop-uids", fmt.Sprint(uid)}}
	t.Cleanup(func() {
		s.kill(syscall.SIGKILL)
		// Remove what the killed servers left, as an operator would.
		p, err := local.New(local.Options{Dir: filepath.Join(data, "desktops"), UIDBase: uid})
		if err != nil {
			t.Errorf("opening the desktops to clean up: %v", err)
			return
		}
		list, _ := p.List(context.Background())
		for _, st := range list {
			if err := p.Terminate(context.Background(), st.ID); err != nil {
				t.Errorf("terminate %s: %v", st.ID, err)
			}
		}
		_ = os.RemoveAll(p.RunDir())
		p.Close()
		_ = os.Remove(filepath.Join("/run/deskplane", fmt.Sprintf("uids-%d.lock", uid)))
	})
	s.start()
	c := &apptest.Env{T: t, URL: s.url}
	ctx := c.Ctx()
	dir := registerDirectory(t, c)
	ws := c.WS(apptest.AccountA)
	create := func(user string) string {
		out, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
			DirectoryId: &dir, UserName: aws.String(user), BundleId: aws.String(c.AmazonBundle())}}})
		if err != nil || len(out.PendingRequests) != 1 {
			t.Fatal(err, out)
		}
		return aws.ToString(out.PendingRequests[0].WorkspaceId)
	}
	d := &deskEnv{Env: c, t: t}
	running := create("alice")
	d.await(apptest.AccountA, running, types.WorkspaceStateAvailable)
	xvnc := xvncPid(t, running)

	pending := create("bob")
	s.kill(syscall.SIGKILL) // at once: bob's launch is cut short somewhere
	s.start()
	d.await(apptest.AccountA, pending, types.WorkspaceStateAvailable)
	if got := xvncPid(t, running); got != xvnc {
		t.Errorf("the running desktop was restarted (X server %d, was %d), not adopted", got, xvnc)
	}
	if _, err := os.Stat(filepath.Join(data, "desktops", "desktops", pending, "home.img")); err != nil {
		t.Errorf("the resumed launch: %v", err)
	}

	// SIGTERM then a start: the same.
	s.kill(syscall.SIGTERM)
	s.start()
	d.await(apptest.AccountA, running, types.WorkspaceStateAvailable)
	if got := xvncPid(t, running); got != xvnc {
		t.Errorf("after SIGTERM the desktop was restarted (X server %d, was %d)", got, xvnc)
	}
	// Terminate through the API leaves no desktop behind.
	if out, err := ws.TerminateWorkspaces(ctx, &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: []types.TerminateRequest{
		{WorkspaceId: &running}, {WorkspaceId: &pending}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range []string{running, pending} {
		for {
			_, err := os.Stat(filepath.Join(data, "desktops", "desktops", id))
			if errors.Is(err, os.ErrNotExist) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the desktop of terminated %s is still there", id)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// registerDirectory makes a Simple AD directory that accepts any user and
// registers it, on a deskplane whose clock runs (instant profile).
func registerDirectory(t *testing.T, c *apptest.Env) string {
	t.Helper()
	ctx := c.Ctx()
	out, err := c.DS(apptest.AccountA).CreateDirectory(ctx, &directoryservice.CreateDirectoryInput{
		Name: aws.String("corp.example.com"), Password: aws.String("Test-Pa55word-1"), Size: dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"),
			SubnetIds: []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}},
		Tags: []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, err := c.WS(apptest.AccountA).RegisterWorkspaceDirectory(ctx, &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: out.DirectoryId})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("RegisterWorkspaceDirectory: %v", err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err := c.WS(apptest.AccountA).DescribeWorkspaceDirectories(ctx, &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{aws.ToString(out.DirectoryId)}})
		if err == nil && len(got.Directories) == 1 && got.Directories[0].State == types.WorkspaceDirectoryStateRegistered {
			return aws.ToString(out.DirectoryId)
		}
		if time.Now().After(deadline) {
			t.Fatalf("directory not REGISTERED: %v %+v", err, got)
		}
	}
}
