package network_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"

	"github.com/deskplane/deskplane/internal/apptest"
)

// TestNetworkEventualConsistencyOnDemand: with the control setting, new IP
// groups and connection aliases are not returned by the Describe
// operations for the chosen window (issue 12 item 14;
// docs/decisions/0325-eventual-consistency-on-demand.md).
func TestNetworkEventualConsistencyOnDemand(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	e.Control("POST", "eventual-consistency", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "describeDelaySeconds": 60}, nil)
	group := createIPGroup(t, c, "late", rule("10.0.0.0/16", ""))
	ca, err := c.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("late.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	count := func() (groups, aliases int) {
		t.Helper()
		g, err := c.DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{GroupIds: []string{group}})
		if err != nil {
			t.Fatal(err)
		}
		a, err := c.DescribeConnectionAliases(e.Ctx(), &workspaces.DescribeConnectionAliasesInput{AliasIds: []string{aws.ToString(ca.AliasId)}})
		if err != nil {
			t.Fatal(err)
		}
		return len(g.Result), len(a.ConnectionAliases)
	}
	if g, a := count(); g != 0 || a != 0 {
		t.Fatalf("within the window: %d groups, %d aliases", g, a)
	}
	e.Advance(61 * time.Second)
	if g, a := count(); g != 1 || a != 1 {
		t.Fatalf("after the window: %d groups, %d aliases", g, a)
	}
}
