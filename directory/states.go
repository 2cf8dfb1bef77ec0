package directory

// Typed states of the Directory Service resources other than the directory
// itself (Directory Service model enums; the root's drift_test.go holds
// them against the model). Their transition tables are in tables.go.

// DSTrustState is the state of a trust (model TrustState).
type DSTrustState string

// Trust states.
const (
	TrustCreating     DSTrustState = "Creating"
	TrustCreated      DSTrustState = "Created"
	TrustVerifying    DSTrustState = "Verifying"
	TrustVerifyFailed DSTrustState = "VerifyFailed"
	TrustVerified     DSTrustState = "Verified"
	TrustUpdating     DSTrustState = "Updating"
	TrustUpdateFailed DSTrustState = "UpdateFailed"
	TrustUpdated      DSTrustState = "Updated"
	TrustDeleting     DSTrustState = "Deleting"
	TrustDeleted      DSTrustState = "Deleted"
	TrustFailed       DSTrustState = "Failed"
)

// DSSnapshotStatus is the status of a directory snapshot (model
// SnapshotStatus).
type DSSnapshotStatus string

// Snapshot statuses.
const (
	SnapshotCreating  DSSnapshotStatus = "Creating"
	SnapshotCompleted DSSnapshotStatus = "Completed"
	SnapshotFailed    DSSnapshotStatus = "Failed"
)

// DSSchemaExtensionStatus is the status of a schema extension (model
// SchemaExtensionStatus).
type DSSchemaExtensionStatus string

// Schema extension statuses.
const (
	SchemaInitializing       DSSchemaExtensionStatus = "Initializing"
	SchemaCreatingSnapshot   DSSchemaExtensionStatus = "CreatingSnapshot"
	SchemaUpdatingSchema     DSSchemaExtensionStatus = "UpdatingSchema"
	SchemaReplicating        DSSchemaExtensionStatus = "Replicating"
	SchemaCancelInProgress   DSSchemaExtensionStatus = "CancelInProgress"
	SchemaRollbackInProgress DSSchemaExtensionStatus = "RollbackInProgress"
	SchemaCancelled          DSSchemaExtensionStatus = "Cancelled"
	SchemaFailed             DSSchemaExtensionStatus = "Failed"
	SchemaCompleted          DSSchemaExtensionStatus = "Completed"
)

// DSRadiusStatus is the status of a directory's RADIUS settings (model
// RadiusStatus).
type DSRadiusStatus string

// RADIUS statuses.
const (
	RadiusCreating  DSRadiusStatus = "Creating"
	RadiusCompleted DSRadiusStatus = "Completed"
	RadiusFailed    DSRadiusStatus = "Failed"
)

// DSShareStatus is the status of a directory share (model ShareStatus).
type DSShareStatus string

// Share statuses.
const (
	ShareShared            DSShareStatus = "Shared"
	SharePendingAcceptance DSShareStatus = "PendingAcceptance"
	ShareRejected          DSShareStatus = "Rejected"
	ShareRejecting         DSShareStatus = "Rejecting"
	ShareRejectFailed      DSShareStatus = "RejectFailed"
	ShareSharing           DSShareStatus = "Sharing"
	ShareShareFailed       DSShareStatus = "ShareFailed"
	ShareDeleted           DSShareStatus = "Deleted"
	ShareDeleting          DSShareStatus = "Deleting"
)

// DSLDAPSStatus is the status of a directory's LDAPS (model LDAPSStatus).
type DSLDAPSStatus string

// LDAPS statuses.
const (
	LDAPSEnabling     DSLDAPSStatus = "Enabling"
	LDAPSEnabled      DSLDAPSStatus = "Enabled"
	LDAPSEnableFailed DSLDAPSStatus = "EnableFailed"
	LDAPSDisabled     DSLDAPSStatus = "Disabled"
)

// DSDomainControllerStatus is the status of a domain controller (model
// DomainControllerStatus).
type DSDomainControllerStatus string

// Domain controller statuses.
const (
	DCCreating  DSDomainControllerStatus = "Creating"
	DCActive    DSDomainControllerStatus = "Active"
	DCImpaired  DSDomainControllerStatus = "Impaired"
	DCRestoring DSDomainControllerStatus = "Restoring"
	DCDeleting  DSDomainControllerStatus = "Deleting"
	DCDeleted   DSDomainControllerStatus = "Deleted"
	DCFailed    DSDomainControllerStatus = "Failed"
	DCUpdating  DSDomainControllerStatus = "Updating"
)

// DSUpdateStatus is the status of a directory update (model UpdateStatus).
type DSUpdateStatus string

// Update statuses.
const (
	UpdateUpdated      DSUpdateStatus = "Updated"
	UpdateUpdating     DSUpdateStatus = "Updating"
	UpdateUpdateFailed DSUpdateStatus = "UpdateFailed"
)
