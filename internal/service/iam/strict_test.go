package iam_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/apptest"
)

// register asks WorkSpaces to register a directory that does not exist:
// the IAM role is checked before the directory is looked up.
func register(e *apptest.Env, account string) error {
	_, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
		DirectoryId: aws.String("d-0123456789")})
	return err
}

// TestStrictModeNeedsTheDefaultRole: with -strict, registering a directory
// needs the account's IAM role workspaces_DefaultRole, as in AWS; without
// it, nothing is asked of IAM.
func TestStrictModeNeedsTheDefaultRole(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *appConfig) { c.Strict = true }})
	err := register(e, apptest.AccountA)
	if apptest.ErrorCode(err) != "WorkspacesDefaultRoleNotFoundException" {
		t.Fatalf("strict, no role: %v", err)
	}
	// Another account's role does not count; a role of another name neither.
	for _, c := range []struct{ account, name string }{{apptest.AccountB, "workspaces_DefaultRole"}, {apptest.AccountA, "workspaces_OtherRole"}} {
		if _, err := e.IAM(c.account).CreateRole(e.Ctx(), &iam.CreateRoleInput{RoleName: aws.String(c.name), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := register(e, apptest.AccountA); apptest.ErrorCode(err) != "WorkspacesDefaultRoleNotFoundException" {
		t.Fatalf("strict, only others' roles: %v", err)
	}
	if _, err := e.IAM(apptest.AccountA).CreateRole(e.Ctx(), &iam.CreateRoleInput{RoleName: aws.String("workspaces_DefaultRole"), AssumeRolePolicyDocument: aws.String(workspacesTrust)}); err != nil {
		t.Fatal(err)
	}
	// With the role, registration goes on to its next check.
	if err := register(e, apptest.AccountA); apptest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("strict, with the role: %v", err)
	}

	lax := apptest.Start(t, apptest.Options{})
	if err := register(lax, apptest.AccountA); apptest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("not strict, no role: %v", err)
	}
}
