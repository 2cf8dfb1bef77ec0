package control_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

type clockState struct {
	Now time.Time `json:"now"`
}

type faultsState struct {
	Calls       []map[string]any `json:"calls"`
	Transitions []map[string]any `json:"transitions"`
	Throttling  struct {
		Enabled bool `json:"enabled"`
	} `json:"throttling"`
}

type timingState struct {
	Profile string `json:"profile"`
}

func setUpTestSettings(e *apptest.Env) {
	e.Advance(48 * time.Hour)
	e.SetTiming("fast")
	e.Control("POST", "faults/calls", map[string]any{"operation": "DescribeWorkspaces", "error": "InternalFailure", "count": 3}, nil)
	e.Control("POST", "faults/transitions", map[string]any{"kind": "workspace", "state": "ERROR"}, nil)
	e.Control("PUT", "throttling", map[string]any{"enabled": true}, nil)
}

// A reset of everything starts afresh: no clock offset, the start timing
// profile, no faults, no throttling; keep* keeps each.
func TestFullResetResetsClockTimingAndFaults(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	setUpTestSettings(e)
	e.Control("POST", "reset", map[string]any{"keepClock": true, "keepTiming": true, "keepFaults": true}, nil)
	var clk clockState
	var tm timingState
	var fs faultsState
	e.Control("GET", "clock", nil, &clk)
	e.Control("GET", "timing", nil, &tm)
	e.Control("GET", "faults", nil, &fs)
	if time.Until(clk.Now) < 47*time.Hour || tm.Profile != "fast" || len(fs.Calls) != 1 || len(fs.Transitions) != 1 || !fs.Throttling.Enabled {
		t.Fatalf("a reset keeping everything changed: clock %v ahead, timing %s, faults %+v", time.Until(clk.Now), tm.Profile, fs)
	}
	if fs.Calls[0]["remaining"] != 3.0 || fs.Transitions[0]["remaining"] != 1.0 {
		t.Errorf("GET /faults does not show what is left: %+v", fs)
	}

	e.Control("POST", "reset", map[string]any{}, nil)
	e.Control("GET", "clock", nil, &clk)
	e.Control("GET", "timing", nil, &tm)
	fs = faultsState{}
	e.Control("GET", "faults", nil, &fs)
	if d := time.Until(clk.Now); d > time.Minute || d < -time.Minute {
		t.Errorf("the clock is %v off the wall clock after a full reset", d)
	}
	if tm.Profile != "instant" {
		t.Errorf("timing profile %s after a full reset; want the start profile, instant", tm.Profile)
	}
	if len(fs.Calls) != 0 || len(fs.Transitions) != 0 || fs.Throttling.Enabled {
		t.Errorf("faults after a full reset: %+v", fs)
	}
	// The clock after the reset is what a restart would load.
	e.Advance(time.Hour)
	e.Control("GET", "clock", nil, &clk)
	if d := time.Until(clk.Now); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("advancing after the reset: %v ahead", d)
	}
}

func TestControlRefusals(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"reset", map[string]any{"account": "12345"}},
		{"reset", map[string]any{"account": "00000000000a"}},
		{"faults/calls", map[string]any{"operation": "DescribeWorkspace", "error": "InternalFailure"}},
		{"faults/transitions", map[string]any{"kind": "worksapce", "state": "ERROR"}},
	} {
		if got := e.ControlStatus("POST", c.path, c.body); got != http.StatusBadRequest {
			t.Errorf("POST %s %v: %d, want 400", c.path, c.body, got)
		}
	}
}

// Resetting account B removes B from what A shared with it.
func TestResetAccountLeavesOtherAccountsPermissions(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ctx := e.Ctx()
	a := e.WS(apptest.AccountA)
	dir := e.RegisteredDirectory(apptest.AccountA)
	cw, err := a.CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: []wstypes.WorkspaceRequest{{
		DirectoryId: aws.String(dir), BundleId: aws.String(e.AmazonBundle()), UserName: aws.String("alice")}}})
	if err != nil || len(cw.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, cw)
	}
	e.Advance(time.Hour)
	img, err := a.CreateWorkspaceImage(ctx, &workspaces.CreateWorkspaceImageInput{Name: aws.String("golden"),
		Description: aws.String("golden"), WorkspaceId: cw.PendingRequests[0].WorkspaceId})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(2 * time.Hour)
	if _, err := a.UpdateWorkspaceImagePermission(ctx, &workspaces.UpdateWorkspaceImagePermissionInput{
		ImageId: img.ImageId, SharedAccountId: aws.String(apptest.AccountB), AllowCopyImage: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	alias, err := a.CreateConnectionAlias(ctx, &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("desk.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	if _, err := a.UpdateConnectionAliasPermission(ctx, &workspaces.UpdateConnectionAliasPermissionInput{AliasId: alias.AliasId,
		ConnectionAliasPermission: &wstypes.ConnectionAliasPermission{SharedAccountId: aws.String(apptest.AccountB), AllowAssociation: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}

	if _, err := a.CreateAccountLinkInvitation(ctx, &workspaces.CreateAccountLinkInvitationInput{TargetAccountId: aws.String(apptest.AccountB)}); err != nil {
		t.Fatal(err)
	}

	e.Control("POST", "reset", map[string]any{"account": apptest.AccountB}, nil)

	links, err := a.ListAccountLinks(ctx, &workspaces.ListAccountLinksInput{})
	if err != nil || len(links.AccountLinks) != 0 {
		t.Errorf("account links after resetting the other party: %+v %v", links, err)
	}

	ip, err := a.DescribeWorkspaceImagePermissions(ctx, &workspaces.DescribeWorkspaceImagePermissionsInput{ImageId: img.ImageId})
	if err != nil || len(ip.ImagePermissions) != 0 {
		t.Errorf("image permissions after resetting the recipient: %+v %v", ip, err)
	}
	ap, err := a.DescribeConnectionAliasPermissions(ctx, &workspaces.DescribeConnectionAliasPermissionsInput{AliasId: alias.AliasId})
	if err != nil || len(ap.ConnectionAliasPermissions) != 0 {
		t.Errorf("alias permissions after resetting the recipient: %+v %v", ap, err)
	}
	// A's own resources stay.
	if _, err := a.DeleteWorkspaceImage(ctx, &workspaces.DeleteWorkspaceImageInput{ImageId: img.ImageId}); err != nil {
		t.Errorf("deleting the image no longer shared: %v", err)
	}
}
