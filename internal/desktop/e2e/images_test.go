package e2e_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// A file written into desktop system layer of A travels in an image, a
// bundle made from it in a second account through sharing, and desktop B
// launched from that bundle; A's user volume does not.
func TestImageContentThroughBundlesAndSharing(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	ctx := d.Ctx()
	dirA := d.RegisteredDirectory(apptest.AccountA)
	a := d.launch(apptest.AccountA, dirA, d.AmazonBundle(), "alice")
	d.sh(a, "echo from-A > /opt/system-file; mkdir -p /usr/local/bin && echo tool > /usr/local/bin/a-tool; echo private > ~/user-file")

	wsA, wsB := d.WS(apptest.AccountA), d.WS(apptest.AccountB)
	img, err := wsA.CreateWorkspaceImage(ctx, &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("with-content"), Description: aws.String("system layer of A"), WorkspaceId: &a})
	if err != nil {
		t.Fatal(err)
	}
	imageID := aws.ToString(img.ImageId)
	d.awaitImage(apptest.AccountA, imageID)
	d.await(apptest.AccountA, a, types.WorkspaceStateAvailable)

	if _, err := wsA.UpdateWorkspaceImagePermission(ctx, &workspaces.UpdateWorkspaceImagePermissionInput{
		ImageId: &imageID, AllowCopyImage: aws.Bool(true), SharedAccountId: aws.String(apptest.AccountB)}); err != nil {
		t.Fatal(err)
	}
	// B copies the shared image into its account (AWS makes bundles only
	// of an account's own images), bundles the copy and launches from it.
	cp, err := wsB.CopyWorkspaceImage(ctx, &workspaces.CopyWorkspaceImageInput{Name: aws.String("copy"), SourceImageId: &imageID, SourceRegion: aws.String(apptest.Region)})
	if err != nil {
		t.Fatal(err)
	}
	copyID := aws.ToString(cp.ImageId)
	d.Advance(2 * time.Hour)
	d.awaitImage(apptest.AccountB, copyID)
	b, err := wsB.CreateWorkspaceBundle(ctx, &workspaces.CreateWorkspaceBundleInput{
		BundleName: aws.String("from-copy"), BundleDescription: aws.String("bundle of the copy"), ImageId: &copyID,
		ComputeType: &types.ComputeType{Name: types.ComputeStandard},
		UserStorage: &types.UserStorage{Capacity: aws.String("10")}, RootStorage: &types.RootStorage{Capacity: aws.String("80")}})
	if err != nil {
		t.Fatal(err)
	}
	d.Advance(time.Hour) // the bundle's PENDING state
	dirB := d.RegisteredDirectory(apptest.AccountB)
	wsIDB := d.launch(apptest.AccountB, dirB, aws.ToString(b.WorkspaceBundle.BundleId), "bob")
	if got := d.sh(wsIDB, "cat /opt/system-file /usr/local/bin/a-tool; ls ~/user-file 2>/dev/null || echo no-user-file"); got != "from-A\ntool\nno-user-file" {
		t.Fatalf("B launched from its copy of A's shared image sees %q", got)
	}

	// An updated image (CreateUpdatedWorkspaceImage) carries it too.
	d.Control("POST", "images/"+imageID+"/updates", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "updateAvailable": true}, nil)
	up, err := wsA.CreateUpdatedWorkspaceImage(ctx, &workspaces.CreateUpdatedWorkspaceImageInput{
		Name: aws.String("updated"), Description: aws.String("updated image"), SourceImageId: &imageID})
	if err != nil {
		t.Fatal(err)
	}
	d.Advance(4 * time.Hour)
	d.awaitImage(apptest.AccountA, aws.ToString(up.ImageId))
	ub, err := wsA.CreateWorkspaceBundle(ctx, &workspaces.CreateWorkspaceBundleInput{
		BundleName: aws.String("from-update"), BundleDescription: aws.String("bundle of the updated image"), ImageId: up.ImageId,
		ComputeType: &types.ComputeType{Name: types.ComputeStandard},
		UserStorage: &types.UserStorage{Capacity: aws.String("10")}, RootStorage: &types.RootStorage{Capacity: aws.String("80")}})
	if err != nil {
		t.Fatal(err)
	}
	d.Advance(time.Hour)
	u := d.launch(apptest.AccountA, dirA, aws.ToString(ub.WorkspaceBundle.BundleId), "carol")
	if got := d.sh(u, "cat /opt/system-file"); got != "from-A" {
		t.Fatalf("launched from an updated image: %q", got)
	}
}

// awaitImage polls DescribeWorkspaceImages until the image is AVAILABLE.
func (d *deskEnv) awaitImage(account, id string) {
	d.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, err := d.WS(account).DescribeWorkspaceImages(d.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{id}})
		if err != nil {
			d.t.Fatal(err)
		}
		if len(out.Images) == 1 && out.Images[0].State == types.WorkspaceImageStateAvailable {
			return
		}
		if len(out.Images) == 1 && out.Images[0].State == types.WorkspaceImageStateError {
			d.t.Fatalf("image %s: ERROR %s", id, aws.ToString(out.Images[0].ErrorMessage))
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("image %s not AVAILABLE after 90 s: %+v", id, out.Images)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
