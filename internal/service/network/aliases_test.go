package network_test

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

func createAlias(t *testing.T, c *workspaces.Client, cs string) string {
	t.Helper()
	out, err := c.CreateConnectionAlias(t.Context(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String(cs)})
	if err != nil {
		t.Fatalf("CreateConnectionAlias(%s): %v", cs, err)
	}
	return aws.ToString(out.AliasId)
}

// alias describes one alias by id; found is false when it is not listed.
func alias(t *testing.T, c *workspaces.Client, id string) (types.ConnectionAlias, bool) {
	t.Helper()
	out, err := c.DescribeConnectionAliases(t.Context(), &workspaces.DescribeConnectionAliasesInput{AliasIds: []string{id}})
	if err != nil {
		t.Fatalf("DescribeConnectionAliases(%s): %v", id, err)
	}
	if len(out.ConnectionAliases) == 0 {
		return types.ConnectionAlias{}, false
	}
	if len(out.ConnectionAliases) != 1 || aws.ToString(out.ConnectionAliases[0].AliasId) != id {
		t.Fatalf("DescribeConnectionAliases(%s) answered %d aliases", id, len(out.ConnectionAliases))
	}
	return out.ConnectionAliases[0], true
}

func mustAlias(t *testing.T, c *workspaces.Client, id string) types.ConnectionAlias {
	t.Helper()
	a, ok := alias(t, c, id)
	if !ok {
		t.Fatalf("connection alias %s is not described", id)
	}
	return a
}

// aliasIDs lists every alias the client sees (all pages) with the input.
func aliasIDs(t *testing.T, c *workspaces.Client, in workspaces.DescribeConnectionAliasesInput) []string {
	t.Helper()
	ids := []string{}
	for range 100 {
		out, err := c.DescribeConnectionAliases(t.Context(), &in)
		if err != nil {
			t.Fatalf("DescribeConnectionAliases: %v", err)
		}
		if in.Limit != nil && len(out.ConnectionAliases) > int(*in.Limit) {
			t.Fatalf("page of %d aliases, Limit %d", len(out.ConnectionAliases), *in.Limit)
		}
		for _, a := range out.ConnectionAliases {
			ids = append(ids, aws.ToString(a.AliasId))
		}
		if out.NextToken == nil {
			return ids
		}
		in.NextToken = out.NextToken
	}
	t.Fatal("DescribeConnectionAliases: no last page after 100 pages")
	return nil
}

func associateAlias(c *workspaces.Client, t *testing.T, id, dir string) (string, error) {
	out, err := c.AssociateConnectionAlias(t.Context(), &workspaces.AssociateConnectionAliasInput{AliasId: aws.String(id), ResourceId: aws.String(dir)})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ConnectionIdentifier), nil
}

func disassociateAlias(c *workspaces.Client, t *testing.T, id string) error {
	_, err := c.DisassociateConnectionAlias(t.Context(), &workspaces.DisassociateConnectionAliasInput{AliasId: aws.String(id)})
	return err
}

func shareAlias(c *workspaces.Client, t *testing.T, id, account string, allow bool) error {
	_, err := c.UpdateConnectionAliasPermission(t.Context(), &workspaces.UpdateConnectionAliasPermissionInput{
		AliasId:                   aws.String(id),
		ConnectionAliasPermission: &types.ConnectionAliasPermission{SharedAccountId: aws.String(account), AllowAssociation: aws.Bool(allow)},
	})
	return err
}

func deleteAlias(c *workspaces.Client, t *testing.T, id string) error {
	_, err := c.DeleteConnectionAlias(t.Context(), &workspaces.DeleteConnectionAliasInput{AliasId: aws.String(id)})
	return err
}

var connectionIdentifier = regexp.MustCompile(`^[a-zA-Z0-9]{1,20}$`)

func TestAliasLifecycle(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("fast")
	c := e.WS(acctA)
	dir := registeredDirectory(t, e, acctA)
	out, err := c.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{
		ConnectionString: aws.String("desktop.example.com"),
		Tags:             []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
	})
	if err != nil {
		t.Fatalf("CreateConnectionAlias: %v", err)
	}
	id := aws.ToString(out.AliasId)
	if !regexp.MustCompile(`^wsca-[0-9a-z]{9}$`).MatchString(id) {
		t.Errorf("alias id %q, want wsca- and 9 characters", id)
	}
	a := mustAlias(t, c, id)
	if a.State != types.ConnectionAliasStateCreating || aws.ToString(a.ConnectionString) != "desktop.example.com" ||
		aws.ToString(a.OwnerAccountId) != acctA || len(a.Associations) != 0 {
		t.Errorf("alias after create: %+v", a)
	}
	// A CREATING alias can be neither associated, shared nor deleted.
	_, err = associateAlias(c, t, id, dir)
	wantCode(t, "associating a CREATING alias", err, "InvalidResourceStateException")
	wantCode(t, "deleting a CREATING alias", deleteAlias(c, t, id), "InvalidResourceStateException")
	wantCode(t, "sharing a CREATING alias", shareAlias(c, t, id, acctB, true), "InvalidResourceStateException")
	e.Advance(time.Second)
	if a := mustAlias(t, c, id); a.State != types.ConnectionAliasStateCreating {
		t.Errorf("after 1 s the alias is %s, want CREATING", a.State)
	}
	e.Advance(time.Second)
	if a := mustAlias(t, c, id); a.State != types.ConnectionAliasStateCreated {
		t.Errorf("after 2 s the alias is %s, want CREATED", a.State)
	}
	if tags := tagsOf(t, c, id); tags["env"] != "prod" {
		t.Errorf("tags %v", tags)
	}

	if err := deleteAlias(c, t, id); err != nil {
		t.Fatalf("DeleteConnectionAlias: %v", err)
	}
	if a := mustAlias(t, c, id); a.State != types.ConnectionAliasStateDeleting {
		t.Errorf("after delete the alias is %s, want DELETING", a.State)
	}
	wantCode(t, "deleting a DELETING alias", deleteAlias(c, t, id), "InvalidResourceStateException")
	_, err = c.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("desktop.example.com")})
	wantCode(t, "recreating while DELETING", err, "ResourceAlreadyExistsException")
	e.Advance(2 * time.Second)
	if a, ok := alias(t, c, id); ok {
		t.Errorf("a deleted alias is still described (%s)", a.State)
	}
	wantCode(t, "deleting a deleted alias", deleteAlias(c, t, id), "ResourceNotFoundException")
	_, err = c.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wantCode(t, "tags of a deleted alias", err, "ResourceNotFoundException")
	// The owner may create the connection string again.
	createAlias(t, c, "desktop.example.com")
}

func TestAliasCreateErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	create := func(c *workspaces.Client, cs string) error {
		_, err := c.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String(cs)})
		return err
	}
	for _, bad := range []string{"localhost", "localhost.", "desktop..example.com", ".example.com", "example.com..", ".", "-desk.example.com", "desk-.example.com"} {
		wantCode(t, fmt.Sprintf("connection string %q", bad), create(c, bad), "InvalidParameterValuesException")
	}
	for _, bad := range []string{"desk_top.example.com", "", "dësk.example.com"} {
		wantCode(t, fmt.Sprintf("connection string %q", bad), create(c, bad), "ValidationException")
	}
	_, err := c.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("tagged.example.com"),
		Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("")}}})
	wantCode(t, "reserved tag key", err, "InvalidParameterValuesException")
	wantCode(t, "GovCloud (US-West)", create(e.WSIn(acctA, "us-gov-west-1"), "gov.example.com"), "OperationNotSupportedException")

	createAlias(t, c, "Desktop.Example.com")
	wantCode(t, "duplicate (case-insensitive)", create(c, "desktop.example.COM"), "ResourceAlreadyExistsException")
	// The same account may use the string in another Region (that is how
	// cross-Region redirection is set up) …
	if err := create(e.WSIn(acctA, reg2), "desktop.example.com"); err != nil {
		t.Errorf("same string, same account, other Region: %v", err)
	}
	// … but the string is reserved for it: no other account may use it,
	// in any Region, even once account A has deleted every alias of it.
	wantCode(t, "another account", create(e.WS(acctB), "desktop.example.com"), "ResourceAlreadyExistsException")
	wantCode(t, "another account in another Region", create(e.WSIn(acctB, reg2), "DESKTOP.example.com"), "ResourceAlreadyExistsException")
	for _, cl := range []*workspaces.Client{c, e.WSIn(acctA, reg2)} {
		ids := aliasIDs(t, cl, workspaces.DescribeConnectionAliasesInput{})
		if err := deleteAlias(cl, t, ids[0]); err != nil {
			t.Fatal(err)
		}
	}
	e.Advance(time.Minute)
	wantCode(t, "another account after deletion", create(e.WS(acctB), "desktop.example.com"), "ResourceAlreadyExistsException")
	if err := create(e.WS(acctB), "desktop-b.example.com"); err != nil {
		t.Errorf("account B's own string: %v", err)
	}

	// 20 aliases per account and Region.
	for i := range 20 {
		if err := create(c, fmt.Sprintf("d%02d.example.com", i)); err != nil {
			t.Fatalf("alias %d: %v", i, err)
		}
	}
	wantCode(t, "21st alias", create(c, "d20.example.com"), "ResourceLimitExceededException")
	if err := create(e.WSIn(acctA, reg2), "d20.example.com"); err != nil {
		t.Errorf("the quota is per Region: %v", err)
	}
}

func TestAliasDescribe(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	var ids []string
	for i := range 7 {
		ids = append(ids, createAlias(t, c, fmt.Sprintf("d%d.example.com", i)))
	}
	if got := aliasIDs(t, c, workspaces.DescribeConnectionAliasesInput{Limit: aws.Int32(3)}); !slices.Equal(got, ids) {
		t.Errorf("paged %v, want %v", got, ids)
	}
	if got := aliasIDs(t, c, workspaces.DescribeConnectionAliasesInput{AliasIds: []string{ids[5], "wsca-nosuch999", ids[1]}, Limit: aws.Int32(1)}); !slices.Equal(got, []string{ids[1], ids[5]}) {
		t.Errorf("by id %v", got)
	}
	if got := aliasIDs(t, e.WS(acctB), workspaces.DescribeConnectionAliasesInput{}); len(got) != 0 {
		t.Errorf("account B sees %v", got)
	}
	if got := aliasIDs(t, e.WSIn(acctA, reg2), workspaces.DescribeConnectionAliasesInput{}); len(got) != 0 {
		t.Errorf("another Region sees %v", got)
	}
	_, err := c.DescribeConnectionAliases(e.Ctx(), &workspaces.DescribeConnectionAliasesInput{AliasIds: ids[:1], ResourceId: aws.String("d-1234567890")})
	wantCode(t, "AliasIds and ResourceId", err, "InvalidParameterValuesException")
	_, err = c.DescribeConnectionAliases(e.Ctx(), &workspaces.DescribeConnectionAliasesInput{Limit: aws.Int32(0)})
	wantCode(t, "Limit 0", err, "ValidationException")
	_, err = c.DescribeConnectionAliases(e.Ctx(), &workspaces.DescribeConnectionAliasesInput{AliasIds: []string{"not-an-alias"}})
	wantCode(t, "malformed alias id", err, "ValidationException")
	_, err = c.DescribeConnectionAliases(e.Ctx(), &workspaces.DescribeConnectionAliasesInput{NextToken: aws.String("garbage")})
	wantCode(t, "bad token", err, "InvalidParameterValuesException")
}

func TestAliasAssociation(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	dir := registeredDirectory(t, e, acctA)
	other := registeredDirectory(t, e, acctA)
	id := createAlias(t, c, "desktop.example.com")
	spare := createAlias(t, c, "spare.example.com")

	connID, err := associateAlias(c, t, id, dir)
	if err != nil {
		t.Fatalf("AssociateConnectionAlias: %v", err)
	}
	if !connectionIdentifier.MatchString(connID) {
		t.Errorf("ConnectionIdentifier %q does not match the model's pattern", connID)
	}
	a := mustAlias(t, c, id)
	if len(a.Associations) != 1 {
		t.Fatalf("associations %+v", a.Associations)
	}
	as := a.Associations[0]
	if as.AssociationStatus != types.AssociationStatusAssociatedWithOwnerAccount || aws.ToString(as.AssociatedAccountId) != acctA ||
		aws.ToString(as.ResourceId) != dir || aws.ToString(as.ConnectionIdentifier) != connID {
		t.Errorf("association %+v", as)
	}
	if got := aliasIDs(t, c, workspaces.DescribeConnectionAliasesInput{ResourceId: aws.String(dir)}); !slices.Equal(got, []string{id}) {
		t.Errorf("aliases of %s: %v", dir, got)
	}
	if got := aliasIDs(t, c, workspaces.DescribeConnectionAliasesInput{ResourceId: aws.String(other)}); len(got) != 0 {
		t.Errorf("aliases of %s: %v", other, got)
	}
	// A directory may have several aliases; an alias one directory.
	if _, err := associateAlias(c, t, spare, dir); err != nil {
		t.Errorf("a second alias on the directory: %v", err)
	}
	_, err = associateAlias(c, t, id, other)
	wantCode(t, "associating an associated alias elsewhere", err, "ResourceAssociatedException")
	_, err = associateAlias(c, t, id, dir)
	wantCode(t, "associating an associated alias again", err, "ResourceAssociatedException")
	wantCode(t, "deleting an associated alias", deleteAlias(c, t, id), "ResourceAssociatedException")
	_, err = associateAlias(c, t, "wsca-nosuch999", dir)
	wantCode(t, "unknown alias", err, "ResourceNotFoundException")
	_, err = associateAlias(c, t, spare, "d-1234567890")
	wantCode(t, "unregistered directory", err, "ResourceNotFoundException")

	if err := disassociateAlias(c, t, id); err != nil {
		t.Fatalf("DisassociateConnectionAlias: %v", err)
	}
	if a := mustAlias(t, c, id); len(a.Associations) != 0 {
		t.Errorf("associations after disassociating: %+v", a.Associations)
	}
	wantCode(t, "disassociating twice", disassociateAlias(c, t, id), "InvalidResourceStateException")
	wantCode(t, "disassociating an unknown alias", disassociateAlias(c, t, "wsca-nosuch999"), "ResourceNotFoundException")
	again, err := associateAlias(c, t, id, other)
	if err != nil || again == connID {
		t.Errorf("associating with another directory: %v (identifier %q, was %q)", err, again, connID)
	}

	// A deregistered directory takes its associations with it.
	e.SetTiming("fast")
	if _, err := c.DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(dir)}); err != nil {
		t.Fatal(err)
	}
	_, err = associateAlias(c, t, id, dir)
	wantCode(t, "a DEREGISTERING directory", err, "InvalidResourceStateException")
	e.Advance(time.Minute)
	if a := mustAlias(t, c, spare); len(a.Associations) != 0 {
		t.Errorf("associations of an alias of a deregistered directory: %+v", a.Associations)
	}
	if err := deleteAlias(c, t, spare); err != nil {
		t.Errorf("deleting the alias of a deregistered directory: %v", err)
	}
}

func TestAliasSharing(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := e.WS(acctA), e.WS(acctB)
	dirA := registeredDirectory(t, e, acctA)
	dirB := registeredDirectory(t, e, acctB)
	id := createAlias(t, a, "desktop.example.com")

	// Before sharing, account B cannot see or use the alias.
	if _, ok := alias(t, b, id); ok {
		t.Fatal("account B sees an unshared alias")
	}
	_, err := associateAlias(b, t, id, dirB)
	wantCode(t, "associating an unshared alias", err, "ResourceNotFoundException")
	wantCode(t, "sharing with the owner", shareAlias(a, t, id, acctA, true), "InvalidParameterValuesException")
	wantCode(t, "unsharing a never-shared alias", shareAlias(a, t, id, acctB, false), "InvalidParameterValuesException")

	if err := shareAlias(a, t, id, acctB, true); err != nil {
		t.Fatalf("UpdateConnectionAliasPermission: %v", err)
	}
	if err := shareAlias(a, t, id, acctB, true); err != nil {
		t.Errorf("sharing again with the same account: %v", err)
	}
	wantCode(t, "sharing with a second account", shareAlias(a, t, id, apptest.AccountC, true), "ResourceLimitExceededException")
	perms, err := a.DescribeConnectionAliasPermissions(e.Ctx(), &workspaces.DescribeConnectionAliasPermissionsInput{AliasId: aws.String(id)})
	if err != nil || aws.ToString(perms.AliasId) != id || len(perms.ConnectionAliasPermissions) != 1 ||
		aws.ToString(perms.ConnectionAliasPermissions[0].SharedAccountId) != acctB || !aws.ToBool(perms.ConnectionAliasPermissions[0].AllowAssociation) {
		t.Fatalf("DescribeConnectionAliasPermissions: %v %+v", err, perms)
	}

	// Account B sees the owner's alias and may associate it with its own
	// directory; only the owner manages the alias itself.
	seen := mustAlias(t, b, id)
	if aws.ToString(seen.OwnerAccountId) != acctA || seen.State != types.ConnectionAliasStateCreated || aws.ToString(seen.ConnectionString) != "desktop.example.com" {
		t.Errorf("account B sees %+v", seen)
	}
	if got := aliasIDs(t, b, workspaces.DescribeConnectionAliasesInput{}); !slices.Equal(got, []string{id}) {
		t.Errorf("account B lists %v", got)
	}
	_, err = b.DescribeConnectionAliasPermissions(e.Ctx(), &workspaces.DescribeConnectionAliasPermissionsInput{AliasId: aws.String(id)})
	wantCode(t, "permissions read by the recipient", err, "AccessDeniedException")
	wantCode(t, "permissions changed by the recipient", shareAlias(b, t, id, apptest.AccountC, true), "AccessDeniedException")
	wantCode(t, "deleted by the recipient", deleteAlias(b, t, id), "AccessDeniedException")
	_, err = b.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wantCode(t, "tags read by the recipient", err, "ResourceNotFoundException")
	_, err = associateAlias(b, t, id, dirA)
	wantCode(t, "the recipient naming the owner's directory", err, "ResourceNotFoundException")

	connID, err := associateAlias(b, t, id, dirB)
	if err != nil {
		t.Fatalf("the recipient associating the alias: %v", err)
	}
	for who, cl := range map[string]*workspaces.Client{"owner": a, "recipient": b} {
		al := mustAlias(t, cl, id)
		if len(al.Associations) != 1 || al.Associations[0].AssociationStatus != types.AssociationStatusAssociatedWithSharedAccount ||
			aws.ToString(al.Associations[0].AssociatedAccountId) != acctB || aws.ToString(al.Associations[0].ResourceId) != dirB ||
			aws.ToString(al.Associations[0].ConnectionIdentifier) != connID {
			t.Errorf("the %s sees associations %+v", who, al.Associations)
		}
	}
	if got := aliasIDs(t, b, workspaces.DescribeConnectionAliasesInput{ResourceId: aws.String(dirB)}); !slices.Equal(got, []string{id}) {
		t.Errorf("aliases of account B's directory: %v", got)
	}
	// One directory per Region: the owner cannot associate it now.
	_, err = associateAlias(a, t, id, dirA)
	wantCode(t, "the owner associating an alias the recipient uses", err, "ResourceAssociatedException")
	wantCode(t, "the owner disassociating the recipient's directory", disassociateAlias(a, t, id), "AccessDeniedException")
	wantCode(t, "unsharing while the recipient uses it", shareAlias(a, t, id, acctB, false), "ResourceAssociatedException")
	wantCode(t, "deleting while the recipient uses it", deleteAlias(a, t, id), "ResourceAssociatedException")

	if err := disassociateAlias(b, t, id); err != nil {
		t.Fatalf("the recipient disassociating: %v", err)
	}
	wantCode(t, "deleting while shared", deleteAlias(a, t, id), "InvalidResourceStateException")
	if err := shareAlias(a, t, id, acctB, false); err != nil {
		t.Fatalf("unsharing: %v", err)
	}
	if _, ok := alias(t, b, id); ok {
		t.Error("account B still sees the unshared alias")
	}
	_, err = associateAlias(b, t, id, dirB)
	wantCode(t, "the former recipient associating", err, "ResourceNotFoundException")
	perms, err = a.DescribeConnectionAliasPermissions(e.Ctx(), &workspaces.DescribeConnectionAliasPermissionsInput{AliasId: aws.String(id)})
	if err != nil || perms.ConnectionAliasPermissions == nil || len(perms.ConnectionAliasPermissions) != 0 {
		t.Errorf("permissions after unsharing: %v %+v", err, perms)
	}
	// Shared with another account now, which may use it.
	if err := shareAlias(a, t, id, apptest.AccountC, true); err != nil {
		t.Fatalf("sharing with account C: %v", err)
	}
	if err := shareAlias(a, t, id, apptest.AccountC, false); err != nil {
		t.Fatal(err)
	}
	if err := deleteAlias(a, t, id); err != nil {
		t.Errorf("deleting an unshared, unassociated alias: %v", err)
	}
}

func TestAliasSharedListing(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := e.WS(acctA), e.WS(acctB)
	// Account B lists its own aliases and the ones shared with it in the
	// order they became visible to it.
	var want []string
	own1 := createAlias(t, b, "b1.example.com")
	want = append(want, own1)
	for i := range 3 {
		id := createAlias(t, a, fmt.Sprintf("a%d.example.com", i))
		if err := shareAlias(a, t, id, acctB, true); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
		want = append(want, createAlias(t, b, fmt.Sprintf("b%d.example.com", i+2)))
	}
	for _, limit := range []int32{1, 2, 3, 25} {
		if got := aliasIDs(t, b, workspaces.DescribeConnectionAliasesInput{Limit: aws.Int32(limit)}); !slices.Equal(got, want) {
			t.Errorf("Limit %d: %v, want %v", limit, got, want)
		}
	}
	if got := aliasIDs(t, a, workspaces.DescribeConnectionAliasesInput{}); len(got) != 3 {
		t.Errorf("the owner lists %v", got)
	}
	// A shared alias does not count against the recipient's quota.
	for i := range 16 {
		createAlias(t, b, fmt.Sprintf("q%d.example.com", i))
	}
	_, err := b.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("q99.example.com")})
	wantCode(t, "account B's 21st own alias", err, "ResourceLimitExceededException")
}

func TestAliasTransitionFault(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	e.Control("POST", "faults/transitions", deskplane.TransitionFault{Kind: string(deskplane.KindAlias), Account: acctA, State: string(deskplane.ConnectionAliasCreating)}, nil)
	id := createAlias(t, c, "stuck.example.com")
	e.Advance(time.Hour)
	if a := mustAlias(t, c, id); a.State != types.ConnectionAliasStateCreating {
		t.Errorf("alias with a fault is %s, want CREATING", a.State)
	}
	ok := createAlias(t, c, "fine.example.com")
	e.Advance(time.Hour)
	if a := mustAlias(t, c, ok); a.State != types.ConnectionAliasStateCreated {
		t.Errorf("alias after the fault was used is %s", a.State)
	}
}

// A connection string with the trailing dot of an absolute DNS name is
// accepted and read back as written, as the Terraform provider's
// acceptance tests expect of AWS; it names the same DNS name as the string
// without the dot (decision 0333).
func TestAliasTrailingDot(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	id := createAlias(t, c, "desktop.example.com.")
	if got := aws.ToString(mustAlias(t, c, id).ConnectionString); got != "desktop.example.com." {
		t.Fatalf("ConnectionString %q, want it as written", got)
	}
	_, err := c.CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("Desktop.Example.com")})
	wantCode(t, "the same name without the dot", err, "ResourceAlreadyExistsException")
	_, err = e.WS(acctB).CreateConnectionAlias(e.Ctx(), &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("desktop.example.com")})
	wantCode(t, "the same name in another account", err, "ResourceAlreadyExistsException")
}
