package dsdata_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata/types"
)

func TestMembers(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	for _, u := range []string{"alice", "bob", "carol"} {
		if _, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(u)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []struct {
		name  string
		scope types.GroupScope
	}{{"sales", types.GroupScopeGlobal}, {"emea", types.GroupScopeGlobal}, {"all-staff", types.GroupScopeUniversal}, {"printers", types.GroupScopeDomainLocal}} {
		if _, err := c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(g.name), GroupScope: g.scope}); err != nil {
			t.Fatal(err)
		}
	}
	add := func(group, member string) error {
		_, err := c.AddGroupMember(ctx, &directoryservicedata.AddGroupMemberInput{DirectoryId: aws.String(id), GroupName: aws.String(group), MemberName: aws.String(member)})
		return err
	}
	remove := func(group, member string) error {
		_, err := c.RemoveGroupMember(ctx, &directoryservicedata.RemoveGroupMemberInput{DirectoryId: aws.String(id), GroupName: aws.String(group), MemberName: aws.String(member)})
		return err
	}

	// A new user is in its primary group only.
	if g := groupsOf(t, c, ctx, id, "alice"); !slices.Equal(g, []string{"Domain Users"}) {
		t.Fatalf("groups of a new user: %v", g)
	}
	if g := groupsOf(t, c, ctx, id, "Administrator"); !slices.Contains(g, "Domain Admins") || !slices.Contains(g, "Administrators") {
		t.Errorf("groups of Administrator: %v", g)
	}
	for _, m := range [][2]string{{"sales", "alice"}, {"sales", "BOB"}, {"emea", "carol"}, {"sales", "emea"}, {"all-staff", "sales"}, {"printers", "all-staff"}, {"printers", "alice"}} {
		if err := add(m[0], m[1]); err != nil {
			t.Fatalf("AddGroupMember %v: %v", m, err)
		}
	}
	if m := membersOf(t, c, ctx, id, "SALES"); !slices.Equal(m, []string{"alice", "bob", "emea"}) {
		t.Errorf("members of sales: %v", m)
	}
	out, err := c.ListGroupMembers(ctx, &directoryservicedata.ListGroupMembersInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("sales"),
		Realm: aws.String("CORP.EXAMPLE.COM"), MemberRealm: aws.String("corp.example.com")})
	if err != nil || aws.ToString(out.Realm) != domain || aws.ToString(out.MemberRealm) != domain || out.Members[2].MemberType != types.MemberTypeGroup ||
		out.Members[0].MemberType != types.MemberTypeUser || !strings.HasPrefix(aws.ToString(out.Members[0].SID), "S-1-5-21-") {
		t.Errorf("ListGroupMembers: %+v %v", out, err)
	}
	if g := groupsOf(t, c, ctx, id, "alice"); !slices.Equal(g, []string{"Domain Users", "sales", "printers"}) {
		t.Errorf("groups of alice: %v", g)
	}
	if g := groupsOf(t, c, ctx, id, "sales"); !slices.Equal(g, []string{"all-staff"}) {
		t.Errorf("groups of sales (direct only): %v", g)
	}
	fm, err := c.ListGroupsForMember(ctx, &directoryservicedata.ListGroupsForMemberInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), MaxResults: aws.Int32(2)})
	if err != nil || len(fm.Groups) != 2 || fm.NextToken == nil || fm.Groups[0].GroupScope != types.GroupScopeGlobal || aws.ToString(fm.MemberRealm) != domain {
		t.Fatalf("a page of ListGroupsForMember: %+v %v", fm, err)
	}
	fm, err = c.ListGroupsForMember(ctx, &directoryservicedata.ListGroupsForMemberInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), NextToken: fm.NextToken})
	if err != nil || len(fm.Groups) != 1 || aws.ToString(fm.Groups[0].SAMAccountName) != "printers" || fm.NextToken != nil {
		t.Errorf("the next page: %+v %v", fm, err)
	}
	_, err = c.ListGroupsForMember(ctx, &directoryservicedata.ListGroupsForMemberInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("bob"), NextToken: fm.NextToken})
	if err != nil {
		t.Errorf("no token: %v", err)
	}
	lm, err := c.ListGroupMembers(ctx, &directoryservicedata.ListGroupMembersInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("sales"), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListGroupMembers(ctx, &directoryservicedata.ListGroupMembersInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("emea"), NextToken: lm.NextToken})
	wantValidation(t, "another group's token", err, types.ValidationExceptionReasonInvalidNextToken)

	// memberOf and member name the distinguished names.
	d, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), OtherAttributes: []string{"memberOf"}})
	if ss, ok := d.OtherAttributes["memberOf"].(*types.AttributeValueMemberSS); err != nil || !ok ||
		!slices.Equal(ss.Value, []string{"CN=sales,CN=Users,DC=corp,DC=example,DC=com", "CN=printers,CN=Users,DC=corp,DC=example,DC=com"}) {
		t.Errorf("memberOf: %#v %v", d.OtherAttributes["memberOf"], err)
	}
	g, err := c.DescribeGroup(ctx, &directoryservicedata.DescribeGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("emea"), OtherAttributes: []string{"member", "memberOf"}})
	if err != nil || len(g.OtherAttributes) != 2 {
		t.Errorf("member and memberOf of a group: %v %v", g.OtherAttributes, err)
	}

	// Refusals.
	wantCode(t, "a member twice", add("sales", "Alice"), "ConflictException")
	wantCode(t, "an unknown group", add("nobody", "alice"), "ResourceNotFoundException")
	wantCode(t, "an unknown member", add("sales", "nobody"), "ResourceNotFoundException")
	wantValidation(t, "a group in itself", add("sales", "sales"), types.ValidationExceptionReasonLdapUnsupportedOperation)
	wantValidation(t, "a Universal group in a Global one", add("emea", "all-staff"), types.ValidationExceptionReasonLdapUnsupportedOperation)
	wantValidation(t, "a DomainLocal group in a Universal one", add("all-staff", "printers"), types.ValidationExceptionReasonLdapUnsupportedOperation)
	wantValidation(t, "a Builtin group in a DomainLocal one", add("printers", "Administrators"), types.ValidationExceptionReasonLdapUnsupportedOperation)
	_, err = c.AddGroupMember(ctx, &directoryservicedata.AddGroupMemberInput{DirectoryId: aws.String(id), GroupName: aws.String("sales"), MemberName: aws.String("carol"),
		MemberRealm: aws.String("partner.example.net")})
	wantValidation(t, "a member of another realm", err, types.ValidationExceptionReasonInvalidRealm)
	wantCode(t, "remove a non-member", remove("sales", "carol"), "ResourceNotFoundException")
	wantCode(t, "remove from an unknown group", remove("nobody", "carol"), "ResourceNotFoundException")
	wantCode(t, "remove from the primary group", remove("Domain Users", "alice"), "ConflictException")
	_, err = c.ListGroupMembers(ctx, &directoryservicedata.ListGroupMembersInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("nobody")})
	wantCode(t, "members of an unknown group", err, "ResourceNotFoundException")
	_, err = c.ListGroupsForMember(ctx, &directoryservicedata.ListGroupsForMemberInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("nobody")})
	wantCode(t, "groups of an unknown member", err, "ResourceNotFoundException")
	_, err = c.ListGroupsForMember(ctx, &directoryservicedata.ListGroupsForMemberInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), MemberRealm: aws.String("x.example")})
	wantValidation(t, "groups of a member of another realm", err, types.ValidationExceptionReasonInvalidRealm)

	// Remove, then a deleted user leaves its groups.
	if err := remove("SALES", "bob"); err != nil {
		t.Fatalf("RemoveGroupMember: %v", err)
	}
	if _, err := c.DeleteUser(ctx, &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if m := membersOf(t, c, ctx, id, "sales"); !slices.Equal(m, []string{"emea"}) {
		t.Errorf("members of sales: %v", m)
	}
	if m := membersOf(t, c, ctx, id, "Domain Users"); slices.Contains(m, "alice") || !slices.Contains(m, "bob") {
		t.Errorf("members of Domain Users: %v", m)
	}
}
