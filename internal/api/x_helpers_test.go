package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
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

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Helpers shared by the pool, endpoint and directory
// tests (prefix x): directories made through the real Directory Service
// and WorkSpaces APIs, records read straight from the store, and control
// calls whose failures the test wants to see.

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
