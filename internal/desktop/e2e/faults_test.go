package e2e_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Timing profiles, the service clock and injected faults still work on
// top of the desktops: a transition lasts at least its profile's time and
// its desktop's, and a fault ends it in the fault's state.
func TestTimingAndFaultsOnTopOfDesktops(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dir := d.RegisteredDirectory(apptest.AccountA)
	id := d.launch(apptest.AccountA, dir, d.AmazonBundle(), "alice")
	ws := d.WS(apptest.AccountA)

	d.SetTiming("fast")
	if out, err := ws.StopWorkspaces(d.Ctx(), &workspaces.StopWorkspacesInput{StopWorkspaceRequests: []types.StopRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.awaitDesktop(id, func(st deskplane.DesktopStatus) bool { return st.State == deskplane.DesktopStopped })
	time.Sleep(200 * time.Millisecond)
	if got := d.state(apptest.AccountA, id); got != types.WorkspaceStateStopping {
		t.Fatalf("with the fast profile and a frozen clock: %s, want STOPPING until the clock moves", got)
	}
	d.Advance(time.Hour)
	d.await(apptest.AccountA, id, types.WorkspaceStateStopped)

	d.SetTiming("instant")
	d.Control("POST", "faults/transitions", map[string]any{"kind": "workspace", "account": apptest.AccountA, "resourceId": id,
		"state": "ERROR", "errorCode": "InjectedFault", "errorMessage": "injected by the test"}, nil)
	if out, err := ws.StartWorkspaces(d.Ctx(), &workspaces.StartWorkspacesInput{StartWorkspaceRequests: []types.StartRequest{{WorkspaceId: &id}}}); err != nil || len(out.FailedRequests) > 0 {
		t.Fatal(err, out)
	}
	d.await(apptest.AccountA, id, types.WorkspaceStateError)
	out, err := ws.DescribeWorkspaces(d.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil || aws.ToString(out.Workspaces[0].ErrorCode) != "InjectedFault" {
		t.Fatalf("faulted start: %v %+v", err, out)
	}
	// The WorkSpace is in ERROR: its desktop does not run.
	d.awaitDesktop(id, func(st deskplane.DesktopStatus) bool { return st.State == deskplane.DesktopStopped })
}
