package deskplane

// The transition table of every resource with a lifecycle. Each is built
// by a function (no package-level state); a table is small, and a family
// that checks many resources in one call keeps the table it built.
//
// A family checks an action with Check before changing a resource, puts the
// resource in the row's Via (or To) state, schedules the row's Timing and
// cancels the row's timers; the resource's timer handler finds the row it
// completes with Ending. Actions another family performs on a resource
// (an image capture suspends a WorkSpace, an IP group is associated with a
// directory) are rows of the resource's table too: that is how families
// share rules without importing each other. Where AWS documents nothing,
// the rows follow docs/decisions/ (0022 WorkSpaces, 0030 images, 0011
// directories, 0010 Directory Service, 0041 connection aliases, 0052
// applications, 0053 pools, 0031 BYOL).

// WorkspaceTable is the WorkSpace lifecycle (behaviour doc §2.2,
// docs/decisions/0022-workspace-lifecycle.md).
func WorkspaceTable() TransitionTable[WorkspaceState] {
	running := []WorkspaceState{WorkspaceAvailable, WorkspaceImpaired, WorkspaceUnhealthy, WorkspaceError}
	return TransitionTable[WorkspaceState]{
		Resource: "WorkSpace",
		Rows: []TransitionRow[WorkspaceState]{
			{Action: ActionCreate, Via: WorkspacePending, To: WorkspaceAvailable, Timing: TWorkspaceCreate},
			{Action: ActionStart, From: []WorkspaceState{WorkspaceStopped},
				Via: WorkspaceStarting, To: WorkspaceAvailable, Timing: TWorkspaceStart, Verb: "started"},
			{Action: ActionStop, From: running,
				Via: WorkspaceStopping, To: WorkspaceStopped, Timing: TWorkspaceStop,
				Cancels: []string{TimerWorkspaceAutoStop}, Verb: "stopped"},
			{Action: ActionReboot, From: running,
				Via: WorkspaceRebooting, To: WorkspaceAvailable, Timing: TWorkspaceReboot,
				Cancels: []string{TimerWorkspaceAutoStop}, Verb: "rebooted"},
			{Action: ActionRebuild, From: append(running[:len(running):len(running)], WorkspaceStopped, WorkspaceRebooting),
				Via: WorkspaceRebuilding, To: WorkspaceAvailable, Timing: TWorkspaceRebuild,
				Cancels: []string{TimerWorkspaceAutoStop}, Verb: "rebuilt"},
			// RestoreWorkspace's model has no InvalidResourceStateException
			// (behaviour doc §7.3).
			{Action: ActionRestore, From: append(running[:len(running):len(running)], WorkspaceStopped),
				Via: WorkspaceRestoring, To: WorkspaceAvailable, Timing: TWorkspaceRestore,
				Cancels: []string{TimerWorkspaceAutoStop}, Verb: "restored",
				Refusal: CodeNotSupported, Reason: "InvalidResourceState"},
			{Action: ActionTerminate, From: []WorkspaceState{WorkspacePending, WorkspaceAvailable, WorkspaceImpaired,
				WorkspaceUnhealthy, WorkspaceRebooting, WorkspaceStarting, WorkspaceRebuilding, WorkspaceRestoring,
				WorkspaceAdminMaintenance, WorkspaceStopping, WorkspaceStopped, WorkspaceError},
				Via: WorkspaceTerminating, To: WorkspaceTerminated, Timing: TWorkspaceTerminate,
				Cancels: []string{TimerWorkspaceModify, TimerWorkspaceAutoStop}, Verb: "terminated"},
			// The source of a migration stays as it is until the target
			// is ready; then it is terminated.
			{Action: ActionMigrate, From: []WorkspaceState{WorkspaceAvailable, WorkspaceStopped, WorkspaceError},
				Verb: "migrated", Refusal: CodeUnavailable},
			{Action: ActionModify, From: []WorkspaceState{WorkspaceAvailable, WorkspaceStopped}, Verb: "modified"},
			// A protocol change reboots the WorkSpace: it must be running
			// (docs/decisions/0323-workspace-modification-fidelity.md).
			{Action: ActionModifyProtocol, From: []WorkspaceState{WorkspaceAvailable}, Verb: "switched to another protocol"},
			// CreateWorkspaceImage suspends the WorkSpace until the image
			// is ready (the image's timer ends SUSPENDED).
			{Action: ActionCaptureImage, From: []WorkspaceState{WorkspaceAvailable},
				Via: WorkspaceSuspended, To: WorkspaceAvailable, Timing: TImageCreate,
				Cancels: []string{TimerWorkspaceAutoStop}, Verb: "captured in an image"},
			// Applications are associated, disassociated and deployed
			// only on a WorkSpace that is AVAILABLE or STOPPED (AG
			// manage-applications); the model refuses with
			// OperationNotSupportedException.
			{Action: ActionManageApplications, From: []WorkspaceState{WorkspaceAvailable, WorkspaceStopped},
				Verb: "used to install or uninstall applications", Refusal: CodeNotSupported, Reason: "InvalidWorkspaceState"},
			{Action: ActionEnterMaintenance, From: []WorkspaceState{WorkspaceAvailable},
				To: WorkspaceAdminMaintenance, Verb: "set to ADMIN_MAINTENANCE"},
			{Action: ActionExitMaintenance, From: []WorkspaceState{WorkspaceAdminMaintenance},
				To: WorkspaceAvailable, Verb: "set to AVAILABLE"},
		},
	}
}

// ImageTable is the image lifecycle (behaviour doc §3,
// docs/decisions/0030-images.md). Every way of making an image goes
// through PENDING; the creation row's Timing is the capture's, and an image
// of another origin stays PENDING for its origin's step
// (ImageOrigin.Transition). The other rows are what the image's owner,
// its recipients and other families do with an existing image.
func ImageTable() TransitionTable[ImageState] {
	available := []ImageState{ImageAvailable}
	return TransitionTable[ImageState]{
		Resource: "image",
		Rows: []TransitionRow[ImageState]{
			{Action: ActionCreate, Via: ImagePending, To: ImageAvailable, Timing: TImageCreate},
			// The source of CreateUpdatedWorkspaceImage.
			{Action: ActionUpdate, From: available, Verb: "updated"},
			// The source of CopyWorkspaceImage.
			{Action: ActionCopy, From: available, Verb: "copied", Refusal: CodeUnavailable},
			{Action: ActionShare, From: available, Verb: "shared", Refusal: CodeUnavailable},
			{Action: ActionCreateBundle, From: available, Verb: "used for a bundle", Refusal: CodeUnavailable},
			{Action: ActionDelete, From: []ImageState{ImageAvailable, ImageError}, Gone: true, Verb: "deleted"},
		},
	}
}

// BundleTable is the custom bundle lifecycle
// (docs/decisions/0013-custom-bundles.md).
func BundleTable() TransitionTable[BundleState] {
	return TransitionTable[BundleState]{
		Resource: "bundle",
		Rows: []TransitionRow[BundleState]{
			{Action: ActionCreate, Via: BundlePending, To: BundleAvailable, Timing: TBundleCreate},
			{Action: ActionCreateWorkspaces, From: []BundleState{BundleAvailable}, Verb: "used for new WorkSpaces",
				Refusal: CodeUnavailable},
			{Action: ActionCreatePool, From: []BundleState{BundleAvailable}, Verb: "used for a WorkSpaces Pool",
				Refusal: CodeInvalidParameter},
		},
	}
}

// DirectoryTable is the lifecycle of a directory's registration with
// WorkSpaces (docs/decisions/0011-workspaces-directories.md). Other
// families' uses of a registration are rows too: only a REGISTERED
// directory takes WorkSpaces, pools, IP groups and connection aliases.
func DirectoryTable() TransitionTable[DirectoryState] {
	registered := []DirectoryState{DirectoryRegistered}
	return TransitionTable[DirectoryState]{
		Resource: "directory",
		Rows: []TransitionRow[DirectoryState]{
			{Action: ActionRegister, Via: DirectoryRegistering, To: DirectoryRegistered, Timing: TDirectoryRegister},
			{Action: ActionDeregister, From: []DirectoryState{DirectoryRegistered, DirectoryError},
				Via: DirectoryDeregistering, Gone: true, Timing: TDirectoryDeregister, Verb: "deregistered"},
			{Action: ActionCreateWorkspaces, From: registered, Verb: "used for new WorkSpaces"},
			{Action: ActionCreatePool, From: registered, Verb: "used for a WorkSpaces Pool", Refusal: CodeInvalidParameter},
			{Action: ActionAssociateIPGroups, From: registered, Verb: "associated with IP access control groups"},
			{Action: ActionDisassociateIPGroups, From: registered, Verb: "disassociated from IP access control groups"},
			{Action: ActionAssociateAlias, From: registered, Verb: "associated with a connection alias"},
		},
	}
}

// DSDirectoryTable is the lifecycle of a Directory Service directory:
// Requested → Creating → Active, one TDirectoryCreate each, and Deleting →
// gone (docs/decisions/0010-directory-service.md).
func DSDirectoryTable() TransitionTable[DSDirectoryStage] {
	return TransitionTable[DSDirectoryStage]{
		Resource: "directory",
		Rows: []TransitionRow[DSDirectoryStage]{
			{Action: ActionCreate, Via: DSDirectoryRequested, To: DSDirectoryCreating, Timing: TDirectoryCreate},
			{Action: ActionActivate, Via: DSDirectoryCreating, To: DSDirectoryActive, Timing: TDirectoryCreate},
			{Action: ActionDelete, From: []DSDirectoryStage{DSDirectoryRequested, DSDirectoryCreating,
				DSDirectoryActive, DSDirectoryImpaired, DSDirectoryInoperable, DSDirectoryFailed},
				Via: DSDirectoryDeleting, Gone: true, Timing: TDirectoryDelete, Verb: "deleted"},
			{Action: ActionRegister, From: []DSDirectoryStage{DSDirectoryActive}, Verb: "registered with Amazon WorkSpaces"},
			{Action: ActionManageUsers, From: []DSDirectoryStage{DSDirectoryActive}, Verb: "used to manage users",
				Refusal: CodeUnavailable, Reason: "INVALID_DIRECTORY_STATE"},
		},
	}
}

// PoolTable is the WorkSpaces Pool lifecycle
// (docs/decisions/0053-pools.md).
func PoolTable() TransitionTable[PoolState] {
	return TransitionTable[PoolState]{
		Resource: "WorkSpaces Pool",
		Rows: []TransitionRow[PoolState]{
			{Action: ActionCreate, Via: PoolCreating, To: PoolStopped, Timing: TPoolCreate},
			{Action: ActionStart, From: []PoolState{PoolStopped},
				Via: PoolStarting, To: PoolRunning, Timing: TPoolStart, Verb: "started"},
			{Action: ActionStop, From: []PoolState{PoolRunning},
				Via: PoolStopping, To: PoolStopped, Timing: TPoolStop, Verb: "stopped"},
			{Action: ActionTerminate, From: []PoolState{PoolStopped},
				Via: PoolDeleting, Gone: true, Timing: TPoolTerminate, Verb: "terminated"},
			{Action: ActionUpdate, From: []PoolState{PoolStopped, PoolRunning},
				Via: PoolUpdating, Resumes: true, Timing: TPoolUpdate, Verb: "updated", Refusal: CodeInProgress},
		},
	}
}

// ConnectionAliasTable is the connection alias lifecycle: CREATING →
// CREATED → DELETING → gone; every other operation needs CREATED
// (docs/decisions/0041-connection-aliases.md).
func ConnectionAliasTable() TransitionTable[ConnectionAliasState] {
	created := []ConnectionAliasState{ConnectionAliasCreated}
	return TransitionTable[ConnectionAliasState]{
		Resource: "connection alias",
		Rows: []TransitionRow[ConnectionAliasState]{
			{Action: ActionCreate, Via: ConnectionAliasCreating, To: ConnectionAliasCreated, Timing: TAliasCreate},
			{Action: ActionDelete, From: created, Via: ConnectionAliasDeleting, Gone: true, Timing: TAliasDelete, Verb: "deleted"},
			{Action: ActionAssociate, From: created, Verb: "associated with a directory"},
			{Action: ActionDisassociate, From: created, Verb: "disassociated from a directory"},
			{Action: ActionShare, From: created, Verb: "shared or unshared"},
		},
	}
}

// AppAssociationTable is the lifecycle of an application's association
// with a WorkSpace (docs/decisions/0052-applications.md): associated
// applications wait for DeployWorkspaceApplications, whose deployment
// takes one TApplicationDeploy (half pending, half running). Which row an
// association takes depends on whether the application is on the
// WorkSpace (AppAssociation.Installed) as well as on its state: an
// installed application is disassociated to PENDING_UNINSTALL, one never
// installed is withdrawn (REMOVED at once), and an installed one on its
// way out that is associated again is retained (COMPLETED). A failed
// deployment ends in ERROR, from which a forced deployment starts again.
func AppAssociationTable() TransitionTable[AppAssociationState] {
	return TransitionTable[AppAssociationState]{
		Resource: "application association",
		Rows: []TransitionRow[AppAssociationState]{
			{Action: ActionAssociate, To: AppPendingInstall},
			{Action: ActionRetain, From: []AppAssociationState{AppPendingUninstall, AppError}, To: AppCompleted, Verb: "retained"},
			{Action: ActionDeploy, From: []AppAssociationState{AppPendingInstall, AppError},
				Via: AppPendingInstallDeployment, To: AppInstalling, Timing: TApplicationDeploy, Verb: "deployed"},
			{Action: ActionInstall, Via: AppInstalling, To: AppCompleted, Timing: TApplicationDeploy},
			{Action: ActionDisassociate, From: []AppAssociationState{AppCompleted, AppError}, To: AppPendingUninstall, Verb: "disassociated"},
			{Action: ActionWithdraw, From: []AppAssociationState{AppPendingInstall, AppError}, To: AppRemoved, Verb: "withdrawn"},
			{Action: ActionDeployUninstall, From: []AppAssociationState{AppPendingUninstall, AppError},
				Via: AppPendingUninstallDeployment, To: AppUninstalling, Timing: TApplicationDeploy, Verb: "deployed"},
			{Action: ActionUninstall, Via: AppUninstalling, To: AppRemoved, Timing: TApplicationDeploy},
		},
	}
}

// AccountModificationTable is the lifecycle of a BYOL enablement
// (docs/decisions/0031-byol-account.md).
func AccountModificationTable() TransitionTable[AccountModificationState] {
	return TransitionTable[AccountModificationState]{
		Resource: "account modification",
		Rows: []TransitionRow[AccountModificationState]{
			{Action: ActionCreate, Via: AccountModificationPending, To: AccountModificationCompleted, Timing: TAccountModify},
		},
	}
}
