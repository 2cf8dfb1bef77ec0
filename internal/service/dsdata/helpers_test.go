package dsdata_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/apptest"
)

// The Directory Service Data family's tests run the real app
// (internal/apptest) on the store DESKPLANE_TEST_STORE names and talk to
// it with aws-sdk-go-v2's Directory Service and Directory Service Data
// clients.

const (
	acctA    = apptest.AccountA
	acctB    = apptest.AccountB
	password = "Sup3r-Secret!"
	domain   = "corp.example.com"
)

var subnets = []string{"subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"}

// start starts deskplane under the realistic timing profile with the clock
// frozen: a directory is Active after two stages of 2 minutes.
func start(t *testing.T) *apptest.Env {
	t.Helper()
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	return e
}

// data returns a Directory Service Data client for the account.
func data(e *apptest.Env, account string) *directoryservicedata.Client {
	return directoryservicedata.NewFromConfig(e.AWSConfig(account, apptest.Region))
}

// simpleAD creates a Simple AD directory and walks it to Active.
func simpleAD(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	id := createSimpleAD(t, e, account)
	e.Advance(4 * time.Minute)
	return id
}

// createSimpleAD creates a Simple AD directory (Requested).
func createSimpleAD(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:        aws.String(domain),
		ShortName:   aws.String("CORP"),
		Password:    aws.String(password),
		Size:        dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets},
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	return aws.ToString(out.DirectoryId)
}

// microsoftAD creates a Managed Microsoft AD directory (NetBIOS name CORP)
// and walks it to Active.
func microsoftAD(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.DS(account).CreateMicrosoftAD(e.Ctx(), &directoryservice.CreateMicrosoftADInput{
		Name: aws.String(domain), ShortName: aws.String("CORP"), Password: aws.String(password),
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets},
	})
	if err != nil {
		t.Fatalf("CreateMicrosoftAD: %v", err)
	}
	e.Advance(4 * time.Minute)
	return aws.ToString(out.DirectoryId)
}

// wantCode fails the test unless err is the wire error code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// wantValidation fails the test unless err is a ValidationException with
// the reason.
func wantValidation(t *testing.T, what string, err error, reason types.ValidationExceptionReason) {
	t.Helper()
	var ve *types.ValidationException
	if !errors.As(err, &ve) || ve.Reason != reason {
		t.Fatalf("%s: %v, want ValidationException %s", what, err, reason)
	}
	if aws.ToString(ve.Message) == "" {
		t.Errorf("%s: ValidationException without a message", what)
	}
}

// wantAccessDenied fails the test unless err is an AccessDeniedException
// with the reason.
func wantAccessDenied(t *testing.T, what string, err error, reason types.AccessDeniedReason) {
	t.Helper()
	var ae *types.AccessDeniedException
	if !errors.As(err, &ae) || ae.Reason != reason {
		t.Fatalf("%s: %v, want AccessDeniedException %s", what, err, reason)
	}
}

// userNames lists every user of the directory through ListUsers pages of
// size n.
func userNames(t *testing.T, c *directoryservicedata.Client, ctx context.Context, dir string, n int32) []string {
	t.Helper()
	var names []string
	p := directoryservicedata.NewListUsersPaginator(c, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(dir), MaxResults: aws.Int32(n)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		if len(out.Users) > int(n) {
			t.Fatalf("ListUsers answered %d users for MaxResults %d", len(out.Users), n)
		}
		for _, u := range out.Users {
			names = append(names, aws.ToString(u.SAMAccountName))
		}
	}
	return names
}

// groupsOf lists the groups a member is a direct member of.
func groupsOf(t *testing.T, c *directoryservicedata.Client, ctx context.Context, dir, member string) []string {
	t.Helper()
	out, err := c.ListGroupsForMember(ctx, &directoryservicedata.ListGroupsForMemberInput{DirectoryId: aws.String(dir), SAMAccountName: aws.String(member)})
	if err != nil {
		t.Fatalf("ListGroupsForMember %s: %v", member, err)
	}
	var names []string
	for _, g := range out.Groups {
		names = append(names, aws.ToString(g.SAMAccountName))
	}
	return names
}

// membersOf lists the direct members of a group.
func membersOf(t *testing.T, c *directoryservicedata.Client, ctx context.Context, dir, group string) []string {
	t.Helper()
	out, err := c.ListGroupMembers(ctx, &directoryservicedata.ListGroupMembersInput{DirectoryId: aws.String(dir), SAMAccountName: aws.String(group)})
	if err != nil {
		t.Fatalf("ListGroupMembers %s: %v", group, err)
	}
	var names []string
	for _, m := range out.Members {
		names = append(names, aws.ToString(m.SAMAccountName))
	}
	return names
}

// setDirectory changes a directory record directly in the store, for the
// states no API of this family reaches (data access, shared directories).
func setDirectory(t *testing.T, e *apptest.Env, account, id string, fn func(*directory.DSDirectory)) {
	t.Helper()
	sc := deskplane.Scope{Account: account, Region: apptest.Region}
	err := e.App.Store.Update(e.Ctx(), func(tx deskplane.Tx) error {
		return directory.DSDirectories().Modify(tx, sc, id, func() error { return errors.New("no such directory") },
			func(d *directory.DSDirectory) error { fn(d); return nil })
	})
	if err != nil {
		t.Fatalf("changing directory %s: %v", id, err)
	}
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// countRecords counts the users, groups and memberships of a directory in
// the store.
func countRecords(t *testing.T, e *apptest.Env, account, id string) int {
	t.Helper()
	sc := deskplane.Scope{Account: account, Region: apptest.Region}
	n := 0
	err := e.App.Store.View(e.Ctx(), func(tx deskplane.Tx) error {
		for _, kind := range []deskplane.Kind{deskplane.KindUser, directory.KindGroup, directory.KindGroupMember} {
			if err := tx.List(sc, kind, 0, func(r deskplane.Record) bool {
				if strings.HasPrefix(r.ID, id+"/") {
					n++
				}
				return true
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// createWorkspaces registers the directory with WorkSpaces and creates a
// WorkSpace for each user name; it returns how many were created and the
// error codes of the others.
func createWorkspaces(t *testing.T, e *apptest.Env, dir string, users ...string) (int, []string) {
	t.Helper()
	ctx := e.Ctx()
	if _, err := e.WS(acctA).RegisterWorkspaceDirectory(ctx, &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(dir)}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
	bundle := e.AmazonBundle()
	var reqs []wstypes.WorkspaceRequest
	for _, u := range users {
		reqs = append(reqs, wstypes.WorkspaceRequest{DirectoryId: aws.String(dir), UserName: aws.String(u), BundleId: aws.String(bundle)})
	}
	out, err := e.WS(acctA).CreateWorkspaces(ctx, &workspaces.CreateWorkspacesInput{Workspaces: reqs})
	if err != nil {
		t.Fatalf("CreateWorkspaces: %v", err)
	}
	var failed []string
	for _, f := range out.FailedRequests {
		failed = append(failed, aws.ToString(f.ErrorCode))
	}
	return len(out.PendingRequests), failed
}
