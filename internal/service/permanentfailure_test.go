package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// corruptTimer replaces the payload of the resource's timer named name with
// bytes no handler can read: its handler then fails permanently.
func corruptTimer(t *testing.T, e *apptest.Env, k deskplane.Key, name string) {
	t.Helper()
	found := false
	if err := e.App.Store.Update(context.Background(), func(tx deskplane.Tx) error {
		ts, err := tx.Timers(k)
		if err != nil {
			return err
		}
		for _, tm := range ts {
			if tm.Name == name {
				found = true
				tm.Payload = []byte("{not a payload")
				if err := tx.Schedule(tm); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s has no %s timer", k.ID, name)
	}
}

// TestPermanentTimerFailuresEndInError: a transition whose timer can never
// be handled ends in the resource's failure state (ERROR) through its
// family's failure handler, instead of staying transitional for ever
// (issue 12 item 1; docs/decisions/0140-timers-never-lost.md).
func TestPermanentTimerFailuresEndInError(t *testing.T) {
	sc := deskplane.Scope{Account: account, Region: apptest.Region}
	t.Run("workspace", func(t *testing.T) {
		e := apptest.Start(t, apptest.Options{})
		dir := e.RegisteredDirectory(account)
		e.SetTiming("fast")
		out, err := e.WS(account).CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{
			Workspaces: []types.WorkspaceRequest{{DirectoryId: aws.String(dir), UserName: aws.String("bob"), BundleId: aws.String(bundleWin)}}})
		if err != nil || len(out.PendingRequests) != 1 {
			t.Fatalf("CreateWorkspaces: %v %+v", err, out)
		}
		id := aws.ToString(out.PendingRequests[0].WorkspaceId)
		corruptTimer(t, e, deskplane.Workspaces().Key(sc, id), deskplane.TimerWorkspaceState)
		e.Advance(time.Hour)
		if st := workspaceState(t, e, id); st != faultedState {
			t.Errorf("the WorkSpace is %s, want %s", st, faultedState)
		}
	})
	t.Run("image", func(t *testing.T) {
		e := apptest.Start(t, apptest.Options{})
		ws := availableWorkspace(t, e)
		e.SetTiming("fast")
		img, err := e.WS(account).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
			Name: aws.String("golden"), Description: aws.String("golden image"), WorkspaceId: aws.String(ws)})
		if err != nil {
			t.Fatalf("CreateWorkspaceImage: %v", err)
		}
		corruptTimer(t, e, deskplane.Images().Key(sc, aws.ToString(img.ImageId)), deskplane.TimerImageReady)
		e.Advance(2 * time.Hour)
		out, err := e.WS(account).DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{aws.ToString(img.ImageId)}})
		if err != nil || len(out.Images) != 1 {
			t.Fatalf("DescribeWorkspaceImages: %v", err)
		}
		if st := string(out.Images[0].State); st != faultedState {
			t.Errorf("the image is %s, want %s", st, faultedState)
		}
		if st := workspaceState(t, e, ws); st != string(types.WorkspaceStateAvailable) {
			t.Errorf("the WorkSpace the image was captured from is %s, want AVAILABLE", st)
		}
	})
	t.Run("directory", func(t *testing.T) {
		e := apptest.Start(t, apptest.Options{})
		id := newDSDirectory(t, e)
		e.Advance(time.Hour)
		e.SetTiming("fast")
		if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
			t.Fatalf("RegisterWorkspaceDirectory: %v", err)
		}
		corruptTimer(t, e, deskplane.Directories().Key(sc, id), deskplane.TimerDirectoryState)
		e.Advance(time.Hour)
		out, err := e.WS(account).DescribeWorkspaceDirectories(e.Ctx(), &workspaces.DescribeWorkspaceDirectoriesInput{DirectoryIds: []string{id}})
		if err != nil || len(out.Directories) != 1 {
			t.Fatalf("DescribeWorkspaceDirectories: %v", err)
		}
		if st := string(out.Directories[0].State); st != faultedState {
			t.Errorf("the registration is %s, want %s", st, faultedState)
		}
	})
	t.Run("appassoc", func(t *testing.T) {
		e := apptest.Start(t, apptest.Options{})
		ws := availableWorkspace(t, e)
		if _, err := e.WS(account).AssociateWorkspaceApplication(e.Ctx(), &workspaces.AssociateWorkspaceApplicationInput{
			WorkspaceId: aws.String(ws), ApplicationId: aws.String(appOffice)}); err != nil {
			t.Fatalf("AssociateWorkspaceApplication: %v", err)
		}
		e.SetTiming("fast")
		if _, err := e.WS(account).DeployWorkspaceApplications(e.Ctx(), &workspaces.DeployWorkspaceApplicationsInput{WorkspaceId: aws.String(ws)}); err != nil {
			t.Fatalf("DeployWorkspaceApplications: %v", err)
		}
		corruptTimer(t, e, deskplane.AppAssociations().Key(sc, ws+"/"+appOffice), deskplane.TimerAppDeploy)
		e.Advance(time.Hour)
		out, err := e.WS(account).DescribeWorkspaceAssociations(e.Ctx(), &workspaces.DescribeWorkspaceAssociationsInput{
			WorkspaceId: aws.String(ws), AssociatedResourceTypes: []types.WorkSpaceAssociatedResourceType{types.WorkSpaceAssociatedResourceTypeApplication}})
		if err != nil {
			t.Fatalf("DescribeWorkspaceAssociations: %v", err)
		}
		for _, a := range out.Associations {
			if aws.ToString(a.AssociatedResourceId) == appOffice {
				if string(a.State) != faultedState {
					t.Errorf("the association is %s, want %s", a.State, faultedState)
				}
				return
			}
		}
		t.Fatalf("no association of %s: %+v", appOffice, out.Associations)
	})
}
