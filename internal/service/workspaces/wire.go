package workspaces

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/recordcache"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// ---- wire -------------------------------------------------------------------

func wsTime(t time.Time) *smithy.Timestamp { return smithy.NewTimestamp(t) }

// workspaceView is what DescribeWorkspaces needs of one version of a
// WorkSpace record: the members its filters compare, and the WorkSpace's
// wire JSON. Views are shared through the views cache: read only.
type workspaceView struct {
	id, directoryID, userName, bundleID, name string
	created                                   time.Time
	// related is true for a WorkSpace with a primary or standbys: its
	// wire form shows their current states (RelatedWorkspaces), which
	// other records hold, so it is made per request and enc is nil.
	related bool
	// enc is wireWorkspace(ws, nil) as wsapi.Workspace.AppendJSON
	// writes it: everything the wire form shows comes from the record.
	enc []byte
}

// newWorkspaceView makes the view of a WorkSpace record's data, with its
// wire JSON: the views cache's build function.
func newWorkspaceView(data []byte) (*workspaceView, error) {
	ws, err := recordcache.JSON[deskplane.Workspace](data)
	if err != nil {
		return nil, err
	}
	v := viewOf(ws)
	if !v.related {
		w := wireWorkspace(ws, nil)
		v.enc = w.AppendJSON(make([]byte, 0, 640))
		v.enc = v.enc[:len(v.enc):len(v.enc)]
	}
	return v, nil
}

// viewOfRecord makes the view of a record without its wire JSON, for the
// uncached DescribeWorkspaces.
func viewOfRecord(r deskplane.Record) (*workspaceView, error) {
	ws, err := recordcache.JSON[deskplane.Workspace](r.Data)
	if err != nil {
		return nil, err
	}
	return viewOf(ws), nil
}

func viewOf(ws *deskplane.Workspace) *workspaceView {
	return &workspaceView{
		id: ws.ID, directoryID: ws.DirectoryID, userName: ws.UserName, bundleID: ws.BundleID, name: ws.WorkspaceName,
		created: ws.Created,
		related: ws.StandbyOf != "" || len(ws.Standbys) > 0,
	}
}

// viewStructSize is the size of a workspaceView on 64-bit platforms: five
// strings, a time, a bool and a slice (TestViewSizeCounted checks it).
const viewStructSize = 5*16 + 24 + 8 + 24

// viewSize is what the views cache counts a view as: its struct, strings
// and wire JSON.
func viewSize(v *workspaceView) int {
	return viewStructSize + len(v.id) + len(v.directoryID) + len(v.userName) + len(v.bundleID) + len(v.name) + cap(v.enc)
}

// encodedPage is a DescribeWorkspaces answer made of encoded WorkSpaces:
// AppendJSON writes exactly what (*wsapi.DescribeWorkspacesResult).AppendJSON
// writes for the same answer, by concatenation.
type encodedPage struct {
	views []*workspaceView // the page, in order
	// fresh holds, at the index of each related view (whose enc is nil),
	// its wire JSON made for this answer; nil when there is none.
	fresh [][]byte
	next  *string
}

func (p *encodedPage) part(i int) []byte {
	if enc := p.views[i].enc; enc != nil {
		return enc
	}
	return p.fresh[i]
}

// AppendJSON appends the answer's JSON to b.
func (p *encodedPage) AppendJSON(b []byte) []byte {
	n := len(`{"Workspaces":[]}`) + len(p.views)
	for i := range p.views {
		n += len(p.part(i))
	}
	if p.next != nil {
		n += len(`,"NextToken":""`) + 2*len(*p.next)
	}
	b = slices.Grow(b, n)
	b = append(b, `{"Workspaces":[`...)
	for i := range p.views {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.part(i)...)
	}
	b = append(b, ']')
	if p.next != nil {
		b = append(b, `,"NextToken":`...)
		b = smithy.AppendString(b, *p.next)
	}
	return append(b, '}')
}

// wireWorkspace converts a WorkSpace to the wire; related fills
// RelatedWorkspaces with the states of the WorkSpaces it names.
func wireWorkspace(ws *deskplane.Workspace, related []wsapi.RelatedWorkspaceProperties) wsapi.Workspace {
	out := wsapi.Workspace{
		WorkspaceId:                 new(ws.ID),
		DirectoryId:                 new(ws.DirectoryID),
		UserName:                    new(ws.UserName),
		State:                       wsapi.WorkspaceState(ws.State),
		BundleId:                    new(ws.BundleID),
		UserVolumeEncryptionEnabled: new(ws.UserVolumeEncryptionEnabled),
		RootVolumeEncryptionEnabled: new(ws.RootVolumeEncryptionEnabled),
		ModificationStates:          []wsapi.ModificationState{},
		RelatedWorkspaces:           related,
	}
	// While PENDING, SubnetId, IpAddress and ComputerName are absent
	// (behaviour doc §2.2, CLI:describe-workspaces).
	if ws.State != wsPending {
		if ws.IPAddress != "" {
			out.IpAddress = new(ws.IPAddress)
		}
		if ws.SubnetID != "" {
			out.SubnetId = new(ws.SubnetID)
		}
		if ws.ComputerName != "" {
			out.ComputerName = new(ws.ComputerName)
		}
	}
	if ws.ErrorCode != "" {
		out.ErrorCode = new(ws.ErrorCode)
	}
	if ws.ErrorMessage != "" {
		out.ErrorMessage = new(ws.ErrorMessage)
	}
	if ws.VolumeEncryptionKey != "" {
		out.VolumeEncryptionKey = new(ws.VolumeEncryptionKey)
	}
	if ws.WorkspaceName != "" {
		out.WorkspaceName = new(ws.WorkspaceName)
	}
	props := &wsapi.WorkspaceProperties{
		RunningMode:         wsapi.RunningMode(ws.RunningMode),
		RootVolumeSizeGib:   new(int32(ws.RootVolumeSizeGib)),
		UserVolumeSizeGib:   new(int32(ws.UserVolumeSizeGib)),
		ComputeTypeName:     wsapi.Compute(ws.ComputeType),
		OperatingSystemName: wsapi.OperatingSystemName(ws.OperatingSystemName),
	}
	if ws.RunningMode == deskplane.RunningModeAutoStop {
		props.RunningModeAutoStopTimeoutInMinutes = new(int32(ws.AutoStopTimeoutInMinutes))
	}
	for _, p := range ws.Protocols {
		props.Protocols = append(props.Protocols, wsapi.Protocol(p))
	}
	if len(ws.GlobalAccelerator) > 0 {
		var ga wsapi.GlobalAcceleratorForWorkSpace
		if json.Unmarshal(ws.GlobalAccelerator, &ga) == nil {
			props.GlobalAccelerator = &ga
		}
	}
	out.WorkspaceProperties = props
	for _, m := range ws.Modifications {
		if !modelModificationResource(wsapi.ModificationResourceEnum(m.Resource)) {
			continue // a protocol change runs, unlisted (docs/decisions/0323-workspace-modification-fidelity.md)
		}
		out.ModificationStates = append(out.ModificationStates, wsapi.ModificationState{
			Resource: wsapi.ModificationResourceEnum(m.Resource),
			State:    wsapi.ModificationStateEnum(m.State),
		})
	}
	if ws.DataReplication != "" {
		out.DataReplicationSettings = &wsapi.DataReplicationSettings{DataReplication: wsapi.DataReplication(ws.DataReplication)}
		if n := len(ws.RestoreSnapshots); n > 0 && ws.DataReplication == string(wsapi.DataReplicationPrimaryAsSource) {
			out.DataReplicationSettings.RecoverySnapshotTime = wsTime(ws.RestoreSnapshots[n-1])
		}
	}
	for _, l := range ws.Standbys {
		sp := wsapi.StandbyWorkspacesProperties{StandbyWorkspaceId: new(l.ID)}
		if ws.DataReplication != "" {
			sp.DataReplication = wsapi.DataReplication(ws.DataReplication)
		}
		out.StandbyWorkspacesProperties = append(out.StandbyWorkspacesProperties, sp)
	}
	return out
}

// relatedWorkspaces describes the primary or standbys of ws, reading
// their current states (they live in other Regions of the account).
func relatedWorkspaces(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace) ([]wsapi.RelatedWorkspaceProperties, error) {
	if ws.StandbyOf == "" && len(ws.Standbys) == 0 {
		return nil, nil
	}
	var out []wsapi.RelatedWorkspaceProperties
	add := func(id, region string, typ wsapi.StandbyWorkspaceRelationshipType) error {
		r := wsapi.RelatedWorkspaceProperties{WorkspaceId: new(id), Region: new(region), Type: typ}
		other, err := loadWorkspace(tx, deskplane.Scope{Account: sc.Account, Region: region}, id)
		if err != nil {
			return err
		}
		if other == nil {
			r.State = wsapi.WorkspaceStateTerminated
		} else {
			r.State = wsapi.WorkspaceState(other.State)
		}
		out = append(out, r)
		return nil
	}
	if ws.StandbyOf != "" {
		if err := add(ws.StandbyOf, ws.StandbyRegion, wsapi.StandbyWorkspaceRelationshipTypePrimary); err != nil {
			return nil, err
		}
	}
	for _, l := range ws.Standbys {
		if err := add(l.ID, l.Region, wsapi.StandbyWorkspaceRelationshipTypeStandby); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// modelModificationResource reports whether r is a value of
// ModificationResourceEnum in the WorkSpaces model (ROOT_VOLUME, USER_VOLUME,
// COMPUTE_TYPE): the only ones ModificationStates carries. The generator's
// overlay adds PROTOCOL from a newer SDK; deskplane runs a protocol change as
// a modification but does not list it
// (docs/decisions/0323-workspace-modification-fidelity.md).
func modelModificationResource(r wsapi.ModificationResourceEnum) bool {
	switch r {
	case wsapi.ModificationResourceEnumRootVolume, wsapi.ModificationResourceEnumUserVolume,
		wsapi.ModificationResourceEnumComputeType:
		return true
	}
	return false
}
