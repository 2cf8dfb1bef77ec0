package ds_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// msAD creates an AWS Managed Microsoft AD directory (Enterprise) in the
// account and walks it to Active (realistic timing: 2 stages of 2
// minutes).
func msAD(t *testing.T, e *apptest.Env, account string, edition dstypes.DirectoryEdition) string {
	t.Helper()
	out, err := e.DS(account).CreateMicrosoftAD(e.Ctx(), &directoryservice.CreateMicrosoftADInput{
		Name: aws.String("corp.example.com"), Password: aws.String(dirPassword), Edition: edition,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: dirSubnets},
	})
	if err != nil {
		t.Fatalf("CreateMicrosoftAD: %v", err)
	}
	e.Advance(4 * time.Minute)
	return aws.ToString(out.DirectoryId)
}

// must fails the test on an error.
func must[T any](t *testing.T, what string) func(v T, err error) T {
	t.Helper()
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}
