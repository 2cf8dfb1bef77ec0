package images_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/control"
)

func importImage(e *apptest.Env, account, region, ami, name string, ing types.WorkspaceImageIngestionProcess, apps ...types.Application) (string, error) {
	out, err := wsc(e, account, region).ImportWorkspaceImage(e.Ctx(), &workspaces.ImportWorkspaceImageInput{
		Ec2ImageId: aws.String(ami), IngestionProcess: ing, ImageName: aws.String(name),
		ImageDescription: aws.String("BYOL import"), Applications: apps,
		Tags: []types.Tag{{Key: aws.String("byol"), Value: aws.String("true")}}})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ImageId), nil
}

func setAMI(e *apptest.Env, account, region, ami string, body map[string]any) {
	body["account"], body["region"] = account, region
	e.Control("PUT", "ec2-images/"+ami, body, nil)
}

const ami = "ami-0123456789abcdef0"

func TestImageImport(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)
	_, err := importImage(e, acctA, reg1, ami, "byol", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "account without BYOL", err, "AccessDeniedException")

	enableBYOL(t, e, acctA, reg1, "10.10.0.0/16")
	e.SetTiming("realistic")
	id, err := importImage(e, acctA, reg1, ami, "byol", types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatalf("ImportWorkspaceImage: %v", err)
	}
	img := describeImage(t, c, id)
	if img.State != types.WorkspaceImageStatePending || img.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated ||
		img.OperatingSystem.Type != types.OperatingSystemTypeWindows || aws.ToString(img.OwnerAccountId) != acctA {
		t.Errorf("imported image: %+v", img)
	}
	e.Advance(89 * time.Minute)
	if img := describeImage(t, c, id); img.State != types.WorkspaceImageStatePending {
		t.Errorf("after 89 minutes: %s", img.State)
	}
	e.Advance(2 * time.Minute)
	if img := describeImage(t, c, id); img.State != types.WorkspaceImageStateAvailable {
		t.Errorf("after 91 minutes: %s", img.State)
	}
	if tags := tagsOf(t, c, id); tags["byol"] != "true" {
		t.Errorf("tags %v", tags)
	}

	// With Office the import takes twice as long.
	office, err := importImage(e, acctA, reg1, ami, "byol-office", types.WorkspaceImageIngestionProcessByolRegularWsp, types.ApplicationMicrosoftOffice2016)
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(2 * time.Hour)
	if img := describeImage(t, c, office); img.State != types.WorkspaceImageStatePending {
		t.Errorf("Office import after 2 hours: %s", img.State)
	}
	e.Advance(time.Hour + time.Minute)
	if img := describeImage(t, c, office); img.State != types.WorkspaceImageStateAvailable {
		t.Errorf("Office import after 3 hours: %s", img.State)
	}
	e.SetTiming("instant")

	// Every current ingestion process but the Core-only ones, once AWS
	// Support has enabled the account for Graphics.g4dn BYOL (the retired
	// Graphics values and the allow-list: fidelity_test.go).
	e.Control("POST", "account-settings", map[string]any{"account": acctA, "region": reg1, "graphicsByolAllowListed": true}, nil)
	for _, ing := range []types.WorkspaceImageIngestionProcess{
		types.WorkspaceImageIngestionProcessByolGraphicsG4dn, types.WorkspaceImageIngestionProcessByolGraphicsG4dnWsp,
		types.WorkspaceImageIngestionProcessByolRegularWsp,
	} {
		if _, err := importImage(e, acctA, reg1, ami, "ing-"+string(ing), ing); err != nil {
			t.Errorf("%s: %v", ing, err)
		}
	}
	for _, ing := range []types.WorkspaceImageIngestionProcess{
		types.WorkspaceImageIngestionProcessByolRegularByop, types.WorkspaceImageIngestionProcessByolGraphicsG4dnByop,
	} {
		_, err := importImage(e, acctA, reg1, ami, "ing-"+string(ing), ing)
		wantCode(t, string(ing)+" without allow-listing", err, "OperationNotSupportedException")
		wantReason(t, err, "NotAllowListed")
	}
	e.Control("POST", "account-settings", map[string]any{"account": acctA, "region": reg1, "coreAllowListed": true}, nil)
	for _, ing := range []types.WorkspaceImageIngestionProcess{
		types.WorkspaceImageIngestionProcessByolRegularByop, types.WorkspaceImageIngestionProcessByolGraphicsG4dnByop,
	} {
		if _, err := importImage(e, acctA, reg1, ami, "ing-"+string(ing), ing); err != nil {
			t.Errorf("%s when allow-listed: %v", ing, err)
		}
	}

	// Errors.
	_, err = importImage(e, acctA, reg1, ami, "byol", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "duplicate name", err, "ResourceAlreadyExistsException")
	_, err = importImage(e, acctA, reg1, "ami-12345", "x", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "bad AMI id", err, "ValidationException")
	_, err = importImage(e, acctA, reg1, ami, "x", "BYOL_SOMETHING")
	wantCode(t, "bad ingestion process", err, "ValidationException")
	setAMI(e, acctA, reg1, "ami-0badbadb", map[string]any{"exists": false})
	_, err = importImage(e, acctA, reg1, "ami-0badbadb", "x", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "missing AMI", err, "ResourceNotFoundException")
	setAMI(e, acctA, reg1, "ami-5e1e5e1e", map[string]any{"operatingSystem": "WINDOWS_SERVER_2022"})
	_, err = importImage(e, acctA, reg1, "ami-5e1e5e1e", "x", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "server AMI", err, "OperationNotSupportedException")
	_, err = importImage(e, acctA, reg1, ami, "x", types.WorkspaceImageIngestionProcessByolRegular,
		types.ApplicationMicrosoftOffice2016, types.ApplicationMicrosoftOffice2019)
	wantCode(t, "two applications", err, "InvalidParameterValuesException")
	_, err = importImage(e, acctA, reg1, ami, "x", types.WorkspaceImageIngestionProcessByolGraphicsG4dn, types.ApplicationMicrosoftOffice2016)
	wantCode(t, "g4dn with Office 2016", err, "InvalidParameterValuesException")
	if _, err := importImage(e, acctA, reg1, ami, "g4dn-office", types.WorkspaceImageIngestionProcessByolGraphicsG4dn, types.ApplicationMicrosoftOffice2019); err != nil {
		t.Errorf("g4dn with Office 2019: %v", err)
	}

	// Windows 11: DCV only; Office 2019 on non-GPU DCV; no Office on GPU DCV.
	const win11 = "ami-11111111"
	setAMI(e, acctA, reg1, win11, map[string]any{"operatingSystem": "WINDOWS_11"})
	_, err = importImage(e, acctA, reg1, win11, "x", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "Windows 11 with PCoIP", err, "OperationNotSupportedException")
	_, err = importImage(e, acctA, reg1, win11, "x", types.WorkspaceImageIngestionProcessByolRegularWsp, types.ApplicationMicrosoftOffice2016)
	wantCode(t, "Windows 11 DCV with Office 2016", err, "InvalidParameterValuesException")
	_, err = importImage(e, acctA, reg1, win11, "x", types.WorkspaceImageIngestionProcessByolGraphicsG4dnWsp, types.ApplicationMicrosoftOffice2019)
	wantCode(t, "Windows 11 GPU DCV with Office", err, "InvalidParameterValuesException")
	w11, err := importImage(e, acctA, reg1, win11, "win11-office", types.WorkspaceImageIngestionProcessByolRegularWsp, types.ApplicationMicrosoftOffice2019)
	if err != nil {
		t.Fatalf("Windows 11 DCV with Office 2019: %v", err)
	}
	if img := describeImage(t, c, w11); img.State != types.WorkspaceImageStateAvailable {
		t.Errorf("Windows 11 image %s", img.State)
	}

	// A validation failure injected as a transition fault.
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "image", Account: acctA, State: "ERROR",
		ErrorCode: "OfficeInstalled", ErrorMessage: "Office is installed on the image."}, nil)
	bad, err := importImage(e, acctA, reg1, ami, "office-installed", types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatal(err)
	}
	img = describeImage(t, c, bad)
	if img.State != types.WorkspaceImageStateError || len(img.ErrorDetails) != 1 ||
		img.ErrorDetails[0].ErrorCode != types.WorkspaceImageErrorDetailCodeOfficeInstalled {
		t.Errorf("failed import: %+v", img)
	}
}

func TestImageQuotaAcrossOrigins(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	enableBYOL(t, e, acctA, reg1, "10.10.0.0/16")
	for i := range 40 {
		if _, err := importImage(e, acctA, reg1, ami, "img-"+string(rune('a'+i%26))+string(rune('a'+i/26)), types.WorkspaceImageIngestionProcessByolRegular); err != nil {
			t.Fatalf("image %d: %v", i+1, err)
		}
	}
	_, err := importImage(e, acctA, reg1, ami, "one-too-many", types.WorkspaceImageIngestionProcessByolRegular)
	wantCode(t, "41st import", err, "ResourceLimitExceededException")
	_, err = wsc(e, acctA, reg1).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{Name: aws.String("one-too-many"),
		Description: aws.String("d"), WorkspaceId: aws.String(launchWorkspace(t, e, acctA, reg1, nil))})
	wantCode(t, "41st image from a WorkSpace", err, "ResourceLimitExceededException")
	if got := imageIDs(t, wsc(e, acctA, reg1), "", 0); len(got) != 40 {
		t.Errorf("%d images", len(got))
	}
}

func TestImageBYOLSharing(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	enableBYOL(t, e, acctA, reg1, "10.10.0.0/16")
	id, err := importImage(e, acctA, reg1, ami, "byol", types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatal(err)
	}
	err = permission(t, e, acctA, reg1, id, acctB, true)
	wantCode(t, "share BYOL with a non-BYOL account", err, "OperationNotSupportedException")
	wantReason(t, err, "TargetAccountNotBYOLEnabled")
	enableBYOL(t, e, acctB, reg1, "10.10.0.0/16")
	share(t, e, acctA, reg1, id, acctB)
	if img := describeImage(t, wsc(e, acctB, reg1), id); img.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated {
		t.Errorf("B sees tenancy %s", img.RequiredTenancy)
	}
	// Copies of BYOL images go only where the account is BYOL-enabled.
	if _, err := copyImage(e, acctB, reg1, reg1, id, "b-byol"); err != nil {
		t.Errorf("copy into a BYOL Region: %v", err)
	}
	_, err = copyImage(e, acctB, reg2, reg1, id, "b-byol")
	wantCode(t, "copy into a Region without BYOL", err, "AccessDeniedException")
}

func customImport(e *apptest.Env, account string, in *workspaces.ImportCustomWorkspaceImageInput) (*workspaces.ImportCustomWorkspaceImageOutput, error) {
	if in.ImageName == nil {
		in.ImageName = aws.String("custom")
	}
	if in.ImageDescription == nil {
		in.ImageDescription = aws.String("custom import")
	}
	if in.ComputeType == "" {
		in.ComputeType = types.ImageComputeTypeBase
	}
	if in.Protocol == "" {
		in.Protocol = types.CustomImageProtocolDcv
	}
	if in.ImageSource == nil {
		in.ImageSource = &types.ImageSourceIdentifierMemberEc2ImageId{Value: ami}
	}
	if in.InfrastructureConfigurationArn == nil {
		in.InfrastructureConfigurationArn = aws.String("arn:aws:imagebuilder:us-east-1:" + account + ":infrastructure-configuration/byol-infra")
	}
	if in.Platform == "" {
		in.Platform = types.PlatformWindows
	}
	if in.OsVersion == "" {
		in.OsVersion = types.OSVersionWindows11
	}
	return wsc(e, account, reg1).ImportCustomWorkspaceImage(e.Ctx(), in)
}

func TestImageCustomImport(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)
	_, err := customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{})
	wantCode(t, "account without BYOL", err, "AccessDeniedException")
	enableBYOL(t, e, acctA, reg1, "10.10.0.0/16")

	e.SetTiming("realistic")
	out, err := customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{
		Tags: []types.Tag{{Key: aws.String("src"), Value: aws.String("ib")}}})
	if err != nil {
		t.Fatalf("ImportCustomWorkspaceImage: %v", err)
	}
	if out.State != types.CustomWorkspaceImageImportStatePending {
		t.Errorf("State %s", out.State)
	}
	id := aws.String(*out.ImageId)
	d, err := c.DescribeCustomWorkspaceImageImport(e.Ctx(), &workspaces.DescribeCustomWorkspaceImageImportInput{ImageId: id})
	if err != nil {
		t.Fatal(err)
	}
	src, ok := d.ImageSource.(*types.ImageSourceIdentifierMemberEc2ImageId)
	if d.State != types.CustomWorkspaceImageImportStatePending || aws.ToInt32(d.ProgressPercentage) != 0 || !ok || src.Value != ami ||
		aws.ToString(d.InfrastructureConfigurationArn) == "" || d.Created == nil || d.ImageBuilderInstanceId != nil {
		t.Errorf("fresh import: %+v", d)
	}
	// The workflow walks its states; the image stays PENDING meanwhile.
	seen := map[types.CustomWorkspaceImageImportState]bool{}
	last := int32(-1)
	for range 14 {
		e.Advance(7*time.Minute + 30*time.Second)
		d, err = c.DescribeCustomWorkspaceImageImport(e.Ctx(), &workspaces.DescribeCustomWorkspaceImageImportInput{ImageId: id})
		if err != nil {
			t.Fatal(err)
		}
		seen[d.State] = true
		if p := aws.ToInt32(d.ProgressPercentage); p < last {
			t.Errorf("progress went back from %d to %d", last, p)
		} else {
			last = p
		}
		if d.State != types.CustomWorkspaceImageImportStateCompleted {
			if img := describeImage(t, c, *id); img.State != types.WorkspaceImageStatePending {
				t.Errorf("image %s while the import is %s", img.State, d.State)
			}
		}
	}
	if d.State != types.CustomWorkspaceImageImportStateCompleted || aws.ToInt32(d.ProgressPercentage) != 100 ||
		d.ImageBuilderInstanceId == nil || len(seen) < 10 || !d.LastUpdatedTime.After(*d.Created) {
		t.Errorf("after 105 minutes: %+v (states seen %v)", d, seen)
	}
	img := describeImage(t, c, *id)
	if img.State != types.WorkspaceImageStateAvailable || img.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated {
		t.Errorf("imported image: %+v", img)
	}
	if tags := tagsOf(t, c, *id); tags["src"] != "ib" {
		t.Errorf("tags %v", tags)
	}
	e.SetTiming("instant")

	// Failure: the import and the image end in ERROR.
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "image", Account: acctA, State: "ERROR",
		ErrorCode: "UEFINotSupported", ErrorMessage: "The image does not boot in UEFI mode."}, nil)
	out, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("broken"),
		ImageSource: &types.ImageSourceIdentifierMemberEc2ImportTaskId{Value: "import-ami-0123456789abcdef0"}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = c.DescribeCustomWorkspaceImageImport(e.Ctx(), &workspaces.DescribeCustomWorkspaceImageImportInput{ImageId: out.ImageId})
	if _, ok := d.ImageSource.(*types.ImageSourceIdentifierMemberEc2ImportTaskId); !ok || d.State != types.CustomWorkspaceImageImportStateError ||
		len(d.ErrorDetails) != 1 || aws.ToString(d.ErrorDetails[0].ErrorCode) != "UEFINotSupported" {
		t.Errorf("failed import: %+v", d)
	}
	if img := describeImage(t, c, *out.ImageId); img.State != types.WorkspaceImageStateError ||
		len(img.ErrorDetails) != 1 || img.ErrorDetails[0].ErrorCode != types.WorkspaceImageErrorDetailCodeUefiNotSupported {
		t.Errorf("failed import's image: %+v", img)
	}

	// Errors.
	_, err = c.DescribeCustomWorkspaceImageImport(e.Ctx(), &workspaces.DescribeCustomWorkspaceImageImportInput{ImageId: aws.String("wsi-unknown999")})
	wantCode(t, "unknown import", err, "ResourceNotFoundException")
	_, err = wsc(e, acctB, reg1).DescribeCustomWorkspaceImageImport(e.Ctx(), &workspaces.DescribeCustomWorkspaceImageImportInput{ImageId: id})
	wantCode(t, "another account's import", err, "ResourceNotFoundException")
	_, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{})
	wantCode(t, "duplicate name", err, "ResourceAlreadyExistsException")
	_, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("pcoip11"), Protocol: types.CustomImageProtocolPcoip})
	wantCode(t, "Windows 11 with PCoIP", err, "OperationNotSupportedException")
	if _, err := customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("pcoip10"),
		Protocol: types.CustomImageProtocolPcoip, OsVersion: types.OSVersionWindows10,
		ImageSource: &types.ImageSourceIdentifierMemberImageBuildVersionArn{Value: "arn:aws:imagebuilder:us-east-1:000000000000:image/win10/1.0.0/1"}}); err != nil {
		t.Errorf("Windows 10 with PCoIP from Image Builder: %v", err)
	}
	_, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("byop"), Protocol: types.CustomImageProtocolByop})
	wantCode(t, "BYOP without allow-listing", err, "OperationNotSupportedException")
	setAMI(e, acctA, reg1, "ami-0badbadb", map[string]any{"exists": false})
	_, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("gone"),
		ImageSource: &types.ImageSourceIdentifierMemberEc2ImageId{Value: "ami-0badbadb"}})
	wantCode(t, "missing AMI", err, "ResourceNotFoundException")
	_, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("elsewhere"),
		InfrastructureConfigurationArn: aws.String("arn:aws:imagebuilder:eu-west-1:000000000000:infrastructure-configuration/x")})
	wantCode(t, "infrastructure in another Region", err, "InvalidParameterValuesException")
	_, err = customImport(e, acctA, &workspaces.ImportCustomWorkspaceImageInput{ImageName: aws.String("bad-arn"),
		InfrastructureConfigurationArn: aws.String("arn:aws:s3:::bucket")})
	wantCode(t, "not an infrastructure ARN", err, "ValidationException")
}

// TestImageBYOLRoundTrip goes the whole BYOL way through every area's API:
// enable BYOL, import an image, build a bundle from it, launch a WorkSpace
// of it in a DEDICATED directory, and capture a new image of that
// WorkSpace, which is DEDICATED too.
func TestImageBYOLRoundTrip(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)
	enableBYOL(t, e, acctA, reg1, "10.30.0.0/16")
	src, err := importImage(e, acctA, reg1, ami, "byol-base", types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := c.CreateWorkspaceBundle(e.Ctx(), bundleInput("byol-bundle", src))
	if err != nil {
		t.Fatalf("CreateWorkspaceBundle: %v", err)
	}
	ds := directoryservice.NewFromConfig(e.AWSConfig(acctA, reg1))
	in := createDirectoryInput()
	in.Tags = []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}}
	dir, err := ds.CreateDirectory(e.Ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	if _, err := c.RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
		DirectoryId: dir.DirectoryId, Tenancy: types.TenancyDedicated}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory DEDICATED: %v", err)
	}
	e.Advance(time.Hour)
	out, err := c.CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: []types.WorkspaceRequest{{
		DirectoryId: dir.DirectoryId, UserName: aws.String("byol-user"), BundleId: bundle.WorkspaceBundle.BundleId}}})
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, out)
	}
	wsID := aws.ToString(out.PendingRequests[0].WorkspaceId)
	e.Advance(time.Hour)
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateAvailable {
		t.Fatalf("BYOL WorkSpace is %s", st)
	}
	img, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("byol-captured"), Description: aws.String("captured"), WorkspaceId: aws.String(wsID)})
	if err != nil {
		t.Fatal(err)
	}
	if img.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated || img.OperatingSystem.Type != types.OperatingSystemTypeWindows {
		t.Errorf("captured BYOL image: tenancy %s, OS %s", img.RequiredTenancy, img.OperatingSystem.Type)
	}
	// The imported image backs the bundle: it cannot be deleted.
	_, err = c.DeleteWorkspaceImage(e.Ctx(), &workspaces.DeleteWorkspaceImageInput{ImageId: aws.String(src)})
	wantCode(t, "delete the bundle's image", err, "ResourceAssociatedException")
}
