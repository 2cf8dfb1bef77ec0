package directories_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// The directories family's tests run the real app (internal/apptest) on
// the store DESKPLANE_TEST_STORE names and talk to it with aws-sdk-go-v2.
// Helpers (prefix x): directories made through the real Directory Service
// and WorkSpaces APIs, records read straight from the store.

// xDirectory creates a Simple AD directory in which every user exists,
// waits for it to be Active, registers it with WorkSpaces and waits for
// REGISTERED.
func xDirectory(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:     aws.String("corp.example.com"),
		Password: aws.String("Passw0rd!"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{
			VpcId:     aws.String("vpc-" + xHex(17)),
			SubnetIds: []string{"subnet-" + xHex(17), "subnet-" + xHex(17)},
		},
		Tags: []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}},
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	e.Advance(time.Hour)
	xRegister(t, e, account, aws.ToString(out.DirectoryId))
	return aws.ToString(out.DirectoryId)
}

// xRegister registers a directory and waits for REGISTERED.
func xRegister(t *testing.T, e *apptest.Env, account, id string) {
	t.Helper()
	if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
}

// xLoad reads a record of the store into v; it reports whether there is one.
func xLoad(t *testing.T, e *apptest.Env, key deskplane.Key, v any) bool {
	t.Helper()
	found := false
	err := e.App.Store.View(context.Background(), func(tx deskplane.Tx) error {
		rec, err := tx.Get(key)
		if errors.Is(err, deskplane.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return json.Unmarshal(rec.Data, v)
	})
	if err != nil {
		t.Fatalf("reading %v: %v", key, err)
	}
	return found
}

// xWant fails the test unless err is the wire error code.
func xWant(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// xReason checks the reason member of an OperationNotSupportedException.
func xReason(t *testing.T, err error, reason string) {
	t.Helper()
	var ons *types.OperationNotSupportedException
	if !errors.As(err, &ons) {
		t.Errorf("error %v is not an OperationNotSupportedException", err)
		return
	}
	if aws.ToString(ons.Reason) != reason {
		t.Errorf("reason %q, want %q", aws.ToString(ons.Reason), reason)
	}
}

// xHex returns n random lowercase hex digits.
func xHex(n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = hex[b[i]&0x0f]
	}
	return string(b)
}

// xBundleStandard2019 is an AMAZON bundle of the catalogue the tests
// launch: Standard with Windows 10 (Server 2019 based).
const xBundleStandard2019 = "wsb-gk1wpk43z"

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
