package images_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/control"
)

func permission(t *testing.T, e *apptest.Env, owner, region, id, target string, allow bool) error {
	t.Helper()
	_, err := wsc(e, owner, region).UpdateWorkspaceImagePermission(e.Ctx(), &workspaces.UpdateWorkspaceImagePermissionInput{
		ImageId: aws.String(id), AllowCopyImage: aws.Bool(allow), SharedAccountId: aws.String(target)})
	return err
}

func share(t *testing.T, e *apptest.Env, owner, region, id, target string) {
	t.Helper()
	if err := permission(t, e, owner, region, id, target, true); err != nil {
		t.Fatalf("sharing %s with %s: %v", id, target, err)
	}
}

func unshare(t *testing.T, e *apptest.Env, owner, region, id, target string) {
	t.Helper()
	if err := permission(t, e, owner, region, id, target, false); err != nil {
		t.Fatalf("unsharing %s with %s: %v", id, target, err)
	}
}

func permissions(t *testing.T, c *workspaces.Client, id string, size int32) []string {
	t.Helper()
	in := &workspaces.DescribeWorkspaceImagePermissionsInput{ImageId: aws.String(id)}
	if size > 0 {
		in.MaxResults = aws.Int32(size)
	}
	accts := []string{}
	for range 50 {
		out, err := c.DescribeWorkspaceImagePermissions(t.Context(), in)
		if err != nil {
			t.Fatalf("DescribeWorkspaceImagePermissions: %v", err)
		}
		if aws.ToString(out.ImageId) != id {
			t.Errorf("ImageId %q", aws.ToString(out.ImageId))
		}
		for _, p := range out.ImagePermissions {
			accts = append(accts, aws.ToString(p.SharedAccountId))
		}
		if out.NextToken == nil {
			return accts
		}
		in.NextToken = out.NextToken
	}
	t.Fatal("no last page")
	return nil
}

func bundleInput(name, imageID string) *workspaces.CreateWorkspaceBundleInput {
	return &workspaces.CreateWorkspaceBundleInput{
		BundleName: aws.String(name), BundleDescription: aws.String("bundle " + name), ImageId: aws.String(imageID),
		ComputeType: &types.ComputeType{Name: types.ComputeStandard}, UserStorage: &types.UserStorage{Capacity: aws.String("50")},
		RootStorage: &types.RootStorage{Capacity: aws.String("80")}}
}

func copyImage(e *apptest.Env, account, region, srcRegion, srcID, name string) (string, error) {
	out, err := wsc(e, account, region).CopyWorkspaceImage(e.Ctx(), &workspaces.CopyWorkspaceImageInput{
		Name: aws.String(name), SourceImageId: aws.String(srcID), SourceRegion: aws.String(srcRegion),
		Tags: []types.Tag{{Key: aws.String("copied"), Value: aws.String("yes")}}})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ImageId), nil
}

// TestImageSharing walks the whole story: A shares, B sees the image with
// its own credentials, copies it, cannot re-share, delete or update it; A
// unshares, B no longer sees it and keeps its copy.
func TestImageSharing(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := wsc(e, acctA, reg1), wsc(e, acctB, reg1)
	id := newImage(t, e, acctA, reg1, "shared-golden")
	orig := describeImage(t, a, id)

	if got := permissions(t, a, id, 0); len(got) != 0 {
		t.Errorf("permissions before sharing: %v", got)
	}
	_, err := b.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if got := imageIDs(t, b, "", 0); len(got) != 0 {
		t.Fatalf("B sees %v before the share", got)
	}

	e.Advance(24 * time.Hour) // so that a share-time Created would show
	share(t, e, acctA, reg1, id, acctB)
	share(t, e, acctA, reg1, id, acctB) // sharing again is a no-op
	share(t, e, acctA, reg1, id, apptest.AccountC)
	if got := permissions(t, a, id, 1); !slices.Equal(got, []string{acctB, apptest.AccountC}) {
		t.Errorf("permissions %v", got)
	}

	seen := describeImage(t, b, id)
	if aws.ToString(seen.OwnerAccountId) != acctA || !seen.Created.Equal(*orig.Created) ||
		seen.State != types.WorkspaceImageStateAvailable || aws.ToString(seen.Name) != "shared-golden" {
		t.Errorf("B's view of the shared image: owner %s created %v (original %v) state %s",
			aws.ToString(seen.OwnerAccountId), seen.Created, orig.Created, seen.State)
	}
	if got := imageIDs(t, b, types.ImageTypeShared, 0); !slices.Equal(got, []string{id}) {
		t.Errorf("B's SHARED images: %v", got)
	}
	if got := imageIDs(t, b, types.ImageTypeOwned, 0); len(got) != 0 {
		t.Errorf("B's OWNED images: %v", got)
	}
	if got := imageIDs(t, wsc(e, acctB, reg2), "", 0); len(got) != 0 {
		t.Errorf("B sees %v in another Region", got)
	}

	// B cannot re-share, delete, update, tag or read the permissions.
	err = permission(t, e, acctB, reg1, id, apptest.AccountC, true)
	wantCode(t, "re-share", err, "OperationNotSupportedException")
	wantReason(t, err, "ImageNotOwned")
	_, err = b.DeleteWorkspaceImage(e.Ctx(), &workspaces.DeleteWorkspaceImageInput{ImageId: aws.String(id)})
	wantCode(t, "recipient deletes", err, "AccessDeniedException")
	_, err = b.DescribeWorkspaceImagePermissions(e.Ctx(), &workspaces.DescribeWorkspaceImagePermissionsInput{ImageId: aws.String(id)})
	wantCode(t, "recipient reads permissions", err, "ResourceNotFoundException")
	_, err = b.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(id), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantCode(t, "recipient tags", err, "ResourceNotFoundException")

	// Nor build a bundle from it directly: it copies it first.
	_, err = b.CreateWorkspaceBundle(e.Ctx(), bundleInput("from-shared", id))
	wantCode(t, "recipient's bundle from the shared image", err, "InvalidParameterValuesException")

	// B copies it; the copy is B's and does not depend on the share.
	e.SetTiming("realistic")
	cp, err := copyImage(e, acctB, reg1, reg1, id, "my-copy")
	if err != nil {
		t.Fatalf("B copies the shared image: %v", err)
	}
	c := describeImage(t, b, cp)
	if c.State != types.WorkspaceImageStatePending || aws.ToString(c.OwnerAccountId) != acctB || aws.ToString(c.Description) != "test image" {
		t.Errorf("copy: %+v", c)
	}
	e.Advance(21 * time.Minute)
	if c := describeImage(t, b, cp); c.State != types.WorkspaceImageStateAvailable {
		t.Errorf("copy is %s after 21 minutes", c.State)
	}
	if tags := tagsOf(t, b, cp); tags["copied"] != "yes" {
		t.Errorf("copy tags %v", tags)
	}
	if got := imageIDs(t, b, types.ImageTypeOwned, 0); !slices.Equal(got, []string{cp}) {
		t.Errorf("B owns %v", got)
	}
	if _, err := b.CreateWorkspaceBundle(e.Ctx(), bundleInput("from-copy", cp)); err != nil {
		t.Errorf("B's bundle from its copy: %v", err)
	}

	// A cannot delete a shared image; it unshares first.
	_, err = a.DeleteWorkspaceImage(e.Ctx(), &workspaces.DeleteWorkspaceImageInput{ImageId: aws.String(id)})
	wantCode(t, "delete while shared", err, "InvalidResourceStateException")
	unshare(t, e, acctA, reg1, id, acctB)
	err = permission(t, e, acctA, reg1, id, acctB, false)
	wantCode(t, "unsharing again", err, "InvalidParameterValuesException")
	if got := permissions(t, a, id, 0); !slices.Equal(got, []string{apptest.AccountC}) {
		t.Errorf("permissions after unsharing B: %v", got)
	}
	if got := imageIDs(t, b, "", 0); !slices.Equal(got, []string{cp}) {
		t.Errorf("B sees %v after the unshare, want only its copy", got)
	}
	out, err := b.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{id}})
	if err != nil || len(out.Images) != 0 {
		t.Errorf("B describes the unshared image: %v %v", out, err)
	}
	_, err = copyImage(e, acctB, reg1, reg1, id, "too-late")
	wantCode(t, "copy after the unshare", err, "ResourceNotFoundException")

	unshare(t, e, acctA, reg1, id, apptest.AccountC)
	if _, err := a.DeleteWorkspaceImage(e.Ctx(), &workspaces.DeleteWorkspaceImageInput{ImageId: aws.String(id)}); err != nil {
		t.Errorf("delete after unsharing: %v", err)
	}
	if c := describeImage(t, b, cp); c.State != types.WorkspaceImageStateAvailable {
		t.Errorf("B's copy after A deleted the source: %s", c.State)
	}
}

func TestImagePermissionErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	id := newImage(t, e, acctA, reg1, "img")
	wantCode(t, "unknown image", permission(t, e, acctA, reg1, "wsi-unknown999", acctB, true), "ResourceNotFoundException")
	wantCode(t, "another Region", permission(t, e, acctA, reg2, id, acctB, true), "ResourceNotFoundException")
	wantCode(t, "share with the owner", permission(t, e, acctA, reg1, id, acctA, true), "InvalidParameterValuesException")
	wantCode(t, "unshare a never-shared account", permission(t, e, acctA, reg1, id, acctB, false), "InvalidParameterValuesException")
	wantCode(t, "bad account id", permission(t, e, acctA, reg1, id, "12345", true), "ValidationException")
	_, err := wsc(e, acctA, reg1).DescribeWorkspaceImagePermissions(e.Ctx(), &workspaces.DescribeWorkspaceImagePermissionsInput{ImageId: aws.String("wsi-unknown999")})
	wantCode(t, "permissions of an unknown image", err, "ResourceNotFoundException")

	// Only AVAILABLE images can be shared.
	e.SetTiming("realistic")
	o, err := wsc(e, acctA, reg1).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{Name: aws.String("pending"),
		Description: aws.String("d"), WorkspaceId: aws.String(launchWorkspace(t, e, acctA, reg1, nil))})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "share a PENDING image", permission(t, e, acctA, reg1, *o.ImageId, acctB, true), "ResourceUnavailableException")

	// Many accounts, paged permissions.
	var accts []string
	for i := range 7 {
		acct := "99999999999" + string(rune('0'+i))
		accts = append(accts, acct)
		share(t, e, acctA, reg1, id, acct)
	}
	if got := permissions(t, wsc(e, acctA, reg1), id, 3); !slices.Equal(got, accts) {
		t.Errorf("paged permissions %v, want %v", got, accts)
	}
}

func TestImageCopy(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	src := newImage(t, e, acctA, reg1, "source")

	// Within the Region, and from Region 1 into Region 2.
	same, err := copyImage(e, acctA, reg1, reg1, src, "same-region")
	if err != nil {
		t.Fatal(err)
	}
	cross, err := copyImage(e, acctA, reg2, reg1, src, "source") // the name is free in Region 2
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct{ region, id string }{{reg1, same}, {reg2, cross}} {
		img := describeImage(t, wsc(e, acctA, x.region), x.id)
		if img.State != types.WorkspaceImageStateAvailable || aws.ToString(img.OwnerAccountId) != acctA || img.OperatingSystem.Type != types.OperatingSystemTypeWindows {
			t.Errorf("copy %s in %s: %+v", x.id, x.region, img)
		}
	}
	if got := imageIDs(t, wsc(e, acctA, reg2), "", 0); !slices.Equal(got, []string{cross}) {
		t.Errorf("Region 2 images %v", got)
	}

	// A shared image copied by the recipient into another Region.
	share(t, e, acctA, reg1, src, acctB)
	bc, err := copyImage(e, acctB, reg2, reg1, src, "from-a")
	if err != nil {
		t.Fatalf("recipient's cross-Region copy: %v", err)
	}
	if img := describeImage(t, wsc(e, acctB, reg2), bc); aws.ToString(img.OwnerAccountId) != acctB {
		t.Errorf("recipient's copy owned by %s", aws.ToString(img.OwnerAccountId))
	}

	_, err = copyImage(e, acctA, reg1, reg1, src, "same-region")
	wantCode(t, "duplicate name", err, "ResourceAlreadyExistsException")
	_, err = copyImage(e, acctA, reg1, reg1, "wsi-unknown999", "x")
	wantCode(t, "unknown source", err, "ResourceNotFoundException")
	_, err = copyImage(e, acctA, reg1, reg2, src, "x")
	wantCode(t, "source in the wrong Region", err, "ResourceNotFoundException")
	_, err = copyImage(e, apptest.AccountC, reg1, reg1, src, "x")
	wantCode(t, "image not shared with the caller", err, "ResourceNotFoundException")
	_, err = copyImage(e, acctA, "cn-northwest-1", reg1, src, "x")
	wantCode(t, "copy into another partition", err, "OperationNotSupportedException")
	_, err = copyImage(e, acctA, "cn-northwest-1", "cn-north-1", src, "x")
	wantCode(t, "Ningxia cross-Region copy", err, "OperationNotSupportedException")
	_, err = copyImage(e, acctA, "us-gov-west-1", "us-gov-east-1", src, "x")
	wantCode(t, "GovCloud cross-Region copy", err, "OperationNotSupportedException")
	_, err = copyImage(e, acctA, reg1, "Not_A_Region", src, "x")
	wantCode(t, "bad SourceRegion", err, "ValidationException")

	// A source that is not AVAILABLE.
	e.SetTiming("realistic")
	o, err := wsc(e, acctA, reg1).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{Name: aws.String("pending"),
		Description: aws.String("d"), WorkspaceId: aws.String(launchWorkspace(t, e, acctA, reg1, nil))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = copyImage(e, acctA, reg1, reg1, *o.ImageId, "x")
	wantCode(t, "PENDING source", err, "ResourceUnavailableException")
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "image", ResourceID: *o.ImageId, State: "ERROR", ErrorCode: "UnknownError"}, nil)
	e.Advance(time.Hour)
	_, err = copyImage(e, acctA, reg1, reg1, *o.ImageId, "x")
	wantCode(t, "ERROR source", err, "ResourceUnavailableException")
}

func TestImageCopyQuota(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.QuotaImages = 1 }})
	a1 := newImage(t, e, acctA, reg1, "a1")
	a2 := newImage(t, e, acctA, reg2, "a2")
	share(t, e, acctA, reg1, a1, acctB)
	if _, err := wsc(e, acctA, reg2).UpdateWorkspaceImagePermission(e.Ctx(), &workspaces.UpdateWorkspaceImagePermissionInput{
		ImageId: aws.String(a2), AllowCopyImage: aws.Bool(true), SharedAccountId: aws.String(acctB)}); err != nil {
		t.Fatal(err)
	}
	// B has one shared image and no image of its own: the copy fits.
	if _, err := copyImage(e, acctB, reg1, reg1, a1, "b1"); err != nil {
		t.Fatalf("first copy: %v", err)
	}
	_, err := copyImage(e, acctB, reg1, reg2, a2, "b2")
	wantCode(t, "copy over the quota", err, "ResourceLimitExceededException")
}
