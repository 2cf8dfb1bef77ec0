package network_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func rule(cidr, desc string) types.IpRuleItem {
	r := types.IpRuleItem{IpRule: aws.String(cidr)}
	if desc != "" {
		r.RuleDesc = aws.String(desc)
	}
	return r
}

func createIPGroup(t *testing.T, c *workspaces.Client, name string, rules ...types.IpRuleItem) string {
	t.Helper()
	out, err := c.CreateIpGroup(t.Context(), &workspaces.CreateIpGroupInput{GroupName: aws.String(name), UserRules: rules})
	if err != nil {
		t.Fatalf("CreateIpGroup(%s): %v", name, err)
	}
	return aws.ToString(out.GroupId)
}

// ipGroup describes one group by id; found is false when it is not listed.
func ipGroup(t *testing.T, c *workspaces.Client, id string) (types.WorkspacesIpGroup, bool) {
	t.Helper()
	out, err := c.DescribeIpGroups(t.Context(), &workspaces.DescribeIpGroupsInput{GroupIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeIpGroups(%s): %v", id, err)
	}
	if len(out.Result) == 0 {
		return types.WorkspacesIpGroup{}, false
	}
	if len(out.Result) != 1 || aws.ToString(out.Result[0].GroupId) != id {
		t.Fatalf("DescribeIpGroups(%s) answered %d groups", id, len(out.Result))
	}
	return out.Result[0], true
}

// ruleList renders a group's rules as "cidr=desc" strings.
func ruleList(g types.WorkspacesIpGroup) []string {
	out := []string{}
	for _, r := range g.UserRules {
		out = append(out, aws.ToString(r.IpRule)+"="+aws.ToString(r.RuleDesc))
	}
	return out
}

func wantRules(t *testing.T, c *workspaces.Client, id string, want ...string) {
	t.Helper()
	g, ok := ipGroup(t, c, id)
	if !ok {
		t.Fatalf("IP group %s is not described", id)
	}
	if want == nil {
		want = []string{}
	}
	if got := ruleList(g); !slices.Equal(got, want) {
		t.Fatalf("rules of %s: %q, want %q", id, got, want)
	}
}

func directoryIPGroups(t *testing.T, c *workspaces.Client, dir string) []string {
	t.Helper()
	out, err := c.DescribeWorkspaceDirectories(t.Context(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{dir}})
	if err != nil {
		t.Fatalf("DescribeWorkspaceDirectories: %v", err)
	}
	if len(out.Directories) != 1 {
		t.Fatalf("DescribeWorkspaceDirectories(%s): %d directories", dir, len(out.Directories))
	}
	return out.Directories[0].IpGroupIds
}

func TestIpGroupCreateAndDescribe(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	out, err := c.CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{
		GroupName: aws.String("office networks"),
		GroupDesc: aws.String("HQ and branch"),
		UserRules: []types.IpRuleItem{rule("203.0.113.0/24", "HQ"), rule("198.51.100.17/32", ""), rule("10.1.2.3/16", "host bits kept")},
		Tags:      []types.Tag{{Key: aws.String("team"), Value: aws.String("net")}},
	})
	if err != nil {
		t.Fatalf("CreateIpGroup: %v", err)
	}
	id := aws.ToString(out.GroupId)
	if len(id) != len("wsipg-")+9 || id[:6] != "wsipg-" {
		t.Errorf("group id %q, want wsipg- and 9 characters", id)
	}
	g, ok := ipGroup(t, c, id)
	if !ok || aws.ToString(g.GroupName) != "office networks" || aws.ToString(g.GroupDesc) != "HQ and branch" {
		t.Fatalf("described %+v", g)
	}
	if got, want := ruleList(g), []string{"203.0.113.0/24=HQ", "198.51.100.17/32=", "10.1.2.3/16=host bits kept"}; !slices.Equal(got, want) {
		t.Errorf("rules %q, want %q", got, want)
	}
	if tags := tagsOf(t, c, id); len(tags) != 1 || tags["team"] != "net" {
		t.Errorf("tags %v", tags)
	}

	// A group without rules or description.
	bare := createIPGroup(t, c, "empty")
	if g, _ := ipGroup(t, c, bare); g.GroupDesc != nil || len(g.UserRules) != 0 {
		t.Errorf("bare group %+v", g)
	}

	// Names are unique per account and Region, exactly.
	_, err = c.CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{GroupName: aws.String("office networks")})
	wantCode(t, "duplicate name", err, "ResourceAlreadyExistsException")
	createIPGroup(t, c, "Office Networks")
	createIPGroup(t, e.WS(acctB), "office networks")
	if _, err := e.WSIn(acctA, reg2).CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{GroupName: aws.String("office networks")}); err != nil {
		t.Errorf("same name in another Region: %v", err)
	}
	// Another account or Region does not see the group.
	if _, ok := ipGroup(t, e.WS(acctB), id); ok {
		t.Error("account B sees account A's group")
	}
	if _, ok := ipGroup(t, e.WSIn(acctA, reg2), id); ok {
		t.Error("the group is visible in another Region")
	}
	_, err = e.WS(acctB).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wantCode(t, "another account's group tags", err, "ResourceNotFoundException")

	// Unknown ids are left out; an empty answer is an empty list.
	res, err := c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{GroupIds: []string{"wsipg-nosuch999", id}})
	if err != nil || len(res.Result) != 1 || res.NextToken != nil {
		t.Errorf("DescribeIpGroups with an unknown id: %v %+v", err, res)
	}
	res, err = e.WS(apptest.AccountC).DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{})
	if err != nil || res.Result == nil || len(res.Result) != 0 {
		t.Errorf("DescribeIpGroups of an account without groups: %v %+v", err, res)
	}
}

func TestIpGroupCreateErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	create := func(name string, rules ...types.IpRuleItem) error {
		_, err := c.CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{GroupName: aws.String(name), UserRules: rules})
		return err
	}
	wantCode(t, "empty name", create(""), "InvalidParameterValuesException")
	for _, bad := range []string{"", "10.0.0.0", "10.0.0.0/33", "300.1.2.3/24", "10.0.0/24", "010.0.0.0/8", "2001:db8::/32", "::ffff:10.0.0.0/104", "any", "10.0.0.0/24 "} {
		wantCode(t, fmt.Sprintf("rule %q", bad), create("g", rule(bad, "")), "InvalidParameterValuesException")
	}
	wantCode(t, "the same rule twice", create("g", rule("10.0.0.0/24", "a"), rule("10.0.0.0/24", "b")), "InvalidParameterValuesException")
	var eleven []types.IpRuleItem
	for i := range 11 {
		eleven = append(eleven, rule(fmt.Sprintf("10.%d.0.0/16", i), ""))
	}
	wantCode(t, "11 rules", create("g", eleven...), "ResourceLimitExceededException")
	if err := create("ten", eleven[:10]...); err != nil {
		t.Errorf("10 rules: %v", err)
	}
	_, err := c.CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{GroupName: aws.String("tagged"),
		Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}})
	wantCode(t, "reserved tag key", err, "InvalidParameterValuesException")
	// Nothing was created by the failed calls.
	res, err := c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{})
	if err != nil || len(res.Result) != 1 {
		t.Errorf("after the failures: %v, %d groups, want 1", err, len(res.Result))
	}
}

func TestIpGroupQuotaAndPages(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	var ids []string
	for i := range 100 {
		ids = append(ids, createIPGroup(t, c, fmt.Sprintf("group-%03d", i)))
	}
	_, err := c.CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{GroupName: aws.String("one-too-many")})
	wantCode(t, "101st group", err, "ResourceLimitExceededException")
	// Another account has its own quota.
	createIPGroup(t, e.WS(acctB), "one-too-many")

	// Pages come in creation order; the default page is 25.
	var got []string
	in := &workspaces.DescribeIpGroupsInput{MaxResults: aws.Int32(7)}
	pages := 0
	for {
		out, err := c.DescribeIpGroups(e.Ctx(), in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Result) > 7 {
			t.Fatalf("page of %d", len(out.Result))
		}
		for _, g := range out.Result {
			got = append(got, aws.ToString(g.GroupId))
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if !slices.Equal(got, ids) || pages != 15 {
		t.Errorf("paged %d groups in %d pages, want the 100 in creation order in 15", len(got), pages)
	}
	out, err := c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{})
	if err != nil || len(out.Result) != 25 || out.NextToken == nil {
		t.Errorf("default page: %v, %d groups", err, len(out.Result))
	}
	// GroupIds filter pages too.
	out, err = c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{GroupIds: []string{ids[50], ids[3], ids[99]}, MaxResults: aws.Int32(2)})
	if err != nil || len(out.Result) != 2 || aws.ToString(out.Result[0].GroupId) != ids[3] || out.NextToken == nil {
		t.Fatalf("filtered first page: %v %+v", err, out)
	}
	out, err = c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{GroupIds: []string{ids[50], ids[3], ids[99]}, MaxResults: aws.Int32(2), NextToken: out.NextToken})
	if err != nil || len(out.Result) != 1 || aws.ToString(out.Result[0].GroupId) != ids[99] || out.NextToken != nil {
		t.Fatalf("filtered last page: %v %+v", err, out)
	}
	_, err = c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{MaxResults: aws.Int32(26)})
	wantCode(t, "MaxResults 26", err, "ValidationException")
	_, err = c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{NextToken: aws.String("bm90LWEtdG9rZW4")})
	wantCode(t, "foreign token", err, "InvalidParameterValuesException")

	// Deleting frees the quota.
	if _, err := c.DeleteIpGroup(e.Ctx(), &workspaces.DeleteIpGroupInput{GroupId: aws.String(ids[0])}); err != nil {
		t.Fatal(err)
	}
	createIPGroup(t, c, "group-000")
}

func TestIpGroupRules(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	id := createIPGroup(t, c, "rules", rule("10.0.0.0/8", "corp"))
	authorize := func(rules ...types.IpRuleItem) error {
		_, err := c.AuthorizeIpRules(e.Ctx(), &workspaces.AuthorizeIpRulesInput{GroupId: aws.String(id), UserRules: rules})
		return err
	}
	revoke := func(cidrs ...string) error {
		_, err := c.RevokeIpRules(e.Ctx(), &workspaces.RevokeIpRulesInput{GroupId: aws.String(id), UserRules: cidrs})
		return err
	}
	update := func(rules ...types.IpRuleItem) error {
		if rules == nil {
			rules = []types.IpRuleItem{}
		}
		_, err := c.UpdateRulesOfIpGroup(e.Ctx(), &workspaces.UpdateRulesOfIpGroupInput{GroupId: aws.String(id), UserRules: rules})
		return err
	}

	if err := authorize(rule("203.0.113.0/24", "HQ"), rule("192.0.2.1/32", "")); err != nil {
		t.Fatal(err)
	}
	wantRules(t, c, id, "10.0.0.0/8=corp", "203.0.113.0/24=HQ", "192.0.2.1/32=")
	wantCode(t, "authorizing a rule the group has", authorize(rule("10.0.0.0/8", "")), "InvalidParameterValuesException")
	wantCode(t, "authorizing a bad range", authorize(rule("10.0.0.0/40", "")), "InvalidParameterValuesException")
	var eight []types.IpRuleItem
	for i := range 8 {
		eight = append(eight, rule(fmt.Sprintf("172.16.%d.0/24", i), ""))
	}
	wantCode(t, "authorizing past 10 rules", authorize(eight...), "ResourceLimitExceededException")
	wantRules(t, c, id, "10.0.0.0/8=corp", "203.0.113.0/24=HQ", "192.0.2.1/32=")
	if err := authorize(eight[:7]...); err != nil {
		t.Fatalf("authorizing up to 10 rules: %v", err)
	}

	// Revoke matches the range, whatever host bits were written.
	if err := revoke("10.1.2.3/8", "172.16.0.0/24", "198.18.0.0/15"); err != nil {
		t.Fatalf("RevokeIpRules: %v", err)
	}
	g, _ := ipGroup(t, c, id)
	if got := ruleList(g); len(got) != 8 || got[0] != "203.0.113.0/24=HQ" || slices.Contains(got, "172.16.0.0/24=") {
		t.Errorf("after revoke: %q", got)
	}
	wantCode(t, "revoking a bad range", revoke("nonsense"), "InvalidParameterValuesException")

	// Update replaces every rule, also with none.
	if err := update(rule("198.51.100.0/24", "new"), rule("10.20.30.40/16", "")); err != nil {
		t.Fatal(err)
	}
	wantRules(t, c, id, "198.51.100.0/24=new", "10.20.30.40/16=")
	var eleven []types.IpRuleItem
	for i := range 11 {
		eleven = append(eleven, rule(fmt.Sprintf("10.%d.0.0/16", i), ""))
	}
	wantCode(t, "updating to 11 rules", update(eleven...), "ResourceLimitExceededException")
	wantCode(t, "updating with a duplicate", update(rule("10.0.0.0/8", ""), rule("10.0.0.0/8", "")), "InvalidParameterValuesException")
	wantRules(t, c, id, "198.51.100.0/24=new", "10.20.30.40/16=")
	if err := update(); err != nil {
		t.Fatalf("updating to no rules: %v", err)
	}
	wantRules(t, c, id)

	// Every rule operation answers ResourceNotFoundException for a group
	// the caller does not have.
	other := e.WS(acctB)
	_, err := other.AuthorizeIpRules(e.Ctx(), &workspaces.AuthorizeIpRulesInput{GroupId: aws.String(id), UserRules: []types.IpRuleItem{rule("10.0.0.0/8", "")}})
	wantCode(t, "authorize in another account", err, "ResourceNotFoundException")
	_, err = other.RevokeIpRules(e.Ctx(), &workspaces.RevokeIpRulesInput{GroupId: aws.String(id), UserRules: []string{"10.0.0.0/8"}})
	wantCode(t, "revoke in another account", err, "ResourceNotFoundException")
	_, err = other.UpdateRulesOfIpGroup(e.Ctx(), &workspaces.UpdateRulesOfIpGroupInput{GroupId: aws.String(id), UserRules: []types.IpRuleItem{}})
	wantCode(t, "update in another account", err, "ResourceNotFoundException")
	_, err = c.AuthorizeIpRules(e.Ctx(), &workspaces.AuthorizeIpRulesInput{GroupId: aws.String("bad-id"), UserRules: []types.IpRuleItem{}})
	wantCode(t, "malformed group id", err, "ValidationException")
}

func TestIpGroupDirectoryAssociations(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	dir := registeredDirectory(t, e, acctA)
	if got := directoryIPGroups(t, c, dir); len(got) != 0 {
		t.Fatalf("a new directory has IP groups %v", got)
	}
	g1 := createIPGroup(t, c, "one", rule("10.0.0.0/8", ""))
	g2 := createIPGroup(t, c, "two")
	associate := func(c *workspaces.Client, dir string, ids ...string) error {
		_, err := c.AssociateIpGroups(e.Ctx(), &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(dir), GroupIds: ids})
		return err
	}
	disassociate := func(c *workspaces.Client, dir string, ids ...string) error {
		_, err := c.DisassociateIpGroups(e.Ctx(), &workspaces.DisassociateIpGroupsInput{DirectoryId: aws.String(dir), GroupIds: ids})
		return err
	}
	if err := associate(c, dir, g1, g2, g1); err != nil {
		t.Fatalf("AssociateIpGroups: %v", err)
	}
	if got := directoryIPGroups(t, c, dir); !slices.Equal(got, []string{g1, g2}) {
		t.Errorf("IpGroupIds %v, want [%s %s]", got, g1, g2)
	}
	if err := associate(c, dir, g2); err != nil {
		t.Errorf("associating an associated group again: %v", err)
	}
	_, err := c.DeleteIpGroup(e.Ctx(), &workspaces.DeleteIpGroupInput{GroupId: aws.String(g1)})
	wantCode(t, "deleting an associated group", err, "ResourceAssociatedException")

	wantCode(t, "unknown group", associate(c, dir, "wsipg-nosuch999"), "ResourceNotFoundException")
	wantCode(t, "unregistered directory", associate(c, "d-1234567890", g1), "ResourceNotFoundException")
	wantCode(t, "malformed directory id", associate(c, "dir-1", g1), "ValidationException")
	wantCode(t, "empty GroupIds", associate(c, dir, []string{}...), "InvalidParameterValuesException")
	// Another account can use neither the group nor the directory.
	dirB := registeredDirectory(t, e, acctB)
	wantCode(t, "account A's group on account B's directory", associate(e.WS(acctB), dirB, g1), "ResourceNotFoundException")
	wantCode(t, "account B's directory from account A", associate(c, dirB, g1), "ResourceNotFoundException")

	if err := disassociate(c, dir, g1); err != nil {
		t.Fatalf("DisassociateIpGroups: %v", err)
	}
	if got := directoryIPGroups(t, c, dir); !slices.Equal(got, []string{g2}) {
		t.Errorf("IpGroupIds after disassociating %s: %v", g1, got)
	}
	if err := disassociate(c, dir, g1); err != nil {
		t.Errorf("disassociating a group that is not associated: %v", err)
	}
	wantCode(t, "disassociating an unknown group", disassociate(c, dir, "wsipg-nosuch999"), "ResourceNotFoundException")
	if _, err := c.DeleteIpGroup(e.Ctx(), &workspaces.DeleteIpGroupInput{GroupId: aws.String(g1)}); err != nil {
		t.Fatalf("deleting a disassociated group: %v", err)
	}
	if _, ok := ipGroup(t, c, g1); ok {
		t.Error("a deleted group is still described")
	}
	_, err = c.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(g1)})
	wantCode(t, "tags of a deleted group", err, "ResourceNotFoundException")
	_, err = c.DeleteIpGroup(e.Ctx(), &workspaces.DeleteIpGroupInput{GroupId: aws.String(g1)})
	wantCode(t, "deleting a deleted group", err, "ResourceNotFoundException")

	// A deregistered directory takes its associations with it.
	e.SetTiming("fast")
	if _, err := c.DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(dir)}); err != nil {
		t.Fatalf("DeregisterWorkspaceDirectory: %v", err)
	}
	wantCode(t, "associating with a DEREGISTERING directory", associate(c, dir, g2), "InvalidResourceStateException")
	e.Advance(time.Hour)
	if _, err := c.DeleteIpGroup(e.Ctx(), &workspaces.DeleteIpGroupInput{GroupId: aws.String(g2)}); err != nil {
		t.Errorf("deleting the group of a deregistered directory: %v", err)
	}
}

func TestIpGroupDirectoryStateAndQuota(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	dir := registeredDirectory(t, e, acctA)
	var groups []string
	for i := range 26 {
		groups = append(groups, createIPGroup(t, c, fmt.Sprintf("g%02d", i)))
	}
	if _, err := c.AssociateIpGroups(e.Ctx(), &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(dir), GroupIds: groups[:20]}); err != nil {
		t.Fatal(err)
	}
	_, err := c.AssociateIpGroups(e.Ctx(), &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(dir), GroupIds: groups[18:]})
	wantCode(t, "26 groups on a directory", err, "ResourceLimitExceededException")
	if got := directoryIPGroups(t, c, dir); len(got) != 20 {
		t.Errorf("after the refused association the directory has %d groups, want 20", len(got))
	}
	if _, err := c.AssociateIpGroups(e.Ctx(), &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(dir), GroupIds: groups[18:25]}); err != nil {
		t.Fatalf("associating up to 25 groups: %v", err)
	}
	if got := directoryIPGroups(t, c, dir); !slices.Equal(got, groups[:25]) {
		t.Errorf("IpGroupIds %v", got)
	}

	// A directory that is still REGISTERING takes no groups.
	e.SetTiming("fast")
	second := registeringDirectory(t, e, acctA)
	_, err = c.AssociateIpGroups(e.Ctx(), &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(second), GroupIds: groups[25:]})
	wantCode(t, "REGISTERING directory", err, "InvalidResourceStateException")
	_, err = c.DisassociateIpGroups(e.Ctx(), &workspaces.DisassociateIpGroupsInput{DirectoryId: aws.String(second), GroupIds: groups[25:]})
	wantCode(t, "disassociating on a REGISTERING directory", err, "InvalidResourceStateException")
	e.Advance(time.Hour)
	if _, err := c.AssociateIpGroups(e.Ctx(), &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(second), GroupIds: groups[25:]}); err != nil {
		t.Errorf("associating once REGISTERED: %v", err)
	}
}

// Rules equal only after masking are two rules, each read back as written,
// as the Terraform provider's acceptance tests expect of AWS (decision
// 0332).
func TestIPRulesEqualAfterMasking(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	id := createIPGroup(t, c, "masked", rule("10.0.0.0/16", "net"), rule("10.0.0.1/16", "host"))
	wantRules(t, c, id, "10.0.0.0/16=net", "10.0.0.1/16=host")

	if _, err := c.AuthorizeIpRules(e.Ctx(), &workspaces.AuthorizeIpRulesInput{GroupId: aws.String(id),
		UserRules: []types.IpRuleItem{rule("10.0.0.2/16", "other host")}}); err != nil {
		t.Fatalf("AuthorizeIpRules(a third rule of the range): %v", err)
	}
	wantRules(t, c, id, "10.0.0.0/16=net", "10.0.0.1/16=host", "10.0.0.2/16=other host")

	// A rule written so revokes that rule only.
	if _, err := c.RevokeIpRules(e.Ctx(), &workspaces.RevokeIpRulesInput{GroupId: aws.String(id), UserRules: []string{"10.0.0.1/16"}}); err != nil {
		t.Fatalf("RevokeIpRules(exact): %v", err)
	}
	wantRules(t, c, id, "10.0.0.0/16=net", "10.0.0.2/16=other host")
	// One written otherwise revokes every rule of its range.
	if _, err := c.RevokeIpRules(e.Ctx(), &workspaces.RevokeIpRulesInput{GroupId: aws.String(id), UserRules: []string{"10.0.9.9/16"}}); err != nil {
		t.Fatalf("RevokeIpRules(range): %v", err)
	}
	wantRules(t, c, id)

	if _, err := c.UpdateRulesOfIpGroup(e.Ctx(), &workspaces.UpdateRulesOfIpGroupInput{GroupId: aws.String(id),
		UserRules: []types.IpRuleItem{rule("192.168.1.0/24", ""), rule("192.168.1.7/24", "")}}); err != nil {
		t.Fatalf("UpdateRulesOfIpGroup: %v", err)
	}
	wantRules(t, c, id, "192.168.1.0/24=", "192.168.1.7/24=")
}
