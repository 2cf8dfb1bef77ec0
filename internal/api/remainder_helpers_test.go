package api_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// Helpers the remaining tests of this package share, kept here when the
// images, bundles and applications tests that defined them moved to
// internal/service/images, …/bundles and …/applications.

// AMAZON bundles of the catalogue the tests launch.
const (
	xBundleStandard2019 = "wsb-gk1wpk43z" // Standard with Windows 10 (Server 2019 based)
	xBundleLinux        = "wsb-clj85qzj1" // Standard with Amazon Linux 2
)

// xWorkspace launches a WorkSpace with CreateWorkspaces and waits for it
// to be AVAILABLE.
func xWorkspace(t *testing.T, e *apptest.Env, account, dir, user, bundle string) string {
	t.Helper()
	out, err := e.WS(account).CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: aws.String(dir), UserName: aws.String(user), BundleId: aws.String(bundle),
	}}})
	if err != nil {
		t.Fatalf("CreateWorkspaces: %v", err)
	}
	if len(out.FailedRequests) > 0 {
		t.Fatalf("CreateWorkspaces: %s: %s", aws.ToString(out.FailedRequests[0].ErrorCode), aws.ToString(out.FailedRequests[0].ErrorMessage))
	}
	id := aws.ToString(out.PendingRequests[0].WorkspaceId)
	e.Advance(time.Hour)
	d, err := e.WS(account).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil || len(d.Workspaces) != 1 || d.Workspaces[0].State != types.WorkspaceStateAvailable {
		t.Fatalf("WorkSpace %s is not AVAILABLE: %+v %v", id, d, err)
	}
	return id
}
