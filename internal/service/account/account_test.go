package account_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/control"
)

func listRanges(t *testing.T, c *workspaces.Client, constraint string, size int32) []string {
	t.Helper()
	in := &workspaces.ListAvailableManagementCidrRangesInput{ManagementCidrRangeConstraint: aws.String(constraint)}
	if size > 0 {
		in.MaxResults = aws.Int32(size)
	}
	var all []string
	for range 400 {
		out, err := c.ListAvailableManagementCidrRanges(t.Context(), in)
		if err != nil {
			t.Fatalf("ListAvailableManagementCidrRanges(%s): %v", constraint, err)
		}
		max := 5
		if size > 0 {
			max = int(size)
		}
		if len(out.ManagementCidrRanges) > max {
			t.Fatalf("%d ranges in a page of %d", len(out.ManagementCidrRanges), max)
		}
		all = append(all, out.ManagementCidrRanges...)
		if out.NextToken == nil {
			return all
		}
		in.NextToken = out.NextToken
	}
	t.Fatal("no last page")
	return nil
}

func TestAccountManagementCidrRanges(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)

	out, err := c.ListAvailableManagementCidrRanges(e.Ctx(), &workspaces.ListAvailableManagementCidrRangesInput{
		ManagementCidrRangeConstraint: aws.String("10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"}; !slices.Equal(out.ManagementCidrRanges, want) || out.NextToken == nil {
		t.Errorf("first page %v (token %v), want %v and a token", out.ManagementCidrRanges, out.NextToken, want)
	}
	if got := listRanges(t, c, "10.0.0.0/8", 3); len(got) != 256 || got[255] != "10.255.0.0/16" {
		t.Errorf("10.0.0.0/8 gave %d ranges, last %v", len(got), got[len(got)-1])
	}
	// The default VPC's range is in use.
	got := listRanges(t, c, "172.16.0.0/12", 0)
	if len(got) != 15 || slices.Contains(got, "172.31.0.0/16") {
		t.Errorf("172.16.0.0/12 gave %v", got)
	}
	for constraint, want := range map[string][]string{
		"192.168.0.0/16": {"192.168.0.0/16"},
		"198.16.0.0/13":  {"198.18.0.0/16", "198.19.0.0/16"}, // only the part in 198.18.0.0/15
		"10.20.0.0/16":   {"10.20.0.0/16"},
		"10.20.1.0/16":   {"10.20.0.0/16"}, // host bits are ignored
		"8.0.0.0/8":      {},               // public space holds no management range
	} {
		if got := listRanges(t, c, constraint, 5); !slices.Equal(got, want) && !(len(want) == 0 && len(got) == 0) {
			t.Errorf("%s gave %v, want %v", constraint, got, want)
		}
	}
	if got := listRanges(t, c, "0.0.0.0/0", 5); len(got) != 256+64+15+1+2 {
		t.Errorf("0.0.0.0/0 gave %d ranges", len(got))
	}

	_, err = c.ListAvailableManagementCidrRanges(e.Ctx(), &workspaces.ListAvailableManagementCidrRangesInput{
		ManagementCidrRangeConstraint: aws.String("10.0.0.0/24")})
	wantCode(t, "constraint smaller than /16", err, "InvalidParameterValuesException")
	_, err = c.ListAvailableManagementCidrRanges(e.Ctx(), &workspaces.ListAvailableManagementCidrRangesInput{
		ManagementCidrRangeConstraint: aws.String("10.0.0.0/8"), MaxResults: aws.Int32(6)})
	wantCode(t, "MaxResults 6", err, "ValidationException")
	_, err = c.ListAvailableManagementCidrRanges(e.Ctx(), &workspaces.ListAvailableManagementCidrRangesInput{
		ManagementCidrRangeConstraint: aws.String("10.0.0.0/8"), NextToken: out.NextToken})
	if err != nil {
		t.Errorf("same constraint, next page: %v", err)
	}
	_, err = c.ListAvailableManagementCidrRanges(e.Ctx(), &workspaces.ListAvailableManagementCidrRangesInput{
		ManagementCidrRangeConstraint: aws.String("172.16.0.0/12"), NextToken: out.NextToken})
	wantCode(t, "token of another constraint", err, "InvalidParameterValuesException")

	// An account AWS has not allowed to use BYOL is denied.
	e.Control("POST", "account-settings", map[string]any{"account": acctA, "region": reg1, "byolEligible": false}, nil)
	_, err = c.ListAvailableManagementCidrRanges(e.Ctx(), &workspaces.ListAvailableManagementCidrRangesInput{
		ManagementCidrRangeConstraint: aws.String("10.0.0.0/8")})
	wantCode(t, "ineligible account", err, "AccessDeniedException")
	_, err = c.ModifyAccount(e.Ctx(), &workspaces.ModifyAccountInput{DedicatedTenancySupport: types.DedicatedTenancySupportEnumEnabled,
		DedicatedTenancyManagementCidrRange: aws.String("10.0.0.0/16")})
	wantCode(t, "ineligible account enables BYOL", err, "AccessDeniedException")
	// Other Regions and accounts are not affected.
	if got := listRanges(t, wsc(e, acctA, reg2), "192.168.0.0/16", 0); len(got) != 1 {
		t.Errorf("Region 2: %v", got)
	}
}

func TestAccountEnableBYOL(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	c := wsc(e, acctA, reg1)
	acct, err := c.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if acct.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumDisabled || acct.DedicatedTenancyManagementCidrRange != nil {
		t.Errorf("fresh account: %+v", acct)
	}
	mods, err := c.DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{})
	if err != nil || mods.AccountModifications == nil || len(mods.AccountModifications) != 0 {
		t.Errorf("fresh account modifications: %+v %v", mods, err)
	}

	modify := func(support types.DedicatedTenancySupportEnum, cidr string) error {
		in := &workspaces.ModifyAccountInput{DedicatedTenancySupport: support}
		if cidr != "" {
			in.DedicatedTenancyManagementCidrRange = aws.String(cidr)
		}
		_, err := c.ModifyAccount(e.Ctx(), in)
		return err
	}
	wantCode(t, "nothing to modify", modify("", ""), "InvalidParameterValuesException")
	wantCode(t, "no range", modify(types.DedicatedTenancySupportEnumEnabled, ""), "InvalidParameterValuesException")
	wantCode(t, "range outside the blocks", modify(types.DedicatedTenancySupportEnumEnabled, "11.0.0.0/16"), "InvalidParameterValuesException")
	wantCode(t, "default VPC range", modify(types.DedicatedTenancySupportEnumEnabled, "172.31.0.0/16"), "ResourceUnavailableException")
	wantCode(t, "not a /16", modify(types.DedicatedTenancySupportEnumEnabled, "10.0.0.0/8"), "ValidationException")
	wantCode(t, "DISABLED is not a value", modify("DISABLED", "10.0.0.0/16"), "ValidationException")

	start := time.Now().Add(-time.Minute)
	if err := modify(types.DedicatedTenancySupportEnumEnabled, "10.200.0.0/16"); err != nil {
		t.Fatalf("ModifyAccount: %v", err)
	}
	acct, _ = c.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
	if acct.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumDisabled {
		t.Errorf("while pending: %s", acct.DedicatedTenancySupport)
	}
	mods, _ = c.DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{})
	if len(mods.AccountModifications) != 1 {
		t.Fatalf("modifications: %+v", mods.AccountModifications)
	}
	m := mods.AccountModifications[0]
	if m.ModificationState != types.DedicatedTenancyModificationStateEnumPending || m.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumEnabled ||
		aws.ToString(m.DedicatedTenancyManagementCidrRange) != "10.200.0.0/16" || m.StartTime == nil || m.StartTime.Before(start) {
		t.Errorf("pending modification: %+v", m)
	}
	wantCode(t, "second enablement while pending", modify(types.DedicatedTenancySupportEnumEnabled, "10.201.0.0/16"), "InvalidResourceStateException")
	if got := listRanges(t, c, "10.200.0.0/15", 0); !slices.Equal(got, []string{"10.201.0.0/16"}) {
		t.Errorf("ranges while 10.200.0.0/16 is being reserved: %v", got)
	}

	e.Advance(3*time.Hour + time.Minute)
	acct, _ = c.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
	if acct.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumEnabled || aws.ToString(acct.DedicatedTenancyManagementCidrRange) != "10.200.0.0/16" {
		t.Errorf("after enablement: %+v", acct)
	}
	mods, _ = c.DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{})
	if len(mods.AccountModifications) != 1 || mods.AccountModifications[0].ModificationState != types.DedicatedTenancyModificationStateEnumCompleted {
		t.Errorf("modifications after enablement: %+v", mods.AccountModifications)
	}
	wantCode(t, "change the range once enabled", modify(types.DedicatedTenancySupportEnumEnabled, "10.201.0.0/16"), "InvalidResourceStateException")

	// Enablement is per Region and per account.
	for _, cl := range []*workspaces.Client{wsc(e, acctA, reg2), wsc(e, acctB, reg1)} {
		if a, _ := cl.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{}); a.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumDisabled {
			t.Errorf("another scope is %s", a.DedicatedTenancySupport)
		}
	}
}

func TestAccountEnableBYOLFails(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctB, reg1)
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "account", Account: acctB, State: "FAILED",
		ErrorCode: "ACCOUNT_REVIEW_REQUIRED", ErrorMessage: "The account needs additional review."}, nil)
	if _, err := c.ModifyAccount(e.Ctx(), &workspaces.ModifyAccountInput{DedicatedTenancySupport: types.DedicatedTenancySupportEnumEnabled,
		DedicatedTenancyManagementCidrRange: aws.String("192.168.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	acct, _ := c.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
	mods, _ := c.DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{})
	if acct.DedicatedTenancySupport != types.DedicatedTenancySupportResultEnumDisabled || len(mods.AccountModifications) != 1 ||
		mods.AccountModifications[0].ModificationState != types.DedicatedTenancyModificationStateEnumFailed ||
		aws.ToString(mods.AccountModifications[0].ErrorCode) != "ACCOUNT_REVIEW_REQUIRED" ||
		aws.ToString(mods.AccountModifications[0].ErrorMessage) != "The account needs additional review." {
		t.Fatalf("failed enablement: %+v %+v", acct, mods.AccountModifications)
	}
	// A failed enablement can be retried; the history keeps both.
	enableBYOL(t, e, acctB, reg1, "192.168.0.0/16")
	mods, _ = c.DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{})
	if len(mods.AccountModifications) != 2 || mods.AccountModifications[1].ModificationState != types.DedicatedTenancyModificationStateEnumCompleted {
		t.Errorf("history: %+v", mods.AccountModifications)
	}
	_, err := c.DescribeAccountModifications(e.Ctx(), &workspaces.DescribeAccountModificationsInput{NextToken: aws.String("nope")})
	wantCode(t, "bad token", err, "InvalidParameterValuesException")
}

func TestAccountLinkedType(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := wsc(e, acctA, reg1), wsc(e, acctB, reg1)
	inv, err := a.CreateAccountLinkInvitation(e.Ctx(), &workspaces.CreateAccountLinkInvitationInput{TargetAccountId: aws.String(acctB)})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := a.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{}); d.DedicatedTenancyAccountType != "" {
		t.Errorf("pending link: type %s", d.DedicatedTenancyAccountType)
	}
	if _, err := b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: inv.AccountLink.AccountLinkId}); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		c    *workspaces.Client
		want types.DedicatedTenancyAccountType
	}{{a, types.DedicatedTenancyAccountTypeSourceAccount}, {b, types.DedicatedTenancyAccountTypeTargetAccount}, {wsc(e, acctA, reg2), ""}} {
		d, err := x.c.DescribeAccount(e.Ctx(), &workspaces.DescribeAccountInput{})
		if err != nil || d.DedicatedTenancyAccountType != x.want {
			t.Errorf("DescribeAccount: type %q (%v), want %q", d.DedicatedTenancyAccountType, err, x.want)
		}
	}
}
