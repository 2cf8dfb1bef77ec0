package deskplane

// The typed states of the resources that have a lifecycle, and the other
// enumerations the domain's rules reason about. Every value is the value of
// the model's enum of the same meaning (named in each type's comment); the
// drift test (drift_test.go) holds each constant against the generated
// Values() of that enum, so a model update that drops or renames a value
// fails the build's tests instead of a client.
//
// Records keep these typed values in their JSON as the plain strings, so
// typing a field never changes what is stored.

// WorkspaceState is a WorkSpace's state (model WorkspaceState). The
// transitions between states are WorkspaceTable.
type WorkspaceState string

// WorkSpace states.
const (
	WorkspacePending          WorkspaceState = "PENDING"
	WorkspaceAvailable        WorkspaceState = "AVAILABLE"
	WorkspaceImpaired         WorkspaceState = "IMPAIRED"
	WorkspaceUnhealthy        WorkspaceState = "UNHEALTHY"
	WorkspaceRebooting        WorkspaceState = "REBOOTING"
	WorkspaceStarting         WorkspaceState = "STARTING"
	WorkspaceRebuilding       WorkspaceState = "REBUILDING"
	WorkspaceRestoring        WorkspaceState = "RESTORING"
	WorkspaceAdminMaintenance WorkspaceState = "ADMIN_MAINTENANCE"
	WorkspaceTerminating      WorkspaceState = "TERMINATING"
	WorkspaceTerminated       WorkspaceState = "TERMINATED"
	WorkspaceSuspended        WorkspaceState = "SUSPENDED"
	WorkspaceStopping         WorkspaceState = "STOPPING"
	WorkspaceStopped          WorkspaceState = "STOPPED"
	WorkspaceError            WorkspaceState = "ERROR"
)

// ImageState is an image's state (model WorkspaceImageState).
type ImageState string

// Image states.
const (
	ImagePending   ImageState = "PENDING"
	ImageAvailable ImageState = "AVAILABLE"
	ImageError     ImageState = "ERROR"
)

// ImageTenancy is the tenancy an image requires (model
// WorkspaceImageRequiredTenancy): a DEDICATED image is a BYOL image.
type ImageTenancy string

// Image tenancies.
const (
	ImageTenancyDefault   ImageTenancy = "DEFAULT"
	ImageTenancyDedicated ImageTenancy = "DEDICATED"
)

// BundleState is a custom bundle's state (model WorkspaceBundleState).
type BundleState string

// Bundle states.
const (
	BundlePending   BundleState = "PENDING"
	BundleAvailable BundleState = "AVAILABLE"
	BundleError     BundleState = "ERROR"
)

// DirectoryState is the state of a directory's registration with
// WorkSpaces (model WorkspaceDirectoryState).
type DirectoryState string

// Directory registration states.
const (
	DirectoryRegistering   DirectoryState = "REGISTERING"
	DirectoryRegistered    DirectoryState = "REGISTERED"
	DirectoryDeregistering DirectoryState = "DEREGISTERING"
	DirectoryDeregistered  DirectoryState = "DEREGISTERED"
	DirectoryError         DirectoryState = "ERROR"
)

// DSDirectoryStage is the stage of a Directory Service directory (Directory
// Service model DirectoryStage; its values are capitalized words).
type DSDirectoryStage string

// Directory Service directory stages.
const (
	DSDirectoryRequested     DSDirectoryStage = "Requested"
	DSDirectoryCreating      DSDirectoryStage = "Creating"
	DSDirectoryCreated       DSDirectoryStage = "Created"
	DSDirectoryActive        DSDirectoryStage = "Active"
	DSDirectoryInoperable    DSDirectoryStage = "Inoperable"
	DSDirectoryImpaired      DSDirectoryStage = "Impaired"
	DSDirectoryRestoring     DSDirectoryStage = "Restoring"
	DSDirectoryRestoreFailed DSDirectoryStage = "RestoreFailed"
	DSDirectoryDeleting      DSDirectoryStage = "Deleting"
	DSDirectoryDeleted       DSDirectoryStage = "Deleted"
	DSDirectoryFailed        DSDirectoryStage = "Failed"
	DSDirectoryUpdating      DSDirectoryStage = "Updating"
)

// PoolState is a WorkSpaces Pool's state (model WorkspacesPoolState).
type PoolState string

// Pool states.
const (
	PoolCreating PoolState = "CREATING"
	PoolDeleting PoolState = "DELETING"
	PoolRunning  PoolState = "RUNNING"
	PoolStarting PoolState = "STARTING"
	PoolStopped  PoolState = "STOPPED"
	PoolStopping PoolState = "STOPPING"
	PoolUpdating PoolState = "UPDATING"
)

// ConnectionAliasState is a connection alias's state (model
// ConnectionAliasState).
type ConnectionAliasState string

// Connection alias states.
const (
	ConnectionAliasCreating ConnectionAliasState = "CREATING"
	ConnectionAliasCreated  ConnectionAliasState = "CREATED"
	ConnectionAliasDeleting ConnectionAliasState = "DELETING"
)

// AliasAssociationStatus is the status of a connection alias's association
// with a directory (model AssociationStatus).
type AliasAssociationStatus string

// Connection alias association statuses.
const (
	AliasNotAssociated              AliasAssociationStatus = "NOT_ASSOCIATED"
	AliasAssociatedWithOwnerAccount AliasAssociationStatus = "ASSOCIATED_WITH_OWNER_ACCOUNT"
	AliasAssociatedWithSharedAcct   AliasAssociationStatus = "ASSOCIATED_WITH_SHARED_ACCOUNT"
)

// AppAssociationState is the state of an application's association with a
// WorkSpace (model AssociationState).
type AppAssociationState string

// Application association states.
const (
	AppPendingInstall             AppAssociationState = "PENDING_INSTALL"
	AppPendingInstallDeployment   AppAssociationState = "PENDING_INSTALL_DEPLOYMENT"
	AppPendingUninstall           AppAssociationState = "PENDING_UNINSTALL"
	AppPendingUninstallDeployment AppAssociationState = "PENDING_UNINSTALL_DEPLOYMENT"
	AppInstalling                 AppAssociationState = "INSTALLING"
	AppUninstalling               AppAssociationState = "UNINSTALLING"
	AppError                      AppAssociationState = "ERROR"
	AppCompleted                  AppAssociationState = "COMPLETED"
	AppRemoved                    AppAssociationState = "REMOVED"
)

// AccountModificationState is the state of a BYOL enablement (model
// DedicatedTenancyModificationStateEnum).
type AccountModificationState string

// Account modification states.
const (
	AccountModificationPending   AccountModificationState = "PENDING"
	AccountModificationCompleted AccountModificationState = "COMPLETED"
	AccountModificationFailed    AccountModificationState = "FAILED"
)

// AccountLinkStatus is the status of a BYOL account link (model
// AccountLinkStatusEnum).
type AccountLinkStatus string

// Account link statuses.
const (
	AccountLinkPending  AccountLinkStatus = "PENDING_ACCEPTANCE_BY_TARGET_ACCOUNT"
	AccountLinkLinked   AccountLinkStatus = "LINKED"
	AccountLinkRejected AccountLinkStatus = "REJECTED"
)

// ModificationState is the state of a running WorkSpace property change
// (model ModificationStateEnum).
type ModificationState string

// WorkSpace modification states.
const (
	ModificationInitiated  ModificationState = "UPDATE_INITIATED"
	ModificationInProgress ModificationState = "UPDATE_IN_PROGRESS"
)

// ModificationResource is what a WorkSpace property change modifies
// (model ModificationResourceEnum).
type ModificationResource string

// Modified resources.
const (
	ModifyRootVolume  ModificationResource = "ROOT_VOLUME"
	ModifyUserVolume  ModificationResource = "USER_VOLUME"
	ModifyComputeType ModificationResource = "COMPUTE_TYPE"
	ModifyProtocol    ModificationResource = "PROTOCOL"
)

// RunningMode is a WorkSpace's running mode (model RunningMode).
type RunningMode string

// Running modes.
const (
	RunningModeAlwaysOn RunningMode = "ALWAYS_ON"
	RunningModeAutoStop RunningMode = "AUTO_STOP"
	RunningModeManual   RunningMode = "MANUAL"
)

// Compute is a compute type (model Compute).
type Compute string

// The compute types deskplane's rules know.
const (
	ComputeValue           Compute = "VALUE"
	ComputeStandard        Compute = "STANDARD"
	ComputePerformance     Compute = "PERFORMANCE"
	ComputePower           Compute = "POWER"
	ComputePowerPro        Compute = "POWERPRO"
	ComputeGeneral4XLarge  Compute = "GENERALPURPOSE_4XLARGE"
	ComputeGeneral8XLarge  Compute = "GENERALPURPOSE_8XLARGE"
	ComputeGraphics        Compute = "GRAPHICS"
	ComputeGraphicsPro     Compute = "GRAPHICSPRO"
	ComputeGraphicsG4dn    Compute = "GRAPHICS_G4DN"
	ComputeGraphicsProG4dn Compute = "GRAPHICSPRO_G4DN"
)

// Protocol is a streaming protocol (model Protocol).
type Protocol string

// Streaming protocols.
const (
	ProtocolPCoIP Protocol = "PCOIP"
	ProtocolWSP   Protocol = "WSP"
)

// OperatingSystemName is an operating system (model OperatingSystemName).
type OperatingSystemName string

// The operating systems deskplane's rules and catalogue name.
const (
	OSUnknown           OperatingSystemName = "UNKNOWN"
	OSAmazonLinux2      OperatingSystemName = "AMAZON_LINUX_2"
	OSUbuntu1804        OperatingSystemName = "UBUNTU_18_04"
	OSUbuntu2004        OperatingSystemName = "UBUNTU_20_04"
	OSUbuntu2204        OperatingSystemName = "UBUNTU_22_04"
	OSRHEL8             OperatingSystemName = "RHEL_8"
	OSRocky8            OperatingSystemName = "ROCKY_8"
	OSWindows7          OperatingSystemName = "WINDOWS_7"
	OSWindows10         OperatingSystemName = "WINDOWS_10"
	OSWindows11         OperatingSystemName = "WINDOWS_11"
	OSWindowsServer2016 OperatingSystemName = "WINDOWS_SERVER_2016"
	OSWindowsServer2019 OperatingSystemName = "WINDOWS_SERVER_2019"
	OSWindowsServer2022 OperatingSystemName = "WINDOWS_SERVER_2022"
)

// Windows reports whether the operating system is a Windows one.
func (o OperatingSystemName) Windows() bool {
	return len(o) >= len("WINDOWS") && o[:len("WINDOWS")] == "WINDOWS"
}
