package dsdata_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata/types"
)

func TestUsers(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := createSimpleAD(t, e, acctA)

	// A directory's data can be used once it is Active.
	_, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Alice")})
	var du *types.DirectoryUnavailableException
	if !errorsAs(err, &du) || du.Reason != types.DirectoryUnavailableReasonInvalidDirectoryState {
		t.Fatalf("CreateUser in a Requested directory: %v", err)
	}
	e.Advance(4 * time.Minute)

	// The built-in users are there from the start.
	if got := userNames(t, c, ctx, id, 250); !slices.Equal(got, []string{"Administrator", "Guest", "krbtgt"}) {
		t.Fatalf("initial users %v", got)
	}
	list, err := c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(id)})
	if err != nil || aws.ToString(list.DirectoryId) != id || aws.ToString(list.Realm) != domain || !aws.ToBool(list.Users[0].Enabled) || aws.ToBool(list.Users[1].Enabled) {
		t.Fatalf("ListUsers: %+v %v", list, err)
	}
	if !strings.HasSuffix(aws.ToString(list.Users[0].SID), "-500") || !strings.HasSuffix(aws.ToString(list.Users[2].SID), "-502") {
		t.Errorf("built-in SIDs: %s %s", aws.ToString(list.Users[0].SID), aws.ToString(list.Users[2].SID))
	}

	in := &directoryservicedata.CreateUserInput{
		DirectoryId: aws.String(id), SAMAccountName: aws.String("Alice"), GivenName: aws.String("Alice"), Surname: aws.String("Liddell"),
		EmailAddress: aws.String("alice@example.com"), ClientToken: aws.String("token-1"),
		OtherAttributes: map[string]types.AttributeValue{
			"department":     &types.AttributeValueMemberS{Value: "Finance"},
			"employeeNumber": &types.AttributeValueMemberS{Value: "42"},
			"otherMobile":    &types.AttributeValueMemberSS{Value: []string{"+1 555 0100", "+1 555 0101"}},
			"countryCode":    &types.AttributeValueMemberN{Value: 840},
		},
	}
	out, err := c.CreateUser(ctx, in)
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	sid := aws.ToString(out.SID)
	if aws.ToString(out.SAMAccountName) != "Alice" || aws.ToString(out.DirectoryId) != id || !regexp.MustCompile(`^S-1-5-21-\d+-\d+-\d+-\d+$`).MatchString(sid) {
		t.Fatalf("CreateUser answered %+v", out)
	}
	// The same client token and parameters repeat the answer; other
	// parameters with that token are a conflict, as is the name in any case.
	again, err := c.CreateUser(ctx, in)
	if err != nil || aws.ToString(again.SID) != sid {
		t.Errorf("retried CreateUser: %+v %v", again, err)
	}
	_, err = c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Alice"), ClientToken: aws.String("token-1")})
	wantCode(t, "token reused with other parameters", err, "ConflictException")
	_, err = c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("ALICE")})
	wantCode(t, "duplicate user (other case)", err, "ConflictException")
	_, err = c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("dnsadmins")})
	wantCode(t, "a user named like a group", err, "ConflictException")

	d, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"),
		OtherAttributes: []string{"Department", "employeeNumber", "otherMobile", "countryCode", "title", "memberOf", "primaryGroupID", "userAccountControl", "mail"}})
	if err != nil {
		t.Fatalf("DescribeUser: %v", err)
	}
	if aws.ToString(d.SAMAccountName) != "Alice" || aws.ToString(d.SID) != sid || aws.ToString(d.GivenName) != "Alice" || aws.ToString(d.Surname) != "Liddell" ||
		aws.ToString(d.EmailAddress) != "alice@example.com" || aws.ToString(d.UserPrincipalName) != "Alice@CORP.EXAMPLE.COM" ||
		aws.ToString(d.DistinguishedName) != "CN=Alice,CN=Users,DC=corp,DC=example,DC=com" || aws.ToString(d.Realm) != domain ||
		aws.ToBool(d.Enabled) || aws.ToString(d.DirectoryId) != id {
		t.Errorf("DescribeUser: %+v", d)
	}
	attrs := d.OtherAttributes
	if str(attrs["department"]) != "Finance" || str(attrs["employeeNumber"]) != "42" || str(attrs["mail"]) != "alice@example.com" {
		t.Errorf("OtherAttributes: %v", attrs)
	}
	if ss, ok := attrs["otherMobile"].(*types.AttributeValueMemberSS); !ok || !slices.Equal(ss.Value, []string{"+1 555 0100", "+1 555 0101"}) {
		t.Errorf("otherMobile: %#v", attrs["otherMobile"])
	}
	if n, ok := attrs["countryCode"].(*types.AttributeValueMemberN); !ok || n.Value != 840 {
		t.Errorf("countryCode: %#v", attrs["countryCode"])
	}
	if n, ok := attrs["primaryGroupID"].(*types.AttributeValueMemberN); !ok || n.Value != 513 {
		t.Errorf("primaryGroupID: %#v", attrs["primaryGroupID"])
	}
	if n, ok := attrs["userAccountControl"].(*types.AttributeValueMemberN); !ok || n.Value != 0x202 {
		t.Errorf("userAccountControl of a disabled user: %#v", attrs["userAccountControl"])
	}
	if _, ok := attrs["title"]; ok {
		t.Error("an attribute the user has not got is answered")
	}
	if _, ok := attrs["memberOf"]; ok {
		t.Error("memberOf holds the primary group")
	}
	all, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), OtherAttributes: []string{"*"}})
	if err != nil || len(all.OtherAttributes) != 4 {
		t.Errorf("DescribeUser *: %v %v", all.OtherAttributes, err)
	}

	// Realms match case-insensitively, with or without the final dot.
	for _, realm := range []string{"CORP.example.COM", "corp.example.com."} {
		if _, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), Realm: aws.String(realm)}); err != nil {
			t.Errorf("realm %s: %v", realm, err)
		}
	}
	_, err = c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"), Realm: aws.String("other.example.com")})
	wantValidation(t, "another realm", err, types.ValidationExceptionReasonInvalidRealm)
	_, err = c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(id), Realm: aws.String("other.example.com")})
	wantValidation(t, "ListUsers in another realm", err, types.ValidationExceptionReasonInvalidRealm)

	// Pages, in creation order.
	for _, n := range []string{"bob", "carol", "dave"} {
		if _, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(n)}); err != nil {
			t.Fatalf("CreateUser %s: %v", n, err)
		}
	}
	want := []string{"Administrator", "Guest", "krbtgt", "Alice", "bob", "carol", "dave"}
	for _, n := range []int32{1, 2, 7, 250} {
		if got := userNames(t, c, ctx, id, n); !slices.Equal(got, want) {
			t.Errorf("users in pages of %d: %v", n, got)
		}
	}
	_, err = c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(id), NextToken: aws.String("nope")})
	wantValidation(t, "bad token", err, types.ValidationExceptionReasonInvalidNextToken)
	page, err := c.ListGroups(ctx, &directoryservicedata.ListGroupsInput{DirectoryId: aws.String(id), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(id), NextToken: page.NextToken})
	wantValidation(t, "another listing's token", err, types.ValidationExceptionReasonInvalidNextToken)

	// Disable: once, again (no change), and Enabled reads false.
	for range 2 {
		if _, err := c.DisableUser(ctx, &directoryservicedata.DisableUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("administrator")}); err != nil {
			t.Fatalf("DisableUser: %v", err)
		}
	}
	if d, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Administrator")}); err != nil || aws.ToBool(d.Enabled) {
		t.Errorf("disabled Administrator: %+v %v", d, err)
	}
	_, err = c.DisableUser(ctx, &directoryservicedata.DisableUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("nobody")})
	wantCode(t, "disable an unknown user", err, "ResourceNotFoundException")

	// Delete.
	if _, err := c.DeleteUser(ctx, &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("BOB")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("bob")})
	wantCode(t, "describe a deleted user", err, "ResourceNotFoundException")
	_, err = c.DeleteUser(ctx, &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("bob")})
	wantCode(t, "delete twice", err, "ResourceNotFoundException")
	_, err = c.DeleteUser(ctx, &directoryservicedata.DeleteUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("krbtgt")})
	wantValidation(t, "delete a built-in user", err, types.ValidationExceptionReasonLdapUnsupportedOperation)

	// Unknown directory, another account's directory, bad input.
	_, err = c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String("d-0000000000")})
	wantAccessDenied(t, "unknown directory", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = data(e, acctB).DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice")})
	wantAccessDenied(t, "another account's directory", err, types.AccessDeniedReasonDirectoryAuth)
	_, err = c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("bad name!")})
	wantCode(t, "a name outside the pattern", err, "ValidationException")
	_, err = c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("this-name-is-far-too-long")})
	wantCode(t, "a name over 20 characters", err, "ValidationException")

	// Deleting the directory removes its users; a new one starts afresh.
	if _, err := e.DS(acctA).DeleteDirectory(ctx, &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ListUsers(ctx, &directoryservicedata.ListUsersInput{DirectoryId: aws.String(id)})
	var gone *types.DirectoryUnavailableException
	if !errorsAs(err, &gone) {
		t.Errorf("ListUsers of a Deleting directory: %v", err)
	}
	e.Advance(2 * time.Minute)
	id2 := simpleAD(t, e, acctA)
	if got := userNames(t, c, ctx, id2, 250); len(got) != 3 {
		t.Errorf("a new directory has users %v", got)
	}
	if n := countRecords(t, e, acctA, id); n != 0 {
		t.Errorf("%d records of the deleted directory remain", n)
	}
}

func TestUpdateUser(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	if _, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"),
		GivenName: aws.String("Alice"), OtherAttributes: map[string]types.AttributeValue{"department": &types.AttributeValueMemberS{Value: "Finance"}}}); err != nil {
		t.Fatal(err)
	}
	update := func(how types.UpdateType, in directoryservicedata.UpdateUserInput) error {
		in.DirectoryId, in.SAMAccountName, in.UpdateType = aws.String(id), aws.String("Alice"), how
		_, err := c.UpdateUser(ctx, &in)
		return err
	}
	describe := func() *directoryservicedata.DescribeUserOutput {
		t.Helper()
		d, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("alice"),
			OtherAttributes: []string{"department", "title", "otherTelephone", "whenChanged"}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	created := str(describe().OtherAttributes["whenChanged"])

	// ADD sets what has no value and refuses what has one.
	e.Advance(time.Minute)
	if err := update(types.UpdateTypeAdd, directoryservicedata.UpdateUserInput{Surname: aws.String("Liddell"),
		OtherAttributes: map[string]types.AttributeValue{"title": &types.AttributeValueMemberS{Value: "Analyst"}}}); err != nil {
		t.Fatalf("ADD: %v", err)
	}
	d := describe()
	if aws.ToString(d.Surname) != "Liddell" || str(d.OtherAttributes["title"]) != "Analyst" || aws.ToString(d.GivenName) != "Alice" {
		t.Errorf("after ADD: %+v %v", d, d.OtherAttributes)
	}
	if str(d.OtherAttributes["whenChanged"]) == created {
		t.Error("whenChanged did not move")
	}
	wantValidation(t, "ADD a given name", update(types.UpdateTypeAdd, directoryservicedata.UpdateUserInput{GivenName: aws.String("Al")}),
		types.ValidationExceptionReasonAttributeExists)

	// REPLACE (also the default) changes values.
	if err := update(types.UpdateTypeReplace, directoryservicedata.UpdateUserInput{GivenName: aws.String("Alicia"),
		OtherAttributes: map[string]types.AttributeValue{"Department": &types.AttributeValueMemberS{Value: "Audit"}}}); err != nil {
		t.Fatalf("REPLACE: %v", err)
	}
	if err := update("", directoryservicedata.UpdateUserInput{EmailAddress: aws.String("alicia@example.com")}); err != nil {
		t.Fatalf("update without a type: %v", err)
	}
	d = describe()
	if aws.ToString(d.GivenName) != "Alicia" || str(d.OtherAttributes["department"]) != "Audit" || aws.ToString(d.EmailAddress) != "alicia@example.com" {
		t.Errorf("after REPLACE: %+v %v", d, d.OtherAttributes)
	}

	// String sets: ADD adds values, REMOVE takes some or all away.
	phones := func(v ...string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"otherTelephone": &types.AttributeValueMemberSS{Value: v}}
	}
	if err := update(types.UpdateTypeAdd, directoryservicedata.UpdateUserInput{OtherAttributes: phones("1", "2")}); err != nil {
		t.Fatal(err)
	}
	if err := update(types.UpdateTypeAdd, directoryservicedata.UpdateUserInput{OtherAttributes: phones("3")}); err != nil {
		t.Fatal(err)
	}
	wantValidation(t, "ADD a value a set holds", update(types.UpdateTypeAdd, directoryservicedata.UpdateUserInput{OtherAttributes: phones("2")}),
		types.ValidationExceptionReasonAttributeExists)
	if err := update(types.UpdateTypeRemove, directoryservicedata.UpdateUserInput{OtherAttributes: phones("1")}); err != nil {
		t.Fatal(err)
	}
	if ss, ok := describe().OtherAttributes["otherTelephone"].(*types.AttributeValueMemberSS); !ok || !slices.Equal(ss.Value, []string{"2", "3"}) {
		t.Errorf("otherTelephone: %#v", describe().OtherAttributes["otherTelephone"])
	}
	wantValidation(t, "REMOVE a value a set lacks", update(types.UpdateTypeRemove, directoryservicedata.UpdateUserInput{OtherAttributes: phones("9")}),
		types.ValidationExceptionReasonMissingAttribute)
	if err := update(types.UpdateTypeRemove, directoryservicedata.UpdateUserInput{OtherAttributes: phones()}); err != nil {
		t.Fatal(err)
	}

	// REMOVE clears, and needs a value there.
	if err := update(types.UpdateTypeRemove, directoryservicedata.UpdateUserInput{Surname: aws.String("x"),
		OtherAttributes: map[string]types.AttributeValue{"title": &types.AttributeValueMemberS{Value: "x"}}}); err != nil {
		t.Fatalf("REMOVE: %v", err)
	}
	d = describe()
	if d.Surname != nil || d.OtherAttributes["title"] != nil || d.OtherAttributes["otherTelephone"] != nil {
		t.Errorf("after REMOVE: %+v %v", d, d.OtherAttributes)
	}
	wantValidation(t, "REMOVE what is not there", update(types.UpdateTypeRemove, directoryservicedata.UpdateUserInput{Surname: aws.String("x")}),
		types.ValidationExceptionReasonMissingAttribute)

	// An update that fails changes nothing.
	wantValidation(t, "a failing update", update(types.UpdateTypeAdd, directoryservicedata.UpdateUserInput{GivenName: aws.String("Zed"),
		OtherAttributes: map[string]types.AttributeValue{"department": &types.AttributeValueMemberS{Value: "x"}}}), types.ValidationExceptionReasonAttributeExists)
	if aws.ToString(describe().GivenName) != "Alicia" {
		t.Error("a failed update changed the user")
	}
	_, err := c.UpdateUser(ctx, &directoryservicedata.UpdateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("nobody"), GivenName: aws.String("x")})
	wantCode(t, "update an unknown user", err, "ResourceNotFoundException")

	// An update that names nothing succeeds and changes nothing.
	before := str(describe().OtherAttributes["whenChanged"])
	e.Advance(time.Minute)
	if err := update("", directoryservicedata.UpdateUserInput{}); err != nil {
		t.Errorf("an empty update: %v", err)
	}
	if str(describe().OtherAttributes["whenChanged"]) != before {
		t.Error("an empty update moved whenChanged")
	}
}

func TestAttributeRules(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	create := func(attrs map[string]types.AttributeValue) error {
		_, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u"), OtherAttributes: attrs})
		return err
	}
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for _, c := range []struct {
		what   string
		attrs  map[string]types.AttributeValue
		reason types.ValidationExceptionReason
	}{
		{"an unknown attribute", map[string]types.AttributeValue{"favouriteColour": s("blue")}, types.ValidationExceptionReasonInvalidAttributeName},
		{"a group's attribute", map[string]types.AttributeValue{"managedBy": s("x")}, types.ValidationExceptionReasonInvalidAttributeForUser},
		{"a computed attribute", map[string]types.AttributeValue{"objectSid": s("S-1-5-21-1-2-3-4")}, types.ValidationExceptionReasonInvalidAttributeForModify},
		{"an attribute with a member", map[string]types.AttributeValue{"givenName": s("x")}, types.ValidationExceptionReasonDuplicateAttribute},
		{"a name twice", map[string]types.AttributeValue{"title": s("a"), "TITLE": s("b")}, types.ValidationExceptionReasonDuplicateAttribute},
		{"a string for a number", map[string]types.AttributeValue{"countryCode": s("840")}, types.ValidationExceptionReasonInvalidAttributeValue},
		{"a number for a string", map[string]types.AttributeValue{"title": &types.AttributeValueMemberN{Value: 1}}, types.ValidationExceptionReasonInvalidAttributeValue},
		{"a set with a value twice", map[string]types.AttributeValue{"url": &types.AttributeValueMemberSS{Value: []string{"a", "A"}}}, types.ValidationExceptionReasonInvalidAttributeValue},
		{"an empty set", map[string]types.AttributeValue{"url": &types.AttributeValueMemberSS{Value: []string{}}}, types.ValidationExceptionReasonInvalidAttributeValue},
	} {
		wantValidation(t, c.what, create(c.attrs), c.reason)
	}
	if err := create(map[string]types.AttributeValue{"msNPAllowDialin": &types.AttributeValueMemberBOOL{Value: true}}); err != nil {
		t.Errorf("a boolean attribute: %v", err)
	}
	_, err := c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u"), OtherAttributes: []string{"member"}})
	wantValidation(t, "describe a user's group attribute", err, types.ValidationExceptionReasonInvalidAttributeForUser)
	_, err = c.DescribeUser(ctx, &directoryservicedata.DescribeUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("u"), OtherAttributes: []string{"nope"}})
	wantValidation(t, "describe an unknown attribute", err, types.ValidationExceptionReasonInvalidAttributeName)
	_, err = c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("g"),
		OtherAttributes: map[string]types.AttributeValue{"department": s("x")}})
	wantValidation(t, "a user's attribute on a group", err, types.ValidationExceptionReasonInvalidAttributeForGroup)
}

// TestWorkspaceForUser: a user made through Directory Service Data is a
// user WorkSpaces can be created for; a name that is no user is refused.
func TestWorkspaceForUser(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	if _, err := c.CreateUser(ctx, &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String("Alice")}); err != nil {
		t.Fatal(err)
	}
	created, failed := createWorkspaces(t, e, id, "alice", "nobody")
	if created != 1 || len(failed) != 1 || failed[0] != "ResourceNotFound.User" {
		t.Fatalf("CreateWorkspaces: %d created, failures %v", created, failed)
	}
}
