package images_test

import (
	"fmt"
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

const (
	acctA = apptest.AccountA
	acctB = apptest.AccountB
	reg1  = apptest.Region
	reg2  = apptest.Region2
)

func TestImageCreateFromWorkspace(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)
	wsID := launchWorkspace(t, e, acctA, reg1, nil)
	gen0 := loadWorkspace(t, e, acctA, reg1, wsID).Generation
	e.SetTiming("realistic")
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

	// While the image is built the WorkSpace is SUSPENDED: no second image,
	// no termination.
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateSuspended {
		t.Errorf("WorkSpace during capture: %s", st)
	}
	ws := loadWorkspace(t, e, acctA, reg1, wsID)
	if ws.ImageCapture != id || ws.Generation <= gen0 {
		t.Errorf("WorkSpace record during capture: capture %q, generation %d (was %d)", ws.ImageCapture, ws.Generation, gen0)
	}
	img := describeImage(t, c, id)
	if img.State != types.WorkspaceImageStatePending || img.Updates == nil || aws.ToBool(img.Updates.UpdateAvailable) {
		t.Errorf("image while building: %+v", img)
	}
	_, err = c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("again"), Description: aws.String("x"), WorkspaceId: aws.String(wsID)})
	wantCode(t, "image of a SUSPENDED WorkSpace", err, "InvalidResourceStateException")
	f := &wsFixture{t: t, e: e, c: c, ctx: e.Ctx()}
	if fails := f.terminate(wsID); fails[wsID] == "" {
		t.Errorf("TerminateWorkspaces of a SUSPENDED WorkSpace succeeded")
	}

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
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateAvailable {
		t.Errorf("WorkSpace after capture: %s", st)
	}
	if ws2 := loadWorkspace(t, e, acctA, reg1, wsID); ws2.ImageCapture != "" || ws2.Generation <= ws.Generation {
		t.Errorf("WorkSpace record after capture: capture %q, generation %d", ws2.ImageCapture, ws2.Generation)
	}
	if tags := tagsOf(t, c, id); tags["team"] != "finance" || len(tags) != 1 {
		t.Errorf("tags %v", tags)
	}
}

// TestImageCreateAutoStop: an AUTO_STOP WorkSpace does not stop while
// SUSPENDED, and its AutoStop clock starts again when the capture ends.
func TestImageCreateAutoStop(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)
	wsID := launchWorkspace(t, e, acctA, reg1, func(r *types.WorkspaceRequest) {
		r.WorkspaceProperties = &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(60)}
	})
	e.SetTiming("realistic")
	out, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("autostop"), Description: aws.String("d"), WorkspaceId: aws.String(wsID)})
	if err != nil {
		t.Fatal(err)
	}
	e.Advance(40 * time.Minute) // past the 60 minutes since launch, still capturing
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateSuspended {
		t.Errorf("after 40 minutes of capture: %s", st)
	}
	e.Advance(10 * time.Minute) // capture ended at 45 minutes
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateAvailable {
		t.Errorf("after the capture: %s", st)
	}
	if img := describeImage(t, c, *out.ImageId); img.State != types.WorkspaceImageStateAvailable {
		t.Errorf("image %s", img.State)
	}
	e.Advance(time.Hour)
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateStopped && st != types.WorkspaceStateStopping {
		t.Errorf("an hour after the capture: %s, want it stopped by AutoStop", st)
	}
}

func TestImageCreateLinux(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	f := &wsFixture{t: t, e: e, c: wsc(e, acctA, reg1), ctx: e.Ctx()}
	ubuntu := f.bundle(types.ComputeStandard, "Ubuntu")
	wsID := launchWorkspace(t, e, acctA, reg1, func(r *types.WorkspaceRequest) { r.BundleId = aws.String(ubuntu) })
	out, err := f.c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("ubuntu"), Description: aws.String("ubuntu"), WorkspaceId: aws.String(wsID)})
	if err != nil {
		t.Fatal(err)
	}
	if out.OperatingSystem.Type != types.OperatingSystemTypeLinux || out.RequiredTenancy != types.WorkspaceImageRequiredTenancyDefault {
		t.Errorf("OS %s tenancy %s, want LINUX DEFAULT", out.OperatingSystem.Type, out.RequiredTenancy)
	}
}

func TestImageCreateErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.QuotaImages = 2 }})
	f := fixtureOf(t, e, acctA, reg1)
	c := f.c
	create := func(wsID, name string) error {
		_, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
			Name: aws.String(name), Description: aws.String("d"), WorkspaceId: aws.String(wsID)})
		return err
	}
	wantCode(t, "unknown WorkSpace", create("ws-unknown99", "a"), "ResourceNotFoundException")
	other := launchWorkspace(t, e, acctB, reg1, nil)
	wantCode(t, "another account's WorkSpace", create(other, "a"), "ResourceNotFoundException")

	stopped := launchWorkspace(t, e, acctA, reg1, func(r *types.WorkspaceRequest) {
		r.WorkspaceProperties = &types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop, RunningModeAutoStopTimeoutInMinutes: aws.Int32(60)}
	})
	if fails := f.stop(stopped); len(fails) > 0 {
		t.Fatalf("StopWorkspaces: %v", fails)
	}
	e.Advance(10 * time.Minute)
	wantCode(t, "STOPPED WorkSpace", create(stopped, "a"), "InvalidResourceStateException")
	maint := launchWorkspace(t, e, acctA, reg1, nil)
	if err := f.setState(maint, types.TargetWorkspaceStateAdminMaintenance); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "ADMIN_MAINTENANCE WorkSpace", create(maint, "a"), "InvalidResourceStateException")

	encrypted := launchWorkspace(t, e, acctA, reg1, func(r *types.WorkspaceRequest) {
		r.VolumeEncryptionKey = aws.String("arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab")
		r.UserVolumeEncryptionEnabled = aws.Bool(true)
	})
	err := create(encrypted, "a")
	wantCode(t, "encrypted WorkSpace", err, "OperationNotSupportedException")
	wantReason(t, err, "EncryptedWorkspace")
	win7 := launchWorkspace(t, e, acctA, reg1, func(r *types.WorkspaceRequest) {
		r.BundleId = aws.String(f.bundle(types.ComputePerformance, "Windows 7"))
	})
	err = create(win7, "a")
	wantCode(t, "Windows 7 WorkSpace", err, "OperationNotSupportedException")
	wantReason(t, err, "UnsupportedOperatingSystem")

	// Model constraints are the dispatcher's (ValidationException).
	avail := launchWorkspace(t, e, acctA, reg1, nil)
	wantCode(t, "name with a space", create(avail, "bad name"), "ValidationException")

	// Transitional states, as a polling client meets them.
	e.SetTiming("realistic")
	if fails := f.reboot(avail); len(fails) > 0 {
		t.Fatalf("RebootWorkspaces: %v", fails)
	}
	wantCode(t, "REBOOTING WorkSpace", create(avail, "a"), "InvalidResourceStateException")
	e.Advance(10 * time.Minute)
	if err := f.modify(avail, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolWsp}}); err != nil {
		t.Fatalf("ModifyWorkspaceProperties: %v", err)
	}
	wantCode(t, "WorkSpace being modified", create(avail, "a"), "InvalidResourceStateException")
	pending, err := f.create(f.req("pending-user", f.standard()))
	if err != nil || len(pending.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, pending)
	}
	wantCode(t, "PENDING WorkSpace", create(aws.ToString(pending.PendingRequests[0].WorkspaceId), "a"), "InvalidResourceStateException")
	broken, err := f.create(f.req("broken-user", f.standard()))
	if err != nil || len(broken.PendingRequests) != 1 {
		t.Fatalf("CreateWorkspaces: %v %+v", err, broken)
	}
	brokenID := aws.ToString(broken.PendingRequests[0].WorkspaceId)
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "workspace", ResourceID: brokenID, State: "ERROR", ErrorCode: "InvalidUserConfiguration.Workspace"}, nil)
	e.Advance(time.Hour)
	if st := workspaceState(t, e, acctA, reg1, brokenID); st != types.WorkspaceStateError {
		t.Fatalf("faulted WorkSpace is %s", st)
	}
	wantCode(t, "ERROR WorkSpace", create(brokenID, "a"), "InvalidResourceStateException")
	e.SetTiming("instant")

	if err := create(avail, "first"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "duplicate name", create(avail, "first"), "ResourceAlreadyExistsException")
	// The same name in another Region or account is fine.
	if _, err := wsc(e, acctA, reg2).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("first"), Description: aws.String("d"), WorkspaceId: aws.String(launchWorkspace(t, e, acctA, reg2, nil))}); err != nil {
		t.Errorf("same name in another Region: %v", err)
	}
	if _, err := wsc(e, acctB, reg1).CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("first"), Description: aws.String("d"), WorkspaceId: aws.String(other)}); err != nil {
		t.Errorf("same name in another account: %v", err)
	}
	if err := create(avail, "second"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "third image with quota 2", create(avail, "third"), "ResourceLimitExceededException")
	// Tags are checked before anything is looked at.
	_, err = c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
		Name: aws.String("tagged"), Description: aws.String("d"), WorkspaceId: aws.String(avail),
		Tags: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("x")}}})
	wantCode(t, "reserved tag key", err, "InvalidParameterValuesException")
}

func TestImageCreateFault(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := wsc(e, acctA, reg1)
	wsID := launchWorkspace(t, e, acctA, reg1, nil)
	e.SetTiming("realistic")
	e.Control("POST", "faults/transitions", control.TransitionFault{Kind: "image", Account: acctA, State: "ERROR",
		ErrorCode: "DomainJoined", ErrorMessage: "The image is joined to a domain."}, nil)
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
	if st := workspaceState(t, e, acctA, reg1, wsID); st != types.WorkspaceStateAvailable {
		t.Errorf("WorkSpace after a failed capture: %s", st)
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
	c := wsc(e, acctA, reg1)
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

	// Operating systems that cannot be updated: Windows Server 2022 and
	// Linux images of WorkSpaces, a Windows 11 BYOL image; a Windows 10 BYOL
	// image can be.
	e.SetTiming("instant")
	f := &wsFixture{t: t, e: e, c: c, ctx: e.Ctx()}
	for name, bundle := range map[string]string{
		"server-2022": f.bundle(types.ComputeStandard, "Windows 10 (Server 2022 based)"),
		"ubuntu":      f.bundle(types.ComputeStandard, "Ubuntu"),
	} {
		wsID := launchWorkspace(t, e, acctA, reg1, func(r *types.WorkspaceRequest) { r.BundleId = aws.String(bundle) })
		o, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{
			Name: aws.String("os-" + name), Description: aws.String("d"), WorkspaceId: aws.String(wsID)})
		if err != nil {
			t.Fatal(err)
		}
		setUpdates(e, acctA, reg1, *o.ImageId, true, "")
		_, err = update(*o.ImageId, "os-"+name+"-updated")
		wantCode(t, name+" source", err, "OperationNotSupportedException")
	}
	enableBYOL(t, e, acctA, reg1, "10.1.0.0/16")
	setAMI(e, acctA, reg1, "ami-11111111", map[string]any{"operatingSystem": "WINDOWS_11"})
	w11, err := importImage(e, acctA, reg1, "ami-11111111", "w11", types.WorkspaceImageIngestionProcessByolRegularWsp)
	if err != nil {
		t.Fatal(err)
	}
	setUpdates(e, acctA, reg1, w11, true, "")
	_, err = update(w11, "w11-updated")
	wantCode(t, "Windows 11 source", err, "OperationNotSupportedException")
	w10, err := importImage(e, acctA, reg1, ami, "w10", types.WorkspaceImageIngestionProcessByolRegular)
	if err != nil {
		t.Fatal(err)
	}
	setUpdates(e, acctA, reg1, w10, true, "")
	if o, err := update(w10, "w10-updated"); err != nil {
		t.Errorf("Windows 10 BYOL source: %v", err)
	} else if img := describeImage(t, c, *o.ImageId); img.RequiredTenancy != types.WorkspaceImageRequiredTenancyDedicated {
		t.Errorf("updated BYOL image has tenancy %s", img.RequiredTenancy)
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
	c := wsc(e, acctA, reg1)
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
	bundle, err := c.CreateWorkspaceBundle(e.Ctx(), bundleInput("uses-image", id))
	if err != nil {
		t.Fatalf("CreateWorkspaceBundle: %v", err)
	}
	wantCode(t, "image used by a bundle", del(id), "ResourceAssociatedException")
	if _, err := c.DeleteWorkspaceBundle(e.Ctx(), &workspaces.DeleteWorkspaceBundleInput{BundleId: bundle.WorkspaceBundle.BundleId}); err != nil {
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
		Description: aws.String("d"), WorkspaceId: aws.String(launchWorkspace(t, e, acctA, reg1, nil))})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "PENDING image", del(*o.ImageId), "InvalidResourceStateException")
	// A deleted name can be used again.
	e.Advance(time.Hour)
	if _, err := c.CreateWorkspaceImage(e.Ctx(), &workspaces.CreateWorkspaceImageInput{Name: aws.String("to-delete"),
		Description: aws.String("d"), WorkspaceId: aws.String(launchWorkspace(t, e, acctA, reg1, nil))}); err != nil {
		t.Errorf("reusing a deleted image's name: %v", err)
	}
}

func TestImageDescribe(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := wsc(e, acctA, reg1), wsc(e, acctB, reg1)
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
	if got := imageIDs(t, wsc(e, acctA, reg2), "", 0); len(got) != 0 {
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
	wantIDs := []string{owned[2], bImgs[0], owned[0], "wsi-5kq1x9tgm"} // the AMAZON catalogue is describable by id
	if !slices.Equal(got, wantIDs) {
		t.Errorf("by id: %v, want %v", got, wantIDs)
	}
	out, err := a.DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{ImageIds: ids, ImageType: types.ImageTypeShared})
	if err != nil || len(out.Images) != 1 || *out.Images[0].ImageId != bImgs[0] {
		t.Errorf("ids with SHARED: %v %v", out, err)
	}
	pub := describeImage(t, a, "wsi-5kq1x9tgm")
	if pub.State != types.WorkspaceImageStateAvailable || pub.Updates == nil || pub.OperatingSystem.Type != types.OperatingSystemTypeWindows {
		t.Errorf("public image: %+v", pub)
	}
	if got := imageIDs(t, a, "", 0); slices.Contains(got, "wsi-5kq1x9tgm") {
		t.Errorf("public images are listed without ids: %v", got)
	}

	// Empty answers still carry the array; bad tokens and ranges fail.
	out, err = wsc(e, apptest.AccountC, reg1).DescribeWorkspaceImages(e.Ctx(), &workspaces.DescribeWorkspaceImagesInput{})
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
