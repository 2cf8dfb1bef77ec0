package workspaces_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

func (f *wsFixture) mods(id string) string {
	f.t.Helper()
	var parts []string
	for _, m := range f.must(id).ModificationStates {
		parts = append(parts, string(m.Resource)+":"+string(m.State))
	}
	return strings.Join(parts, ",")
}

func TestWorkspaceModifyVolumes(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard())) // 80|50
	f.e.SetTiming("fast")

	// No volume change in the first 6 hours after launch.
	err := f.modify(id, types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(100)})
	wsWantErr(t, "resize within 6h of launch", err, "InvalidResourceStateException")
	f.e.Advance(6 * time.Hour)

	for _, c := range []struct {
		name string
		p    types.WorkspaceProperties
		code string
	}{
		{"shrink", types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(10)}, "InvalidParameterValuesException"},
		{"bad pair", types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(70)}, "InvalidParameterValuesException"},
		{"root before user", types.WorkspaceProperties{RootVolumeSizeGib: aws.Int32(175)}, "InvalidParameterValuesException"},
		{"both volumes", types.WorkspaceProperties{RootVolumeSizeGib: aws.Int32(175), UserVolumeSizeGib: aws.Int32(100)}, "InvalidParameterValuesException"},
		{"volume and compute", types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(100), ComputeTypeName: types.ComputePerformance}, "InvalidParameterValuesException"},
	} {
		wsWantErr(t, c.name, f.modify(id, c.p), c.code)
	}

	// 80|50 → 80|100: UPDATE_INITIATED → UPDATE_IN_PROGRESS → done.
	if err := f.modify(id, types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(100)}); err != nil {
		t.Fatal(err)
	}
	if got := f.mods(id); got != "USER_VOLUME:UPDATE_INITIATED" {
		t.Fatalf("modification states %q", got)
	}
	w := f.must(id)
	if w.State != types.WorkspaceStateAvailable || aws.ToInt32(w.WorkspaceProperties.UserVolumeSizeGib) != 100 {
		t.Fatalf("during resize: %s %+v", w.State, w.WorkspaceProperties)
	}
	// Another modification while one runs.
	err = f.modify(id, types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop})
	wsWantErr(t, "modify during a resize", err, "OperationInProgressException")
	if msg := wsErrMessage(err); msg != "The properties of this WorkSpace are currently under modification. Please try again in a moment." {
		t.Errorf("message %q", msg)
	}
	if fails := f.reboot(id); fails[id] != "OperationInProgress.Workspace" {
		t.Errorf("reboot during a resize: %v", fails)
	}
	f.e.Advance(750 * time.Millisecond)
	if got := f.mods(id); got != "USER_VOLUME:UPDATE_IN_PROGRESS" {
		t.Fatalf("modification states %q", got)
	}
	f.e.Advance(2250 * time.Millisecond)
	if got := f.mods(id); got != "" {
		t.Fatalf("modification states after 3s %q", got)
	}

	// The root volume may now grow (175–2000 with user ≥ 100); the user
	// volume again only 6 hours after its last resize.
	if err := f.modify(id, types.WorkspaceProperties{RootVolumeSizeGib: aws.Int32(175)}); err != nil {
		t.Fatal(err)
	}
	f.e.Advance(3 * time.Second)
	err = f.modify(id, types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(200)})
	wsWantErr(t, "user volume twice in 6h", err, "InvalidResourceStateException")
	f.e.Advance(6 * time.Hour)
	if err := f.modify(id, types.WorkspaceProperties{UserVolumeSizeGib: aws.Int32(200)}); err != nil {
		t.Fatal(err)
	}
	f.e.Advance(3 * time.Second)
	if p := f.must(id).WorkspaceProperties; aws.ToInt32(p.RootVolumeSizeGib) != 175 || aws.ToInt32(p.UserVolumeSizeGib) != 200 {
		t.Fatalf("volumes %+v", p)
	}
	// Sending the current values changes nothing.
	if err := f.modify(id, types.WorkspaceProperties{RootVolumeSizeGib: aws.Int32(175), UserVolumeSizeGib: aws.Int32(200)}); err != nil || f.mods(id) != "" {
		t.Fatalf("no-op modify: %v %q", err, f.mods(id))
	}

	// Only AVAILABLE and STOPPED WorkSpaces; unknown ones are not found.
	f.reboot(id)
	wsWantErr(t, "modify REBOOTING", f.modify(id, types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop}), "InvalidResourceStateException")
	wsWantErr(t, "modify unknown", f.modify("ws-000000000", types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop}), "ResourceNotFoundException")
	_, err = f.c.ModifyWorkspaceProperties(f.ctx, &workspaces.ModifyWorkspacePropertiesInput{WorkspaceId: aws.String(id)})
	wsWantErr(t, "modify nothing", err, "InvalidParameterValuesException")
}

func TestWorkspaceModifyCompute(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard()))
	f.e.SetTiming("fast")

	// Upsizing waits 6 hours after launch; downsizing does not.
	wsWantErr(t, "upsize within 6h of launch", f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputePerformance}), "InvalidResourceStateException")
	if err := f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputeValue}); err != nil {
		t.Fatalf("downsize: %v", err)
	}
	if got := f.mods(id); got != "COMPUTE_TYPE:UPDATE_INITIATED" {
		t.Fatalf("modification states %q", got)
	}
	f.e.Advance(2 * time.Second)
	if got := f.mods(id); got != "" || f.must(id).WorkspaceProperties.ComputeTypeName != types.ComputeValue {
		t.Fatalf("after downsize: %q %+v", got, f.must(id).WorkspaceProperties)
	}
	f.e.Advance(6 * time.Hour)
	if err := f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputePower}); err != nil {
		t.Fatalf("upsize: %v", err)
	}
	f.e.Advance(2 * time.Second)
	wsWantErr(t, "upsize twice in 6h", f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputePowerpro}), "InvalidResourceStateException")
	wsWantErr(t, "downsize twice in 30 days", f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputeStandard}), "InvalidResourceStateException")
	f.e.Advance(30 * 24 * time.Hour)
	if err := f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputeStandard}); err != nil {
		t.Fatalf("downsize after 30 days: %v", err)
	}
	f.e.Advance(2 * time.Second)

	// Transitions that are not allowed.
	wsWantErr(t, "general to g4dn", f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputeGraphicsG4dn}), "UnsupportedWorkspaceConfigurationException")
	wsWantErr(t, "to GeneralPurpose on Server 2019", f.modify(id, types.WorkspaceProperties{ComputeTypeName: types.ComputeGeneralpurpose4xlarge}), "UnsupportedWorkspaceConfigurationException")

	g4dn := f.launch(f.req("bob", f.bundle(types.ComputeGraphicsG4dn, "Windows")))
	graphics := f.launch(f.req("carol", f.bundle(types.ComputeGraphics, "Windows")))
	f.e.Advance(6 * time.Hour)
	wsWantErr(t, "g4dn to VALUE", f.modify(g4dn, types.WorkspaceProperties{ComputeTypeName: types.ComputeValue}), "UnsupportedWorkspaceConfigurationException")
	wsWantErr(t, "Graphics changes", f.modify(graphics, types.WorkspaceProperties{ComputeTypeName: types.ComputeGraphicspro}), "UnsupportedWorkspaceConfigurationException")
	if err := f.modify(g4dn, types.WorkspaceProperties{ComputeTypeName: types.ComputeGraphicsproG4dn}); err != nil {
		t.Fatalf("g4dn to GraphicsPro.g4dn: %v", err)
	}

	// GeneralPurpose needs Windows Server 2022 (or 11) and 175|100 volumes.
	pp := f.launch(f.req("dave", f.bundle(types.ComputePowerpro, "Windows 10 (Server 2022 based)")))
	f.e.Advance(6 * time.Hour)
	if err := f.modify(pp, types.WorkspaceProperties{ComputeTypeName: types.ComputeGeneralpurpose8xlarge}); err != nil {
		t.Fatalf("PowerPro to GeneralPurpose.8xlarge: %v", err)
	}
	f.edit(pp, func(w *deskplane.Workspace) {
		w.RootVolumeSizeGib, w.UserVolumeSizeGib, w.ComputeType, w.Modifications = 80, 100, "PERFORMANCE", nil
		w.LastComputeUpsize = time.Time{}
	})
	wsWantErr(t, "GeneralPurpose with 80 GB root", f.modify(pp, types.WorkspaceProperties{ComputeTypeName: types.ComputeGeneralpurpose4xlarge}), "UnsupportedWorkspaceConfigurationException")
}

func TestWorkspaceModifyRunningModeAndProtocol(t *testing.T) {
	f := newWSFixture(t, apptest.Options{})
	id := f.launch(f.req("alice", f.standard()))
	f.e.SetTiming("fast")

	// ALWAYS_ON → AUTO_STOP takes the 60-minute default, at once.
	if err := f.modify(id, types.WorkspaceProperties{RunningMode: types.RunningModeAutoStop}); err != nil {
		t.Fatal(err)
	}
	p := f.must(id).WorkspaceProperties
	if p.RunningMode != types.RunningModeAutoStop || aws.ToInt32(p.RunningModeAutoStopTimeoutInMinutes) != 60 || f.mods(id) != "" {
		t.Fatalf("after switch: %+v %q", p, f.mods(id))
	}
	if err := f.modify(id, types.WorkspaceProperties{RunningModeAutoStopTimeoutInMinutes: aws.Int32(180)}); err != nil {
		t.Fatal(err)
	}
	wsWantErr(t, "timeout 61", f.modify(id, types.WorkspaceProperties{RunningModeAutoStopTimeoutInMinutes: aws.Int32(61)}), "InvalidParameterValuesException")
	wsWantErr(t, "ALWAYS_ON with timeout", f.modify(id, types.WorkspaceProperties{RunningMode: types.RunningModeAlwaysOn, RunningModeAutoStopTimeoutInMinutes: aws.Int32(60)}), "InvalidParameterValuesException")
	wsWantErr(t, "operating system", f.modify(id, types.WorkspaceProperties{OperatingSystemName: types.OperatingSystemNameWindowsServer2022}), "InvalidParameterValuesException")
	// The new timeout counts from the change.
	f.e.Advance(179 * time.Minute)
	f.wantState(id, types.WorkspaceStateAvailable)
	f.e.Advance(time.Minute)
	f.wantState(id, types.WorkspaceStateStopping)
	f.e.Advance(2 * time.Second)

	// A STOPPED WorkSpace switched to ALWAYS_ON starts.
	if err := f.modify(id, types.WorkspaceProperties{RunningMode: types.RunningModeAlwaysOn}); err != nil {
		t.Fatal(err)
	}
	w := f.must(id)
	if w.State != types.WorkspaceStateStarting || w.WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes != nil {
		t.Fatalf("after ALWAYS_ON: %s %+v", w.State, w.WorkspaceProperties)
	}
	f.e.Advance(2 * time.Second)
	f.wantState(id, types.WorkspaceStateAvailable)

	// Protocol: PCoIP bundles may switch to WSP; the change is not listed in
	// ModificationStates (the model has no value for it; decision 0323).
	if err := f.modify(id, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolWsp}}); err != nil {
		t.Fatal(err)
	}
	if got := f.mods(id); got != "" {
		t.Fatalf("modification states %q", got)
	}
	f.e.Advance(2 * time.Second)
	if p := f.must(id).WorkspaceProperties; len(p.Protocols) != 1 || p.Protocols[0] != types.ProtocolWsp || f.mods(id) != "" {
		t.Fatalf("after protocol change: %+v %q", p, f.mods(id))
	}
	wsWantErr(t, "two protocols", f.modify(id, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolWsp, types.ProtocolPcoip}}), "InvalidParameterValuesException")
	// GPU and WSP-bundle WorkSpaces may not.
	g4dn := f.launch(f.req("bob", f.bundle(types.ComputeGraphicsG4dn, "Windows")))
	wsWantErr(t, "GPU protocol change", f.modify(g4dn, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolWsp}}), "UnsupportedWorkspaceConfigurationException")
	ubuntu := f.launch(f.req("carol", f.bundle(types.ComputeStandard, "Ubuntu")))
	wsWantErr(t, "WSP bundle protocol change", f.modify(ubuntu, types.WorkspaceProperties{Protocols: []types.Protocol{types.ProtocolPcoip}}), "UnsupportedWorkspaceConfigurationException")
}
