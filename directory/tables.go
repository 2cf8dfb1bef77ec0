package directory

import "github.com/deskplane/deskplane"

// The transition tables of the Directory Service resources beside the
// directory (states.go), and the refinements of the domain error codes
// that only Directory Service has a wire error for. Where AWS documents
// nothing, the rows follow docs/decisions/0201-directory-service-lifecycles.md.

// Actions of the Directory Service tables.
const (
	ActionVerify    deskplane.Action = "verify"    // a trust is verified
	ActionCancel    deskplane.Action = "cancel"    // a schema extension is cancelled
	ActionEnable    deskplane.Action = "enable"    // LDAPS, RADIUS, client authentication are enabled
	ActionDisable   deskplane.Action = "disable"   // … and disabled
	ActionSnapshot  deskplane.Action = "snapshot"  // lifecycle: a schema extension's snapshot is taken
	ActionExtend    deskplane.Action = "extend"    // lifecycle: the schema is updated
	ActionReplicate deskplane.Action = "replicate" // lifecycle: the update replicates
)

// Items of a directory's settings timer (TimerDSSetting) that families
// other than the one handling it schedule (decision 0201).
const (
	DSItemLDAPS  = "ldaps"
	DSItemCA     = "ca"
	DSItemHybrid = "hybrid"
)

// Refinements of domain errors that only Directory Service has a wire
// error for (Error.Reason; internal/wireerror maps each to its exception,
// docs/decisions/0200-directory-service-errors.md).
const (
	ReasonCertificateExists     = "certificate-exists"
	ReasonCertificateNotFound   = "certificate-not-found"
	ReasonCertificateInUse      = "certificate-in-use"
	ReasonCertificateLimit      = "certificate-limit"
	ReasonInvalidCertificate    = "invalid-certificate"
	ReasonNoCertificate         = "no-available-certificate"
	ReasonAlreadyInRegion       = "already-in-region"
	ReasonRegionLimit           = "region-limit"
	ReasonAlreadyShared         = "already-shared"
	ReasonNotShared             = "not-shared"
	ReasonShareLimit            = "share-limit"
	ReasonInvalidTarget         = "invalid-target"
	ReasonOrganizations         = "organizations"
	ReasonDirectoryNotFound     = "directory-not-found"
	ReasonInDesiredState        = "in-desired-state"
	ReasonEnableInProgress      = "enable-in-progress"
	ReasonDisableInProgress     = "disable-in-progress"
	ReasonDomainControllerLimit = "domain-controller-limit"
	ReasonIncompatibleSettings  = "incompatible-settings"
	ReasonInvalidClientAuth     = "invalid-client-auth-status"
	ReasonInvalidLDAPS          = "invalid-ldaps-status"
	ReasonInvalidPassword       = "invalid-password"
	ReasonIPRouteLimit          = "ip-route-limit"
	ReasonSnapshotLimit         = "snapshot-limit"
	ReasonUserNotFound          = "user-not-found"
	ReasonAssessmentLimit       = "assessment-limit"
	ReasonAuthenticationFailed  = "authentication-failed"
)

// DSTrustTable is a trust's lifecycle. A new trust is verified as soon as
// it is created: the handler that ends Creating enters the verify row.
func DSTrustTable() deskplane.TransitionTable[DSTrustState] {
	settled := []DSTrustState{TrustCreated, TrustVerified, TrustVerifyFailed, TrustUpdated, TrustUpdateFailed}
	return deskplane.TransitionTable[DSTrustState]{
		Resource: "trust",
		Rows: []deskplane.TransitionRow[DSTrustState]{
			{Action: deskplane.ActionCreate, Via: TrustCreating, To: TrustCreated, Timing: deskplane.TDSTrust},
			{Action: ActionVerify, From: settled, Via: TrustVerifying, To: TrustVerified, Timing: deskplane.TDSTrust, Verb: "verified"},
			{Action: deskplane.ActionUpdate, From: settled, Via: TrustUpdating, To: TrustUpdated, Timing: deskplane.TDSTrust, Verb: "updated"},
			{Action: deskplane.ActionDelete, From: append(settled[:len(settled):len(settled)], TrustFailed),
				Via: TrustDeleting, Gone: true, Timing: deskplane.TDSTrust, Verb: "deleted"},
		},
	}
}

// DSSnapshotTable is a snapshot's lifecycle.
func DSSnapshotTable() deskplane.TransitionTable[DSSnapshotStatus] {
	return deskplane.TransitionTable[DSSnapshotStatus]{
		Resource: "snapshot",
		Rows: []deskplane.TransitionRow[DSSnapshotStatus]{
			{Action: deskplane.ActionCreate, Via: SnapshotCreating, To: SnapshotCompleted, Timing: deskplane.TDSSnapshot},
			{Action: deskplane.ActionDelete, From: []DSSnapshotStatus{SnapshotCompleted, SnapshotFailed}, Gone: true, Verb: "deleted"},
			{Action: deskplane.ActionRestore, From: []DSSnapshotStatus{SnapshotCompleted}, Verb: "restored"},
		},
	}
}

// DSSchemaExtensionTable is a schema extension's lifecycle: Initializing →
// CreatingSnapshot → UpdatingSchema → Replicating → Completed, cancelled
// only before it replicates.
func DSSchemaExtensionTable() deskplane.TransitionTable[DSSchemaExtensionStatus] {
	return deskplane.TransitionTable[DSSchemaExtensionStatus]{
		Resource: "schema extension",
		Rows: []deskplane.TransitionRow[DSSchemaExtensionStatus]{
			{Action: deskplane.ActionCreate, Via: SchemaInitializing, To: SchemaCreatingSnapshot, Timing: deskplane.TDSSchemaExtension},
			{Action: ActionSnapshot, Via: SchemaCreatingSnapshot, To: SchemaUpdatingSchema, Timing: deskplane.TDSSchemaExtension},
			{Action: ActionExtend, Via: SchemaUpdatingSchema, To: SchemaReplicating, Timing: deskplane.TDSSchemaExtension},
			{Action: ActionReplicate, Via: SchemaReplicating, To: SchemaCompleted, Timing: deskplane.TDSSchemaExtension},
			{Action: ActionCancel, From: []DSSchemaExtensionStatus{SchemaInitializing, SchemaCreatingSnapshot, SchemaUpdatingSchema},
				Via: SchemaCancelInProgress, To: SchemaCancelled, Timing: deskplane.TDSSchemaExtension, Verb: "cancelled"},
		},
	}
}

// DSRadiusTable is the lifecycle of a directory's RADIUS settings.
func DSRadiusTable() deskplane.TransitionTable[DSRadiusStatus] {
	return deskplane.TransitionTable[DSRadiusStatus]{
		Resource: "RADIUS configuration",
		Rows: []deskplane.TransitionRow[DSRadiusStatus]{
			{Action: ActionEnable, Via: RadiusCreating, To: RadiusCompleted, Timing: deskplane.TDSSetting},
			{Action: deskplane.ActionUpdate, From: []DSRadiusStatus{RadiusCompleted, RadiusFailed}, Via: RadiusCreating, To: RadiusCompleted,
				Timing: deskplane.TDSSetting, Verb: "updated"},
		},
	}
}

// DSLDAPSTable is the lifecycle of a directory's LDAPS.
func DSLDAPSTable() deskplane.TransitionTable[DSLDAPSStatus] {
	return deskplane.TransitionTable[DSLDAPSStatus]{
		Resource: "LDAPS configuration",
		Rows: []deskplane.TransitionRow[DSLDAPSStatus]{
			{Action: ActionEnable, From: []DSLDAPSStatus{LDAPSDisabled, LDAPSEnableFailed}, Via: LDAPSEnabling, To: LDAPSEnabled,
				Timing: deskplane.TDSSetting, Verb: "enabled", Reason: ReasonInvalidLDAPS},
			{Action: ActionDisable, From: []DSLDAPSStatus{LDAPSEnabled, LDAPSEnableFailed}, To: LDAPSDisabled,
				Verb: "disabled", Reason: ReasonInvalidLDAPS},
		},
	}
}

// DSDomainControllerTable is a domain controller's lifecycle.
func DSDomainControllerTable() deskplane.TransitionTable[DSDomainControllerStatus] {
	return deskplane.TransitionTable[DSDomainControllerStatus]{
		Resource: "domain controller",
		Rows: []deskplane.TransitionRow[DSDomainControllerStatus]{
			{Action: deskplane.ActionCreate, Via: DCCreating, To: DCActive, Timing: deskplane.TDSSetting},
			{Action: deskplane.ActionDelete, From: []DSDomainControllerStatus{DCActive, DCImpaired, DCFailed, DCCreating},
				Via: DCDeleting, Gone: true, Timing: deskplane.TDSSetting, Verb: "deleted"},
		},
	}
}

// DSRegionTable is the lifecycle of a directory's replica in another
// Region (model RegionDescription.Status, a DirectoryStage).
func DSRegionTable() deskplane.TransitionTable[deskplane.DSDirectoryStage] {
	return deskplane.TransitionTable[deskplane.DSDirectoryStage]{
		Resource: "Region replica",
		Rows: []deskplane.TransitionRow[deskplane.DSDirectoryStage]{
			{Action: deskplane.ActionCreate, Via: deskplane.DSDirectoryCreating, To: deskplane.DSDirectoryActive, Timing: deskplane.TDirectoryCreate},
			{Action: deskplane.ActionDelete, From: []deskplane.DSDirectoryStage{deskplane.DSDirectoryActive, deskplane.DSDirectoryImpaired, deskplane.DSDirectoryFailed},
				Via: deskplane.DSDirectoryDeleting, Gone: true, Timing: deskplane.TDirectoryDelete, Verb: "removed"},
		},
	}
}

// DSUpdateTable is the lifecycle of an UpdateDirectorySetup activity.
func DSUpdateTable() deskplane.TransitionTable[DSUpdateStatus] {
	return deskplane.TransitionTable[DSUpdateStatus]{
		Resource: "directory update",
		Rows: []deskplane.TransitionRow[DSUpdateStatus]{
			{Action: deskplane.ActionUpdate, Via: UpdateUpdating, To: UpdateUpdated, Timing: deskplane.TDSSetting},
		},
	}
}
