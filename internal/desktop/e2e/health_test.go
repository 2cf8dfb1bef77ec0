package e2e_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// xvncPid finds the host pid of the desktop's X server (the process the
// test's deskplane started for it).
func xvncPid(t testing.TB, id string) int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 0 && filepath.Base(args[0]) == "Xvnc" && strings.Contains(string(b), "\x00-desktop\x00"+id+"\x00") {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	t.Fatalf("no X server of %s", id)
	return 0
}

// A desktop whose X server dies makes its WorkSpace UNHEALTHY; Reboot
// repairs it.
func TestXServerDeathMakesTheWorkSpaceUnhealthy(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dir := d.RegisteredDirectory(apptest.AccountA)
	id := d.launch(apptest.AccountA, dir, d.AmazonBundle(), "alice")
	if err := syscall.Kill(xvncPid(t, id), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateUnhealthy)
	if out, err := d.WS(apptest.AccountA).RebootWorkspaces(d.Ctx(), &workspaces.RebootWorkspacesInput{
		RebootWorkspaceRequests: []types.RebootRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	d.screen(id)
}

// AUTO_STOP stops the desktop once nobody has been connected for its
// timeout (the control route for connections stands in for clients).
func TestAutoStopStopsTheDesktop(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dir := d.RegisteredDirectory(apptest.AccountA)
	out, err := d.WS(apptest.AccountA).CreateWorkspaces(d.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: &dir, UserName: aws.String("alice"), BundleId: aws.String(d.AmazonBundle()),
		WorkspaceProperties: &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(60)},
	}}})
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatal(err, out)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	conn := func(state string) {
		d.Control("POST", "workspaces/"+id+"/connection", map[string]string{"account": apptest.AccountA, "region": apptest.Region, "state": state}, nil)
	}
	conn("CONNECTED")
	d.Advance(3 * time.Hour)
	time.Sleep(300 * time.Millisecond)
	if st, _ := d.desktop(id); d.state(apptest.AccountA, id) != types.WorkspaceStateAvailable || st.State != deskplane.DesktopRunning {
		t.Fatalf("connected: %s, desktop %s", d.state(apptest.AccountA, id), st.State)
	}
	conn("DISCONNECTED")
	d.Advance(3 * time.Hour)
	d.await(apptest.AccountA, id, types.WorkspaceStateStopped)
	if st, _ := d.desktop(id); st.State != deskplane.DesktopStopped {
		t.Fatalf("AutoStop left the desktop %s", st.State)
	}
}

// ModifyWorkspaceProperties grows the volumes; a new compute type applies
// at the next start.
func TestModifyGrowsVolumesAndComputeAppliesAtStart(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dir := d.RegisteredDirectory(apptest.AccountA)
	id := d.launch(apptest.AccountA, dir, d.AmazonBundle(), "alice")
	ws := d.WS(apptest.AccountA)
	before, _ := d.desktop(id)
	d.Advance(7 * time.Hour) // no resize in the first 6 hours
	if _, err := ws.ModifyWorkspaceProperties(d.Ctx(), &workspaces.ModifyWorkspacePropertiesInput{WorkspaceId: &id,
		WorkspaceProperties: &types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(50)}}); err != nil {
		t.Fatal(err)
	}
	d.Advance(2 * time.Hour)
	d.awaitDesktop(id, func(st deskplane.DesktopStatus) bool { return st.Resources.UserVolumeGiB == 50 })
	d.Advance(7 * time.Hour)
	if _, err := ws.ModifyWorkspaceProperties(d.Ctx(), &workspaces.ModifyWorkspacePropertiesInput{WorkspaceId: &id,
		WorkspaceProperties: &types.WorkspaceProperties{ComputeTypeName: types.ComputePerformance}}); err != nil {
		t.Fatal(err)
	}
	d.Advance(2 * time.Hour)
	d.awaitDesktop(id, func(st deskplane.DesktopStatus) bool { return st.Resources.MemoryMiB == 8*1024 })
	if st, _ := d.desktop(id); st.Applied.MemoryMiB != before.Applied.MemoryMiB {
		t.Errorf("compute applied before the next start: %+v", st.Applied)
	}
	if out, err := ws.RebootWorkspaces(d.Ctx(), &workspaces.RebootWorkspacesInput{RebootWorkspaceRequests: []types.RebootRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateAvailable)
	st, _ := d.desktop(id)
	if st.Applied.MemoryMiB != 8*1024 || st.Applied.CPUs != 2 || st.UserVolume.SizeBytes != 50<<30 {
		t.Errorf("after the reboot: applied %+v, user volume %d bytes", st.Applied, st.UserVolume.SizeBytes)
	}
	got := d.sh(id, "df -BG --output=size ~ | tail -1")
	if n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(got), "G")); n < 49 {
		t.Errorf("the user volume inside is %s", got)
	}
}

// awaitDesktop waits until the desktop's status satisfies ok.
func (d *deskEnv) awaitDesktop(id string, ok func(deskplane.DesktopStatus) bool) {
	d.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, _ := d.desktop(id)
		if ok(st) {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: desktop %+v", id, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
