package directories_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

func TestEndpointEncryptionMode(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xDirectory(t, e, apptest.AccountA)
	modify := func(c *workspaces.Client, dir string, mode types.EndpointEncryptionMode) error {
		_, err := c.ModifyEndpointEncryptionMode(e.Ctx(), &workspaces.ModifyEndpointEncryptionModeInput{DirectoryId: aws.String(dir), EndpointEncryptionMode: mode})
		return err
	}
	stored := func() string {
		var rec deskplane.EndpointEncryption
		if !xLoad(t, e, deskplane.Key{Scope: deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}, Kind: deskplane.KindEndpointEncryption, ID: dir}, &rec) {
			return ""
		}
		return rec.Mode
	}

	if err := modify(c, dir, types.EndpointEncryptionModeFipsValidated); err != nil {
		t.Fatalf("FIPS_VALIDATED: %v", err)
	}
	if got := stored(); got != "FIPS_VALIDATED" {
		t.Errorf("stored mode %q", got)
	}
	if err := modify(c, dir, types.EndpointEncryptionModeFipsValidated); err != nil {
		t.Errorf("FIPS_VALIDATED again: %v", err)
	}
	if err := modify(c, dir, types.EndpointEncryptionModeStandardTls); err != nil {
		t.Errorf("back to STANDARD_TLS: %v", err)
	}
	if got := stored(); got != "STANDARD_TLS" {
		t.Errorf("stored mode %q", got)
	}

	xWant(t, "unknown directory", modify(c, "d-0123456789", types.EndpointEncryptionModeFipsValidated), "ResourceNotFoundException")
	xWant(t, "another account's directory", modify(e.WS(apptest.AccountB), dir, types.EndpointEncryptionModeFipsValidated), "ResourceNotFoundException")
	xWant(t, "unknown mode", modify(c, dir, "AES_ONLY"), "ValidationException")
	err := modify(e.WSIn(apptest.AccountA, apptest.Region2), "d-0123456789", types.EndpointEncryptionModeFipsValidated)
	xWant(t, "FIPS outside the US", err, "OperationNotSupportedException")
	xReason(t, err, "FIPS_NOT_SUPPORTED_IN_REGION")

	// With a WorkSpace in the directory the mode can no longer change.
	xWorkspace(t, e, apptest.AccountA, dir, "alice", xBundleStandard2019)
	err = modify(c, dir, types.EndpointEncryptionModeFipsValidated)
	xWant(t, "change with WorkSpaces", err, "OperationNotSupportedException")
	xReason(t, err, "WORKSPACES_EXIST")
	if err := modify(c, dir, types.EndpointEncryptionModeStandardTls); err != nil {
		t.Errorf("the mode in force, with WorkSpaces: %v", err)
	}
}
