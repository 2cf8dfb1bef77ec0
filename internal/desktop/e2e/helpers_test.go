package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/desktop/local"
	"github.com/deskplane/deskplane/internal/rfb"
)

// The end-to-end tests of real desktops (-desktops local): WorkSpaces made
// and changed through aws-sdk-go-v2, checked on the desktops themselves
// (docs/decisions/0184-desktop-reconciler.md). They skip where the host
// cannot run desktops, except under CI.

// requireDesktops skips the test when the host cannot run desktops, unless
// CI is set.
func requireDesktops(t testing.TB) {
	t.Helper()
	if os.Getenv("CI") != "" && os.Getenv("DESKPLANE_DESKTOP_E2E") == "" {
		t.Skip("under CI these tests run in their own step of .ci/run (DESKPLANE_DESKTOP_E2E=1)")
	}
	if missing := local.Missing(); len(missing) > 0 {
		msg := "real desktop tests need " + strings.Join(missing, ", ") +
			"; install with: apt-get install -y tigervnc-standalone-server tigervnc-tools openbox xterm bubblewrap (and run as root)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so these tests must run)")
		}
		t.Skip(msg)
	}
}

// deskEnv is deskplane running real desktops.
type deskEnv struct {
	*apptest.Env
	t   testing.TB
	uid int
}

// desktopConfig is the configuration of a node running desktops in data.
func desktopConfig(uid int, node string) func(*app.Config) {
	return func(c *app.Config) {
		c.Desktops, c.NodeName, c.DesktopUIDs = app.DesktopsLocal, node, uid
	}
}

// startDesktops starts deskplane with -desktops local; at cleanup every
// desktop is terminated and nothing may be left mounted.
func startDesktops(t testing.TB, o apptest.Options) *deskEnv {
	t.Helper()
	requireDesktops(t)
	d := &deskEnv{t: t, uid: 20_000_000 + rand.IntN(1000)*100_000}
	if o.Config == nil {
		o.Config = desktopConfig(d.uid, "node-a")
	}
	d.Env = apptest.Start(t, o)
	t.Cleanup(func() { d.cleanup(d.App) })
	return d
}

func (d *deskEnv) cleanup(a *app.App) {
	if a.Desktops == nil {
		return
	}
	// Stop deskplane first: its reconciler would start again the desktop
	// of a WorkSpace that is still AVAILABLE.
	d.Stop()
	ctx := context.Background()
	list, _ := a.Desktops.List(ctx)
	for _, st := range list {
		if err := a.Desktops.Terminate(ctx, st.ID); err != nil {
			d.t.Errorf("terminate %s: %v", st.ID, err)
		}
	}
	run := a.Desktops.RunDir()
	_ = os.RemoveAll(run)
	_ = os.Remove(filepath.Join("/run/deskplane", fmt.Sprintf("uids-%d.lock", a.Config.DesktopUIDs)))
}

// launch creates a WorkSpace of a STANDARD-sized bundle and waits until
// it is AVAILABLE.
func (d *deskEnv) launch(account, dir, bundle, user string) string {
	d.t.Helper()
	out, err := d.WS(account).CreateWorkspaces(d.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: aws.String(dir), UserName: aws.String(user), BundleId: aws.String(bundle),
		WorkspaceProperties: &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(36000), RootVolumeSizeGib: aws.Int32(80), UserVolumeSizeGib: aws.Int32(10)},
	}}})
	if err != nil || len(out.PendingRequests) != 1 {
		d.t.Fatalf("CreateWorkspaces: %v %+v", err, out)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	d.await(account, id, types.WorkspaceStateAvailable)
	return id
}

// state is the WorkSpace's state as DescribeWorkspaces says.
func (d *deskEnv) state(account, id string) types.WorkspaceState {
	d.t.Helper()
	out, err := d.WS(account).DescribeWorkspaces(d.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil {
		d.t.Fatal(err)
	}
	if len(out.Workspaces) == 0 {
		return "GONE"
	}
	return out.Workspaces[0].State
}

// await polls DescribeWorkspaces until the WorkSpace is in state.
func (d *deskEnv) await(account, id string, want types.WorkspaceState) {
	d.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		got := d.state(account, id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: %s after 90 s, want %s", id, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// desktop is the desktop's status; ok is false when it has none.
func (d *deskEnv) desktop(id string) (deskplane.DesktopStatus, bool) {
	d.t.Helper()
	st, err := d.App.Desktops.Status(d.Ctx(), id)
	if errors.Is(err, deskplane.ErrDesktopNotFound) {
		return st, false
	}
	if err != nil {
		d.t.Fatal(err)
	}
	return st, true
}

// sh runs a shell script in the desktop as its user.
func (d *deskEnv) sh(id, script string) string {
	d.t.Helper()
	out, err := d.App.Desktops.Exec(d.Ctx(), id, nil, "/bin/sh", "-c", script)
	if err != nil {
		d.t.Fatalf("in %s: %s: %v: %s", id, script, err, out)
	}
	return strings.TrimSpace(string(out))
}

// screen checks the RFB handshake and waits for a framebuffer update
// with more than two colours (the terminal on the desktop).
func (d *deskEnv) screen(id string) {
	d.t.Helper()
	st, ok := d.desktop(id)
	if !ok || st.State != deskplane.DesktopRunning {
		d.t.Fatalf("%s: desktop %+v", id, st)
	}
	c, err := rfb.Dial("unix", strings.TrimPrefix(st.Endpoint, "unix:"), rfb.Options{}, 5*time.Second)
	if err != nil {
		d.t.Fatal(err)
	}
	defer c.Close()
	if c.Version != "003.008" || c.Width == 0 || c.Height == 0 {
		d.t.Fatalf("ServerInit: %s %dx%d", c.Version, c.Width, c.Height)
	}
	// Generous: it bounds only a failing run; an incremental update comes
	// only when the screen changes, and a loaded CI machine is slow.
	deadline := time.Now().Add(2 * time.Minute)
	for incremental := false; ; incremental = true {
		_ = c.SetDeadline(deadline)
		if err := c.RequestUpdate(incremental); err != nil {
			d.t.Fatal(err)
		}
		if err := c.ReadUpdate(); err != nil {
			d.t.Fatal(err)
		}
		if c.Colours(16) > 2 {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: the screen shows %d colours", id, c.Colours(16))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaitSnapshots waits until DescribeWorkspaceSnapshots lists n restore
// snapshots, and returns their times.
func (d *deskEnv) awaitSnapshots(id string, n int) []time.Time {
	d.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, err := d.WS(apptest.AccountA).DescribeWorkspaceSnapshots(d.Ctx(), &workspaces.DescribeWorkspaceSnapshotsInput{WorkspaceId: &id})
		if err != nil {
			d.t.Fatal(err)
		}
		if len(out.RestoreSnapshots) >= n {
			var at []time.Time
			for _, s := range out.RestoreSnapshots {
				at = append(at, aws.ToTime(s.SnapshotTime))
			}
			snaps, err := d.App.Desktops.Snapshots(d.Ctx(), id)
			if err != nil || len(snaps) < n {
				d.t.Fatalf("the desktop has snapshots %v (%v), the API lists %v", snaps, err, at)
			}
			return at
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%d snapshots listed, want %d", len(out.RestoreSnapshots), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
