package workspaces

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// CreateStandbyWorkspaces (Multi-Region Resilience; decision 0023): called
// in the standby Region, it creates for each primary WorkSpace of the
// account in PrimaryRegion a standby WorkSpace for the same user in a
// directory registered in this Region. The standby copies the primary's
// bundle and properties, runs in AUTO_STOP mode and, once provisioned,
// waits STOPPED for a failover (standby WorkSpaces are billed as stopped
// desktops). The primary lists it in StandbyWorkspacesProperties and both
// name each other in RelatedWorkspaces.
func (s *Service) CreateStandbyWorkspaces(ctx context.Context, in *wsapi.CreateStandbyWorkspacesRequest) (*wsapi.CreateStandbyWorkspacesResult, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	primaryRegion := value(in.PrimaryRegion)
	if primaryRegion == sc.Region {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter,
			"A standby WorkSpace must be in a Region other than its primary WorkSpace; PrimaryRegion is this Region (%s).", sc.Region)
	}
	if len(in.StandbyWorkspaces) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "StandbyWorkspaces must list at least one standby WorkSpace.")
	}
	if len(s.Regions) > 0 && !slices.Contains(s.Regions, primaryRegion) {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The Region %s is not served.", primaryRegion)
	}
	for i := range in.StandbyWorkspaces {
		r := &in.StandbyWorkspaces[i]
		if err := checkTags(r.Tags); err != nil {
			return nil, err
		}
		if k := value(r.VolumeEncryptionKey); k != "" && !deskplane.IsKMSKey(k) {
			return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "VolumeEncryptionKey %q is not a KMS key ARN, key id or alias.", k)
		}
	}
	psc := deskplane.Scope{Account: sc.Account, Region: primaryRegion}
	var out wsapi.CreateStandbyWorkspacesResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = wsapi.CreateStandbyWorkspacesResult{
			FailedStandbyRequests:  []wsapi.FailedCreateStandbyWorkspacesRequest{},
			PendingStandbyRequests: []wsapi.PendingCreateStandbyWorkspacesRequest{},
		}
		count, err := tx.Count(sc, deskplane.KindWorkspace)
		if err != nil {
			return err
		}
		quota := s.Quotas.Workspaces
		cache := newBatchCache()
		graphics := s.graphicsQuota()
		for i := range in.StandbyWorkspaces {
			r := &in.StandbyWorkspaces[i]
			fail := func(code, msg string) {
				out.FailedStandbyRequests = append(out.FailedStandbyRequests, wsapi.FailedCreateStandbyWorkspacesRequest{
					StandbyWorkspaceRequest: r, ErrorCode: new(code), ErrorMessage: new(msg),
				})
			}
			pid, dirID := value(r.PrimaryWorkspaceId), value(r.DirectoryId)
			p, err := loadWorkspace(tx, psc, pid)
			if err != nil {
				return err
			}
			switch {
			case p == nil:
				fail(failWorkspaceNotFound, "The primary WorkSpace "+pid+" could not be found in "+primaryRegion+".")
				continue
			case p.StandbyOf != "":
				fail(failWorkspaceState, "The WorkSpace "+pid+" is itself a standby WorkSpace; a standby needs a primary WorkSpace.")
				continue
			case p.State != wsAvailable && p.State != wsStopped:
				fail(failWorkspaceState, "The primary WorkSpace "+pid+" is "+string(p.State)+"; a standby can be created for an AVAILABLE or STOPPED WorkSpace.")
				continue
			case len(p.Standbys) > 0:
				fail(failWorkspaceExists, "The primary WorkSpace "+pid+" already has a standby WorkSpace ("+p.Standbys[0].ID+").")
				continue
			}
			d, derr := cache.directory(tx, sc, dirID)
			if code, msg := dirUsable(d, derr, dirID); code != "" {
				fail(code, msg)
				continue
			}
			if p.UserName != undefinedUser {
				ok, err := s.userInDirectory(tx, sc, dirID, p.UserName)
				if err != nil {
					return err
				}
				if !ok {
					fail(failUserNotFound, "The user "+p.UserName+" could not be found in the directory "+dirID+".")
					continue
				}
			}
			ik := wsUserIndexKey(sc, dirID, p.UserName, p.WorkspaceName)
			if _, err := tx.Get(ik); err == nil {
				fail(failWorkspaceExists, "A WorkSpace already exists for the specified user.")
				continue
			} else if !errors.Is(err, deskplane.ErrNotFound) {
				return err
			}
			if count >= quota {
				fail(failWorkspaceLimit, "Your account has reached its limit of "+strconv.Itoa(quota)+" WorkSpaces in this Region.")
				continue
			}
			gpu := p.ComputeType.GPU()
			if gpu {
				if msg, err := graphics.take(tx, sc); err != nil {
					return err
				} else if msg != "" {
					fail(failWorkspaceLimit, msg)
					continue
				}
			}
			dr := string(r.DataReplication)
			if dr == "" {
				dr = string(wsapi.DataReplicationNoReplication)
			}
			key := value(r.VolumeEncryptionKey)
			sb := &deskplane.Workspace{
				DirectoryID:                 dirID,
				UserName:                    p.UserName,
				WorkspaceName:               p.WorkspaceName,
				BundleID:                    p.BundleID,
				State:                       wsPending,
				Generation:                  1,
				StateChanged:                now,
				Created:                     now,
				VolumeEncryptionKey:         key,
				RootVolumeEncryptionEnabled: key != "" && p.RootVolumeEncryptionEnabled,
				UserVolumeEncryptionEnabled: key != "" && p.UserVolumeEncryptionEnabled,
				RunningMode:                 deskplane.RunningModeAutoStop,
				AutoStopTimeoutInMinutes:    deskplane.AutoStopStepMinutes,
				RootVolumeSizeGib:           p.RootVolumeSizeGib,
				UserVolumeSizeGib:           p.UserVolumeSizeGib,
				ComputeType:                 p.ComputeType,
				Protocols:                   slices.Clone(p.Protocols),
				OperatingSystemName:         p.OperatingSystemName,
				ProtocolSwitchable:          p.ProtocolSwitchable,
				StandbyOf:                   pid,
				StandbyRegion:               primaryRegion,
				DataReplication:             dr,
			}
			if key != "" && !sb.RootVolumeEncryptionEnabled && !sb.UserVolumeEncryptionEnabled {
				sb.UserVolumeEncryptionEnabled = true
			}
			if sb.ID, err = newWorkspaceID(tx, sc, now); err != nil {
				return err
			}
			sb.SubnetID = pickSubnet(sb.ID, d.SubnetIDs)
			if err := s.insertWorkspace(tx, sc, sb, ik, domainTags(r.Tags), gpu, deskplane.TWorkspaceCreate, now); err != nil {
				return err
			}
			count++
			p.Standbys = append(p.Standbys, deskplane.WorkspaceLink{ID: sb.ID, Region: sc.Region})
			p.DataReplication = dr
			if err := saveWorkspace(tx, psc, p); err != nil {
				return err
			}
			out.PendingStandbyRequests = append(out.PendingStandbyRequests, wsapi.PendingCreateStandbyWorkspacesRequest{
				UserName:    new(sb.UserName),
				DirectoryId: new(dirID),
				State:       wsapi.WorkspaceStatePending,
				WorkspaceId: new(sb.ID),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
