package deskplane

// The names of the lifecycle timers (Timer.Name). A timer name belongs to
// the family of the resource whose key the timer carries, but the names are
// part of the domain: the transition tables name the timers an action
// cancels, and a family that changes another family's resource (an image
// capture suspends a WorkSpace) cancels that resource's timers by name.
// Stored timers keep these names: renaming one strands the timers already
// scheduled under the old name.
const (
	TimerWorkspaceState    = "workspace.state"      // ends a WorkSpace's transitional state; payload: its Generation
	TimerWorkspaceModify   = "workspace.modify"     // advances a running property change
	TimerWorkspaceSnapshot = "workspace.snapshot"   // the next snapshot pair; reschedules itself
	TimerWorkspaceAutoStop = "workspace.autostop"   // stops an AUTO_STOP WorkSpace nobody uses
	TimerImageReady        = "image.ready"          // ends an image's PENDING state
	TimerImageImportStep   = "image.import.step"    // moves a custom image import on
	TimerBundleState       = "bundle.state"         // ends a custom bundle's PENDING state
	TimerDirectoryState    = "directory.state"      // ends REGISTERING and DEREGISTERING
	TimerDSDirectoryStage  = "dsdirectory.stage"    // moves a Directory Service directory to its next stage
	TimerDSTrust           = "dstrust.state"        // ends a trust's transitional state
	TimerDSSnapshot        = "dssnapshot.state"     // ends a snapshot's Creating, a restore
	TimerDSSchemaExt       = "dsschemaext.state"    // moves a schema extension on
	TimerDSSetting         = "dsdirectory.settings" // ends a directory's RADIUS, LDAPS, Region, domain controller and update steps
	TimerDSAssessment      = "dsassessment.state"   // ends an AD assessment's IN_PROGRESS
	TimerAliasState        = "alias.state"          // ends a connection alias's CREATING and DELETING
	TimerPoolState         = "pool.state"           // ends a pool's transitional state
	TimerAppDeploy         = "application.deploy"   // moves a deployed application association on
	TimerAccountModify     = "account.modify"       // completes a BYOL enablement
	TimerDataToken         = "datatoken.expire"     // forgets a Directory Service Data client token after its idempotency window
)
