package dsdata_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
)

// TestMicrosoftAD: what a new Managed Microsoft AD holds, and that only the
// objects of the customer's OU (and the AWS Delegated Groups' members)
// can change.
func TestMicrosoftAD(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := microsoftAD(t, e, acctA)

	if got := userNames(t, c, ctx, id, 250); !slices.Equal(got, []string{"Administrator", "Guest", "krbtgt", "Admin"}) {
		t.Fatalf("users of a new Microsoft AD: %v", got)
	}
	admin, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("admin")})
	if err != nil || aws.ToString(admin.SAMAccountName) != "Admin" || !aws.ToBool(admin.Enabled) ||
		aws.ToString(admin.DistinguishedName) != "CN=Admin,OU=Users,OU=CORP,DC=corp,DC=example,DC=com" {
		t.Fatalf("Admin: %+v %v", admin, err)
	}
	if g := groupsOf(t, c, ctx, id, "Admin"); !slices.Equal(g, []string{"Domain Users", "Admins", "AWS Delegated Administrators"}) {
		t.Errorf("groups of Admin: %v", g)
	}
	delegated, err := c.DescribeGroup(ctx, &directoryservicedata.DescribeGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("AWS Delegated Server Administrators")})
	if err != nil || delegated.GroupScope != types.GroupScopeDomainLocal ||
		aws.ToString(delegated.DistinguishedName) != "CN=AWS Delegated Server Administrators,OU=AWS Delegated Groups,DC=corp,DC=example,DC=com" {
		t.Errorf("a delegated group: %+v %v", delegated, err)
	}
	if g, err := c.DescribeGroup(ctx, &directoryservicedata.DescribeGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Protected Users")}); err != nil || g.GroupScope != types.GroupScopeGlobal {
		t.Errorf("Protected Users: %+v %v", g, err)
	}

	// New objects go to the customer's OU; their SIDs do not collide with
	// the directory's own groups.
	u, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("jane")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("jane")})
	if err != nil || aws.ToString(d.DistinguishedName) != "CN=jane,OU=Users,OU=CORP,DC=corp,DC=example,DC=com" {
		t.Errorf("a new user: %+v %v", d, err)
	}
	sids := map[string]string{aws.ToString(u.SID): "jane"}
	p := directoryservicedata.NewListGroupsPaginator(c, &directoryservicedata.ListGroupsInput{DirectoryId: aws.String(id)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range out.Groups {
			if prev, dup := sids[aws.ToString(g.SID)]; dup {
				t.Errorf("%s and %s share the SID %s", prev, aws.ToString(g.SAMAccountName), aws.ToString(g.SID))
			}
			sids[aws.ToString(g.SID)] = aws.ToString(g.SAMAccountName)
		}
	}

	// Outside the customer's OU: readable, not writable.
	_, err = c.DisableUser(ctx, &directoryservicedata.DisableUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Administrator")})
	wantAccessDenied(t, "disable Administrator", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.UpdateUser(ctx, &directoryservicedata.UpdateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Guest"), GivenName: aws.String("G")})
	wantAccessDenied(t, "update Guest", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.DeleteUser(ctx, &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("krbtgt")})
	wantAccessDenied(t, "delete krbtgt", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.UpdateGroup(ctx, &directoryservicedata.UpdateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Domain Admins"), GroupType: types.GroupTypeDistribution})
	wantAccessDenied(t, "update Domain Admins", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.DeleteGroup(ctx, &directoryservicedata.DeleteGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("AWS Delegated Administrators")})
	wantAccessDenied(t, "delete a delegated group", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.AddGroupMember(ctx, &directoryservicedata.AddGroupMemberInput{DirectoryId: aws.String(id), GroupName: aws.String("Domain Admins"), MemberName: aws.String("jane")})
	wantAccessDenied(t, "join Domain Admins", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.DeleteUser(ctx, &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Admin")})
	wantValidation(t, "delete Admin", err, types.ValidationExceptionReasonLdapUnsupportedOperation)

	// The delegated groups take members.
	if _, err := c.AddGroupMember(ctx, &directoryservicedata.AddGroupMemberInput{DirectoryId: aws.String(id),
		GroupName: aws.String("AWS Delegated Server Administrators"), MemberName: aws.String("jane"), MemberRealm: aws.String("CORP.EXAMPLE.COM")}); err != nil {
		t.Fatalf("join a delegated group: %v", err)
	}
	if m := membersOf(t, c, ctx, id, "AWS Delegated Server Administrators"); !slices.Equal(m, []string{"jane"}) {
		t.Errorf("members: %v", m)
	}
	if _, err := c.RemoveGroupMember(ctx, &directoryservicedata.RemoveGroupMemberInput{DirectoryId: aws.String(id),
		GroupName: aws.String("AWS Delegated Server Administrators"), MemberName: aws.String("JANE")}); err != nil {
		t.Fatalf("leave a delegated group: %v", err)
	}
	// Admin may be disabled (its password reset enables it again).
	if _, err := c.DisableUser(ctx, &directoryservicedata.DisableUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Admin")}); err != nil {
		t.Errorf("disable Admin: %v", err)
	}
}

// TestDirectoryStates: the directory's type, stage and data access.
func TestDirectoryStates(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	list := func() error {
		_, err := c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(id)})
		return err
	}

	setDirectory(t, e, acctA, id, func(d *directory.DSDirectory) { d.DataAccess = directory.DataAccessDisabled })
	wantAccessDenied(t, "data access disabled", list(), types.AccessDeniedReasonDataDisabled)
	_, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("x")})
	wantAccessDenied(t, "create with data access disabled", err, types.AccessDeniedReasonDataDisabled)
	setDirectory(t, e, acctA, id, func(d *directory.DSDirectory) { d.DataAccess = directory.DataAccessEnabling })
	wantAccessDenied(t, "data access enabling", list(), types.AccessDeniedReasonDataDisabled)
	setDirectory(t, e, acctA, id, func(d *directory.DSDirectory) { d.DataAccess = directory.DataAccessEnabled })
	if err := list(); err != nil {
		t.Errorf("data access enabled: %v", err)
	}

	setDirectory(t, e, acctA, id, func(d *directory.DSDirectory) { d.Stage = deskplane.DSDirectoryImpaired })
	var du *types.DirectoryUnavailableException
	if err := list(); !errorsAs(err, &du) || du.Reason != types.DirectoryUnavailableReasonInvalidDirectoryState || !strings.Contains(aws.ToString(du.Message), "Impaired") {
		t.Errorf("an Impaired directory: %v", err)
	}
	setDirectory(t, e, acctA, id, func(d *directory.DSDirectory) {
		d.Stage = deskplane.DSDirectoryActive
		d.Type = "SharedMicrosoftAD"
	})
	wantValidation(t, "a shared directory", list(), types.ValidationExceptionReasonInvalidDirectoryType)

	// A failed creation leaves a directory whose data cannot be used.
	out, err := e.DS(acctA).ConnectDirectory(ctx, &directoryservice.ConnectDirectoryInput{
		Name: aws.String("onprem.example.com"), Password: aws.String(password), Size: dstypes.DirectorySizeSmall,
		ConnectSettings: &dstypes.DirectoryConnectSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets,
			CustomerDnsIps: []string{"10.0.0.10"}, CustomerUserName: aws.String("svc-connector")},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(4 * time.Minute)
	connector := aws.ToString(out.DirectoryId)
	if got := userNames(t, c, ctx, connector, 250); !slices.Equal(got, []string{"Administrator", "Guest", "krbtgt", "svc-connector"}) {
		t.Errorf("users of an AD Connector: %v", got)
	}
}

// TestClientTokens: a write with a client token is remembered for 8 hours.
func TestClientTokens(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	if _, err := c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("team"), ClientToken: aws.String("t-1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u1"), ClientToken: aws.String("t-2")}); err != nil {
		t.Fatal(err)
	}
	add := &directoryservicedata.AddGroupMemberInput{DirectoryId: aws.String(id), GroupName: aws.String("team"), MemberName: aws.String("u1"), ClientToken: aws.String("t-3")}
	for range 2 {
		if _, err := c.AddGroupMember(ctx, add); err != nil {
			t.Fatalf("AddGroupMember with the same token: %v", err)
		}
	}
	del := &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u1"), ClientToken: aws.String("t-4")}
	for range 2 {
		if _, err := c.DeleteUser(ctx, del); err != nil {
			t.Fatalf("DeleteUser with the same token: %v", err)
		}
	}
	// Another operation or other parameters with a token in use.
	_, err := c.DeleteGroup(ctx, &directoryservicedata.DeleteGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("team"), ClientToken: aws.String("t-4")})
	wantCode(t, "a token of another operation", err, "ConflictException")
	_, err = c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u2"), ClientToken: aws.String("t-2")})
	wantCode(t, "a token with other parameters", err, "ConflictException")
	// A token is another account's own.
	b := simpleAD(t, e, acctB)
	if _, err := data(e, acctB).CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(b), SAMAccountName: aws.String("u2"), ClientToken: aws.String("t-2")}); err != nil {
		t.Errorf("another account's token: %v", err)
	}
	// 8 hours after its last use a token is forgotten.
	e.Advance(8*time.Hour + time.Minute)
	if _, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u2"), ClientToken: aws.String("t-2")}); err != nil {
		t.Errorf("an expired token: %v", err)
	}
	sc := deskplane.Scope{Account: acctA, Region: "us-east-1"}
	n := 0
	if err := e.App.Store.View(ctx, func(tx deskplane.Tx) error {
		var err error
		n, err = tx.Count(sc, directory.KindDataToken)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d client tokens are kept, want the one used last", n)
	}
}
