package e2e_test

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// After deskplane stops, the next start on the same data finds its
// desktops: a running one is adopted as it is, a stopped one stays
// stopped, one whose X server died meanwhile is started again to match
// its AVAILABLE record (docs/decisions/0183-desktops-survive-restarts.md).
func TestDesktopsSurviveARestart(t *testing.T) {
	requireDesktops(t)
	data := t.TempDir()
	uid := 20_000_000 + rand.IntN(1000)*100_000
	opts := apptest.Options{Store: "bolt", Config: func(c *app.Config) {
		desktopConfig(uid, "node-a")(c)
		c.DataDir = data
	}}
	d1 := startDesktops(t, opts)
	dir := d1.RegisteredDirectory(apptest.AccountA)
	bundle := d1.AmazonBundle()
	running := d1.launch(apptest.AccountA, dir, bundle, "alice")
	stopped := d1.launch(apptest.AccountA, dir, bundle, "bob")
	dies := d1.launch(apptest.AccountA, dir, bundle, "carol")
	d1.sh(running, "echo still-here > ~/note")
	if out, err := d1.WS(apptest.AccountA).StopWorkspaces(d1.Ctx(), &workspaces.StopWorkspacesInput{
		StopWorkspaceRequests: []types.StopRequest{{WorkspaceId: &stopped}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d1.await(apptest.AccountA, stopped, types.WorkspaceStateStopped)
	adopted, _ := d1.desktop(running)
	d1.Stop() // deskplane ends; its desktops do not

	// While no deskplane runs, one desktop's X server dies.
	if err := syscall.Kill(xvncPid(t, dies), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	before, _ := d1.desktop(dies)

	d2 := startDesktops(t, opts)
	d2.awaitDesktop(dies, func(st deskplane.DesktopStatus) bool {
		return st.State == deskplane.DesktopRunning && st.Started.After(before.Started)
	})
	d2.await(apptest.AccountA, dies, types.WorkspaceStateAvailable)
	d2.screen(dies)
	if st, _ := d2.desktop(running); st.State != deskplane.DesktopRunning || !st.Started.Equal(adopted.Started) {
		t.Errorf("the running desktop was not adopted as it was: %+v (started %v before)", st, adopted.Started)
	}
	if got := d2.sh(running, "cat ~/note"); got != "still-here" {
		t.Errorf("the adopted desktop's home: %q", got)
	}
	if st, _ := d2.desktop(stopped); st.State != deskplane.DesktopStopped || d2.state(apptest.AccountA, stopped) != types.WorkspaceStateStopped {
		t.Errorf("the stopped WorkSpace: %s, desktop %s", d2.state(apptest.AccountA, stopped), st.State)
	}
	// The new deskplane drives the adopted desktops.
	if out, err := d2.WS(apptest.AccountA).StopWorkspaces(d2.Ctx(), &workspaces.StopWorkspacesInput{
		StopWorkspaceRequests: []types.StopRequest{{WorkspaceId: &running}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d2.await(apptest.AccountA, running, types.WorkspaceStateStopped)
	if st, _ := d2.desktop(running); st.State != deskplane.DesktopStopped {
		t.Errorf("stopping an adopted desktop left it %s", st.State)
	}
}

// Turning desktops off leaves the WorkSpaces launched with them
// timer-driven again, not stuck waiting for a desktop.
func TestDesktopsTurnedOff(t *testing.T) {
	requireDesktops(t)
	data := t.TempDir()
	uid := 20_000_000 + rand.IntN(1000)*100_000
	withDesktops := apptest.Options{Store: "bolt", Config: func(c *app.Config) {
		desktopConfig(uid, "node-a")(c)
		c.DataDir = data
	}}
	d1 := startDesktops(t, withDesktops)
	dir := d1.RegisteredDirectory(apptest.AccountA)
	id := d1.launch(apptest.AccountA, dir, d1.AmazonBundle(), "alice")
	d1.Stop()

	d2 := &deskEnv{t: t, Env: apptest.Start(t, apptest.Options{Store: "bolt", Config: func(c *app.Config) { c.DataDir = data }})}
	ws := d2.WS(apptest.AccountA)
	if out, err := ws.StopWorkspaces(d2.Ctx(), &workspaces.StopWorkspacesInput{StopWorkspaceRequests: []types.StopRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d2.await(apptest.AccountA, id, types.WorkspaceStateStopped)
	if out, err := ws.TerminateWorkspaces(d2.Ctx(), &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: []types.TerminateRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d2.Advance(time.Hour)
	d2.await(apptest.AccountA, id, "GONE")
}
