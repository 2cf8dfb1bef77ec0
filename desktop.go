package deskplane

import (
	"context"
	"errors"
	"time"
)

// Desktops is the port to the machines behind WorkSpaces: the real desktops
// a node runs (docs/decisions/0180-desktop-port.md). With `-desktops none`
// there is no Desktops and the lifecycle stays timer-driven; with
// `-desktops local` internal/desktop/local implements it with TigerVNC
// desktops under bubblewrap.
//
// Every call is keyed by the desktop id (the WorkSpace id) and is
// idempotent: repeating a call that completed, or that was cut short by a
// crash, converges on the same result, so a reconciler may simply call again
// after any failure. Calls take seconds (processes start, volumes are
// copied): the service never makes them inside a store transaction. It
// persists the desired state first, then calls the port from a worker, then
// records what the desktop reported (docs/decisions/0180-desktop-port.md).
//
// The port knows nothing of accounts, Regions or API states: it is told
// which desktop to change and how, and reports what the desktop is.
type Desktops interface {
	// Provision creates the volumes of a new desktop: the root volume (the
	// system layer) from spec.ImageID, an empty user volume. It does not
	// start the desktop. Provisioning an id that exists already succeeds
	// without change.
	Provision(ctx context.Context, spec DesktopSpec) error
	// Start starts a provisioned desktop with its current resources and
	// returns once it answers the RFB handshake on its endpoint. Starting a
	// running desktop returns once it answers.
	Start(ctx context.Context, id string) error
	// Stop ends every process of the desktop and keeps its volumes.
	// Stopping a stopped desktop succeeds.
	Stop(ctx context.Context, id string) error
	// Reboot stops and starts the desktop; it also repairs an unhealthy one.
	Reboot(ctx context.Context, id string) error
	// Rebuild stops the desktop, recreates its root volume from imageID and
	// its user volume from the user volume of snapshot userSnapshot (an
	// empty user volume when userSnapshot is ""), and leaves it stopped.
	Rebuild(ctx context.Context, id, imageID, userSnapshot string) error
	// Restore stops the desktop, restores both volumes from snapshot, and
	// leaves it stopped.
	Restore(ctx context.Context, id, snapshot string) error
	// Modify changes the desktop's resources. Volumes grow at once (while
	// running, online); compute (CPUs and memory) applies at the next start.
	// A volume never shrinks: a smaller size is ErrVolumeShrink.
	Modify(ctx context.Context, id string, res DesktopResources) error
	// Terminate ends every process and removes the volumes, the snapshots
	// and every mount and directory of the desktop. Terminating an unknown
	// id succeeds.
	Terminate(ctx context.Context, id string) error

	// Snapshot copies both volumes into a snapshot called name (consistent
	// copies: a running desktop's file systems are frozen while they are
	// copied). Repeating a snapshot name returns the existing snapshot.
	Snapshot(ctx context.Context, id, name string) (DesktopSnapshot, error)
	// Snapshots lists the desktop's snapshots, oldest first.
	Snapshots(ctx context.Context, id string) ([]DesktopSnapshot, error)
	// DeleteSnapshot removes a snapshot; an unknown name succeeds.
	DeleteSnapshot(ctx context.Context, id, name string) error

	// CaptureImage copies the desktop's root volume (not its user volume)
	// into the image store as imageID. Capturing an imageID that exists
	// succeeds without change.
	CaptureImage(ctx context.Context, id, imageID string) error
	// CopyImage copies image src to dst (CopyWorkspaceImage,
	// CreateUpdatedWorkspaceImage). An existing dst succeeds unchanged.
	CopyImage(ctx context.Context, src, dst string) error
	// DeleteImage removes an image from the store; an unknown id succeeds.
	DeleteImage(ctx context.Context, imageID string) error

	// Status reports what the desktop is now; ErrDesktopNotFound when the
	// id was never provisioned (or was terminated).
	Status(ctx context.Context, id string) (DesktopStatus, error)
	// List reports every desktop this node holds, for the reconciler after
	// a restart.
	List(ctx context.Context) ([]DesktopStatus, error)
}

// DesktopSpec is what Provision needs to create a desktop.
type DesktopSpec struct {
	// ID names the desktop: the WorkSpace id.
	ID string
	// ImageID is the image whose system layer the root volume starts from;
	// "" means the node's base system (the AMAZON catalogue images).
	ImageID string
	// UserName is the login name inside the desktop.
	UserName string
	// Hostname is the desktop's host name (the WorkSpace's ComputerName);
	// "" uses the id.
	Hostname  string
	Resources DesktopResources
}

// DesktopResources are a desktop's sizes: the compute type's CPUs and memory
// and the two volumes (WorkspaceProperties).
type DesktopResources struct {
	// ComputeType is the WorkSpaces compute type, for reports only: the
	// provider uses CPUs and MemoryMiB.
	ComputeType   string
	CPUs          int
	MemoryMiB     int
	RootVolumeGiB int
	UserVolumeGiB int
}

// DesktopState is what a desktop is doing, as the provider sees it.
type DesktopState string

// The desktop states.
const (
	// DesktopStopped: volumes exist, no process runs.
	DesktopStopped DesktopState = "stopped"
	// DesktopRunning: the desktop was started and answers the RFB
	// handshake on its endpoint.
	DesktopRunning DesktopState = "running"
	// DesktopUnhealthy: the desktop was started and not stopped, but its
	// processes are gone or its X server does not answer. Reboot repairs it.
	DesktopUnhealthy DesktopState = "unhealthy"
)

// DesktopStatus is a desktop as the provider sees it.
type DesktopStatus struct {
	ID    string
	State DesktopState
	// Reason says why the desktop is unhealthy.
	Reason string
	// Endpoint is where its VNC (RFB) server listens while it runs, as
	// "unix:" and a socket path; only this node can reach it.
	Endpoint string
	ImageID  string
	UserName string
	// Resources are the configured sizes; Applied the CPUs and memory in
	// force since the last start (compute changes wait for a start).
	Resources DesktopResources
	Applied   DesktopResources
	// LimitsEnforced says whether CPU and memory limits are enforced by
	// the host (cgroups), VolumesEnforced whether volume sizes are (file
	// systems of that size) rather than only measured.
	LimitsEnforced  bool
	VolumesEnforced bool
	RootVolume      VolumeUsage
	UserVolume      VolumeUsage
	// Started is when the running desktop was started (zero when stopped).
	Started time.Time
}

// VolumeUsage is a volume's size and how much of it is used.
type VolumeUsage struct {
	SizeBytes int64
	UsedBytes int64
}

// DesktopSnapshot is one snapshot of a desktop's two volumes.
type DesktopSnapshot struct {
	Name    string
	Created time.Time
	// Bytes is the space the snapshot takes.
	Bytes int64
}

// Errors of the Desktops port; implementations wrap them.
var (
	ErrDesktopNotFound  = errors.New("deskplane: desktop not found")
	ErrImageNotFound    = errors.New("deskplane: desktop image not found")
	ErrSnapshotNotFound = errors.New("deskplane: desktop snapshot not found")
	ErrVolumeShrink     = errors.New("deskplane: a volume cannot shrink")
	ErrInvalidDesktopID = errors.New("deskplane: invalid desktop, image or snapshot name")
)
