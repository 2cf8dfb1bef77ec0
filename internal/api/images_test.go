package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"deskplane"
	"deskplane/internal/app"
	"deskplane/internal/apptest"
	"deskplane/internal/control"
)

const (
	acctA = apptest.AccountA
	acctB = apptest.AccountB
	reg1  = apptest.Region
	reg2  = apptest.Region2
)

func TestImageCreateFromWorkspace(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	c := e.WS(acctA)
	wsID := seedWorkspace(t, e, acctA, reg1, nil)
	before := time.Now().Add(-time.Minute)

	out, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name:        aws.String("golden-2025.01"),
		Description: aws.String("Golden image (finance) v1"),
		WorkspaceId: aws.String(wsID),
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("finance")}},
	})
	if err != nil {
		t.Fatalf("CreateWorkspaceImage: %v", err)
	}
	id := aws.ToString(out.ImageId)
	if len(id) != 13 || id[:4] != "wsi-" {
		t.Errorf("image id %q, want wsi- and 9 characters", id)
	}
	if out.State != types.WorkspaceImageStatePending || aws.ToString(out.Name) != "golden-2025.01" ||
		aws.ToString(out.Description) != "Golden image (finance) v1" || out.OperatingSystem == nil ||
		out.OperatingSystem.Type != types.OperatingSystemTypeWindows || out.RequiredTenancy != types.WorkspaceImageRequiredTenancyDefault ||
		aws.ToString(out.OwnerAccountId) != acctA || out.Created == nil || out.Created.Before(before) {
		t.Errorf("CreateWorkspaceImage answered %+v", out)
	}

	// While the image is built the WorkSpace is SUSPENDED.
	ws := loadWorkspace(t, e, acctA, reg1, wsID)
	if ws.State != "SUSPENDED" || ws.ImageCapture != id || ws.Generation != 2 {
		t.Errorf("WorkSpace during capture: state %s, capture %q, generation %d", ws.State, ws.ImageCapture, ws.Generation)
	}
	img := describeImage(t, c, id)
	if img.State != types.WorkspaceImageStatePending || img.Updates == nil || aws.ToBool(img.Updates.UpdateAvailable) {
		t.Errorf("image while building: %+v", img)
	}
	// A second image of a SUSPENDED WorkSpace is refused.
	_, err = c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("again"), Description: aws.String("x"), WorkspaceId: aws.String(wsID)})
	wantCode(t, "image of a SUSPENDED WorkSpace", err, "InvalidResourceStateException")

	e.Advance(44 * time.Minute)
	if img := describeImage(t, c, id); img.State != types.WorkspaceImageStatePending {
		t.Errorf("after 44 minutes the image is %s, want PENDING", img.State)
	}
	e.Advance(2 * time.Minute)
	img = describeImage(t, c, id)
	if img.State != types.WorkspaceImageStateAvailable || img.ErrorCode != nil {
		t.Errorf("after 46 minutes the image is %s (%v), want AVAILABLE", img.State, img.ErrorCode)
	}
	if !img.Created.Equal(*out.Created) {
		t.Errorf("Created moved from %v to %v", out.Created, img.Created)
	}
	ws = loadWorkspace(t, e, acctA, reg1, wsID)
	if ws.State != "AVAILABLE" || ws.ImageCapture != "" || ws.Generation != 3 {
		t.Errorf("WorkSpace after capture: state %s, capture %q, generation %d", ws.State, ws.ImageCapture, ws.Generation)
	}
	if tags := tagsOf(t, c, id); tags["team"] != "finance" || len(tags) != 1 {
		t.Errorf("tags %v", tags)
	}
}

func TestImageCreateLinuxAndDedicated(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	wsID := seedWorkspace(t, e, acctA, reg1, func(ws *deskplane.Workspace) {
		ws.OperatingSystemName, ws.BundleID, ws.DirectoryID = "UBUNTU_22_04", "wsb-unknown99", "d-1111111111"
	})
	seedRecord(t, e, deskplane.Key{Scope: deskplane.Scope{Account: acctA, Region: reg1}, Kind: deskplane.KindDirectory, ID: "d-1111111111"},
		deskplane.Directory{ID: "d-1111111111", State: "REGISTERED", Tenancy: "DEDICATED"})
	out, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("ubuntu"), Description: aws.String("ubuntu"), WorkspaceId: aws.String(wsID)})
	if err != nil {
		t.Fatal(err)
	}
	if out.OperatingSystem.Type != types.OperatingSystemTypeLinux || out.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated {
		t.Errorf("OS %s tenancy %s, want LINUX DEDICATED", out.OperatingSystem.Type, out.RequiredTenancy)
	}
}

func TestImageCreateErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.QuotaImages = 2 }})
	c := e.WS(acctA)
	create := func(wsID, name string) error {
		_, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
			Name: aws.String(name), Description: aws.String("d"), WorkspaceId: aws.String(wsID)})
		return err
	}
	wantCode(t, "unknown WorkSpace", create("ws-unknown99", "a"), "ResourceNotFoundException")
	// Another account's WorkSpace is unknown to the caller.
	other := seedWorkspace(t, e, acctB, reg1, nil)
	wantCode(t, "another account's WorkSpace", create(other, "a"), "ResourceNotFoundException")
	for _, st := range []string{"STOPPED", "PENDING", "REBOOTING", "ERROR", "ADMIN_MAINTENANCE"} {
		id := seedWorkspace(t, e, acctA, reg1, func(ws *deskplane.Workspace) { ws.State = st })
		wantCode(t, st+" WorkSpace", create(id, "a"), "InvalidResourceStateException")
	}
	modifying := seedWorkspace(t, e, acctA, reg1, func(ws *deskplane.Workspace) {
		ws.Modifications = []deskplane.Modification{{Resource: "COMPUTE_TYPE", State: "UPDATE_IN_PROGRESS"}}
	})
	wantCode(t, "modifying WorkSpace", create(modifying, "a"), "InvalidResourceStateException")
	for _, edit := range []func(*deskplane.Workspace){
		func(ws *deskplane.Workspace) { ws.VolumeEncryptionKey = "arn:aws:kms:us-east-1:000000000000:key/abc" },
		func(ws *deskplane.Workspace) { ws.UserVolumeEncryptionEnabled = true },
	} {
		id := seedWorkspace(t, e, acctA, reg1, edit)
		err := create(id, "a")
		wantCode(t, "encrypted WorkSpace", err, "OperationNotSupportedException")
		wantReason(t, err, "EncryptedWorkspace")
	}
	win7 := seedWorkspace(t, e, acctA, reg1, func(ws *deskplane.Workspace) { ws.OperatingSystemName, ws.BundleID = "WINDOWS_7", "wsb-nosuch999" })
	wantCode(t, "Windows 7 WorkSpace", create(win7, "a"), "OperationNotSupportedException")

	// Model constraints are the dispatcher's (ValidationException).
	wantCode(t, "name with a space", create(seedWorkspace(t, e, acctA, reg1, nil), "bad name"), "ValidationException")

	if err := create(seedWorkspace(t, e, acctA, reg1, nil), "first"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "duplicate name", create(seedWorkspace(t, e, acctA, reg1, nil), "first"), "ResourceAlreadyExistsException")
	// The same name in another Region or account is fine.
	if _, err := e.WSIn(acctA, reg2).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("first"), Description: aws.String("d"), WorkspaceId: aws.String(seedWorkspace(t, e, acctA, reg2, nil))}); err != nil {
		t.Errorf("same name in another Region: %v", err)
	}
	if err := create(seedWorkspace(t, e, acctA, reg1, nil), "second"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "third image with quota 2", create(seedWorkspace(t, e, acctA, reg1, nil), "third"), "ResourceLimitExceededException")
	// Tags are checked before anything is created.
	_, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("tagged"), Description: aws.String("d"), WorkspaceId: aws.String(seedWorkspace(t, e, acctA, reg1, nil)),
		Tags: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("x")}}})
	wantCode(t, "reserved tag key", err, "InvalidParameterValuesException")
}

func TestImageCreateFault(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	c := e.WS(acctA)
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "image", Account: acctA, State: "ERROR",
		ErrorCode: "DomainJoined", ErrorMessage: "The image is joined to a domain."}, nil)
	wsID := seedWorkspace(t, e, acctA, reg1, nil)
	out, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("broken"), Description: aws.String("d"), WorkspaceId: aws.String(wsID)})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(time.Hour)
	img := describeImage(t, c, *out.ImageId)
	if img.State != types.WorkspaceImageStateError || aws.ToString(img.ErrorCode) != "DomainJoined" ||
		aws.ToString(img.ErrorMessage) != "The image is joined to a domain." ||
		len(img.ErrorDetails) != 1 || img.ErrorDetails[0].ErrorCode != types.WorkspaceImageErrorDetailCodeDomainJoined {
		t.Errorf("faulted image: %+v", img)
	}
	if ws := loadWorkspace(t, e, acctA, reg1, wsID); ws.State != "AVAILABLE" || ws.ImageCapture != "" {
		t.Errorf("WorkSpace after a failed capture: %s %q", ws.State, ws.ImageCapture)
	}
	// An image in ERROR can be deleted.
	if _, err := c.DeleteWorkspaceImage(e.Ctx(), &workspaces.DeleteWorkspaceImageInput{ImageId: out.ImageId}); err != nil {
		t.Errorf("deleting an ERROR image: %v", err)
	}
}

func setUpdates(e *apptest.Env, account, region, id string, available bool, desc string) {
	e.Control("POST", "images/"+id+"/updates", map[string]any{
		"account": account, "region": region, "updateAvailable": available, "description": desc}, nil)
}

func TestImageCreateUpdated(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	src := newImage(t, e, acctA, reg1, "base")
	update := func(src, name string) (*workspaces.CreateUpdatedWorkspaceImageOutput, error) {
		return c.CreateUpdatedWorkspaceImage(e.Ctx(), &workspaces.CreateUpdatedWorkspaceImageInput{
			Name: aws.String(name), Description: aws.String("updated"), SourceImageId: aws.String(src),
			Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	}
	_, err := update(src, "base-updated")
	wantCode(t, "no update available", err, "InvalidResourceStateException")

	setUpdates(e, acctA, reg1, src, true, "New drivers available")
	img := describeImage(t, c, src)
	if !aws.ToBool(img.Updates.UpdateAvailable) || aws.ToString(img.Updates.Description) != "New drivers available" {
		t.Fatalf("Updates after the control call: %+v", img.Updates)
	}
	_, err = update("wsi-unknown999", "x")
	wantCode(t, "unknown source", err, "ResourceNotFoundException")
	_, err = update(src, "base")
	wantCode(t, "duplicate name", err, "ResourceAlreadyExistsException")

	e.SetTiming("realistic")
	out, err := update(src, "base-updated")
	if err != nil {
		t.Fatal(err)
	}
	if *out.ImageId == src {
		t.Fatal("the updated image has the source's id")
	}
	nw := describeImage(t, c, *out.ImageId)
	if nw.State != types.WorkspaceImageStatePending || aws.ToBool(nw.Updates.UpdateAvailable) || aws.ToString(nw.Name) != "base-updated" {
		t.Errorf("new image: %+v", nw)
	}
	// The new image is not AVAILABLE yet: it cannot be updated.
	setUpdates(e, acctA, reg1, *out.ImageId, true, "")
	_, err = update(*out.ImageId, "again")
	wantCode(t, "PENDING source", err, "InvalidResourceStateException")
	e.Advance(46 * time.Minute)
	if nw := describeImage(t, c, *out.ImageId); nw.State != types.WorkspaceImageStateAvailable {
		t.Errorf("updated image is %s after 46 minutes", nw.State)
	}
	if s := describeImage(t, c, src); s.State != types.WorkspaceImageStateAvailable {
		t.Errorf("source image is %s, want it kept AVAILABLE", s.State)
	}
	if tags := tagsOf(t, c, *out.ImageId); tags["k"] != "v" {
		t.Errorf("tags %v", tags)
	}

	// Operating systems that cannot be updated.
	e.SetTiming("instant")
	for _, osName := range []string{"WINDOWS_SERVER_2022", "UBUNTU_22_04", "WINDOWS_11"} {
		wsID := seedWorkspace(t, e, acctA, reg1, func(ws *deskplane.Workspace) { ws.OperatingSystemName, ws.BundleID = osName, "wsb-nosuch999" })
		o, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
			Name: aws.String("os-" + osName), Description: aws.String("d"), WorkspaceId: aws.String(wsID)})
		if err != nil {
			t.Fatal(err)
		}
		setUpdates(e, acctA, reg1, *o.ImageId, true, "")
		_, err = update(*o.ImageId, "os-"+osName+"-updated")
		wantCode(t, osName+" source", err, "OperationNotSupportedException")
	}

	// An image shared with the caller is not the caller's to update.
	bImg := newImage(t, e, acctB, reg1, "b-image")
	setUpdates(e, acctB, reg1, bImg, true, "")
	share(t, e, acctB, reg1, bImg, acctA)
	_, err = update(bImg, "mine-now")
	wantCode(t, "shared source", err, "ResourceNotFoundException")
}

func TestImageDelete(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(acctA)
	del := func(id string) error {
		_, err := c.DeleteWorkspaceImage(e.Ctx(), &workspaces.DeleteWorkspaceImageInput{ImageId: aws.String(id)})
		return err
	}
	if err := del("wsi-unknown999"); err != nil {
		t.Errorf("deleting an unknown image: %v, want success", err)
	}
	id := newImage(t, e, acctA, reg1, "to-delete")
	if _, err := c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(id),
		Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}); err != nil {
		t.Fatal(err)
	}
	bundleKey := deskplane.Key{Scope: deskplane.Scope{Account: acctA, Region: reg1}, Kind: deskplane.KindBundle, ID: "wsb-custom001"}
	seedRecord(t, e, bundleKey, deskplane.Bundle{ID: "wsb-custom001", Name: "b", Owner: acctA, ImageID: id, State: "AVAILABLE"})
	wantCode(t, "image used by a bundle", del(id), "ResourceAssociatedException")
	if err := e.App.Store.Update(e.Ctx(), func(tx deskplane.Tx) error { _, err := tx.Delete(bundleKey); return err }); err != nil {
		t.Fatal(err)
	}
	share(t, e, acctA, reg1, id, acctB)
	wantCode(t, "shared image", del(id), "InvalidResourceStateException")
	unshare(t, e, acctA, reg1, id, acctB)
	if err := del(id); err != nil {
		t.Fatalf("DeleteWorkspaceImage: %v", err)
	}
	out, err := c.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{id}})
	if err != nil || len(out.Images) != 0 {
		t.Errorf("after delete: %v %v", out, err)
	}
	_, err = c.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wantCode(t, "tags of a deleted image", err, "ResourceNotFoundException")

	// PENDING images cannot be deleted.
	e.SetTiming("realistic")
	o, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{Name: aws.String("pending"),
		Description: aws.String("d"), WorkspaceId: aws.String(seedWorkspace(t, e, acctA, reg1, nil))})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "PENDING image", del(*o.ImageId), "InvalidResourceStateException")
	// A deleted name can be used again.
	e.Advance(time.Hour)
	if _, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{Name: aws.String("to-delete"),
		Description: aws.String("d"), WorkspaceId: aws.String(seedWorkspace(t, e, acctA, reg1, nil))}); err != nil {
		t.Errorf("reusing a deleted image's name: %v", err)
	}
}

func TestImageDescribe(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := e.WS(acctA), e.WS(acctB)
	var owned []string
	for i := range 5 {
		owned = append(owned, newImage(t, e, acctA, reg1, fmt.Sprintf("a-%d", i)))
	}
	bImgs := []string{newImage(t, e, acctB, reg1, "b-0"), newImage(t, e, acctB, reg1, "b-1")}
	share(t, e, acctB, reg1, bImgs[1], acctA)
	owned = append(owned, newImage(t, e, acctA, reg1, "a-5"))
	share(t, e, acctB, reg1, bImgs[0], acctA)

	// Everything, in creation order of the image or of the share.
	want := append(append(slices.Clone(owned[:5]), bImgs[1], owned[5]), bImgs[0])
	for _, size := range []int32{0, 1, 2, 3, 25} {
		if got := imageIDs(t, a, "", size); !slices.Equal(got, want) {
			t.Errorf("page size %d: %v, want %v", size, got, want)
		}
	}
	if got := imageIDs(t, a, types.ImageTypeOwned, 4); !slices.Equal(got, owned) {
		t.Errorf("OWNED: %v, want %v", got, owned)
	}
	if got := imageIDs(t, a, types.ImageTypeShared, 1); !slices.Equal(got, []string{bImgs[1], bImgs[0]}) {
		t.Errorf("SHARED: %v", got)
	}
	if got := imageIDs(t, b, "", 0); !slices.Equal(got, bImgs) {
		t.Errorf("B sees %v, want its own %v", got, bImgs)
	}
	if got := imageIDs(t, e.WSIn(acctA, reg2), "", 0); len(got) != 0 {
		t.Errorf("Region 2 shows %v", got)
	}

	// By id: request order, unknown ids left out, duplicates once, paged.
	ids := []string{owned[2], "wsi-unknown999", bImgs[0], owned[0], owned[2], "wsi-5kq1x9tgm"}
	in := &workspaces.DescribeWorkspaceImagesInput{ImageIds: ids, MaxResults: aws.Int32(2)}
	var got []string
	for {
		out, err := a.DescribeWorkspaceImages(e.Ctx(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range out.Images {
			got = append(got, *img.ImageId)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	wantIDs := []string{owned[2], bImgs[0], owned[0]}
	if pub, err := a.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: []string{"wsi-5kq1x9tgm"}}); err == nil && len(pub.Images) == 1 {
		wantIDs = append(wantIDs, "wsi-5kq1x9tgm") // the AMAZON catalogue is describable by id
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("by id: %v, want %v", got, wantIDs)
	}
	out, err := a.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: ids, ImageType: types.ImageTypeShared})
	if err != nil || len(out.Images) != 1 || *out.Images[0].ImageId != bImgs[0] {
		t.Errorf("ids with SHARED: %v %v", out, err)
	}

	// Empty answers still carry the array; bad tokens and ranges fail.
	out, err = e.WS(apptest.AccountC).DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{})
	if err != nil || out.Images == nil || len(out.Images) != 0 || out.NextToken != nil {
		t.Errorf("empty account: %+v %v", out, err)
	}
	_, err = a.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{NextToken: aws.String("bogus")})
	wantCode(t, "bad token", err, "InvalidParameterValuesException")
	_, err = a.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{MaxResults: aws.Int32(26)})
	wantCode(t, "MaxResults 26", err, "ValidationException")
	_, err = a.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageType: "MINE"})
	wantCode(t, "bad ImageType", err, "ValidationException")
}
