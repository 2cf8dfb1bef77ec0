package account_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The account family's tests run the real app (internal/apptest) on the
// store DESKPLANE_TEST_STORE names and talk to it with aws-sdk-go-v2.

const (
	acctA = apptest.AccountA
	acctB = apptest.AccountB
	reg1  = apptest.Region
	reg2  = apptest.Region2
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
