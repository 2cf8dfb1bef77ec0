package e2e_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

func TestDesktopLifecycleThroughTheAPI(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dir := d.RegisteredDirectory(apptest.AccountA)
	ws := d.WS(apptest.AccountA)
	ctx := d.Ctx()
	// MANUAL is a WorkSpaces Core feature (decision 0321).
	d.Control("POST", "account-settings", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "coreAllowListed": true}, nil)
	out, err := ws.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: aws.String(dir), UserName: aws.String("alice"), BundleId: aws.String(d.AmazonBundle()),
		WorkspaceProperties: &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(36000)},
	}}})
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, out)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	d.screen(id)
	first, _ := d.desktop(id)

	// Stop ends the desktop and keeps its volumes.
	d.sh(id, "echo kept > ~/home-file; echo sys > /opt/sys-file")
	if out, err := ws.StopWorkspaces(ctx, &workspaces.StopWorkspacesInput{StopWorkspaceRequests: []types.StopRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateStopped)
	if st, _ := d.desktop(id); st.State != deskplane.DesktopStopped {
		t.Fatalf("STOPPED WorkSpace, desktop %s", st.State)
	}
	if out, err := ws.StartWorkspaces(ctx, &workspaces.StartWorkspacesInput{StartWorkspaceRequests: []types.StartRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	d.screen(id)
	if got := d.sh(id, "cat ~/home-file /opt/sys-file"); got != "kept\nsys" {
		t.Fatalf("after stop and start: %q", got)
	}

	// Reboot restarts the desktop.
	before, _ := d.desktop(id)
	if out, err := ws.RebootWorkspaces(ctx, &workspaces.RebootWorkspacesInput{RebootWorkspaceRequests: []types.RebootRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	after, _ := d.desktop(id)
	if !after.Started.After(before.Started) || !before.Started.After(first.Started) {
		t.Errorf("reboot did not restart the desktop: started %v, then %v, then %v", first.Started, before.Started, after.Started)
	}

	// The first snapshot comes on the schedule; rebuild brings back the
	// user volume of the newest snapshot and the system layer of the image.
	d.Advance(deskplane.DefaultRules().FirstSnapshotAfter)
	snaps := d.awaitSnapshots(id, 1)
	d.sh(id, "echo later > ~/after-snapshot")
	if out, err := ws.RebuildWorkspaces(ctx, &workspaces.RebuildWorkspacesInput{RebuildWorkspaceRequests: []types.RebuildRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	d.screen(id)
	if got := d.sh(id, "cat ~/home-file; ls ~/after-snapshot /opt/sys-file 2>&1 | wc -l; ls /opt/sys-file 2>/dev/null || echo no-sys"); got != "kept\n2\nno-sys" {
		t.Fatalf("after rebuild: %q (snapshots %v)", got, snaps)
	}

	// Restore brings back both volumes of the newest snapshot.
	d.Advance(deskplane.DefaultRules().SnapshotInterval)
	d.awaitSnapshots(id, 2)
	d.sh(id, "echo gone > ~/after-second; echo sys2 > /opt/sys2")
	if _, err := ws.RestoreWorkspace(ctx, &workspaces.RestoreWorkspaceInput{WorkspaceId: &id}); err != nil {
		t.Fatal(err)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	if got := d.sh(id, "cat ~/home-file; ls ~/after-second /opt/sys2 2>/dev/null | wc -l"); got != "kept\n0" {
		t.Fatalf("after restore: %q", got)
	}

	// Terminate removes the desktop.
	if out, err := ws.TerminateWorkspaces(ctx, &workspaces.TerminateWorkspacesInput{TerminateWorkspaceRequests: []types.TerminateRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, ok := d.desktop(id); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the terminated WorkSpace's desktop is still there")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(d.App.Config.DesktopDirectory(), "desktops", id)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the terminated desktop's directory: %v", err)
	}
}
