package images_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// TestImageEventualConsistencyOnDemand: with the control setting, a new
// image is not returned by DescribeWorkspaceImages for the chosen window
// (issue 12 item 14; docs/decisions/0325-eventual-consistency-on-demand.md).
func TestImageEventualConsistencyOnDemand(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, apptest.AccountA, apptest.Region)
	wsID := launchWorkspace(t, e, apptest.AccountA, apptest.Region, nil)
	e.Control("POST", "eventual-consistency", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "describeDelaySeconds": 60}, nil)
	out, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("late"), Description: aws.String("test image"), WorkspaceId: aws.String(wsID),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.ImageId)
	byID, err := c.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{id}})
	if err != nil || len(byID.Images) != 0 {
		t.Fatalf("by id within the window: %v %+v", err, byID)
	}
	if ids := imageIDs(t, c, types.ImageTypeOwned, 0); slices.Contains(ids, id) {
		t.Fatalf("listed within the window: %v", ids)
	}
	e.Advance(61 * time.Second)
	describeImage(t, c, id)
	if ids := imageIDs(t, c, types.ImageTypeOwned, 0); !slices.Contains(ids, id) {
		t.Fatalf("not listed after the window: %v", ids)
	}
}
