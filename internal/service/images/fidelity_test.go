package images_test

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// The image fidelity fixes of issue 12 (item 12;
// docs/decisions/0328-public-image-owner.md … 0331-byol-server-2016.md),
// each through the real SDK.

// A public image's OwnerAccountId is an account id or absent: the model's
// AwsAccount pattern is twelve digits, and AMAZON is not one.
func TestPublicImageOwnerIsNoAccountName(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	pub := describeImage(t, wsc(e, acctA, reg1), "wsi-5kq1x9tgm")
	if pub.OwnerAccountId != nil && !regexp.MustCompile(`^\d{12}$`).MatchString(*pub.OwnerAccountId) {
		t.Errorf("public image OwnerAccountId %q, want a 12-digit account id or none", *pub.OwnerAccountId)
	}
	own := describeImage(t, wsc(e, acctA, reg1), newImage(t, e, acctA, reg1, "own"))
	if aws.ToString(own.OwnerAccountId) != acctA {
		t.Errorf("own image OwnerAccountId %q, want %s", aws.ToString(own.OwnerAccountId), acctA)
	}
}

// byolImage imports a BYOL image of account in region (enabling BYOL there
// first) and returns it AVAILABLE.
func byolImage(t *testing.T, e *apptest.Env, account, region, cidr, name string) string {
	t.Helper()
	enableBYOL(t, e, account, region, cidr)
	id, err := importImage(e, account, region, ami, name, types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatalf("ImportWorkspaceImage: %v", err)
	}
	if img := describeImage(t, wsc(e, account, region), id); img.State != types.WorkspaceImageStateAvailable {
		t.Fatalf("BYOL image %s is %s", id, img.State)
	}
	return id
}

// BYOL images cannot be shared across accounts in the GovCloud Regions
// (MODEL UpdateWorkspaceImagePermission); other images can.
func TestBYOLImageSharingInGovCloud(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	const gov = "us-gov-west-1"
	enableBYOL(t, e, acctB, gov, "10.20.0.0/16")
	id := byolImage(t, e, acctA, gov, "10.10.0.0/16", "gov-byol")
	err := permission(t, e, acctA, gov, id, acctB, true)
	wantCode(t, "sharing a BYOL image in GovCloud", err, "OperationNotSupportedException")
	wantReason(t, err, "BYOLSharingNotSupportedInRegion")
	if got := permissions(t, wsc(e, acctA, gov), id, 0); len(got) != 0 {
		t.Errorf("the refused share is listed: %v", got)
	}
	share(t, e, acctA, gov, newImage(t, e, acctA, gov, "gov-plain"), acctB)
	// Outside GovCloud the same BYOL share works.
	enableBYOL(t, e, acctB, reg1, "10.20.0.0/16")
	share(t, e, acctA, reg1, byolImage(t, e, acctA, reg1, "10.10.0.0/16", "byol"), acctB)
}

// BYOL images are shared only with accounts of the owner's organization in
// AWS Organizations (AG share-custom-image), which the control API sets.
func TestBYOLImageSharingOutsideTheOrganization(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	org := func(account string, id any) {
		e.Control("POST", "account-organization", map[string]any{"account": account, "organizationId": id}, nil)
	}
	enableBYOL(t, e, acctB, reg1, "10.20.0.0/16")
	id := byolImage(t, e, acctA, reg1, "10.10.0.0/16", "byol")
	plain := newImage(t, e, acctA, reg1, "plain")

	org(acctA, "o-aaaaaaaaaa")
	org(acctB, "o-bbbbbbbbbb")
	err := permission(t, e, acctA, reg1, id, acctB, true)
	wantCode(t, "a BYOL image to another organization", err, "OperationNotSupportedException")
	wantReason(t, err, "TargetAccountNotInOrganization")
	share(t, e, acctA, reg1, plain, acctB) // images that are not BYOL go anywhere

	org(acctB, "")
	err = permission(t, e, acctA, reg1, id, acctB, true)
	wantCode(t, "a BYOL image to an account in no organization", err, "OperationNotSupportedException")

	org(acctB, "o-aaaaaaaaaa")
	share(t, e, acctA, reg1, id, acctB)
	if got := permissions(t, wsc(e, acctA, reg1), id, 0); len(got) != 1 || got[0] != acctB {
		t.Errorf("permissions %v, want [%s]", got, acctB)
	}

	// The setting is checked: an id that is not an organization id is a 400.
	if got := e.ControlStatus("POST", "account-organization", map[string]any{"account": acctA, "organizationId": "acme"}); got != 400 {
		t.Errorf("organization id acme: status %d, want 400", got)
	}
	// Without a setting every account is in deskplane's default organization.
	var out struct {
		OrganizationID *string `json:"organizationId"`
	}
	e.Control("POST", "account-organization", map[string]any{"account": apptest.AccountC}, &out)
	if aws.ToString(out.OrganizationID) == "" {
		t.Errorf("the default organization is %v", out.OrganizationID)
	}
	// The membership is the account's: resetting the account clears it.
	e.Control("POST", "reset", map[string]any{"account": acctB}, nil)
	if err := e.App.Store.View(e.Ctx(), func(tx deskplane.Tx) error {
		got, err := deskplane.OrganizationOf(tx, acctB)
		if err == nil && got != aws.ToString(out.OrganizationID) {
			t.Errorf("after a reset account %s is in %q, want the default %q", acctB, got, aws.ToString(out.OrganizationID))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// Graphics.g4dn BYOL ingestion needs AWS Support to allow-list the account
// (a control setting); the retired Graphics and GraphicsPro values are
// refused.
func TestGraphicsBYOLIngestion(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	enableBYOL(t, e, acctA, reg1, "10.10.0.0/16")
	for _, ing := range []types.WorkspaceImageIngestionProcess{
		types.WorkspaceImageIngestionProcessByolGraphics, types.WorkspaceImageIngestionProcessByolGraphicspro,
	} {
		_, err := importImage(e, acctA, reg1, ami, "retired-"+string(ing), ing)
		wantCode(t, string(ing), err, "OperationNotSupportedException")
		wantReason(t, err, "UnsupportedIngestionProcess")
	}
	g4dn := []types.WorkspaceImageIngestionProcess{
		types.WorkspaceImageIngestionProcessByolGraphicsG4dn, types.WorkspaceImageIngestionProcessByolGraphicsG4dnWsp,
	}
	for _, ing := range g4dn {
		_, err := importImage(e, acctA, reg1, ami, "g4dn-"+string(ing), ing)
		wantCode(t, string(ing)+" without Support's allow-listing", err, "OperationNotSupportedException")
		wantReason(t, err, "NotAllowListed")
	}
	custom := func(name string) error {
		_, err := wsc(e, acctA, reg1).ImportCustomWorkspaceImage(e.Ctx(), &workspaces.ImportCustomWorkspaceImageInput{
			ImageName: aws.String(name), ImageDescription: aws.String("d"), ComputeType: types.ImageComputeTypeGraphicsG4dn,
			Protocol: types.CustomImageProtocolDcv, OsVersion: types.OSVersionWindows11, Platform: types.PlatformWindows,
			ImageSource:                    &types.ImageSourceIdentifierMemberEc2ImageId{Value: ami},
			InfrastructureConfigurationArn: aws.String("arn:aws:imagebuilder:" + reg1 + ":" + acctA + ":infrastructure-configuration/byol"),
		})
		return err
	}
	wantCode(t, "a Graphics.g4dn custom import without allow-listing", custom("custom-g4dn"), "OperationNotSupportedException")

	e.Control("POST", "account-settings", map[string]any{"account": acctA, "region": reg1, "graphicsByolAllowListed": true}, nil)
	for _, ing := range g4dn {
		if _, err := importImage(e, acctA, reg1, ami, "g4dn-"+string(ing), ing); err != nil {
			t.Errorf("%s when allow-listed: %v", ing, err)
		}
	}
	if err := custom("custom-g4dn"); err != nil {
		t.Errorf("a Graphics.g4dn custom import when allow-listed: %v", err)
	}
	_, err := importImage(e, acctA, reg1, ami, "still-retired", types.WorkspaceImageIngestionProcessByolGraphicspro)
	wantCode(t, "a retired value when allow-listed", err, "OperationNotSupportedException")
	// The allow-list is the Region's: another Region's account is not on it.
	enableBYOL(t, e, acctA, reg2, "10.10.0.0/16")
	_, err = importImage(e, acctA, reg2, ami, "g4dn-elsewhere", types.WorkspaceImageIngestionProcessByolGraphicsG4dn)
	wantCode(t, "Graphics.g4dn in another Region", err, "OperationNotSupportedException")
}

// A recipient that names its own account in UpdateWorkspaceImagePermission
// is told the image is not its own, as for any other account it names.
func TestImagePermissionOfARecipientForItself(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	id := newImage(t, e, acctA, reg1, "shared")
	share(t, e, acctA, reg1, id, acctB)
	for _, allow := range []bool{true, false} {
		err := permission(t, e, acctB, reg1, id, acctB, allow)
		wantCode(t, "the recipient naming itself", err, "OperationNotSupportedException")
		wantReason(t, err, "ImageNotOwned")
	}
	wantCode(t, "the owner naming itself", permission(t, e, acctA, reg1, id, acctA, true), "InvalidParameterValuesException")
	wantCode(t, "a stranger naming itself", permission(t, e, apptest.AccountC, reg1, id, apptest.AccountC, true), "ResourceNotFoundException")
}

// ImportWorkspaceImage imports Windows Server 2016 BYOL images too (seed
// 004); Office subscriptions are for Windows 10 and 11 only (MODEL).
func TestImportWindowsServer2016(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	enableBYOL(t, e, acctA, reg1, "10.10.0.0/16")
	const server = "ami-2016abcd"
	setAMI(e, acctA, reg1, server, map[string]any{"operatingSystem": "WINDOWS_SERVER_2016"})
	id, err := importImage(e, acctA, reg1, server, "server-2016", types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatalf("importing a Windows Server 2016 AMI: %v", err)
	}
	img := describeImage(t, wsc(e, acctA, reg1), id)
	if img.State != types.WorkspaceImageStateAvailable || img.OperatingSystem.Type != types.OperatingSystemTypeWindows ||
		img.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated {
		t.Errorf("Windows Server 2016 BYOL image: %+v", img)
	}
	_, err = importImage(e, acctA, reg1, server, "server-2016-office", types.WorkspaceImageIngestionProcessByolRegular, types.ApplicationMicrosoftOffice2019)
	wantCode(t, "Office on Windows Server 2016", err, "InvalidParameterValuesException")
	setAMI(e, acctA, reg1, "ami-2019abcd", map[string]any{"operatingSystem": "WINDOWS_SERVER_2019"})
	_, err = importImage(e, acctA, reg1, "ami-2019abcd", "server-2019", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "Windows Server 2019", err, "OperationNotSupportedException")
}
