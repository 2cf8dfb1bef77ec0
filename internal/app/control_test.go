package app_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/deskplane/deskplane/internal/apptest"
)

func createWorkspace(t *testing.T, e *apptest.Env, dir, bundle, user string) string {
	t.Helper()
	out, err := e.WS(apptest.AccountA).CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{
		{DirectoryId: aws.String(dir), BundleId: aws.String(bundle), UserName: aws.String(user)},
	}})
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, out)
	}
	return aws.ToString(out.PendingRequests[0].WorkspaceId)
}

func workspaceState(t *testing.T, e *apptest.Env, id string) types.Workspace {
	t.Helper()
	out, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil || len(out.Workspaces) != 1 {
		t.Fatalf("DescribeWorkspaces(%s): %v %+v", id, err, out)
	}
	return out.Workspaces[0]
}

// TestClockDrivesTransitions: under the realistic profile a WorkSpace stays
// PENDING until the clock is advanced past its 20 minutes, with no sleeping.
func TestClockDrivesTransitions(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	e.SetTiming("realistic")
	id := createWorkspace(t, e, dir, bundle, "alice")
	if s := workspaceState(t, e, id).State; s != types.WorkspaceStatePending {
		t.Fatalf("right after create: %s", s)
	}
	e.Advance(19 * time.Minute)
	if s := workspaceState(t, e, id).State; s != types.WorkspaceStatePending {
		t.Fatalf("after 19 minutes: %s", s)
	}
	if fired := e.Advance(2 * time.Minute); fired == 0 {
		t.Fatal("advancing past the transition fired nothing")
	}
	if s := workspaceState(t, e, id).State; s != types.WorkspaceStateAvailable {
		t.Fatalf("after 21 minutes: %s", s)
	}
	var clock struct {
		NowUnix float64 `json:"nowUnix"`
		Frozen  bool    `json:"frozen"`
	}
	e.Control("GET", "clock", nil, &clock)
	if !clock.Frozen || clock.NowUnix <= 0 {
		t.Fatalf("clock state: %+v", clock)
	}
}

// TestTimingOverride: a per-transition override applies to the next
// transitions.
func TestTimingOverride(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	e.Control("PUT", "timing", map[string]any{"profile": "fast", "overrides": map[string]string{"workspace.create": "90s"}}, nil)
	var timing struct {
		Profile   string            `json:"profile"`
		Durations map[string]string `json:"durations"`
	}
	e.Control("GET", "timing", nil, &timing)
	if timing.Profile != "fast" || timing.Durations["workspace.create"] != "1m30s" {
		t.Fatalf("timing: %+v", timing)
	}
	id := createWorkspace(t, e, dir, bundle, "bob")
	e.Advance(80 * time.Second)
	if s := workspaceState(t, e, id).State; s != types.WorkspaceStatePending {
		t.Fatalf("after 80s of a 90s override: %s", s)
	}
	e.Advance(20 * time.Second)
	if s := workspaceState(t, e, id).State; s != types.WorkspaceStateAvailable {
		t.Fatalf("after 100s of a 90s override: %s", s)
	}
}

func TestCallFaults(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	ws := e.WS(apptest.AccountA)
	e.Control("POST", "faults/calls", map[string]any{"operation": "DescribeWorkspaces", "account": apptest.AccountA, "error": "ThrottlingException", "count": 2}, nil)
	for i := range 2 {
		_, err := ws.DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{})
		if code := apptest.ErrorCode(err); code != "ThrottlingException" {
			t.Fatalf("call %d: %s (%v)", i, code, err)
		}
	}
	if _, err := ws.DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); err != nil {
		t.Fatalf("after the fault's count ran out: %v", err)
	}
	// Another account is not matched.
	e.Control("POST", "faults/calls", map[string]any{"account": apptest.AccountA, "error": "InternalFailure"}, nil)
	if _, err := e.WS(apptest.AccountB).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); err != nil {
		t.Fatalf("account B hit account A's fault: %v", err)
	}
	_, err := ws.DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{})
	var re *smithyhttp.ResponseError
	if apptest.ErrorCode(err) != "InternalFailure" || !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusInternalServerError {
		t.Fatalf("InternalFailure fault: %v", err)
	}
	e.Control("DELETE", "faults", nil, nil)
	e.Control("POST", "faults/calls", map[string]any{"operation": "DescribeWorkspaces", "latency": "150ms"}, nil)
	start := time.Now()
	if _, err := ws.DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Fatalf("latency fault: the call took %v", took)
	}
}

// TestThrottlingMode models the real limit: a burst of 5, then 2 a second.
func TestThrottlingMode(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.Control("PUT", "throttling", map[string]any{"enabled": true, "rate": 2, "burst": 5}, nil)
	ws := e.WS(apptest.AccountA)
	throttled := 0
	for range 8 {
		if _, err := ws.DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); apptest.ErrorCode(err) == "ThrottlingException" {
			throttled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if throttled < 2 || throttled > 3 {
		t.Fatalf("%d of 8 back-to-back calls throttled; want the ones past the burst of 5", throttled)
	}
	// Each account has its own bucket.
	if _, err := e.WS(apptest.AccountB).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); err != nil {
		t.Fatalf("account B throttled by account A's calls: %v", err)
	}
}

// TestTransitionFault makes the next creation end in ERROR with a code.
func TestTransitionFault(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir, bundle := e.RegisteredDirectory(apptest.AccountA), e.AmazonBundle()
	e.Control("POST", "faults/transitions", map[string]any{"kind": "workspace", "account": apptest.AccountA, "state": "ERROR",
		"errorCode": "InvalidUserConfiguration.Workspace", "errorMessage": "The user was not found or is misconfigured."}, nil)
	failed := createWorkspace(t, e, dir, bundle, "carol")
	e.Advance(time.Hour)
	w := workspaceState(t, e, failed)
	if w.State != types.WorkspaceStateError || aws.ToString(w.ErrorCode) != "InvalidUserConfiguration.Workspace" || aws.ToString(w.ErrorMessage) == "" {
		t.Fatalf("faulted WorkSpace: %s %q %q", w.State, aws.ToString(w.ErrorCode), aws.ToString(w.ErrorMessage))
	}
	ok := createWorkspace(t, e, dir, bundle, "dave")
	e.Advance(time.Hour)
	if s := workspaceState(t, e, ok).State; s != types.WorkspaceStateAvailable {
		t.Fatalf("the fault hit a second WorkSpace too: %s", s)
	}
}

func TestResetOneAccount(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dirA := e.RegisteredDirectory(apptest.AccountA)
	e.RegisteredDirectory(apptest.AccountB)
	createWorkspace(t, e, dirA, e.AmazonBundle(), "erin")
	e.Control("POST", "reset", map[string]string{"account": apptest.AccountA}, nil)
	a, err := e.WS(apptest.AccountA).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{})
	if err != nil || len(a.Directories) != 0 {
		t.Fatalf("account A after reset: %v %d directories", err, len(a.Directories))
	}
	wa, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{})
	if err != nil || len(wa.Workspaces) != 0 {
		t.Fatalf("account A after reset: %v %d WorkSpaces", err, len(wa.Workspaces))
	}
	b, err := e.WS(apptest.AccountB).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{})
	if err != nil || len(b.Directories) != 1 {
		t.Fatalf("account B was touched by A's reset: %v %d directories", err, len(b.Directories))
	}
}

// TestAccountsAndRegionsAreSeparate: state is partitioned by the account
// and region of the signature.
func TestAccountsAndRegionsAreSeparate(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	for _, c := range []struct {
		name string
		ws   *workspaces.Client
		want int
	}{
		{"A us-east-1", e.WS(apptest.AccountA), 1},
		{"A eu-west-1", e.WSIn(apptest.AccountA, apptest.Region2), 0},
		{"B us-east-1", e.WS(apptest.AccountB), 0},
	} {
		out, err := c.ws.DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{})
		if err != nil || len(out.Directories) != c.want {
			t.Errorf("%s sees %d directories (%v), want %d", c.name, len(out.Directories), err, c.want)
		}
	}
	if _, err := e.WS(apptest.AccountB).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(dir)}); apptest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Errorf("account B reads account A's directory tags: %v", err)
	}
}
