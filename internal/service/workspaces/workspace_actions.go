package workspaces

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Start, Stop, Reboot, Rebuild, Restore and Terminate WorkSpaces,
// ModifyWorkspaceState, MigrateWorkspace, DescribeWorkspaceSnapshots and
// DescribeWorkspacesConnectionStatus (behaviour doc §2.2; decision 0022).

// itemFailure is why one item of a batch call failed.
type itemFailure struct {
	code, msg string
}

func failItem(code, format string, args ...any) *itemFailure {
	return &itemFailure{code: code, msg: fmt.Sprintf(format, args...)}
}

// batch applies fn to each WorkSpace of a batch call in one transaction.
// fn changes the WorkSpace (it is saved afterwards) or says why it cannot;
// an error from fn fails the whole call. Unknown ids fail their item.
func (s *Service) batch(ctx context.Context, ids []string, fn func(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, now time.Time) (*itemFailure, error)) ([]wsapi.FailedWorkspaceChangeRequest, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	var failed []wsapi.FailedWorkspaceChangeRequest
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		failed = []wsapi.FailedWorkspaceChangeRequest{}
		for _, id := range ids {
			f := (*itemFailure)(nil)
			ws, err := loadWorkspace(tx, sc, id)
			if err != nil {
				return err
			}
			if ws == nil {
				f = failItem(failWorkspaceNotFound, "The WorkSpace %s could not be found.", id)
			} else if f, err = fn(tx, sc, ws, now); err != nil {
				return err
			}
			if f != nil {
				failed = append(failed, wsapi.FailedWorkspaceChangeRequest{WorkspaceId: new(id), ErrorCode: new(f.code), ErrorMessage: new(f.msg)})
				continue
			}
			if err := saveWorkspace(tx, sc, ws); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}

func adminMaintenance(ws *deskplane.Workspace, what string) *itemFailure {
	if ws.State != wsAdminMaintenance {
		return nil
	}
	return failItem(failWorkspaceState, "The WorkSpace %s is in ADMIN_MAINTENANCE and does not respond to %s requests; set it to AVAILABLE first.", ws.ID, what)
}

func modifying(ws *deskplane.Workspace, what string) *itemFailure {
	if len(ws.Modifications) == 0 {
		return nil
	}
	return failItem(failInProgress, "The WorkSpace %s is being modified (%s); it can be %s once the modification is complete.", ws.ID, ws.Modifications[0].Resource, what)
}

// refused checks an action on a WorkSpace against deskplane.WorkspaceTable
// and returns its row, or the item failure whose message the table builds.
func refused(a deskplane.Action, ws *deskplane.Workspace) (deskplane.TransitionRow[deskplane.WorkspaceState], *itemFailure) {
	row, err := deskplane.WorkspaceTable().Check(a, ws.ID, ws.State)
	if err != nil {
		return row, &itemFailure{code: failWorkspaceState, msg: err.Error()}
	}
	return row, nil
}

// enter puts a WorkSpace in the row's transitional state: its timers of
// the row are cancelled and the end of the transition is scheduled.
func (s *Service) enter(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, row deskplane.TransitionRow[deskplane.WorkspaceState], now time.Time) error {
	setState(ws, row.Via, now)
	for _, name := range row.Cancels {
		if err := tx.Cancel(wsKey(sc, ws.ID), name); err != nil {
			return err
		}
	}
	return s.scheduleState(tx, sc, ws, row.Timing, now)
}

// startStoppable reports whether a running mode allows StartWorkspaces and
// StopWorkspaces (AUTO_STOP and MANUAL).
func startStoppable(ws *deskplane.Workspace) *itemFailure {
	if ws.RunningMode.StartStoppable() {
		return nil
	}
	return failItem(failRunningMode, "The WorkSpace %s has the running mode %s; only AUTO_STOP and MANUAL WorkSpaces can be started and stopped.", ws.ID, ws.RunningMode)
}

// startOrStop is the step StartWorkspaces and StopWorkspaces take for each
// WorkSpace: verb names the action in the maintenance refusal.
func (s *Service) startOrStop(verb string, a deskplane.Action) func(deskplane.Tx, deskplane.Scope, *deskplane.Workspace, time.Time) (*itemFailure, error) {
	return func(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, now time.Time) (*itemFailure, error) {
		if f := adminMaintenance(ws, verb); f != nil {
			return f, nil
		}
		if f := startStoppable(ws); f != nil {
			return f, nil
		}
		row, f := refused(a, ws)
		if f != nil {
			return f, nil
		}
		if f := modifying(ws, row.Verb); f != nil {
			return f, nil
		}
		return nil, s.enter(tx, sc, ws, row, now)
	}
}

func (s *Service) StartWorkspaces(ctx context.Context, in *wsapi.StartWorkspacesRequest) (*wsapi.StartWorkspacesResult, error) {
	ids := make([]string, len(in.StartWorkspaceRequests))
	for i, r := range in.StartWorkspaceRequests {
		ids[i] = value(r.WorkspaceId)
	}
	failed, err := s.batch(ctx, ids, s.startOrStop("start", deskplane.ActionStart))
	if err != nil {
		return nil, err
	}
	return &wsapi.StartWorkspacesResult{FailedRequests: failed}, nil
}

func (s *Service) StopWorkspaces(ctx context.Context, in *wsapi.StopWorkspacesRequest) (*wsapi.StopWorkspacesResult, error) {
	ids := make([]string, len(in.StopWorkspaceRequests))
	for i, r := range in.StopWorkspaceRequests {
		ids[i] = value(r.WorkspaceId)
	}
	failed, err := s.batch(ctx, ids, s.startOrStop("stop", deskplane.ActionStop))
	if err != nil {
		return nil, err
	}
	return &wsapi.StopWorkspacesResult{FailedRequests: failed}, nil
}

func (s *Service) RebootWorkspaces(ctx context.Context, in *wsapi.RebootWorkspacesRequest) (*wsapi.RebootWorkspacesResult, error) {
	ids := make([]string, len(in.RebootWorkspaceRequests))
	for i, r := range in.RebootWorkspaceRequests {
		ids[i] = value(r.WorkspaceId)
	}
	failed, err := s.batch(ctx, ids, func(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, now time.Time) (*itemFailure, error) {
		if f := adminMaintenance(ws, "reboot"); f != nil {
			return f, nil
		}
		// AVAILABLE, UNHEALTHY (IMPAIRED), ERROR (AG:running-mode), or
		// REBOOTING for longer than 20 minutes (MODEL RebootWorkspaces).
		row, f := refused(deskplane.ActionReboot, ws)
		if ws.State == wsRebooting {
			if now.Sub(ws.StateChanged) <= s.Rules.RebootStuckAfter {
				return failItem(failWorkspaceState, "The WorkSpace %s is already rebooting; reboot it again only if it stays REBOOTING for more than %s.", ws.ID, s.Rules.RebootStuckAfter), nil
			}
			f = nil // stuck: it may be rebooted again
		}
		if f != nil {
			return f, nil
		}
		if f := modifying(ws, row.Verb); f != nil {
			return f, nil
		}
		return nil, s.enter(tx, sc, ws, row, now)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.RebootWorkspacesResult{FailedRequests: failed}, nil
}

func (s *Service) RebuildWorkspaces(ctx context.Context, in *wsapi.RebuildWorkspacesRequest) (*wsapi.RebuildWorkspacesResult, error) {
	ids := make([]string, len(in.RebuildWorkspaceRequests))
	for i, r := range in.RebuildWorkspaceRequests {
		ids[i] = value(r.WorkspaceId)
	}
	failed, err := s.batch(ctx, ids, func(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, now time.Time) (*itemFailure, error) {
		if ws.OperatingSystemName == deskplane.OSWindows7 {
			return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "UnsupportedOperatingSystem",
				Message: "Windows 7 WorkSpaces cannot be rebuilt; WorkSpace " + ws.ID + " runs Windows 7."}
		}
		if f := adminMaintenance(ws, "rebuild"); f != nil {
			return f, nil
		}
		row, f := refused(deskplane.ActionRebuild, ws)
		if f != nil {
			return f, nil
		}
		if f := modifying(ws, row.Verb); f != nil {
			return f, nil
		}
		if len(ws.RebuildSnapshots) == 0 {
			return failItem(failSnapshotMissing, "The WorkSpace %s has no snapshot of its user volume yet; the first snapshot is taken about %s after launch.", ws.ID, s.Rules.FirstSnapshotAfter), nil
		}
		// The root volume is made from the bundle's current image.
		b, err := visibleBundle(tx, sc, ws.BundleID)
		switch {
		case err == nil && b.OperatingSystem != "":
			ws.OperatingSystemName = b.OperatingSystem
		case err != nil && !wsIsNotFound(err):
			return nil, err
		}
		return nil, s.enter(tx, sc, ws, row, now)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.RebuildWorkspacesResult{FailedRequests: failed}, nil
}

func (s *Service) TerminateWorkspaces(ctx context.Context, in *wsapi.TerminateWorkspacesRequest) (*wsapi.TerminateWorkspacesResult, error) {
	ids := make([]string, len(in.TerminateWorkspaceRequests))
	for i, r := range in.TerminateWorkspaceRequests {
		ids[i] = value(r.WorkspaceId)
	}
	failed, err := s.batch(ctx, ids, func(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, now time.Time) (*itemFailure, error) {
		switch ws.State {
		case wsSuspended:
			return failItem(failWorkspaceState, "The WorkSpace %s is SUSPENDED while an image is created from it; it can be terminated once the image is created.", ws.ID), nil
		case wsTerminating, wsTerminated:
			return nil, nil
		}
		if ws.MigratedFrom != "" && ws.State == wsPending {
			// A migration target terminated before it is ready: the
			// migration is abandoned and the source stays.
			src, err := loadWorkspace(tx, sc, ws.MigratedFrom)
			if err != nil {
				return nil, err
			}
			if src != nil && src.MigratingTo == ws.ID {
				src.MigratingTo = ""
				if err := saveWorkspace(tx, sc, src); err != nil {
					return nil, err
				}
			}
		}
		row, f := refused(deskplane.ActionTerminate, ws)
		if f != nil {
			return f, nil
		}
		ws.Modifications = nil
		return nil, s.enter(tx, sc, ws, row, now)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.TerminateWorkspacesResult{FailedRequests: failed}, nil
}

// RestoreWorkspace answers exceptions, not FailedRequests (MODEL). Its
// model has no InvalidResourceStateException: wrong states and missing
// snapshots are OperationNotSupportedException (behaviour doc §7.3).
func (s *Service) RestoreWorkspace(ctx context.Context, in *wsapi.RestoreWorkspaceRequest) (*wsapi.RestoreWorkspaceResult, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	id := value(in.WorkspaceId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, id)
		if err != nil {
			return err
		}
		notSupported := func(reason, format string, args ...any) error {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: reason, Message: fmt.Sprintf(format, args...)}
		}
		if ws.State == wsAdminMaintenance {
			return notSupported("AdminMaintenance", "The WorkSpace %s is in ADMIN_MAINTENANCE and does not respond to restore requests; set it to AVAILABLE first.", id)
		}
		row, err := deskplane.WorkspaceTable().Check(deskplane.ActionRestore, id, ws.State)
		if err != nil {
			return err
		}
		switch {
		case len(ws.Modifications) > 0:
			return notSupported("ModificationInProgress", "The WorkSpace %s is being modified (%s); it can be restored once the modification is complete.", id, ws.Modifications[0].Resource)
		case len(ws.RestoreSnapshots) == 0:
			return notSupported("NoSnapshot", "The WorkSpace %s has no snapshot of its root and user volumes yet; the first snapshots are taken about %s after launch.", id, s.Rules.FirstSnapshotAfter)
		}
		if err := s.enter(tx, sc, ws, row, now); err != nil {
			return err
		}
		return saveWorkspace(tx, sc, ws)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.RestoreWorkspaceResult{}, nil
}

// ModifyWorkspaceState flips a WorkSpace between AVAILABLE and
// ADMIN_MAINTENANCE at once; setting the state it is in already succeeds.
func (s *Service) ModifyWorkspaceState(ctx context.Context, in *wsapi.ModifyWorkspaceStateRequest) (*wsapi.ModifyWorkspaceStateResult, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	id := value(in.WorkspaceId)
	target := deskplane.WorkspaceState(in.WorkspaceState)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, id)
		if err != nil {
			return err
		}
		if ws.State == target {
			return nil
		}
		var action deskplane.Action
		switch target {
		case wsAdminMaintenance:
			action, ws.StateBeforeAdmin = deskplane.ActionEnterMaintenance, ws.State
		case wsAvailable:
			action, ws.StateBeforeAdmin = deskplane.ActionExitMaintenance, ""
		default:
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "WorkspaceState must be %s or %s, not %q.", wsAvailable, wsAdminMaintenance, target)
		}
		row, err := deskplane.WorkspaceTable().Check(action, id, ws.State)
		if err != nil {
			return err
		}
		setState(ws, row.To, now)
		if err := s.scheduleAutoStop(tx, sc, ws, now); err != nil {
			return err
		}
		return saveWorkspace(tx, sc, ws)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyWorkspaceStateResult{}, nil
}

// ---- MigrateWorkspace -------------------------------------------------------

func (s *Service) MigrateWorkspace(ctx context.Context, in *wsapi.MigrateWorkspaceRequest) (*wsapi.MigrateWorkspaceResult, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	srcID, bundleID := value(in.SourceWorkspaceId), value(in.BundleId)
	var targetID string
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		src, err := mustWorkspace(tx, sc, srcID)
		if err != nil {
			return err
		}
		notSupported := func(reason, format string, args ...any) error {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: reason, Message: fmt.Sprintf(format, args...)}
		}
		unavailable := func(format string, args ...any) error {
			return &deskplane.Error{Code: deskplane.CodeUnavailable, ResourceID: srcID, Message: fmt.Sprintf(format, args...)}
		}
		switch {
		case src.State == wsAdminMaintenance:
			return notSupported("AdminMaintenance", "The WorkSpace %s is in ADMIN_MAINTENANCE and cannot be migrated; set it to AVAILABLE first.", srcID)
		case src.MigratingTo != "":
			return deskplane.Errorf(deskplane.CodeInProgress, "The WorkSpace %s is already being migrated to %s.", srcID, src.MigratingTo)
		case len(src.Modifications) > 0:
			return deskplane.Errorf(deskplane.CodeInProgress, "The properties of this WorkSpace are currently under modification. Please try again in a moment.")
		}
		if _, err := deskplane.WorkspaceTable().Check(deskplane.ActionMigrate, srcID, src.State); err != nil {
			return err
		}
		b, err := visibleBundle(tx, sc, bundleID)
		if err != nil {
			return err
		}
		switch {
		case b.ID == src.BundleID:
			return notSupported("SameBundle", "The WorkSpace %s already uses bundle %s; migrate it to a different bundle.", srcID, bundleID)
		case b.OperatingSystem == deskplane.OSWindows7:
			return notSupported("UnsupportedOperatingSystem", "WorkSpaces cannot be migrated to Windows 7 bundles such as %s.", bundleID)
		case b.State != "" && b.State != deskplane.BundleAvailable:
			return &deskplane.Error{Code: deskplane.CodeUnavailable, ResourceID: bundleID, Message: "The bundle " + bundleID + " is " + string(b.State) + "; WorkSpaces can be migrated only to an AVAILABLE bundle."}
		case len(src.RebuildSnapshots) == 0:
			return unavailable("The WorkSpace %s has no snapshot of its user volume yet; migration recreates the user volume from it. The first snapshot is taken about %s after launch.", srcID, s.Rules.FirstSnapshotAfter)
		}
		// Root volume at least the target bundle's default; user volume
		// the larger of the source's and the target default (AGA:migrate-workspaces).
		root, user := max(src.RootVolumeSizeGib, b.RootStorageGB), max(src.UserVolumeSizeGib, b.UserStorageGB)
		if err := deskplane.CheckVolumes(b.ComputeType, root, user); err != nil {
			return err
		}
		if b.ComputeType.GPU() && !src.ComputeType.GPU() {
			if msg, err := s.graphicsQuota().take(tx, sc); err != nil {
				return err
			} else if msg != "" {
				return deskplane.Errorf(deskplane.CodeLimitExceeded, "%s", msg)
			}
		}
		t := &deskplane.Workspace{
			DirectoryID:                 src.DirectoryID,
			UserName:                    src.UserName,
			WorkspaceName:               src.WorkspaceName,
			BundleID:                    b.ID,
			State:                       wsPending,
			Generation:                  1,
			StateChanged:                now,
			Created:                     now,
			VolumeEncryptionKey:         src.VolumeEncryptionKey,
			RootVolumeEncryptionEnabled: src.RootVolumeEncryptionEnabled,
			UserVolumeEncryptionEnabled: src.UserVolumeEncryptionEnabled,
			RunningMode:                 src.RunningMode,
			AutoStopTimeoutInMinutes:    src.AutoStopTimeoutInMinutes,
			RootVolumeSizeGib:           root,
			UserVolumeSizeGib:           user,
			ComputeType:                 b.ComputeType,
			Protocols:                   slices.Clone(b.Protocols),
			OperatingSystemName:         b.OperatingSystem,
			GlobalAccelerator:           src.GlobalAccelerator,
			ProtocolSwitchable:          b.ProtocolSwitchable(),
			MigratedFrom:                srcID,
			Node:                        s.Node,
		}
		if t.ID, err = newWorkspaceID(tx, sc, now); err != nil {
			return err
		}
		tags, err := deskplane.ReadTags(tx, sc, srcID)
		if err != nil {
			return err
		}
		// The user's slot stays with the source until the target is ready.
		if err := s.insertWorkspace(tx, sc, t, deskplane.Key{}, tags, b.ComputeType.GPU(), deskplane.TWorkspaceMigrate, now); err != nil {
			return err
		}
		src.MigratingTo = t.ID
		targetID = t.ID
		return saveWorkspace(tx, sc, src)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.MigrateWorkspaceResult{SourceWorkspaceId: new(srcID), TargetWorkspaceId: new(targetID)}, nil
}

// ---- snapshots and connection status ----------------------------------------

func (s *Service) DescribeWorkspaceSnapshots(ctx context.Context, in *wsapi.DescribeWorkspaceSnapshotsRequest) (*wsapi.DescribeWorkspaceSnapshotsResult, error) {
	sc := env.Scope(ctx)
	id := value(in.WorkspaceId)
	out := &wsapi.DescribeWorkspaceSnapshotsResult{RebuildSnapshots: []wsapi.Snapshot{}, RestoreSnapshots: []wsapi.Snapshot{}}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, id)
		if err != nil {
			return err
		}
		// Newest first.
		for i := len(ws.RebuildSnapshots) - 1; i >= 0; i-- {
			out.RebuildSnapshots = append(out.RebuildSnapshots, wsapi.Snapshot{SnapshotTime: wsTime(ws.RebuildSnapshots[i])})
		}
		for i := len(ws.RestoreSnapshots) - 1; i >= 0; i-- {
			out.RestoreSnapshots = append(out.RestoreSnapshots, wsapi.Snapshot{SnapshotTime: wsTime(ws.RestoreSnapshots[i])})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const purposeConnectionStatus = "describe-workspaces-connection-status"

// connectionState is what the service's connection check reports: the
// recorded state when there is one, otherwise DISCONNECTED for a running
// WorkSpace and UNKNOWN for one that is not running.
func connectionState(ws *deskplane.Workspace) wsapi.ConnectionState {
	if ws.ConnectionState != "" {
		return wsapi.ConnectionState(ws.ConnectionState)
	}
	if slices.Contains([]deskplane.WorkspaceState{wsAvailable, wsImpaired, wsUnhealthy, wsRebooting, wsAdminMaintenance, wsSuspended, wsStopping}, ws.State) {
		return wsapi.ConnectionStateDisconnected
	}
	return wsapi.ConnectionStateUnknown
}

func (s *Service) DescribeWorkspacesConnectionStatus(ctx context.Context, in *wsapi.DescribeWorkspacesConnectionStatusRequest) (*wsapi.DescribeWorkspacesConnectionStatusResult, error) {
	if len(in.WorkspaceIds) > 0 && in.NextToken != nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "NextToken cannot be combined with WorkspaceIds.")
	}
	after, err := paging.Parse(ctx, purposeConnectionStatus, in.NextToken)
	if err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
	now := s.Now()
	out := &wsapi.DescribeWorkspacesConnectionStatusResult{WorkspacesConnectionStatus: []wsapi.WorkspaceConnectionStatus{}}
	status := func(ws *deskplane.Workspace) wsapi.WorkspaceConnectionStatus {
		st := wsapi.WorkspaceConnectionStatus{
			WorkspaceId:                   new(ws.ID),
			ConnectionState:               connectionState(ws),
			ConnectionStateCheckTimestamp: wsTime(now),
		}
		if !ws.LastKnownUserConnection.IsZero() {
			st.LastKnownUserConnectionTimestamp = wsTime(ws.LastKnownUserConnection)
		}
		return st
	}
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		acct, err := account(tx, sc) // DescribeDelay (decision 0325)
		if err != nil {
			return err
		}
		if len(in.WorkspaceIds) > 0 {
			seen := map[string]bool{}
			for _, id := range in.WorkspaceIds {
				if seen[id] {
					continue
				}
				seen[id] = true
				ws, err := loadWorkspace(tx, sc, id)
				if err != nil {
					return err
				}
				if ws != nil && !acct.NotYetDescribed(ws.Created, now) {
					out.WorkspacesConnectionStatus = append(out.WorkspacesConnectionStatus, status(ws))
				}
			}
			return nil
		}
		var p paging.Page[*deskplane.Workspace]
		err = deskplane.Each(tx, sc, deskplane.KindWorkspace, after, func(seq int64, ws *deskplane.Workspace) (bool, error) {
			if acct.NotYetDescribed(ws.Created, now) {
				return true, nil
			}
			return p.Add(paging.DefaultSize, seq, ws), nil
		})
		if err != nil {
			return err
		}
		for _, ws := range p.Items() {
			out.WorkspacesConnectionStatus = append(out.WorkspacesConnectionStatus, status(ws))
		}
		out.NextToken = p.Next(ctx, purposeConnectionStatus)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
