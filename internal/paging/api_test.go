package paging_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
)

// A NextToken is opaque and scoped: it shows no store position, it opens
// only for the account, Region and operation that got it, and it survives
// a restart of the server (the key is in the store). Issue 12 item 6.
func TestNextTokensAreOpaqueScopedAndDurable(t *testing.T) {
	var dataDir, dsn string
	start := func() *apptest.Env {
		return apptest.Start(t, apptest.Options{Config: func(c *app.Config) {
			if dataDir == "" {
				dataDir, dsn = c.DataDir, c.Postgres
			}
			c.DataDir, c.Postgres = dataDir, dsn
		}})
	}
	e := start()
	a := e.WS(apptest.AccountA)
	ctx := e.Ctx()
	for i := range 3 {
		if _, err := a.CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String(fmt.Sprint("g", i)),
			UserRules: []wstypes.IpRuleItem{{IpRule: aws.String("10.0.0.0/16")}}}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := a.DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("first page: %v %+v", err, first)
	}
	tok := first.NextToken
	// The token is sealed: it carries neither the last group's id or name
	// nor a readable position, and the same page sealed twice differs.
	// (A check for any ':' byte was flaky: sealed bytes are random.)
	if raw, err := base64.RawURLEncoding.DecodeString(*tok); err == nil {
		for _, plain := range []string{aws.ToString(first.Result[0].GroupId), "ipgroup", "wsipg-"} {
			if strings.Contains(string(raw), plain) {
				t.Errorf("the token %q decodes to %q: it shows %q", *tok, raw, plain)
			}
		}
	}
	if again, err := a.DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{MaxResults: aws.Int32(1)}); err != nil || aws.ToString(again.NextToken) == *tok {
		t.Errorf("the same page sealed twice gave the same token %q (err %v): the position shows through", *tok, err)
	}
	garbage := aws.String("bm90LWEtdG9rZW4")
	_, err = a.DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{NextToken: garbage})
	invalid := apptest.ErrorCode(err)
	if invalid == "" {
		t.Fatal("a garbage token was accepted")
	}
	for name, call := range map[string]func() error{
		"another account": func() error {
			_, err := e.WS(apptest.AccountB).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{NextToken: tok})
			return err
		},
		"another Region": func() error {
			_, err := e.WSIn(apptest.AccountA, apptest.Region2).DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{NextToken: tok})
			return err
		},
		"another operation": func() error {
			_, err := a.DescribeConnectionAliases(ctx, &workspaces.DescribeConnectionAliasesInput{NextToken: tok})
			return err
		},
	} {
		if got := apptest.ErrorCode(call()); got != invalid {
			t.Errorf("%s: %q, want the invalid-token error %q", name, got, invalid)
		}
	}
	next, err := a.DescribeIpGroups(ctx, &workspaces.DescribeIpGroupsInput{MaxResults: aws.Int32(1), NextToken: tok})
	if err != nil || len(next.Result) != 1 || aws.ToString(next.Result[0].GroupName) != "g1" {
		t.Fatalf("second page: %v %+v", err, next)
	}
	if apptest.StoreName(apptest.Options{}) == "memory" {
		return // nothing survives a restart
	}
	e.Stop()
	e = start()
	again, err := e.WS(apptest.AccountA).DescribeIpGroups(e.Ctx(), &workspaces.DescribeIpGroupsInput{MaxResults: aws.Int32(1), NextToken: tok})
	if err != nil || len(again.Result) != 1 || aws.ToString(again.Result[0].GroupName) != "g1" {
		t.Fatalf("the token after a restart: %v %+v", err, again)
	}
}
