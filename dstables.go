package deskplane

// The transition tables of the Directory Service resources beside the
// directory (dsstates.go), and the refinements of the domain error codes
// that only Directory Service has a wire error for. Where AWS documents
// nothing, the rows follow docs/decisions/0201-directory-service-lifecycles.md.

// Actions of the Directory Service tables.
const (
	ActionVerify    Action = "verify"    // a trust is verified
	ActionCancel    Action = "cancel"    // a schema extension is cancelled
	ActionEnable    Action = "enable"    // LDAPS, RADIUS, client authentication are enabled
	ActionDisable   Action = "disable"   // … and disabled
	ActionSnapshot  Action = "snapshot"  // lifecycle: a schema extension's snapshot is taken
	ActionExtend    Action = "extend"    // lifecycle: the schema is updated
	ActionReplicate Action = "replicate" // lifecycle: the update replicates
)

// Directory Service transitions of the timing profiles (timing.go).
const (
	TDSTrust           Transition = "ds.trust"    // Creating → Created, Verifying → Verified, Updating, Deleting
	TDSSnapshot        Transition = "ds.snapshot" // snapshot Creating → Completed; directory Restoring → Active
	TDSSchemaExtension Transition = "ds.schema"   // each step of a schema extension
	TDSSetting         Transition = "ds.setting"  // RADIUS, LDAPS, settings, updates, domain controllers
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
func DSTrustTable() TransitionTable[DSTrustState] {
	settled := []DSTrustState{TrustCreated, TrustVerified, TrustVerifyFailed, TrustUpdated, TrustUpdateFailed}
	return TransitionTable[DSTrustState]{
		Resource: "trust",
		Rows: []TransitionRow[DSTrustState]{
			{Action: ActionCreate, Via: TrustCreating, To: TrustCreated, Timing: TDSTrust},
			{Action: ActionVerify, From: settled, Via: TrustVerifying, To: TrustVerified, Timing: TDSTrust, Verb: "verified"},
			{Action: ActionUpdate, From: settled, Via: TrustUpdating, To: TrustUpdated, Timing: TDSTrust, Verb: "updated"},
			{Action: ActionDelete, From: append(settled[:len(settled):len(settled)], TrustFailed),
				Via: TrustDeleting, Gone: true, Timing: TDSTrust, Verb: "deleted"},
		},
	}
}

// DSSnapshotTable is a snapshot's lifecycle.
func DSSnapshotTable() TransitionTable[DSSnapshotStatus] {
	return TransitionTable[DSSnapshotStatus]{
		Resource: "snapshot",
		Rows: []TransitionRow[DSSnapshotStatus]{
			{Action: ActionCreate, Via: SnapshotCreating, To: SnapshotCompleted, Timing: TDSSnapshot},
			{Action: ActionDelete, From: []DSSnapshotStatus{SnapshotCompleted, SnapshotFailed}, Gone: true, Verb: "deleted"},
			{Action: ActionRestore, From: []DSSnapshotStatus{SnapshotCompleted}, Verb: "restored"},
		},
	}
}

// DSSchemaExtensionTable is a schema extension's lifecycle: Initializing →
// CreatingSnapshot → UpdatingSchema → Replicating → Completed, cancelled
// only before it replicates.
func DSSchemaExtensionTable() TransitionTable[DSSchemaExtensionStatus] {
	return TransitionTable[DSSchemaExtensionStatus]{
		Resource: "schema extension",
		Rows: []TransitionRow[DSSchemaExtensionStatus]{
			{Action: ActionCreate, Via: SchemaInitializing, To: SchemaCreatingSnapshot, Timing: TDSSchemaExtension},
			{Action: ActionSnapshot, Via: SchemaCreatingSnapshot, To: SchemaUpdatingSchema, Timing: TDSSchemaExtension},
			{Action: ActionExtend, Via: SchemaUpdatingSchema, To: SchemaReplicating, Timing: TDSSchemaExtension},
			{Action: ActionReplicate, Via: SchemaReplicating, To: SchemaCompleted, Timing: TDSSchemaExtension},
			{Action: ActionCancel, From: []DSSchemaExtensionStatus{SchemaInitializing, SchemaCreatingSnapshot, SchemaUpdatingSchema},
				Via: SchemaCancelInProgress, To: SchemaCancelled, Timing: TDSSchemaExtension, Verb: "cancelled"},
		},
	}
}

// DSRadiusTable is the lifecycle of a directory's RADIUS settings.
func DSRadiusTable() TransitionTable[DSRadiusStatus] {
	return TransitionTable[DSRadiusStatus]{
		Resource: "RADIUS configuration",
		Rows: []TransitionRow[DSRadiusStatus]{
			{Action: ActionEnable, Via: RadiusCreating, To: RadiusCompleted, Timing: TDSSetting},
			{Action: ActionUpdate, From: []DSRadiusStatus{RadiusCompleted, RadiusFailed}, Via: RadiusCreating, To: RadiusCompleted,
				Timing: TDSSetting, Verb: "updated"},
		},
	}
}

// DSLDAPSTable is the lifecycle of a directory's LDAPS.
func DSLDAPSTable() TransitionTable[DSLDAPSStatus] {
	return TransitionTable[DSLDAPSStatus]{
		Resource: "LDAPS configuration",
		Rows: []TransitionRow[DSLDAPSStatus]{
			{Action: ActionEnable, From: []DSLDAPSStatus{LDAPSDisabled, LDAPSEnableFailed}, Via: LDAPSEnabling, To: LDAPSEnabled,
				Timing: TDSSetting, Verb: "enabled", Reason: ReasonInvalidLDAPS},
			{Action: ActionDisable, From: []DSLDAPSStatus{LDAPSEnabled, LDAPSEnableFailed}, To: LDAPSDisabled,
				Verb: "disabled", Reason: ReasonInvalidLDAPS},
		},
	}
}

// DSDomainControllerTable is a domain controller's lifecycle.
func DSDomainControllerTable() TransitionTable[DSDomainControllerStatus] {
	return TransitionTable[DSDomainControllerStatus]{
		Resource: "domain controller",
		Rows: []TransitionRow[DSDomainControllerStatus]{
			{Action: ActionCreate, Via: DCCreating, To: DCActive, Timing: TDSSetting},
			{Action: ActionDelete, From: []DSDomainControllerStatus{DCActive, DCImpaired, DCFailed, DCCreating},
				Via: DCDeleting, Gone: true, Timing: TDSSetting, Verb: "deleted"},
		},
	}
}

// DSRegionTable is the lifecycle of a directory's replica in another
// Region (model RegionDescription.Status, a DirectoryStage).
func DSRegionTable() TransitionTable[DSDirectoryStage] {
	return TransitionTable[DSDirectoryStage]{
		Resource: "Region replica",
		Rows: []TransitionRow[DSDirectoryStage]{
			{Action: ActionCreate, Via: DSDirectoryCreating, To: DSDirectoryActive, Timing: TDirectoryCreate},
			{Action: ActionDelete, From: []DSDirectoryStage{DSDirectoryActive, DSDirectoryImpaired, DSDirectoryFailed},
				Via: DSDirectoryDeleting, Gone: true, Timing: TDirectoryDelete, Verb: "removed"},
		},
	}
}

// DSUpdateTable is the lifecycle of an UpdateDirectorySetup activity.
func DSUpdateTable() TransitionTable[DSUpdateStatus] {
	return TransitionTable[DSUpdateStatus]{
		Resource: "directory update",
		Rows: []TransitionRow[DSUpdateStatus]{
			{Action: ActionUpdate, Via: UpdateUpdating, To: UpdateUpdated, Timing: TDSSetting},
		},
	}
}
