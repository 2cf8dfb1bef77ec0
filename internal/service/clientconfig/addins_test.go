package clientconfig_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func addIns(t *testing.T, c *workspaces.Client, e *apptest.Env, dir string) []types.ConnectClientAddIn {
	t.Helper()
	out, err := c.DescribeConnectClientAddIns(e.Ctx(), &workspaces.DescribeConnectClientAddInsInput{ResourceId: aws.String(dir), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatalf("DescribeConnectClientAddIns: %v", err)
	}
	if out.NextToken != nil {
		t.Errorf("NextToken %q with at most one add-in", *out.NextToken)
	}
	return out.AddIns
}

func TestAddInLifecycle(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xDirectory(t, e, apptest.AccountA)
	if got := addIns(t, c, e, dir); len(got) != 0 {
		t.Fatalf("add-ins of a new directory: %+v", got)
	}

	out, err := c.CreateConnectClientAddIn(e.Ctx(), &workspaces.CreateConnectClientAddInInput{
		ResourceId: aws.String(dir), Name: aws.String("Contact center"), URL: aws.String("https://example.my.connect.aws/ccp-v2"),
	})
	if err != nil {
		t.Fatalf("CreateConnectClientAddIn: %v", err)
	}
	id := aws.ToString(out.AddInId)
	if !regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$`).MatchString(id) {
		t.Errorf("AddInId %q is not a UUID", id)
	}
	got := addIns(t, c, e, dir)
	if len(got) != 1 || aws.ToString(got[0].AddInId) != id || aws.ToString(got[0].ResourceId) != dir ||
		aws.ToString(got[0].Name) != "Contact center" || aws.ToString(got[0].URL) != "https://example.my.connect.aws/ccp-v2" {
		t.Fatalf("add-ins %+v", got)
	}

	// One add-in per directory, whatever its name.
	for _, name := range []string{"Contact center", "Second"} {
		_, err = c.CreateConnectClientAddIn(e.Ctx(), &workspaces.CreateConnectClientAddInInput{
			ResourceId: aws.String(dir), Name: aws.String(name), URL: aws.String("https://other.my.connect.aws/ccp-v2")})
		xWant(t, "second add-in "+name, err, "ResourceAlreadyExistsException")
	}

	// Update changes what it is given.
	if _, err := c.UpdateConnectClientAddIn(e.Ctx(), &workspaces.UpdateConnectClientAddInInput{
		AddInId: aws.String(id), ResourceId: aws.String(dir), Name: aws.String("Support desk")}); err != nil {
		t.Fatalf("UpdateConnectClientAddIn: %v", err)
	}
	if _, err := c.UpdateConnectClientAddIn(e.Ctx(), &workspaces.UpdateConnectClientAddInInput{
		AddInId: aws.String(id), ResourceId: aws.String(dir), URL: aws.String("http://support.my.connect.aws/ccp")}); err != nil {
		t.Fatal(err)
	}
	got = addIns(t, c, e, dir)
	if aws.ToString(got[0].Name) != "Support desk" || aws.ToString(got[0].URL) != "http://support.my.connect.aws/ccp" {
		t.Errorf("after update %+v", got[0])
	}

	if _, err := c.DeleteConnectClientAddIn(e.Ctx(), &workspaces.DeleteConnectClientAddInInput{AddInId: aws.String(id), ResourceId: aws.String(dir)}); err != nil {
		t.Fatalf("DeleteConnectClientAddIn: %v", err)
	}
	if got := addIns(t, c, e, dir); len(got) != 0 {
		t.Errorf("after delete %+v", got)
	}
	_, err = c.DeleteConnectClientAddIn(e.Ctx(), &workspaces.DeleteConnectClientAddInInput{AddInId: aws.String(id), ResourceId: aws.String(dir)})
	xWant(t, "delete again", err, "ResourceNotFoundException")

	// After the add-in is gone another one can be made; it belongs to the
	// registration and goes with it.
	if _, err := c.CreateConnectClientAddIn(e.Ctx(), &workspaces.CreateConnectClientAddInInput{
		ResourceId: aws.String(dir), Name: aws.String("Again"), URL: aws.String("https://again.my.connect.aws/ccp-v2")}); err != nil {
		t.Fatal(err)
	}
	xDeregister(t, e, apptest.AccountA, dir)
	xRegister(t, e, apptest.AccountA, dir)
	if got := addIns(t, c, e, dir); len(got) != 0 {
		t.Errorf("add-ins after registering again: %+v", got)
	}
	if _, err := c.CreateConnectClientAddIn(e.Ctx(), &workspaces.CreateConnectClientAddInInput{
		ResourceId: aws.String(dir), Name: aws.String("Again"), URL: aws.String("https://again.my.connect.aws/ccp-v2")}); err != nil {
		t.Errorf("add-in after registering again: %v", err)
	}
}

func TestAddInErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xDirectory(t, e, apptest.AccountA)
	create := func(c *workspaces.Client, dir, name, url string) error {
		_, err := c.CreateConnectClientAddIn(e.Ctx(), &workspaces.CreateConnectClientAddInInput{ResourceId: aws.String(dir), Name: aws.String(name), URL: aws.String(url)})
		return err
	}
	xWant(t, "unknown directory", create(c, "d-0123456789", "a", "https://a.example.com"), "ResourceNotFoundException")
	xWant(t, "another account's directory", create(e.WS(apptest.AccountB), dir, "a", "https://a.example.com"), "ResourceNotFoundException")
	xWant(t, "URL pattern", create(c, dir, "a", "ftp://a.example.com"), "ValidationException")
	xWant(t, "name length", create(c, dir, string(make([]byte, 65)), "https://a.example.com"), "ValidationException")

	_, err := c.DescribeConnectClientAddIns(e.Ctx(), &workspaces.DescribeConnectClientAddInsInput{ResourceId: aws.String("d-0123456789")})
	xWant(t, "describe unknown directory", err, "ResourceNotFoundException")
	_, err = c.DescribeConnectClientAddIns(e.Ctx(), &workspaces.DescribeConnectClientAddInsInput{ResourceId: aws.String(dir), NextToken: aws.String("bogus")})
	xWant(t, "bad NextToken", err, "InvalidParameterValuesException")
	_, err = c.DescribeConnectClientAddIns(e.Ctx(), &workspaces.DescribeConnectClientAddInsInput{ResourceId: aws.String(dir), MaxResults: aws.Int32(26)})
	xWant(t, "MaxResults 26", err, "ValidationException")

	unknown := "0f8fad5b-d9cb-469f-a165-70867728950e"
	_, err = c.UpdateConnectClientAddIn(e.Ctx(), &workspaces.UpdateConnectClientAddInInput{AddInId: aws.String(unknown), ResourceId: aws.String(dir), Name: aws.String("x")})
	xWant(t, "update unknown", err, "ResourceNotFoundException")
	_, err = c.UpdateConnectClientAddIn(e.Ctx(), &workspaces.UpdateConnectClientAddInInput{AddInId: aws.String("not-a-uuid"), ResourceId: aws.String(dir)})
	xWant(t, "update malformed id", err, "ValidationException")
	_, err = c.DeleteConnectClientAddIn(e.Ctx(), &workspaces.DeleteConnectClientAddInInput{AddInId: aws.String(unknown), ResourceId: aws.String(dir)})
	xWant(t, "delete unknown", err, "ResourceNotFoundException")

	// An add-in is found only under its own directory.
	other := xDirectory(t, e, apptest.AccountA)
	out, err := c.CreateConnectClientAddIn(e.Ctx(), &workspaces.CreateConnectClientAddInInput{ResourceId: aws.String(dir), Name: aws.String("a"), URL: aws.String("https://a.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteConnectClientAddIn(e.Ctx(), &workspaces.DeleteConnectClientAddInInput{AddInId: out.AddInId, ResourceId: aws.String(other)})
	xWant(t, "delete under another directory", err, "ResourceNotFoundException")

	// A directory that is not REGISTERED yet cannot take one.
	e.SetTiming("realistic")
	ds, err := e.DS(apptest.AccountA).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name: aws.String("corp.example.com"), Password: aws.String("Passw0rd!"), Size: dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-" + xHex(17)), SubnetIds: []string{"subnet-" + xHex(17), "subnet-" + xHex(17)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	if _, err := c.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: ds.DirectoryId}); err != nil {
		t.Fatal(err)
	}
	xWant(t, "REGISTERING directory", create(c, aws.ToString(ds.DirectoryId), "a", "https://a.example.com"), "ResourceCreationFailedException")
}
