package deskplane

import "time"

// Workspace is a WorkSpace, kept in its owner's scope (behaviour doc §2).
// State values are the model's WorkspaceState enum.
type Workspace struct {
	ID            string         `json:"id"`
	DirectoryID   string         `json:"directoryId"`
	UserName      string         `json:"userName"`
	WorkspaceName string         `json:"workspaceName,omitempty"` // user-decoupled WorkSpaces
	BundleID      string         `json:"bundleId"`
	State         WorkspaceState `json:"state"`
	// Generation grows on every state change; timers carry the generation
	// they were scheduled at and do nothing when it moved on.
	Generation   int64     `json:"gen"`
	StateChanged time.Time `json:"stateChanged"`
	Created      time.Time `json:"created"`

	IPAddress    string `json:"ip,omitempty"`
	SubnetID     string `json:"subnetId,omitempty"`
	ComputerName string `json:"computerName,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`

	VolumeEncryptionKey         string `json:"kmsKey,omitempty"`
	UserVolumeEncryptionEnabled bool   `json:"userEncrypted,omitempty"`
	RootVolumeEncryptionEnabled bool   `json:"rootEncrypted,omitempty"`

	RunningMode              RunningMode         `json:"runningMode"`
	AutoStopTimeoutInMinutes int                 `json:"autoStopMinutes,omitempty"`
	RootVolumeSizeGib        int                 `json:"rootGb"`
	UserVolumeSizeGib        int                 `json:"userGb"`
	ComputeType              Compute             `json:"computeType"`
	Protocols                []Protocol          `json:"protocols"`
	OperatingSystemName      OperatingSystemName `json:"os"`
	GlobalAccelerator        []byte              `json:"globalAccelerator,omitempty"` // wire JSON of GlobalAcceleratorForWorkSpace

	// Modifications running now (ModificationStates on the wire).
	Modifications []Modification `json:"mods,omitempty"`
	// Cooldown bookkeeping (behaviour doc §2.4).
	LastRootResize      time.Time `json:"lastRootResize,omitzero"`
	LastUserResize      time.Time `json:"lastUserResize,omitzero"`
	LastComputeChange   time.Time `json:"lastComputeChange,omitzero"`
	LastComputeUpsize   time.Time `json:"lastComputeUpsize,omitzero"`
	LastComputeDownsize time.Time `json:"lastComputeDownsize,omitzero"`

	// Snapshots (DescribeWorkspaceSnapshots).
	RebuildSnapshots []time.Time `json:"rebuildSnaps,omitempty"`
	RestoreSnapshots []time.Time `json:"restoreSnaps,omitempty"`

	// Connection state (DescribeWorkspacesConnectionStatus, AutoStop).
	ConnectionState         string    `json:"connState,omitempty"` // CONNECTED | DISCONNECTED | UNKNOWN
	ConnectionStateChanged  time.Time `json:"connChanged,omitzero"`
	LastKnownUserConnection time.Time `json:"lastConn,omitzero"`

	// StateBeforeAdmin is the state to return to when ADMIN_MAINTENANCE ends.
	StateBeforeAdmin WorkspaceState `json:"stateBeforeAdmin,omitempty"`
	// ImageCapture is the id of the image being created from this WorkSpace
	// while it is SUSPENDED.
	ImageCapture string `json:"imageCapture,omitempty"`
	// Standby fields (CreateStandbyWorkspaces). On a standby WorkSpace,
	// StandbyOf and StandbyRegion name its primary WorkSpace and the
	// primary's Region; on a primary, Standbys lists its standbys.
	StandbyOf       string          `json:"standbyOf,omitempty"`
	StandbyRegion   string          `json:"standbyRegion,omitempty"`
	DataReplication string          `json:"dataReplication,omitempty"` // NO_REPLICATION | PRIMARY_AS_SOURCE
	Standbys        []WorkspaceLink `json:"standbys,omitempty"`

	// ProtocolSwitchable is set on WorkSpaces created from a PCoIP bundle
	// that is neither GPU-based nor Windows 7: only those may change
	// protocol (behaviour doc §2.4).
	ProtocolSwitchable bool `json:"protoSwitch,omitempty"`
	// Migration (MigrateWorkspace): the source names the target being
	// built in MigratingTo; the target names its source in MigratedFrom.
	MigratingTo  string `json:"migratingTo,omitempty"`
	MigratedFrom string `json:"migratedFrom,omitempty"`
	// Node names the deskplane node whose desktop this WorkSpace is
	// (-node-name, with -desktops local); only that node acts on the
	// desktop. Empty: no desktop, the lifecycle is timer-driven
	// (docs/decisions/0184-desktop-reconciler.md).
	Node string `json:"node,omitempty"`
}

// WorkspaceLink names a WorkSpace in another Region of the same account.
type WorkspaceLink struct {
	ID     string `json:"id"`
	Region string `json:"region"`
}

// Modification is one running property change.
type Modification struct {
	Resource ModificationResource `json:"resource"`
	State    ModificationState    `json:"state"`
	Started  time.Time            `json:"started"`
	// InProgress is when the state becomes UPDATE_IN_PROGRESS, Ends when
	// the modification is done (fixed when it starts).
	InProgress time.Time `json:"inProgress,omitzero"`
	Ends       time.Time `json:"ends,omitzero"`
}

// SetState moves the WorkSpace to state s at time at. The new Generation
// makes the state timers scheduled for the old state no-ops.
func (ws *Workspace) SetState(s WorkspaceState, at time.Time) {
	ws.State = s
	ws.Generation++
	ws.StateChanged = at
}

// WorkspaceNotFound is the error for a WorkSpace the caller does not have.
func WorkspaceNotFound(id string) *Error {
	return NotFound(id, "The WorkSpace %s could not be found. Confirm that the WorkSpace exists in your AWS account and Region, and try again.", id)
}

// The connection states a client writes (ConnectionState of
// DescribeWorkspacesConnectionStatus).
const (
	ConnectionConnected    = "CONNECTED"
	ConnectionDisconnected = "DISCONNECTED"
)

// SetConnection records that a user connected to or disconnected from the
// WorkSpace at the time at: DescribeWorkspacesConnectionStatus shows the
// state, and LastKnownUserConnectionTimestamp is the last change.
func (ws *Workspace) SetConnection(state string, at time.Time) {
	ws.ConnectionState = state
	ws.ConnectionStateChanged, ws.LastKnownUserConnection = at, at
}
