package dsdata_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata/types"
)

func TestSearch(t *testing.T) {
	e := start(t)
	c, ctx := data(e, acctA), e.Ctx()
	id := simpleAD(t, e, acctA)
	for _, u := range []struct{ name, given, dept string }{
		{"jdoe", "John", "DevOps"}, {"jroe", "Jane", "Finance"}, {"pcandella", "Pat", "devops platform"}, {"twhitlock", "Terry", ""},
	} {
		in := &directoryservicedata.CreateUserInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(u.name), GivenName: aws.String(u.given),
			EmailAddress: aws.String(u.name + "@example.com")}
		if u.dept != "" {
			in.OtherAttributes = map[string]types.AttributeValue{"department": &types.AttributeValueMemberS{Value: u.dept}}
		}
		if _, err := c.CreateUser(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	search := func(text string, attrs ...string) []string {
		t.Helper()
		var names []string
		p := directoryservicedata.NewSearchUsersPaginator(c, &directoryservicedata.SearchUsersInput{DirectoryId: aws.String(id),
			SearchString: aws.String(text), SearchAttributes: attrs, MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("SearchUsers %q %v: %v", text, attrs, err)
			}
			for _, u := range out.Users {
				names = append(names, aws.ToString(u.SAMAccountName))
			}
		}
		return names
	}
	for _, c := range []struct {
		text  string
		attrs []string
		want  []string
	}{
		{"jdoe", []string{"SamAccountName"}, []string{"jdoe"}},
		{"J", []string{"sAMAccountName"}, []string{"jdoe", "jroe"}},
		{"devops", []string{"department"}, []string{"jdoe", "pcandella"}},
		{"ja", []string{"GivenName", "department"}, []string{"jroe"}},
		{"example.com", []string{"EmailAddress"}, []string{"jdoe", "jroe", "pcandella", "twhitlock"}},
		{"admin", []string{"sAMAccountName"}, []string{"Administrator"}},
		{"nothing", []string{"sn"}, nil},
	} {
		if got := search(c.text, c.attrs...); !slices.Equal(got, c.want) {
			t.Errorf("search %q in %v: %v, want %v", c.text, c.attrs, got, c.want)
		}
	}
	out, err := c.SearchUsers(ctx, &directoryservicedata.SearchUsersInput{DirectoryId: aws.String(id), SearchString: aws.String("DevOps"),
		SearchAttributes: []string{"department"}, Realm: aws.String(domain)})
	if err != nil || len(out.Users) != 2 || aws.ToString(out.Realm) != domain || aws.ToString(out.Users[0].UserPrincipalName) != "jdoe@CORP.EXAMPLE.COM" ||
		aws.ToString(out.Users[0].EmailAddress) != "jdoe@example.com" || str(out.Users[0].OtherAttributes["department"]) != "DevOps" ||
		aws.ToString(out.Users[0].DistinguishedName) != "CN=jdoe,CN=Users,DC=corp,DC=example,DC=com" || out.Users[0].Enabled == nil {
		t.Errorf("SearchUsers: %+v %v", out, err)
	}

	_, err = c.SearchUsers(ctx, &directoryservicedata.SearchUsersInput{DirectoryId: aws.String(id), SearchString: aws.String("x"), SearchAttributes: []string{"objectSid"}})
	wantValidation(t, "search an attribute that cannot be searched", err, types.ValidationExceptionReasonInvalidAttributeForSearch)
	_, err = c.SearchUsers(ctx, &directoryservicedata.SearchUsersInput{DirectoryId: aws.String(id), SearchString: aws.String("j*"), SearchAttributes: []string{"sAMAccountName"}})
	wantValidation(t, "a wildcard", err, types.ValidationExceptionReasonInvalidAttributeValue)
	_, err = c.SearchUsers(ctx, &directoryservicedata.SearchUsersInput{DirectoryId: aws.String(id), SearchString: aws.String("x"), SearchAttributes: []string{"shoeSize"}})
	wantValidation(t, "an unknown attribute", err, types.ValidationExceptionReasonInvalidAttributeName)
	_, err = c.SearchUsers(ctx, &directoryservicedata.SearchUsersInput{DirectoryId: aws.String(id), SearchString: aws.String("x"), SearchAttributes: []string{"sn"}, NextToken: aws.String("bad")})
	wantValidation(t, "a bad token", err, types.ValidationExceptionReasonInvalidNextToken)

	// Groups.
	for _, g := range []string{"sales-emea", "sales-apac", "finance"} {
		if _, err := c.CreateGroup(ctx, &directoryservicedata.CreateGroupInput{DirectoryId: aws.String(id), SAMAccountName: aws.String(g),
			OtherAttributes: map[string]types.AttributeValue{"description": &types.AttributeValueMemberS{Value: "team " + g}}}); err != nil {
			t.Fatal(err)
		}
	}
	gs, err := c.SearchGroups(ctx, &directoryservicedata.SearchGroupsInput{DirectoryId: aws.String(id), SearchString: aws.String("SALES"), SearchAttributes: []string{"samaccountname"}})
	if err != nil || len(gs.Groups) != 2 || aws.ToString(gs.Groups[0].SAMAccountName) != "sales-emea" || gs.Groups[0].GroupScope != types.GroupScopeGlobal ||
		aws.ToString(gs.Groups[0].DistinguishedName) != "CN=sales-emea,CN=Users,DC=corp,DC=example,DC=com" || aws.ToString(gs.Realm) != domain {
		t.Errorf("SearchGroups: %+v %v", gs, err)
	}
	gs, err = c.SearchGroups(ctx, &directoryservicedata.SearchGroupsInput{DirectoryId: aws.String(id), SearchString: aws.String("team fin"), SearchAttributes: []string{"description"}})
	if err != nil || len(gs.Groups) != 1 || str(gs.Groups[0].OtherAttributes["description"]) != "team finance" {
		t.Errorf("SearchGroups by description: %+v %v", gs, err)
	}
	gs, err = c.SearchGroups(ctx, &directoryservicedata.SearchGroupsInput{DirectoryId: aws.String(id), SearchString: aws.String("Domain"), SearchAttributes: []string{"sAMAccountName"}, MaxResults: aws.Int32(2)})
	if err != nil || len(gs.Groups) != 2 || gs.NextToken == nil {
		t.Errorf("a page of SearchGroups: %+v %v", gs, err)
	}
	_, err = c.SearchGroups(ctx, &directoryservicedata.SearchGroupsInput{DirectoryId: aws.String(id), SearchString: aws.String("x"), SearchAttributes: []string{"givenName"}})
	wantValidation(t, "search groups by a user attribute", err, types.ValidationExceptionReasonInvalidAttributeForGroup)
	_, err = c.SearchGroups(ctx, &directoryservicedata.SearchGroupsInput{DirectoryId: aws.String(id), SearchString: aws.String("x"), SearchAttributes: []string{"groupType"}})
	wantValidation(t, "search by group type", err, types.ValidationExceptionReasonInvalidAttributeForSearch)
}
