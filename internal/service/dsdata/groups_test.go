package dsdata_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata/types"
)

func TestGroups(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)

	// The built-in groups, with their scopes and SIDs.
	var groups []types.GroupSummary
	p := directoryservicedata.NewListGroupsPaginator(c, &directoryservicedata.ListGroupsInput{DirectoryId: aws.String(id), MaxResults: aws.Int32(10)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		groups = append(groups, out.Groups...)
	}
	byName := map[string]types.GroupSummary{}
	for _, g := range groups {
		byName[aws.ToString(g.SAMAccountName)] = g
	}
	for name, want := range map[string]struct {
		scope types.GroupScope
		sid   string
	}{
		"Administrators":    {types.GroupScopeBuiltinLocal, "S-1-5-32-544"},
		"Domain Admins":     {types.GroupScopeGlobal, "-512"},
		"Domain Users":      {types.GroupScopeGlobal, "-513"},
		"Enterprise Admins": {types.GroupScopeUniversal, "-519"},
		"DnsAdmins":         {types.GroupScopeDomainLocal, ""},
	} {
		g, ok := byName[name]
		if !ok || g.GroupScope != want.scope || g.GroupType != types.GroupTypeSecurity || !strings.HasSuffix(aws.ToString(g.SID), want.sid) {
			t.Errorf("built-in group %s: %+v", name, g)
		}
	}
	if _, ok := byName["Protected Users"]; ok {
		t.Error("a Simple AD directory has a Windows Server 2012 group")
	}
	if _, ok := byName["AWS Delegated Administrators"]; ok {
		t.Error("a Simple AD directory has Managed Microsoft AD's groups")
	}
	if strings.HasPrefix(aws.ToString(groups[0].SAMAccountName), "Domain") {
		t.Errorf("groups are not in creation order: %v", groups[0].SAMAccountName)
	}

	// Create: Global Security by default.
	out, err := c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Sales Team"),
		OtherAttributes: map[string]types.AttributeValue{"description": &types.AttributeValueMemberS{Value: "Everyone who sells"}}})
	if err != nil || aws.ToString(out.SAMAccountName) != "Sales Team" || aws.ToString(out.DirectoryId) != id || !strings.HasPrefix(aws.ToString(out.SID), "S-1-5-21-") {
		t.Fatalf("CreateGroup: %+v %v", out, err)
	}
	d, err := c.DescribeGroup(ctx, &directoryservicedata.DescribeGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("sales team"),
		OtherAttributes: []string{"description", "objectClass"}, Realm: aws.String("Corp.Example.Com")})
	if err != nil || d.GroupScope != types.GroupScopeGlobal || d.GroupType != types.GroupTypeSecurity || aws.ToString(d.SAMAccountName) != "Sales Team" ||
		aws.ToString(d.DistinguishedName) != "CN=Sales Team,CN=Users,DC=corp,DC=example,DC=com" || aws.ToString(d.Realm) != domain ||
		str(d.OtherAttributes["description"]) != "Everyone who sells" || aws.ToString(d.SID) != aws.ToString(out.SID) {
		t.Fatalf("DescribeGroup: %+v %v", d, err)
	}
	if _, err := c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Newsletter"),
		GroupType: types.GroupTypeDistribution, GroupScope: types.GroupScopeUniversal}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("SALES TEAM")})
	wantCode(t, "duplicate group", err, "ConflictException")
	_, err = c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("administrator")})
	wantCode(t, "a group named like a user", err, "ConflictException")
	_, err = c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Builtin"), GroupScope: types.GroupScopeBuiltinLocal})
	wantValidation(t, "a BuiltinLocal group", err, types.ValidationExceptionReasonLdapUnsupportedOperation)
	_, err = c.DescribeGroup(ctx, &directoryservicedata.DescribeGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("nobody")})
	wantCode(t, "describe an unknown group", err, "ResourceNotFoundException")

	// Update type and scope: REPLACE, within Active Directory's conversions.
	update := func(name string, in directoryservicedata.UpdateGroupInput) error {
		in.DirectoryId, in.SAMAccountName = aws.String(id), aws.String(name)
		_, err := c.UpdateGroup(ctx, &in)
		return err
	}
	scopeOf := func(name string) types.GroupScope {
		d, err := c.DescribeGroup(ctx, &directoryservicedata.DescribeGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return d.GroupScope
	}
	if err := update("Sales Team", directoryservicedata.UpdateGroupInput{UpdateType: types.UpdateTypeReplace, GroupType: types.GroupTypeDistribution}); err != nil {
		t.Fatalf("change the type: %v", err)
	}
	wantValidation(t, "Global to DomainLocal", update("Sales Team", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeDomainLocal}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	if err := update("Sales Team", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeUniversal}); err != nil {
		t.Fatalf("Global to Universal: %v", err)
	}
	if err := update("Sales Team", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeDomainLocal}); err != nil {
		t.Fatalf("Universal to DomainLocal: %v", err)
	}
	if s := scopeOf("Sales Team"); s != types.GroupScopeDomainLocal {
		t.Errorf("scope %s", s)
	}
	wantValidation(t, "ADD a type", update("Sales Team", directoryservicedata.UpdateGroupInput{UpdateType: types.UpdateTypeAdd, GroupType: types.GroupTypeSecurity}),
		types.ValidationExceptionReasonAttributeExists)
	wantValidation(t, "REMOVE a scope", update("Sales Team", directoryservicedata.UpdateGroupInput{UpdateType: types.UpdateTypeRemove, GroupScope: types.GroupScopeGlobal}),
		types.ValidationExceptionReasonInvalidAttributeForModify)
	wantValidation(t, "to BuiltinLocal", update("Sales Team", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeBuiltinLocal}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	wantValidation(t, "retype a built-in group", update("Domain Users", directoryservicedata.UpdateGroupInput{GroupType: types.GroupTypeDistribution}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	if err := update("Domain Users", directoryservicedata.UpdateGroupInput{OtherAttributes: map[string]types.AttributeValue{
		"info": &types.AttributeValueMemberS{Value: "everyone"}}}); err != nil {
		t.Errorf("a built-in group's other attributes: %v", err)
	}
	if err := update("Sales Team", directoryservicedata.UpdateGroupInput{UpdateType: types.UpdateTypeRemove, OtherAttributes: map[string]types.AttributeValue{
		"description": &types.AttributeValueMemberS{Value: "x"}}}); err != nil {
		t.Fatalf("REMOVE description: %v", err)
	}
	wantCode(t, "update an unknown group", update("nobody", directoryservicedata.UpdateGroupInput{GroupType: types.GroupTypeSecurity}), "ResourceNotFoundException")

	// Scope conversions that membership forbids.
	mk := func(name string, scope types.GroupScope) {
		if _, err := c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(name), GroupScope: scope}); err != nil {
			t.Fatal(err)
		}
	}
	add := func(group, member string) {
		if _, err := c.AddGroupMember(ctx, &directoryservicedata.AddGroupMemberInput{DirectoryId: aws.String(id), GroupName: aws.String(group), MemberName: aws.String(member)}); err != nil {
			t.Fatalf("AddGroupMember %s %s: %v", group, member, err)
		}
	}
	mk("G1", types.GroupScopeGlobal)
	mk("G2", types.GroupScopeGlobal)
	mk("U1", types.GroupScopeUniversal)
	mk("U2", types.GroupScopeUniversal)
	mk("L1", types.GroupScopeDomainLocal)
	mk("L2", types.GroupScopeDomainLocal)
	add("G2", "G1") // G1 is in a Global group
	wantValidation(t, "Global in a Global group to Universal", update("G1", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeUniversal}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	add("U1", "U2") // U1 has a Universal member
	wantValidation(t, "Universal with a Universal member to Global", update("U1", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeGlobal}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	wantValidation(t, "Universal in a Universal group to DomainLocal", update("U2", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeDomainLocal}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	add("L1", "L2") // L1 has a DomainLocal member
	wantValidation(t, "DomainLocal with a DomainLocal member to Universal", update("L1", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeUniversal}),
		types.ValidationExceptionReasonLdapUnsupportedOperation)
	if err := update("L2", directoryservicedata.UpdateGroupInput{GroupScope: types.GroupScopeUniversal}); err != nil {
		t.Errorf("DomainLocal to Universal: %v", err)
	}

	// Delete: a group, then its memberships are gone; built-in groups stay.
	if _, err := c.DeleteGroup(ctx, &directoryservicedata.DeleteGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("g1")}); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	if m := membersOf(t, c, ctx, id, "G2"); len(m) != 0 {
		t.Errorf("members of G2 after G1 went: %v", m)
	}
	if _, err := c.DeleteGroup(ctx, &directoryservicedata.DeleteGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("U1")}); err != nil {
		t.Fatalf("DeleteGroup U1: %v", err)
	}
	if g := groupsOf(t, c, ctx, id, "U2"); len(g) != 0 {
		t.Errorf("groups of U2 after U1 went: %v", g)
	}
	_, err = c.DeleteGroup(ctx, &directoryservicedata.DeleteGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("g1")})
	wantCode(t, "delete twice", err, "ResourceNotFoundException")
	_, err = c.DeleteGroup(ctx, &directoryservicedata.DeleteGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Domain Admins")})
	wantValidation(t, "delete a built-in group", err, types.ValidationExceptionReasonLdapUnsupportedOperation)

	list, err := c.ListGroups(ctx, &directoryservicedata.ListGroupsInput{DirectoryId: aws.String(id)})
	if err != nil || aws.ToString(list.Realm) != domain || list.NextToken != nil {
		t.Fatalf("ListGroups: %v %v", list, err)
	}
	var names []string
	for _, g := range list.Groups {
		names = append(names, aws.ToString(g.SAMAccountName))
	}
	if n := len(names); !slices.Equal(names[n-6:], []string{"Sales Team", "Newsletter", "G2", "U2", "L1", "L2"}) {
		t.Errorf("the last groups: %v", names[n-6:])
	}
}
