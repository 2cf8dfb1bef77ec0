package workspaces

import (
	"context"
	"encoding/json"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// ModifyWorkspaceProperties (behaviour doc §2.4; decision 0021).
//
// A call may start one timed modification — the root volume, the user
// volume, the compute type or the protocol — and may change the running
// mode, Global Accelerator settings and data replication, which take effect
// at once. The new value shows in WorkspaceProperties at once; the timed
// modification shows in ModificationStates as UPDATE_INITIATED, then
// UPDATE_IN_PROGRESS, and is gone when done. While it runs, another
// modification is refused with OperationInProgressException, and start,
// stop, reboot, rebuild, restore and migration wait for it.

// Modification states (model ModificationStateEnum) and resources.
const (
	modInitiated  = deskplane.ModificationInitiated
	modInProgress = deskplane.ModificationInProgress

	modRootVolume  = deskplane.ModifyRootVolume
	modUserVolume  = deskplane.ModifyUserVolume
	modComputeType = deskplane.ModifyComputeType
	modProtocol    = deskplane.ModifyProtocol
)

// initiatedFor is how long a modification stays UPDATE_INITIATED: a
// quarter of its duration, at most two minutes.
func initiatedFor(d time.Duration) time.Duration {
	return min(d/4, 2*time.Minute)
}

const msgUnderModification = "The properties of this WorkSpace are currently under modification. Please try again in a moment."

func (s *Service) ModifyWorkspaceProperties(ctx context.Context, in *wsapi.ModifyWorkspacePropertiesRequest) (*wsapi.ModifyWorkspacePropertiesResult, error) {
	p := in.WorkspaceProperties
	if p == nil && in.DataReplication == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify the WorkspaceProperties or the DataReplication to modify.")
	}
	if p == nil {
		p = &wsapi.WorkspaceProperties{}
	}
	var proto deskplane.Protocol
	if len(p.Protocols) > 0 {
		var err error
		if proto, err = wsProtocols(p.Protocols); err != nil {
			return nil, err
		}
	}
	sc := env.Scope(ctx)
	now := s.Now()
	id := value(in.WorkspaceId)
	rules := s.Rules
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		ws, err := mustWorkspace(tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := deskplane.WorkspaceTable().Check(deskplane.ActionModify, id, ws.State); err != nil {
			return err
		}
		if len(ws.Modifications) > 0 {
			return deskplane.Errorf(deskplane.CodeInProgress, msgUnderModification)
		}

		rootTo, userTo := ws.RootVolumeSizeGib, ws.UserVolumeSizeGib
		if p.RootVolumeSizeGib != nil {
			rootTo = int(*p.RootVolumeSizeGib)
		}
		if p.UserVolumeSizeGib != nil {
			userTo = int(*p.UserVolumeSizeGib)
		}
		computeTo := ws.ComputeType
		if p.ComputeTypeName != "" {
			computeTo = deskplane.Compute(p.ComputeTypeName)
		}
		root, user := rootTo != ws.RootVolumeSizeGib, userTo != ws.UserVolumeSizeGib
		compute := computeTo != ws.ComputeType
		protocol := proto != "" && !(len(ws.Protocols) == 1 && ws.Protocols[0] == proto)
		if p.OperatingSystemName != "" && deskplane.OperatingSystemName(p.OperatingSystemName) != ws.OperatingSystemName {
			return deskplane.Errorf(deskplane.CodeInvalidParameter,
				"The operating system of WorkSpace %s (%s) cannot be modified; use MigrateWorkspace to move it to a bundle of another operating system.", id, ws.OperatingSystemName)
		}
		switch {
		case (root || user) && compute:
			return deskplane.Errorf(deskplane.CodeInvalidParameter,
				"The volume sizes and the compute type of a WorkSpace cannot be modified in the same request; modify one, wait for it to complete, then the other.")
		case root && user:
			return deskplane.Errorf(deskplane.CodeInvalidParameter,
				"The root and user volumes of a WorkSpace cannot be modified in the same request; modify one, wait for it to complete, then the other.")
		case protocol && (root || user || compute):
			return deskplane.Errorf(deskplane.CodeInvalidParameter,
				"The protocol of a WorkSpace cannot be modified in the same request as its volumes or compute type.")
		}

		mode, timeout, err := wsRunningMode(p, ws.RunningMode, ws.AutoStopTimeoutInMinutes)
		if err != nil {
			return err
		}
		if mode == deskplane.RunningModeManual && ws.RunningMode != deskplane.RunningModeManual {
			acct, err := account(tx, sc)
			if err != nil {
				return err
			}
			if !acct.CoreAllowListed {
				return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "NotAllowListed", Message: msgManualNotAllowListed}
			}
		}

		var mod deskplane.ModificationResource
		var tr deskplane.Transition
		switch {
		case root || user:
			if rootTo < ws.RootVolumeSizeGib || userTo < ws.UserVolumeSizeGib {
				return deskplane.Errorf(deskplane.CodeInvalidParameter,
					"Volumes can only grow: WorkSpace %s has volumes of %d|%d GB (root|user) and %d|%d GB was requested.", id, ws.RootVolumeSizeGib, ws.UserVolumeSizeGib, rootTo, userTo)
			}
			if err := deskplane.CheckVolumes(ws.ComputeType, rootTo, userTo); err != nil {
				return err
			}
			last, which := ws.LastUserResize, "user"
			mod = modUserVolume
			if root {
				last, which, mod = ws.LastRootResize, "root", modRootVolume
			}
			if now.Before(ws.Created.Add(rules.VolumeCooldown)) {
				return deskplane.Errorf(deskplane.CodeInvalidState,
					"The volumes of WorkSpace %s cannot be resized during the first %s after its launch; try again after %s.", id, rules.VolumeCooldown, ws.Created.Add(rules.VolumeCooldown).UTC().Format(time.RFC3339))
			}
			if !last.IsZero() && now.Before(last.Add(rules.VolumeCooldown)) {
				return deskplane.Errorf(deskplane.CodeInvalidState,
					"The %s volume of WorkSpace %s can be resized once every %s; try again after %s.", which, id, rules.VolumeCooldown, last.Add(rules.VolumeCooldown).UTC().Format(time.RFC3339))
			}
			tr = deskplane.TModifyVolume
		case compute:
			if err := deskplane.CheckComputeChange(ws, computeTo); err != nil {
				return err
			}
			_, fromRank := ws.ComputeType.Family()
			_, toRank := computeTo.Family()
			if toRank > fromRank {
				if now.Before(ws.Created.Add(rules.ComputeUpsizeCooldown)) {
					return deskplane.Errorf(deskplane.CodeInvalidState,
						"The compute type of WorkSpace %s cannot be increased during the first %s after its launch; try again after %s.", id, rules.ComputeUpsizeCooldown, ws.Created.Add(rules.ComputeUpsizeCooldown).UTC().Format(time.RFC3339))
				}
				if l := ws.LastComputeUpsize; !l.IsZero() && now.Before(l.Add(rules.ComputeUpsizeCooldown)) {
					return deskplane.Errorf(deskplane.CodeInvalidState,
						"The compute type of WorkSpace %s can be increased once every %s; try again after %s.", id, rules.ComputeUpsizeCooldown, l.Add(rules.ComputeUpsizeCooldown).UTC().Format(time.RFC3339))
				}
			} else if l := ws.LastComputeDownsize; !l.IsZero() && now.Before(l.Add(rules.ComputeDownsizeCooldown)) {
				return deskplane.Errorf(deskplane.CodeInvalidState,
					"The compute type of WorkSpace %s can be decreased once every %s; try again after %s.", id, rules.ComputeDownsizeCooldown, l.Add(rules.ComputeDownsizeCooldown).UTC().Format(time.RFC3339))
			}
			mod, tr = modComputeType, deskplane.TModifyCompute
		case protocol:
			if _, err := deskplane.WorkspaceTable().Check(deskplane.ActionModifyProtocol, id, ws.State); err != nil {
				return err
			}
			if !ws.ProtocolSwitchable {
				return deskplane.Errorf(deskplane.CodeUnsupportedConfiguration,
					"The protocol of WorkSpace %s cannot be changed: only WorkSpaces created from PCoIP bundles that are neither GPU-based nor Windows 7 can switch protocol.", id)
			}
			mod, tr = modProtocol, deskplane.TModifyProtocol
		}

		if in.DataReplication != "" {
			if len(ws.Standbys) == 0 {
				return deskplane.Errorf(deskplane.CodeInvalidParameter,
					"The WorkSpace %s has no standby WorkSpace; data replication applies to primary WorkSpaces with a standby.", id)
			}
			if err := s.setDataReplication(tx, sc, ws, string(in.DataReplication)); err != nil {
				return err
			}
		}
		if p.GlobalAccelerator != nil {
			if ws.GlobalAccelerator, err = json.Marshal(p.GlobalAccelerator); err != nil {
				return err
			}
		}

		// Apply.
		switch mod {
		case modRootVolume:
			ws.RootVolumeSizeGib, ws.LastRootResize = rootTo, now
		case modUserVolume:
			ws.UserVolumeSizeGib, ws.LastUserResize = userTo, now
		case modComputeType:
			_, fromRank := ws.ComputeType.Family()
			_, toRank := computeTo.Family()
			if toRank > fromRank {
				ws.LastComputeUpsize = now
			} else {
				ws.LastComputeDownsize = now
			}
			ws.ComputeType, ws.LastComputeChange = computeTo, now
		case modProtocol:
			ws.Protocols = []deskplane.Protocol{proto}
		}
		if mod != "" {
			d := s.Timing.Duration(tr)
			m := deskplane.Modification{Resource: mod, State: modInitiated, Started: now,
				InProgress: now.Add(initiatedFor(d)), Ends: now.Add(d)}
			ws.Modifications = []deskplane.Modification{m}
			if err := tx.Schedule(deskplane.Timer{Key: wsKey(sc, id), Name: timerWSModify, Due: m.InProgress}); err != nil {
				return err
			}
		}
		modeChanged := mode != ws.RunningMode || timeout != ws.AutoStopTimeoutInMinutes
		ws.RunningMode, ws.AutoStopTimeoutInMinutes = mode, timeout
		if modeChanged {
			if mode == deskplane.RunningModeAlwaysOn && ws.State == wsStopped {
				// An ALWAYS_ON WorkSpace is never stopped, and StartWorkspaces
				// refuses ALWAYS_ON: it starts now.
				setState(ws, wsStarting, now)
				if err := s.scheduleState(tx, sc, ws, deskplane.TWorkspaceStart, now); err != nil {
					return err
				}
			}
			if err := s.scheduleAutoStop(tx, sc, ws, now); err != nil {
				return err
			}
		}
		return saveWorkspace(tx, sc, ws)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyWorkspacePropertiesResult{}, nil
}

// setDataReplication sets the data replication of a primary WorkSpace and
// of its standbys.
func (s *Service) setDataReplication(tx deskplane.Tx, sc deskplane.Scope, ws *deskplane.Workspace, dr string) error {
	ws.DataReplication = dr
	for _, l := range ws.Standbys {
		ssc := deskplane.Scope{Account: sc.Account, Region: l.Region}
		sb, err := loadWorkspace(tx, ssc, l.ID)
		if err != nil {
			return err
		}
		if sb == nil {
			continue
		}
		sb.DataReplication = dr
		if err := saveWorkspace(tx, ssc, sb); err != nil {
			return err
		}
	}
	return nil
}
