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

const (
	acctA = apptest.AccountA
	acctB = apptest.AccountB
	reg1  = apptest.Region
	reg2  = apptest.Region2
)

// AMAZON bundles of the catalogue the tests launch.
const (
	xBundleStandard2019 = "wsb-gk1wpk43z" // Standard with Windows 10 (Server 2019 based)
	xBundleLinux        = "wsb-clj85qzj1" // Standard with Amazon Linux 2
)

// wsc returns a WorkSpaces client of the account in the Region.
func wsc(e *apptest.Env, account, region string) *workspaces.Client {
	return workspaces.NewFromConfig(e.AWSConfig(account, region))
}

// wantCode fails the test unless err is the wire error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// enableBYOL enables BYOL for the account in region and completes it.
func enableBYOL(t *testing.T, e *apptest.Env, account, region, cidr string) {
	t.Helper()
	_, err := wsc(e, account, region).ModifyAccount(e.Ctx(), &workspaces.ModifyAccountInput{
		DedicatedTenancySupport:             types.DedicatedTenancySupportEnumEnabled,
		DedicatedTenancyManagementCidrRange: aws.String(cidr),
	})
	if err != nil {
		t.Fatalf("ModifyAccount: %v", err)
	}
	e.Advance(4 * time.Hour)
	out, err := wsc(e, account, region).DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumEnabled {
		t.Fatalf("DedicatedTenancySupport %s after enabling", out.DedicatedTenancySupport)
	}
}

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
