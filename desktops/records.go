// Package desktops holds the domain records that tie WorkSpaces to real
// desktops with -desktops local: each desktop's record in its node's scope,
// the gates a transition waits on, snapshot requests, captured image content
// and the compute hardware table. The port itself (deskplane.Desktops) stays
// in the root. A domain sub-package of the root: standard library and the
// root only (docs/decisions/0106-domain-sub-packages.md,
// 0184-desktop-reconciler.md).
package desktops

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
)

// The records that tie a WorkSpace to its desktop when deskplane runs real
// desktops (-desktops local; docs/decisions/0184-desktop-reconciler.md).
//
// A WorkSpace launched on a node names that node (Workspace.Node). Each
// such WorkSpace has a DesktopRecord in the node's scope, so that a node
// lists only its own desktops. The record is the reconciler's queue entry
// and its report: Want grows on every write of the WorkSpace (the
// reconciler's store wraps every transaction and bumps it), Seen is the
// Want the node's reconciler has handled, DoneGen the WorkSpace Generation
// whose transition the desktop has completed. The families never call the
// desktops: a transition's timer waits (DesktopGate) until the desktop has
// done its part, then ends the state as it always did.

// KindDesktop is a WorkSpace's desktop record, in NodeScope(node): id =
// DesktopID(scope, WorkSpace id).
const KindDesktop deskplane.Kind = "desktop"

// NodeScope is the scope of the records of one node's desktops.
func NodeScope(node string) deskplane.Scope { return deskplane.Scope{Account: "node", Region: node} }

// DesktopID is the id of a WorkSpace's desktop record in its node's scope.
func DesktopID(sc deskplane.Scope, workspaceID string) string {
	return sc.Account + "/" + sc.Region + "/" + workspaceID
}

// ParseDesktopID splits a desktop record id into the WorkSpace's scope and
// id.
func ParseDesktopID(id string) (deskplane.Scope, string, bool) {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 {
		return deskplane.Scope{}, "", false
	}
	return deskplane.Scope{Account: parts[0], Region: parts[1]}, parts[2], true
}

// DesktopRecords are the desktop records, each in its node's scope.
func DesktopRecords() deskplane.Records[DesktopRecord] {
	return deskplane.Records[DesktopRecord]{Kind: KindDesktop}
}

// DesktopRecord is what a node's reconciler knows and owes about the
// desktop of one WorkSpace.
type DesktopRecord struct {
	Account     string `json:"account"`
	Region      string `json:"region"`
	WorkspaceID string `json:"workspaceId"`
	// Want grows on every write of the WorkSpace; Seen is the Want the
	// reconciler handled last. Want != Seen: the desktop needs a look.
	Want int64 `json:"want"`
	Seen int64 `json:"seen"`
	// DoneGen is the WorkSpace Generation whose transition the desktop
	// completed (PENDING started, STOPPING stopped …). Failed is the
	// desktop's error when it gave up on that transition instead.
	DoneGen int64  `json:"doneGen,omitempty"`
	Failed  string `json:"failed,omitempty"`
	// Snapshots are snapshot times asked for and not yet taken; UserOnly
	// marks those that only count as rebuild (user volume) snapshots.
	Snapshots []DesktopSnapshotRequest `json:"snapshots,omitempty"`
	// Captured lists the images captured from the desktop (by image id).
	Captured []string `json:"captured,omitempty"`
	// Applied are the resources the desktop was last given.
	Applied deskplane.DesktopResources `json:"applied,omitzero"`
}

// DesktopSnapshotRequest is one snapshot the WorkSpace's schedule asks for.
type DesktopSnapshotRequest struct {
	At       time.Time `json:"at"`
	UserOnly bool      `json:"userOnly,omitempty"`
}

// SnapshotName is the desktop snapshot name of a snapshot time: the record's
// RebuildSnapshots and RestoreSnapshots times name the desktop's snapshots.
func SnapshotName(at time.Time) string { return at.UTC().Format("20060102T150405.000Z") }

// DesktopErrorCode is the ErrorCode of a WorkSpace whose desktop failed a
// transition after its retries.
const DesktopErrorCode = "InternalError.Desktop"

// TouchDesktop marks the desktop of WorkSpace id (in scope sc, on node)
// as needing a look by the node's reconciler. The reconciler's store calls
// it on every write of a WorkSpace that names a node.
func TouchDesktop(tx deskplane.Tx, node string, sc deskplane.Scope, id string) error {
	if node == "" {
		return nil
	}
	return touchDesktop(tx, node, sc, id, nil)
}

func touchDesktop(tx deskplane.Tx, node string, sc deskplane.Scope, id string, fn func(*DesktopRecord)) error {
	ns := NodeScope(node)
	did := DesktopID(sc, id)
	d, found, err := DesktopRecords().Get(tx, ns, did)
	if err != nil {
		return err
	}
	if !found {
		d = &DesktopRecord{Account: sc.Account, Region: sc.Region, WorkspaceID: id}
	}
	d.Want++
	if fn != nil {
		fn(d)
	}
	return DesktopRecords().Put(tx, ns, did, d)
}

// DesktopGate says whether the transition of ws at its Generation may end:
// wait is true while its desktop has not done its part. failed carries the
// desktop's error when it gave up: the transition then ends as a
// transition fault would, in ERROR with DesktopErrorCode. A WorkSpace
// without a node never waits, and neither does any on a node that runs no
// desktops (desktops false): turning desktops off leaves the lifecycle
// timer-driven again instead of stuck.
func DesktopGate(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, desktops bool) (wait bool, failed deskplane.TransitionFault, hasFailed bool, err error) {
	if ws.Node == "" || !desktops {
		return false, deskplane.TransitionFault{}, false, nil
	}
	d, found, err := DesktopRecords().Get(tx, NodeScope(ws.Node), DesktopID(sc, ws.ID))
	if err != nil || !found || d.DoneGen != ws.Generation {
		return err == nil, deskplane.TransitionFault{}, false, err
	}
	if d.Failed != "" {
		return false, deskplane.TransitionFault{State: string(deskplane.WorkspaceError), ErrorCode: DesktopErrorCode,
			ErrorMessage: "The desktop of WorkSpace " + ws.ID + " failed: " + d.Failed}, true, nil
	}
	return false, deskplane.TransitionFault{}, false, nil
}

// CompleteDesktop records that the desktop of the WorkSpace id (in scope
// sc, on node) completed the transition of Generation gen (failed: gave up
// with that error), and makes the WorkSpace's state timer fire now if it
// already fired and waited. It changes nothing when the WorkSpace moved on.
func CompleteDesktop(tx deskplane.Tx, node string, sc deskplane.Scope, id string, gen int64, failed string, now time.Time) error {
	ws, found, err := deskplane.Workspaces().Get(tx, sc, id)
	if err != nil || !found || ws.Generation != gen || ws.Node != node {
		return err
	}
	ns, did := NodeScope(node), DesktopID(sc, id)
	d, found, err := DesktopRecords().Get(tx, ns, did)
	if err != nil || !found {
		return err
	}
	d.DoneGen, d.Failed = gen, failed
	if err := DesktopRecords().Put(tx, ns, did, d); err != nil {
		return err
	}
	k := deskplane.Workspaces().Key(sc, id)
	timers, err := tx.Timers(k)
	if err != nil {
		return err
	}
	for _, t := range timers {
		if t.Name == deskplane.TimerWorkspaceState {
			return nil // it has not fired yet: it ends the state when due
		}
	}
	return tx.Schedule(deskplane.Timer{Key: k, Name: deskplane.TimerWorkspaceState, Due: now, Payload: []byte(strconv.FormatInt(gen, 10))})
}

// RequestDesktopSnapshot asks the node of ws for a snapshot of its desktop
// taken at `at` (userOnly: it counts as a rebuild snapshot only). The
// reconciler takes it and then lists it on the WorkSpace (RecordSnapshot).
func RequestDesktopSnapshot(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, at time.Time, userOnly bool) error {
	return touchDesktop(tx, ws.Node, sc, ws.ID, func(d *DesktopRecord) {
		for _, r := range d.Snapshots {
			if r.At.Equal(at) {
				return
			}
		}
		d.Snapshots = append(d.Snapshots, DesktopSnapshotRequest{At: at, UserOnly: userOnly})
	})
}

// MaxWorkspaceSnapshots is how many snapshots of each kind a WorkSpace
// keeps and DescribeWorkspaceSnapshots shows (the newest).
const MaxWorkspaceSnapshots = 3

// AddSnapshotTime appends a snapshot time to a list, keeping the newest
// MaxWorkspaceSnapshots.
func AddSnapshotTime(snaps []time.Time, at time.Time) []time.Time {
	snaps = append(snaps, at)
	if len(snaps) > MaxWorkspaceSnapshots {
		snaps = append(snaps[:0], snaps[len(snaps)-MaxWorkspaceSnapshots:]...)
	}
	return snaps
}

// ImageContentWait says whether an image captured from a WorkSpace with a
// desktop must stay PENDING because the desktop has not captured it yet
// (never on a node that runs no desktops: desktops false).
func ImageContentWait(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, desktops bool) (bool, error) {
	if !desktops || img.Origin != deskplane.OriginWorkspace || img.SourceWorkspaceID == "" {
		return false, nil
	}
	ws, found, err := deskplane.Workspaces().Get(tx, sc, img.SourceWorkspaceID)
	if err != nil || !found || ws.Node == "" {
		return false, err
	}
	d, found, err := DesktopRecords().Get(tx, NodeScope(ws.Node), DesktopID(sc, ws.ID))
	if err != nil || !found {
		return false, err
	}
	return !slices.Contains(d.Captured, img.ID), nil
}

// ComputeHardware is what a compute type gives a desktop: virtual CPUs
// and memory (the public bundles' table, internal/catalogue; no GPU).
func ComputeHardware(c deskplane.Compute) (vCPUs, memoryGiB int, ok bool) {
	switch c {
	case deskplane.ComputeValue:
		return 1, 2, true
	case deskplane.ComputeStandard:
		return 2, 4, true
	case deskplane.ComputePerformance:
		return 2, 8, true
	case deskplane.ComputePower:
		return 4, 16, true
	case deskplane.ComputePowerPro:
		return 8, 32, true
	case deskplane.ComputeGraphics:
		return 8, 15, true
	case deskplane.ComputeGraphicsPro:
		return 16, 122, true
	case deskplane.ComputeGraphicsG4dn:
		return 4, 16, true
	case deskplane.ComputeGraphicsProG4dn, deskplane.ComputeGeneral4XLarge:
		return 16, 64, true
	case deskplane.ComputeGeneral8XLarge:
		return 32, 128, true
	}
	return 0, 0, false
}

// DesktopResourcesOf are the resources the desktop of ws must have: its
// compute type's CPUs and memory and its volume sizes.
func DesktopResourcesOf(ws *deskplane.Workspace) deskplane.DesktopResources {
	cpus, mem, ok := ComputeHardware(ws.ComputeType)
	if !ok {
		cpus, mem = 1, 2
	}
	return deskplane.DesktopResources{ComputeType: string(ws.ComputeType), CPUs: cpus, MemoryMiB: mem * 1024,
		RootVolumeGiB: ws.RootVolumeSizeGib, UserVolumeGiB: ws.UserVolumeSizeGib}
}

// CompleteCapture records that the desktop of WorkSpace wsID captured
// image imageID, and makes the image's ready timer fire now if it already
// fired and waited (ImageContentWait).
func CompleteCapture(tx deskplane.Tx, node string, sc deskplane.Scope, wsID, imageID string, now time.Time) error {
	ns, did := NodeScope(node), DesktopID(sc, wsID)
	d, found, err := DesktopRecords().Get(tx, ns, did)
	if err != nil || !found {
		return err
	}
	if !slices.Contains(d.Captured, imageID) {
		d.Captured = append(d.Captured, imageID)
		if err := DesktopRecords().Put(tx, ns, did, d); err != nil {
			return err
		}
	}
	img, found, err := deskplane.Images().Get(tx, sc, imageID)
	if err != nil || !found || !deskplane.ImageTable().Transitional(img.State) {
		return err
	}
	k := deskplane.Images().Key(sc, imageID)
	timers, err := tx.Timers(k)
	if err != nil {
		return err
	}
	for _, t := range timers {
		if t.Name == deskplane.TimerImageReady {
			return nil
		}
	}
	// No payload: the handler then checks only that the image is still
	// PENDING.
	return tx.Schedule(deskplane.Timer{Key: k, Name: deskplane.TimerImageReady, Due: now})
}
