package workspaces_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// edit changes a WorkSpace's record directly, for states no API call
// reaches (SUSPENDED is the image area's, UNHEALTHY has no trigger).
func (f *wsFixture) edit(id string, fn func(*deskplane.Workspace)) {
	f.t.Helper()
	k := deskplane.Key{Scope: deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}, Kind: deskplane.KindWorkspace, ID: id}
	err := f.e.App.Store.Update(context.Background(), func(tx deskplane.Tx) error {
		rec, err := tx.Get(k)
		if err != nil {
			return err
		}
		var ws deskplane.Workspace
		if err := json.Unmarshal(rec.Data, &ws); err != nil {
			return err
		}
		fn(&ws)
		b, err := json.Marshal(ws)
		if err != nil {
			return err
		}
		_, err = tx.Put(k, b)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *wsFixture) autoStop(user string, minutes int32) string {
	r := f.req(user, f.standard())
	r.WorkspaceProperties = &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(minutes)}
	return f.launch(r)
}

func TestWorkspaceStopStart(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	auto := f.autoStop("auto", 120)
	f.allowCore(true)
	r := f.req("manual", f.standard())
	r.WorkspaceProperties = &types.WorkspaceProperties{RunningMode: types.RunningModeManual}
	manual := f.launch(r)
	always := f.launch(f.req("always", f.standard()))
	f.e.SetTiming("fast")

	fails := f.stop(auto, manual, always, "ws-000000000")
	if len(fails) != 2 || fails[always] != "OperationNotSupported.RunningMode" || fails["ws-000000000"] != "ResourceNotFound.Workspace" {
		t.Fatalf("stop failures %v", fails)
	}
	f.wantState(auto, types.WorkspaceStateStopping)
	f.wantState(manual, types.WorkspaceStateStopping)
	if fails := f.stop(auto); fails[auto] != "InvalidResourceState.Workspace" {
		t.Fatalf("stop while STOPPING: %v", fails)
	}
	f.e.Advance(1500 * time.Millisecond)
	f.wantState(auto, types.WorkspaceStateStopped)
	f.wantState(manual, types.WorkspaceStateStopped)
	f.wantState(always, types.WorkspaceStateAvailable)

	fails = f.start(auto, manual, always)
	if len(fails) != 1 || fails[always] != "OperationNotSupported.RunningMode" {
		t.Fatalf("start failures %v", fails)
	}
	f.wantState(auto, types.WorkspaceStateStarting)
	if fails := f.start(auto); fails[auto] != "InvalidResourceState.Workspace" {
		t.Fatalf("start while STARTING: %v", fails)
	}
	f.e.Advance(1500 * time.Millisecond)
	f.wantState(auto, types.WorkspaceStateAvailable)
	f.wantState(manual, types.WorkspaceStateAvailable)
	// The IP address and computer name survive a stop.
	if w := f.must(auto); w.IpAddress == nil || w.ComputerName == nil {
		t.Errorf("after restart %+v", w)
	}
	// ERROR, UNHEALTHY and IMPAIRED WorkSpaces can be stopped too.
	f.edit(manual, func(w *deskplane.Workspace) { w.State = "UNHEALTHY" })
	if fails := f.stop(manual); len(fails) != 0 {
		t.Fatalf("stop UNHEALTHY: %v", fails)
	}
}

func TestWorkspaceAutoStop(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	f.e.SetTiming("fast")
	out, err := f.create(func() types.WorkspaceRequest {
		r := f.req("auto", f.standard())
		r.WorkspaceProperties = &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(60)}
		return r
	}())
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	f.e.Advance(2 * time.Second) // AVAILABLE at t0+2s
	f.wantState(id, types.WorkspaceStateAvailable)
	f.e.Advance(59 * time.Minute)
	f.wantState(id, types.WorkspaceStateAvailable)
	f.e.Advance(time.Minute)
	f.wantState(id, types.WorkspaceStateStopping)
	f.e.Advance(1500 * time.Millisecond)
	f.wantState(id, types.WorkspaceStateStopped)

	// Starting resets the clock: 60 minutes after it is AVAILABLE again.
	f.start(id)
	f.e.Advance(1500 * time.Millisecond)
	f.e.Advance(30 * time.Minute)
	f.wantState(id, types.WorkspaceStateAvailable)
	f.e.Advance(30 * time.Minute)
	f.wantState(id, types.WorkspaceStateStopping)
	f.e.Advance(1500 * time.Millisecond)

	// ADMIN_MAINTENANCE prevents AutoStop; back to AVAILABLE restarts it.
	f.start(id)
	f.e.Advance(1500 * time.Millisecond)
	if err := f.setState(id, types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatal(err)
	}
	f.e.Advance(3 * time.Hour)
	f.wantState(id, types.WorkspaceStateAdminMaintenance)
	if err := f.setState(id, types.TargetWorkspaceStateAvailable); err != nil {
		t.Fatal(err)
	}
	f.e.Advance(59 * time.Minute)
	f.wantState(id, types.WorkspaceStateAvailable)
	f.e.Advance(time.Minute)
	f.wantState(id, types.WorkspaceStateStopping)

	// An ALWAYS_ON WorkSpace never stops by itself.
	on := f.launch(f.req("on", f.standard()))
	f.e.Advance(48 * time.Hour)
	f.wantState(on, types.WorkspaceStateAvailable)
}

func TestWorkspaceReboot(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard()))
	f.e.SetTiming("fast")
	if fails := f.reboot(id, "ws-000000000"); len(fails) != 1 || fails["ws-000000000"] != "ResourceNotFound.Workspace" {
		t.Fatalf("reboot failures %v", fails)
	}
	f.wantState(id, types.WorkspaceStateRebooting)
	if fails := f.reboot(id); fails[id] != "InvalidResourceState.Workspace" {
		t.Fatalf("reboot while REBOOTING: %v", fails)
	}
	f.e.Advance(1500 * time.Millisecond)
	f.wantState(id, types.WorkspaceStateAvailable)

	// A WorkSpace stuck REBOOTING for more than 20 minutes may be rebooted again.
	f.e.Control("PUT", "timing", map[string]any{"overrides": map[string]string{"workspace.reboot": "1h"}}, nil)
	f.reboot(id)
	f.e.Advance(19 * time.Minute)
	if fails := f.reboot(id); fails[id] != "InvalidResourceState.Workspace" {
		t.Fatalf("reboot after 19 minutes: %v", fails)
	}
	f.e.Advance(2 * time.Minute)
	if fails := f.reboot(id); len(fails) != 0 {
		t.Fatalf("reboot after 21 minutes: %v", fails)
	}
	f.e.Advance(time.Hour)
	f.wantState(id, types.WorkspaceStateAvailable)

	// ERROR WorkSpaces may be rebooted; STOPPED ones may not.
	f.edit(id, func(w *deskplane.Workspace) { w.State, w.ErrorCode = "ERROR", "X" })
	if fails := f.reboot(id); len(fails) != 0 {
		t.Fatalf("reboot ERROR: %v", fails)
	}
	f.e.Advance(time.Hour)
	if w := f.must(id); w.State != types.WorkspaceStateAvailable || w.ErrorCode != nil {
		t.Fatalf("after reboot from ERROR: %+v", w)
	}
	f.edit(id, func(w *deskplane.Workspace) { w.State = "STOPPED" })
	if fails := f.reboot(id); fails[id] != "InvalidResourceState.Workspace" {
		t.Fatalf("reboot STOPPED: %v", fails)
	}
}

func TestWorkspaceSnapshotsRebuildRestore(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard()))
	ip := aws.ToString(f.must(id).IpAddress)
	f.e.SetTiming("fast")

	snaps := func() (rebuild, restore []time.Time) {
		t.Helper()
		out, err := f.c.DescribeWorkspaceSnapshots(f.ctx, &workspaces.DescribeWorkspaceSnapshotsInput{WorkspaceId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.RebuildSnapshots {
			rebuild = append(rebuild, *s.SnapshotTime)
		}
		for _, s := range out.RestoreSnapshots {
			restore = append(restore, *s.SnapshotTime)
		}
		return rebuild, restore
	}
	if rb, rs := snaps(); len(rb) != 0 || len(rs) != 0 {
		t.Fatalf("snapshots at launch: %v %v", rb, rs)
	}
	// No snapshot yet: neither rebuild nor restore.
	fails, err := f.rebuild(id)
	if err != nil || fails[id] != "ResourceUnavailable.Snapshot" {
		t.Fatalf("rebuild without snapshot: %v %v", fails, err)
	}
	_, err = f.c.RestoreWorkspace(f.ctx, &workspaces.RestoreWorkspaceInput{WorkspaceId: aws.String(id)})
	wsWantErr(t, "restore without snapshot", err, "OperationNotSupportedException")

	f.e.Advance(28 * time.Minute) // launch advanced one minute already
	if rb, _ := snaps(); len(rb) != 0 {
		t.Fatalf("snapshot before 30 minutes: %v", rb)
	}
	f.e.Advance(time.Minute)
	rb, rs := snaps()
	if len(rb) != 1 || len(rs) != 1 {
		t.Fatalf("snapshots after 30 minutes: %v %v", rb, rs)
	}
	first := rb[0]
	f.e.Advance(12 * time.Hour)
	rb, _ = snaps()
	if len(rb) != 2 || !rb[0].After(rb[1]) || rb[0].Sub(first) != 12*time.Hour {
		t.Fatalf("snapshots after 12 more hours (newest first): %v", rb)
	}
	f.e.Advance(10 * 24 * time.Hour)
	if rb, rs := snaps(); len(rb) != 3 || len(rs) != 3 {
		t.Fatalf("snapshots kept: %v %v", rb, rs)
	}

	// Rebuild: REBUILDING → AVAILABLE with a new private IP.
	fails, err = f.rebuild(id)
	if err != nil || len(fails) != 0 {
		t.Fatalf("rebuild: %v %v", fails, err)
	}
	f.wantState(id, types.WorkspaceStateRebuilding)
	f.e.Advance(2 * time.Second)
	w := f.must(id)
	if w.State != types.WorkspaceStateAvailable || aws.ToString(w.IpAddress) == ip || w.IpAddress == nil {
		t.Fatalf("after rebuild: %s %s (was %s)", w.State, aws.ToString(w.IpAddress), ip)
	}

	// Restore: RESTORING → AVAILABLE.
	if _, err := f.c.RestoreWorkspace(f.ctx, &workspaces.RestoreWorkspaceInput{WorkspaceId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	f.wantState(id, types.WorkspaceStateRestoring)
	_, err = f.c.RestoreWorkspace(f.ctx, &workspaces.RestoreWorkspaceInput{WorkspaceId: aws.String(id)})
	wsWantErr(t, "restore while RESTORING", err, "OperationNotSupportedException")
	f.e.Advance(2 * time.Second)
	f.wantState(id, types.WorkspaceStateAvailable)

	_, err = f.c.RestoreWorkspace(f.ctx, &workspaces.RestoreWorkspaceInput{WorkspaceId: aws.String("ws-000000000")})
	wsWantErr(t, "restore unknown", err, "ResourceNotFoundException")
	_, err = f.c.DescribeWorkspaceSnapshots(f.ctx, &workspaces.DescribeWorkspaceSnapshotsInput{WorkspaceId: aws.String("ws-000000000")})
	wsWantErr(t, "snapshots of unknown", err, "ResourceNotFoundException")

	// Rebuild of a WorkSpace in a state it cannot be rebuilt from.
	f.stopOrEdit(id, "STOPPING")
	if fails, err := f.rebuild(id); err != nil || fails[id] != "InvalidResourceState.Workspace" {
		t.Fatalf("rebuild STOPPING: %v %v", fails, err)
	}
}

func (f *wsFixture) stopOrEdit(id string, state deskplane.WorkspaceState) {
	f.edit(id, func(w *deskplane.Workspace) { w.State = state })
}

func TestWorkspaceRebuildWindows7(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.bundle(types.ComputePerformance, "Windows 7")))
	f.e.Advance(time.Hour)
	_, err := f.rebuild(id)
	wsWantErr(t, "rebuild Windows 7", err, "OperationNotSupportedException")
}

func TestWorkspaceTerminate(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard()))
	suspended := f.launch(f.req("bob", f.standard()))
	f.edit(suspended, func(w *deskplane.Workspace) { w.State = "SUSPENDED" })
	if _, err := f.c.CreateTags(f.ctx, &workspaces.CreateTagsInput{ResourceId: aws.String(id), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	f.e.SetTiming("fast")

	fails := f.terminate(id, suspended, "ws-000000000")
	if len(fails) != 2 || fails[suspended] != "InvalidResourceState.Workspace" || fails["ws-000000000"] != "ResourceNotFound.Workspace" {
		t.Fatalf("terminate failures %v", fails)
	}
	f.wantState(id, types.WorkspaceStateTerminating)
	// Terminating again is accepted.
	if fails := f.terminate(id); len(fails) != 0 {
		t.Fatalf("second terminate: %v", fails)
	}
	// The user keeps the WorkSpace until it is terminated.
	out, err := f.create(f.req("alice", f.standard()))
	if err != nil || len(out.FailedRequests) != 1 {
		t.Fatalf("create while TERMINATING: %+v %v", out, err)
	}
	f.e.Advance(1500 * time.Millisecond)
	f.wantState(id, types.WorkspaceStateTerminated)
	f.e.Advance(1500 * time.Millisecond)
	f.wantGone(id)
	_, err = f.c.DescribeTags(f.ctx, &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wsWantErr(t, "tags of a terminated WorkSpace", err, "ResourceNotFoundException")
	out, err = f.create(f.req("alice", f.standard()))
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatalf("create after terminate: %+v %v", out, err)
	}

	// PENDING WorkSpaces can be terminated too.
	pending := aws.ToString(out.PendingRequests[0].WorkspaceId)
	if fails := f.terminate(pending); len(fails) != 0 {
		t.Fatalf("terminate PENDING: %v", fails)
	}
	f.e.Advance(time.Minute)
	f.wantGone(pending)
}

func TestWorkspaceAdminMaintenance(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.autoStop("alice", 60)
	f.e.Advance(time.Hour) // snapshots exist
	stopped := f.autoStop("bob", 60)
	f.stop(stopped)
	f.e.Advance(time.Minute)
	f.wantState(stopped, types.WorkspaceStateStopped)

	wsWantErr(t, "STOPPED to ADMIN_MAINTENANCE", f.setState(stopped, types.TargetWorkspaceStateAdminMaintenance), "InvalidResourceStateException")
	wsWantErr(t, "STOPPED to AVAILABLE", f.setState(stopped, types.TargetWorkspaceStateAvailable), "InvalidResourceStateException")
	wsWantErr(t, "unknown", f.setState("ws-000000000", types.TargetWorkspaceStateAvailable), "ResourceNotFoundException")

	f.start(id)
	f.e.Advance(time.Minute)
	if err := f.setState(id, types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatal(err)
	}
	f.wantState(id, types.WorkspaceStateAdminMaintenance)
	if err := f.setState(id, types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatalf("again: %v", err)
	}
	for what, fails := range map[string]map[string]string{
		"stop": f.stop(id), "start": f.start(id), "reboot": f.reboot(id),
	} {
		if fails[id] != "InvalidResourceState.Workspace" {
			t.Errorf("%s in ADMIN_MAINTENANCE: %v", what, fails)
		}
	}
	if fails, err := f.rebuild(id); err != nil || fails[id] != "InvalidResourceState.Workspace" {
		t.Errorf("rebuild in ADMIN_MAINTENANCE: %v %v", fails, err)
	}
	_, err := f.c.RestoreWorkspace(f.ctx, &workspaces.RestoreWorkspaceInput{WorkspaceId: aws.String(id)})
	wsWantErr(t, "restore in ADMIN_MAINTENANCE", err, "OperationNotSupportedException")
	_, err = f.c.MigrateWorkspace(f.ctx, &workspaces.MigrateWorkspaceInput{SourceWorkspaceId: aws.String(id), BundleId: aws.String(f.bundle(types.ComputeValue, "Windows 10 (Server 2019 based)"))})
	wsWantErr(t, "migrate in ADMIN_MAINTENANCE", err, "OperationNotSupportedException")
	wsWantErr(t, "modify in ADMIN_MAINTENANCE", f.modify(id, types.WorkspaceProperties{RunningMode: types.RunningModeAlwaysOn}), "InvalidResourceStateException")

	if err := f.setState(id, types.TargetWorkspaceStateAvailable); err != nil {
		t.Fatal(err)
	}
	f.wantState(id, types.WorkspaceStateAvailable)
	// Terminate is not blocked.
	if err := f.setState(id, types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatal(err)
	}
	if fails := f.terminate(id); len(fails) != 0 {
		t.Fatalf("terminate in ADMIN_MAINTENANCE: %v", fails)
	}
}

func TestWorkspaceTransitionFault(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	f.e.SetTiming("fast")
	f.e.Control("POST", "faults/transitions", map[string]any{"kind": "workspace", "state": "ERROR",
		"errorCode": "InvalidUserConfiguration.Workspace", "errorMessage": "The user was not found or is misconfigured."}, nil)
	out, err := f.create(f.req("alice", f.standard()))
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	f.wantState(id, types.WorkspaceStatePending)
	f.e.Advance(2 * time.Second)
	w := f.must(id)
	if w.State != types.WorkspaceStateError || aws.ToString(w.ErrorCode) != "InvalidUserConfiguration.Workspace" ||
		aws.ToString(w.ErrorMessage) != "The user was not found or is misconfigured." ||
		w.SubnetId != nil || w.IpAddress != nil {
		t.Fatalf("after fault: %+v", w)
	}
	// The fault is used up: the next WorkSpace launches.
	id2 := f.launch(f.req("bob", f.standard()))
	f.wantState(id2, types.WorkspaceStateAvailable)
	// An ERROR WorkSpace can be terminated.
	if fails := f.terminate(id); len(fails) != 0 {
		t.Fatalf("terminate ERROR: %v", fails)
	}
	f.e.Advance(5 * time.Second)
	f.wantGone(id)

	// A fault on a stop leaves the WorkSpace in the fault's state.
	auto := f.autoStop("carol", 60)
	f.e.Control("POST", "faults/transitions", map[string]any{"kind": "workspace", "resourceId": auto, "state": "UNHEALTHY"}, nil)
	f.stop(auto)
	f.e.Advance(2 * time.Second)
	f.wantState(auto, types.WorkspaceStateUnhealthy)
}

func TestWorkspaceConnectionStatus(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	a := f.autoStop("alice", 60)
	b := f.launch(f.req("bob", f.standard()))
	f.stop(a)
	f.e.Advance(time.Minute)
	out, err := f.c.DescribeWorkspacesConnectionStatus(f.ctx, &workspaces.DescribeWorkspacesConnectionStatusInput{WorkspaceIds: []string{a, b, "ws-000000000"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]types.ConnectionState{}
	for _, s := range out.WorkspacesConnectionStatus {
		got[aws.ToString(s.WorkspaceId)] = s.ConnectionState
		if s.ConnectionStateCheckTimestamp == nil || s.LastKnownUserConnectionTimestamp != nil {
			t.Errorf("status %+v", s)
		}
	}
	if len(got) != 2 || got[a] != types.ConnectionStateUnknown || got[b] != types.ConnectionStateDisconnected {
		t.Fatalf("connection states %v", got)
	}
	// Without ids: every WorkSpace, 25 to a page.
	for i := range 30 {
		if _, err := f.create(f.req("user"+string(rune('A'+i)), f.standard())); err != nil {
			t.Fatal(err)
		}
	}
	n, pages := 0, 0
	var token *string
	for {
		out, err := f.c.DescribeWorkspacesConnectionStatus(f.ctx, &workspaces.DescribeWorkspacesConnectionStatusInput{NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.WorkspacesConnectionStatus)
		pages++
		if token = out.NextToken; token == nil {
			break
		}
	}
	if n != 32 || pages != 2 {
		t.Fatalf("%d statuses in %d pages", n, pages)
	}
}
