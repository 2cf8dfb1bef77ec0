package workspaces_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Issue 12 item 12, the WorkSpaces parts (decisions 0323 and 0324).

// TestWorkspaceVolumeErrorIsAWSs: a volume combination a compute type does
// not allow answers AWS's message word for word (TF#39553).
func TestWorkspaceVolumeErrorIsAWSs(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	cases := []struct {
		bundle     string
		root, user int32
		msg        string
	}{
		{f.bundle(types.ComputeGraphicsG4dn, "Windows"), 80, 10,
			"Graphics: Invalid root and user volume size selected. Root and user volume size (GB) must be (100+|100+)."},
		{f.standard(), 80, 70,
			"Standard: Invalid root and user volume size selected. Root and user volume size (GB) must be (80|10), (80|50), (80|100) or (175+|100+)."},
	}
	for _, c := range cases {
		r := f.req("alice", c.bundle)
		r.WorkspaceProperties = &types.WorkspaceProperties{RootVolumeSizeGib: aws.Int32(c.root), UserVolumeSizeGib: aws.Int32(c.user)}
		_, err := f.create(r)
		wsWantErr(t, "create", err, "InvalidParameterValuesException")
		if got := wsErrMessage(err); got != c.msg {
			t.Errorf("message %q, want %q", got, c.msg)
		}
	}
}

// TestWorkspaceProtocolChangeNeedsAvailable: a protocol change reboots the
// WorkSpace, so a STOPPED one refuses it; its other properties may change.
func TestWorkspaceProtocolChangeNeedsAvailable(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.autoStop("alice", 60)
	f.stop(id)
	f.e.Advance(time.Hour)
	f.wantState(id, types.WorkspaceStateStopped)
	err := f.modify(id, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolWsp}})
	wsWantErr(t, "protocol change of a STOPPED WorkSpace", err, "InvalidResourceStateException")
	if err := f.modify(id, types.WorkspaceProperties{RunningModeAutoStopTimeoutInMinutes: aws.Int32(120)}); err != nil {
		t.Fatalf("another change of a STOPPED WorkSpace: %v", err)
	}
}

// TestWorkspaceModificationResourcesAreModelValues: ModificationStates
// names only the values of the model's ModificationResourceEnum
// (ROOT_VOLUME, USER_VOLUME, COMPUTE_TYPE): a protocol change runs, and
// applies, without a PROTOCOL entry (issue 12 item 12, decision 0323).
func TestWorkspaceModificationResourcesAreModelValues(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	f.e.SetTiming("fast")
	id := f.launch(f.req("alice", f.standard()))
	if err := f.modify(id, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolWsp}}); err != nil {
		t.Fatal(err)
	}
	model := []types.ModificationResourceEnum{types.ModificationResourceEnumRootVolume,
		types.ModificationResourceEnumUserVolume, types.ModificationResourceEnumComputeType}
	if mods := f.must(id).ModificationStates; len(mods) != 0 {
		t.Fatalf("a protocol change lists ModificationStates %+v", mods)
	}
	if err := f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputePerformance}); err == nil {
		for _, m := range f.must(id).ModificationStates {
			if !slices.Contains(model, m.Resource) {
				t.Errorf("Resource %q is not a model value", m.Resource)
			}
		}
	}
	f.e.Advance(2 * time.Second)
	if p := f.must(id).WorkspaceProperties; len(p.Protocols) != 1 || p.Protocols[0] != types.ProtocolWsp {
		t.Fatalf("the protocol change did not apply: %+v", p)
	}
}

// TestWorkspaceBYOLBundleNeedsDedicatedDirectory: a BYOL bundle (its image
// needs DEDICATED tenancy) launches only in a directory registered for
// dedicated tenancy (decision 0324).
func TestWorkspaceBYOLBundleNeedsDedicatedDirectory(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	sc := deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}
	img := deskplane.Image{ID: "wsi-byol00001", Name: "byol", OperatingSystem: deskplane.OSWindows10, State: deskplane.ImageAvailable,
		RequiredTenancy: deskplane.ImageTenancyDedicated, Owner: sc.Account, Protocols: []deskplane.Protocol{deskplane.ProtocolPCoIP}}
	b := deskplane.Bundle{ID: "wsb-byol00001", Name: "byol", Owner: sc.Account, ImageID: img.ID, RootStorageGB: 80, UserStorageGB: 50,
		ComputeType: deskplane.ComputeStandard, State: deskplane.BundleAvailable, OperatingSystem: deskplane.OSWindows10,
		Protocols: []deskplane.Protocol{deskplane.ProtocolPCoIP}}
	if err := f.e.App.Store.Update(context.Background(), func(tx deskplane.Tx) error {
		if err := deskplane.Images().Put(tx, sc, img.ID, &img); err != nil {
			return err
		}
		return deskplane.Bundles().Put(tx, sc, b.ID, &b)
	}); err != nil {
		t.Fatal(err)
	}
	out, err := f.create(f.req("alice", b.ID))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FailedRequests) != 1 || aws.ToString(out.FailedRequests[0].ErrorCode) != "InvalidParameterValues.WorkSpace" {
		t.Fatalf("BYOL bundle in a shared directory: pending %+v failed %+v", out.PendingRequests, out.FailedRequests)
	}

	// The same bundle in a directory registered for dedicated tenancy.
	if _, err := f.c.ModifyAccount(f.ctx, &workspaces.ModifyAccountInput{
		DedicatedTenancySupport: types.DedicatedTenancySupportEnumEnabled, DedicatedTenancyManagementCidrRange: aws.String("10.0.0.0/16"),
	}); err != nil {
		t.Fatalf("ModifyAccount: %v", err)
	}
	f.e.Advance(4 * time.Hour)
	ds := directoryservice.NewFromConfig(f.e.AWSConfig(apptest.AccountA, apptest.Region))
	in := createDirectoryInput()
	in.Name = aws.String("dedicated.example.com")
	d, err := ds.CreateDirectory(f.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	f.e.Advance(time.Hour)
	if _, err := f.c.RegisterWorkspaceDirectory(f.ctx, &workspaces.RegisterWorkspaceDirectoryInput{
		DirectoryId: d.DirectoryId, Tenancy: types.TenancyDedicated,
	}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	f.e.Advance(time.Hour)
	f.e.Control("POST", "directories/"+aws.ToString(d.DirectoryId)+"/any-user", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "enabled": true}, nil)
	r := f.req("alice", b.ID)
	r.DirectoryId = d.DirectoryId
	out, err = f.create(r)
	if err != nil || len(out.PendingRequests) != 1 {
		t.Fatalf("BYOL bundle in a dedicated directory: %v %+v", err, out)
	}
}

// TestWorkspaceEventualConsistencyOnDemand: with the control setting, a new
// WorkSpace is not describable for the chosen window (seed 004: "If you
// immediately call DescribeWorkspaces with this identifier, no information
// is returned"); off by default (issue 12 item 14; decision 0325).
func TestWorkspaceEventualConsistencyOnDemand(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	std := f.standard()
	before := f.launch(f.req("before", std)) // created with the setting off
	id := func(out *workspaces.CreateWorkspacesOutput, err error) string {
		t.Helper()
		if err != nil || len(out.PendingRequests) != 1 {
			t.Fatalf("CreateWorkspaces: %v %+v", err, out)
		}
		return aws.ToString(out.PendingRequests[0].WorkspaceId)
	}
	shown := id(f.create(f.req("default", std)))
	if _, ok := f.get(shown); !ok {
		t.Fatal("by default a new WorkSpace is describable at once")
	}
	f.e.Advance(time.Minute) // the window counts from creation: "shown" is older than it

	var set map[string]any
	f.e.Control("POST", "eventual-consistency", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "describeDelaySeconds": 30}, &set)
	if set["describeDelaySeconds"] != float64(30) {
		t.Fatalf("control answer %+v", set)
	}
	hidden := id(f.create(f.req("hidden", std)))
	if _, ok := f.get(hidden); ok {
		t.Fatal("a WorkSpace 0 s old is describable within the window")
	}
	all, err := f.c.DescribeWorkspaces(f.ctx, &workspaces.DescribeWorkspacesInput{DirectoryId: aws.String(f.dir)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, w := range all.Workspaces {
		ids = append(ids, aws.ToString(w.WorkspaceId))
	}
	if slices.Contains(ids, hidden) || !slices.Contains(ids, before) || !slices.Contains(ids, shown) {
		t.Fatalf("listing within the window: %v", ids)
	}
	cs, err := f.c.DescribeWorkspacesConnectionStatus(f.ctx, &workspaces.DescribeWorkspacesConnectionStatusInput{WorkspaceIds: []string{hidden}})
	if err != nil || len(cs.WorkspacesConnectionStatus) != 0 {
		t.Fatalf("connection status within the window: %v %+v", err, cs)
	}
	f.e.Advance(31 * time.Second)
	if _, ok := f.get(hidden); !ok {
		t.Fatal("the WorkSpace is not describable after the window")
	}

	if code := f.e.ControlStatus("POST", "eventual-consistency", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "describeDelaySeconds": -1}); code != 400 {
		t.Fatalf("negative window: %d", code)
	}
	f.e.Control("POST", "eventual-consistency", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "describeDelaySeconds": 0}, nil)
	if _, ok := f.get(id(f.create(f.req("off-again", std)))); !ok {
		t.Fatal("turned off, a new WorkSpace is describable at once")
	}
}
