package pools_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The pools family's tests run the real app (internal/apptest) on the
// store DESKPLANE_TEST_STORE names and talk to it with aws-sdk-go-v2.
// Helpers (prefix x): directories made through the real Directory Service
// and WorkSpaces APIs, and control calls whose failures the test wants to
// see.

// AMAZON bundles of the catalogue the tests launch.
const (
	xBundleStandard2019 = "wsb-gk1wpk43z" // Standard with Windows 10 (Server 2019 based)
	xBundleLinux        = "wsb-clj85qzj1" // Standard with Amazon Linux 2
)

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
	if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: out.DirectoryId}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
	return aws.ToString(out.DirectoryId)
}

// xDeregister deregisters a directory and waits until it is gone.
func xDeregister(t *testing.T, e *apptest.Env, account, id string) {
	t.Helper()
	if _, err := e.WS(account).DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatalf("DeregisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
}

// xPoolDirectory registers a WorkSpaces Pools directory (wsd-) and waits
// for REGISTERED.
func xPoolDirectory(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
		WorkspaceType:                 types.WorkspaceTypePools,
		WorkspaceDirectoryName:        aws.String("pools-" + xHex(6)),
		WorkspaceDirectoryDescription: aws.String("Pools directory"),
		UserIdentityType:              types.UserIdentityTypeCustomerManaged,
		SubnetIds:                     []string{"subnet-" + xHex(17), "subnet-" + xHex(17)},
	})
	if err != nil {
		t.Fatalf("RegisterWorkspaceDirectory (POOLS): %v", err)
	}
	e.Advance(time.Hour)
	return aws.ToString(out.DirectoryId)
}

// xWant fails the test unless err is the wire error code.
func xWant(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// xControl calls the control API and returns the status and body (where
// apptest's Control fails the test on any status but 2xx).
func xControl(t *testing.T, e *apptest.Env, method, path string, in any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.URL+"/_deskplane/"+strings.TrimPrefix(path, "/"), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.App.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
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
