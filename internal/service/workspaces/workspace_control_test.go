package workspaces_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// TestAutoStopWaitsForDisconnection: a connected user keeps an AUTO_STOP
// WorkSpace running; the timeout counts from the disconnection.
func TestAutoStopWaitsForDisconnection(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ws := e.WS(apptest.AccountA)
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	out, err := ws.CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: aws.String(dir), BundleId: aws.String(bundle), UserName: aws.String("frank"),
		WorkspaceProperties: &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(60)},
	}}})
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, out)
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	state := func() types.WorkspaceState {
		d, err := ws.DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
		if err != nil || len(d.Workspaces) != 1 {
			t.Fatalf("DescribeWorkspaces: %v", err)
		}
		return d.Workspaces[0].State
	}
	connect := func(s string) {
		e.Control("POST", "workspaces/"+id+"/connection", map[string]string{"account": apptest.AccountA, "region": apptest.Region, "state": s}, nil)
	}
	connect("CONNECTED")
	cs, err := ws.DescribeWorkspacesConnectionStatus(e.Ctx(), &workspaces.DescribeWorkspacesConnectionStatusInput{WorkspaceIds: []string{id}})
	if err != nil || len(cs.WorkspacesConnectionStatus) != 1 || cs.WorkspacesConnectionStatus[0].ConnectionState != types.ConnectionStateConnected {
		t.Fatalf("connection status: %v %+v", err, cs)
	}
	e.Advance(3 * time.Hour)
	if s := state(); s != types.WorkspaceStateAvailable {
		t.Fatalf("connected for 3 hours: %s, want AVAILABLE", s)
	}
	connect("DISCONNECTED")
	e.Advance(59 * time.Minute)
	if s := state(); s != types.WorkspaceStateAvailable {
		t.Fatalf("59 minutes after disconnecting: %s, want AVAILABLE", s)
	}
	e.Advance(time.Hour)
	if s := state(); s != types.WorkspaceStateStopped {
		t.Fatalf("two hours after disconnecting: %s, want STOPPED", s)
	}
	// A user cannot connect to a stopped WorkSpace; an unknown one is 404.
	if status := e.ControlStatus("POST", "workspaces/"+id+"/connection", map[string]string{"account": apptest.AccountA, "region": apptest.Region, "state": "CONNECTED"}); status != 409 {
		t.Fatalf("connecting to a STOPPED WorkSpace: %d, want 409", status)
	}
	if status := e.ControlStatus("POST", "workspaces/ws-zzzzzzzzz/connection", map[string]string{"account": apptest.AccountA, "region": apptest.Region, "state": "CONNECTED"}); status != 404 {
		t.Fatalf("unknown WorkSpace: %d, want 404", status)
	}
}
