package reconcile

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
)

// view is what a worker reads about one desktop before it acts.
type view struct {
	sc    deskplane.Scope
	wsID  string
	did   string
	d     desktops.DesktopRecord
	ws    *deskplane.Workspace // nil: the WorkSpace is gone
	spec  deskplane.DesktopSpec
	res   deskplane.DesktopResources
	adopt bool // first pass after the process started
}

// outcome is what the desktop did, to record.
type outcome struct {
	complete   bool // the WorkSpace's transition is done on the desktop
	unhealthy  bool
	terminated bool
	taken      []desktops.DesktopSnapshotRequest
	captured   []string
	applied    bool
}

// handle looks at one desktop: reads its record and WorkSpace, calls the
// port outside any transaction, records the outcome.
func (r *Reconciler) handle(ctx context.Context, did string, adopt bool) {
	sc, wsID, ok := desktops.ParseDesktopID(did)
	if !ok {
		return
	}
	v := view{sc: sc, wsID: wsID, did: did, adopt: adopt}
	found, foreign := false, false
	err := r.store.View(ctx, func(tx deskplane.Tx) error {
		v.ws, found, foreign = nil, false, false
		d, ok, err := desktops.DesktopRecords().Get(tx, desktops.NodeScope(r.opt.Node), did)
		if err != nil || !ok {
			return err
		}
		found, v.d = true, *d
		ws, ok, err := deskplane.Workspaces().Get(tx, sc, wsID)
		if err != nil || !ok {
			return err
		}
		if ws.Node != r.opt.Node {
			foreign = true // another node's: never act on it
			return nil
		}
		v.ws = ws
		v.res = desktops.DesktopResourcesOf(ws)
		img, err := portImage(tx, sc, ws.BundleID)
		if err != nil {
			return err
		}
		v.spec = deskplane.DesktopSpec{ID: ws.ID, ImageID: img, UserName: ws.UserName, Hostname: ws.ComputerName, Resources: v.res}
		return nil
	})
	if err != nil {
		r.opt.Log.Error("desktops: reading a desktop's WorkSpace", "desktop", did, "err", err)
		return
	}
	if !found {
		return
	}
	if foreign {
		// A record in this node's scope for a WorkSpace of another node
		// (its Node never changes, so this should not happen): noted, never
		// acted on.
		if err := r.markSeen(ctx, &v); err != nil {
			r.opt.Log.Error("desktops: recording a look", "workspace", wsID, "err", err)
		}
		return
	}
	began := r.opt.Wall()
	out, actErr := r.act(ctx, &v)
	if actErr != nil {
		r.opt.Log.Warn("desktops: a desktop call failed", "workspace", wsID, "err", actErr)
	}
	acted := r.opt.Wall().Sub(began)
	if err := r.record(ctx, &v, out, actErr); err != nil {
		r.opt.Log.Error("desktops: recording what a desktop did", "workspace", wsID, "err", err)
	}
	if v.ws != nil {
		r.opt.Log.Debug("desktops: handled", "workspace", wsID, "state", v.ws.State, "act", acted, "record", r.opt.Wall().Sub(began)-acted)
	}
}

// act calls the port to bring the desktop where the WorkSpace's state says.
func (r *Reconciler) act(ctx context.Context, v *view) (outcome, error) {
	var out outcome
	ws, p := v.ws, r.port
	if ws == nil || ws.State == deskplane.WorkspaceTerminating || ws.State == deskplane.WorkspaceTerminated {
		out.terminated, out.complete = true, true
		return out, p.Terminate(ctx, v.wsID)
	}
	if ws.State == deskplane.WorkspaceAvailable && !v.adopt && v.d.Applied == v.res && len(v.d.Snapshots) == 0 && r.justStarted(ws.ID) {
		// The write that ended its start touched it: it answered the RFB
		// handshake a moment ago, and the health pass looks again.
		return out, nil
	}
	st, err := p.Status(ctx, ws.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, deskplane.ErrDesktopNotFound) {
		return out, err
	}
	if !exists {
		if err := r.provision(ctx, v.spec); err != nil {
			return out, err
		}
		st = deskplane.DesktopStatus{ID: ws.ID, State: deskplane.DesktopStopped}
		out.applied = true
	}
	// Sizes and compute follow the WorkSpace: volumes grow now, compute
	// applies at the next start.
	if exists && v.d.Applied != v.res {
		if err := p.Modify(ctx, ws.ID, v.res); err != nil && !errors.Is(err, deskplane.ErrVolumeShrink) {
			return out, err
		}
		out.applied = true
	}
	state := ws.State
	if v.d.DoneGen == ws.Generation && deskplane.WorkspaceTable().Transitional(state) {
		state = "" // done already: the state timer ends it
	}
	switch state {
	case deskplane.WorkspacePending, deskplane.WorkspaceStarting:
		out.complete = true
		err = p.Start(ctx, ws.ID)
	case deskplane.WorkspaceRebooting:
		out.complete = true
		err = p.Reboot(ctx, ws.ID)
	case deskplane.WorkspaceStopping:
		out.complete = true
		err = p.Stop(ctx, ws.ID)
	case deskplane.WorkspaceRebuilding:
		out.complete = true
		err = r.rebuild(ctx, v)
	case deskplane.WorkspaceRestoring:
		out.complete = true
		err = r.restore(ctx, v)
	case deskplane.WorkspaceAvailable:
		switch {
		case st.State == deskplane.DesktopStopped:
			err = p.Start(ctx, ws.ID)
		case st.State == deskplane.DesktopUnhealthy && v.adopt:
			// Left running by a previous process that is gone, or the
			// host restarted: start it again to match its record.
			err = p.Reboot(ctx, ws.ID)
		case st.State == deskplane.DesktopUnhealthy:
			out.unhealthy = true
			r.opt.Log.Warn("desktops: a desktop is unhealthy", "workspace", ws.ID, "reason", st.Reason)
		}
	case deskplane.WorkspaceStopped, deskplane.WorkspaceError:
		if st.State != deskplane.DesktopStopped {
			err = p.Stop(ctx, ws.ID)
		}
	case deskplane.WorkspaceSuspended:
		if img := ws.ImageCapture; img != "" && !slices.Contains(v.d.Captured, img) {
			if err = p.CaptureImage(ctx, ws.ID, img); err == nil {
				out.captured = append(out.captured, img)
			}
		}
	}
	if err != nil {
		return out, err
	}
	if out.complete && ws.State != deskplane.WorkspaceStopping {
		r.markStarted(ws.ID)
	}
	out.taken, err = r.snapshots(ctx, v)
	return out, err
}

// provision creates the desktop; an image whose content this node does
// not hold (a BYOL import, a catalogue image) gives the base system.
func (r *Reconciler) provision(ctx context.Context, spec deskplane.DesktopSpec) error {
	err := r.port.Provision(ctx, spec)
	if errors.Is(err, deskplane.ErrImageNotFound) && spec.ImageID != "" {
		r.opt.Log.Warn("desktops: image content not on this node; the desktop gets the base system", "workspace", spec.ID, "image", spec.ImageID)
		spec.ImageID = ""
		err = r.port.Provision(ctx, spec)
	}
	return err
}

// rebuild recreates the root volume from the bundle's image and the user
// volume from the latest snapshot, then starts the desktop.
func (r *Reconciler) rebuild(ctx context.Context, v *view) error {
	snap := ""
	if n := len(v.ws.RebuildSnapshots); n > 0 {
		snap = desktops.SnapshotName(v.ws.RebuildSnapshots[n-1])
	}
	err := r.port.Rebuild(ctx, v.wsID, v.spec.ImageID, snap)
	if errors.Is(err, deskplane.ErrSnapshotNotFound) {
		err = r.port.Rebuild(ctx, v.wsID, v.spec.ImageID, "")
	}
	if errors.Is(err, deskplane.ErrImageNotFound) {
		err = r.port.Rebuild(ctx, v.wsID, "", snap)
	}
	if err != nil {
		return err
	}
	return r.port.Start(ctx, v.wsID)
}

// restore restores both volumes from the latest snapshot, then starts
// the desktop.
func (r *Reconciler) restore(ctx context.Context, v *view) error {
	if n := len(v.ws.RestoreSnapshots); n > 0 {
		err := r.port.Restore(ctx, v.wsID, desktops.SnapshotName(v.ws.RestoreSnapshots[n-1]))
		if err != nil && !errors.Is(err, deskplane.ErrSnapshotNotFound) {
			return err
		}
	}
	return r.port.Start(ctx, v.wsID)
}

// snapshots takes the snapshots the schedule asked for, and removes the
// desktop's snapshots the WorkSpace no longer lists.
func (r *Reconciler) snapshots(ctx context.Context, v *view) ([]desktops.DesktopSnapshotRequest, error) {
	if len(v.d.Snapshots) == 0 {
		return nil, nil
	}
	keep := map[string]bool{}
	for _, t := range append(slices.Clone(v.ws.RebuildSnapshots), v.ws.RestoreSnapshots...) {
		keep[desktops.SnapshotName(t)] = true
	}
	have, err := r.port.Snapshots(ctx, v.wsID)
	if err != nil {
		return nil, err
	}
	for _, s := range have {
		if !keep[s.Name] {
			if err := r.port.DeleteSnapshot(ctx, v.wsID, s.Name); err != nil {
				return nil, err
			}
		}
	}
	var taken []desktops.DesktopSnapshotRequest
	for _, req := range v.d.Snapshots {
		if _, err := r.port.Snapshot(ctx, v.wsID, desktops.SnapshotName(req.At)); err != nil {
			return taken, err
		}
		taken = append(taken, req)
	}
	return taken, nil
}

// portImage is the image in the desktops' image store that a bundle's
// WorkSpaces start from: the image captured from a WorkSpace that the
// bundle's image is, or was copied or updated from; "" (the base system)
// for the catalogue's bundles and images without captured content. A
// shared image is read in its owner's scope.
func portImage(tx deskplane.Tx, sc deskplane.Scope, bundleID string) (string, error) {
	b, found, err := deskplane.Bundles().Get(tx, sc, bundleID)
	if err != nil || !found {
		return "", err
	}
	id := b.ImageID
	for range 16 {
		img, found, err := deskplane.Images().Get(tx, sc, id)
		if err != nil {
			return "", err
		}
		if !found {
			share, shared, err := deskplane.ImageShares().Get(tx, sc, id)
			if err != nil || !shared {
				return "", err
			}
			sc = deskplane.Scope{Account: share.Owner, Region: sc.Region}
			if img, found, err = deskplane.Images().Get(tx, sc, id); err != nil || !found {
				return "", err
			}
		}
		switch img.Origin {
		case deskplane.OriginWorkspace:
			return img.ID, nil
		case deskplane.OriginCopy, deskplane.OriginUpdate:
			if img.SourceImageID == "" {
				return "", nil
			}
			if img.SourceAccount != "" {
				sc.Account = img.SourceAccount
			}
			if img.SourceRegion != "" {
				sc.Region = img.SourceRegion
			}
			id = img.SourceImageID
		default:
			return "", nil
		}
	}
	return "", nil
}

// record writes what the desktop did, in one transaction: the transition
// completed (or given up), the WorkSpace UNHEALTHY, snapshots listed,
// images captured, the record handled or removed.
func (r *Reconciler) record(ctx context.Context, v *view, out outcome, actErr error) error {
	failed := ""
	if actErr != nil {
		attempts, last := r.failed(v.did)
		if !last || !out.complete {
			if last {
				r.succeeded(v.did) // give up until the WorkSpace changes again
			} else {
				return nil // tried again after a back-off
			}
			r.opt.Log.Error("desktops: giving up", "workspace", v.wsID, "attempts", attempts, "err", actErr)
			return r.markSeen(ctx, v)
		}
		failed = trimError(actErr.Error())
		r.succeeded(v.did)
	} else {
		r.succeeded(v.did)
	}
	now := r.clock.Now()
	ns := desktops.NodeScope(r.opt.Node)
	return r.store.Update(ctx, func(tx deskplane.Tx) error {
		ws, wsFound, err := deskplane.Workspaces().Get(tx, v.sc, v.wsID)
		if err != nil {
			return err
		}
		if out.terminated && actErr == nil && (!wsFound || ws.State == deskplane.WorkspaceTerminated) {
			_, err := desktops.DesktopRecords().Delete(tx, ns, v.did)
			return err
		}
		if !wsFound || v.ws == nil {
			return nil
		}
		gen := v.ws.Generation
		d, found, err := desktops.DesktopRecords().Get(tx, ns, v.did)
		if err != nil || !found {
			return err
		}
		// The record was handled if nothing but this transaction's own
		// write of the WorkSpace (which touches it) came since it was read.
		handled := d.Want == v.d.Want
		if ws.Generation == gen && (out.unhealthy || len(out.taken) > 0) {
			if out.unhealthy && ws.State == deskplane.WorkspaceAvailable {
				ws.SetState(deskplane.WorkspaceUnhealthy, now)
			}
			for _, t := range out.taken {
				ws.RebuildSnapshots = desktops.AddSnapshotTime(ws.RebuildSnapshots, t.At)
				if !t.UserOnly {
					ws.RestoreSnapshots = desktops.AddSnapshotTime(ws.RestoreSnapshots, t.At)
				}
			}
			if err := deskplane.Workspaces().Put(tx, v.sc, v.wsID, ws); err != nil {
				return err
			}
			if d, _, err = desktops.DesktopRecords().Get(tx, ns, v.did); err != nil {
				return err
			}
		}
		d.Snapshots = slices.DeleteFunc(d.Snapshots, func(q desktops.DesktopSnapshotRequest) bool {
			return slices.ContainsFunc(out.taken, func(t desktops.DesktopSnapshotRequest) bool { return t.At.Equal(q.At) })
		})
		if out.applied && actErr == nil {
			d.Applied = v.res
		}
		if handled {
			d.Seen = d.Want
		}
		if err := desktops.DesktopRecords().Put(tx, ns, v.did, d); err != nil {
			return err
		}
		for _, img := range out.captured {
			if err := desktops.CompleteCapture(tx, r.opt.Node, v.sc, v.wsID, img, now); err != nil {
				return err
			}
		}
		if out.complete && ws.Generation == gen {
			return desktops.CompleteDesktop(tx, r.opt.Node, v.sc, v.wsID, gen, failed, now)
		}
		return nil
	})
}

// markSeen records that the desktop's current Want was handled.
func (r *Reconciler) markSeen(ctx context.Context, v *view) error {
	ns := desktops.NodeScope(r.opt.Node)
	return r.store.Update(ctx, func(tx deskplane.Tx) error {
		d, found, err := desktops.DesktopRecords().Get(tx, ns, v.did)
		if err != nil || !found || d.Want != v.d.Want {
			return err
		}
		d.Seen = d.Want
		return desktops.DesktopRecords().Put(tx, ns, v.did, d)
	})
}

// trimError keeps a port error short enough for an ErrorMessage.
func trimError(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}
