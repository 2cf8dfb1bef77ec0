package ds

import (
	"context"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Directory limits and snapshots. A snapshot is Creating for TDSSnapshot,
// then Completed; a directory has at most Quotas.DSManualSnapshots manual
// snapshots; a restore puts the directory in Restoring for TDSSnapshot
// (decision 0205). AD Connector directories have no snapshots.

func (s *Service) GetDirectoryLimits(ctx context.Context, _ *dsapi.GetDirectoryLimitsRequest) (*dsapi.GetDirectoryLimitsResult, error) {
	sc := env.Scope(ctx)
	var counts map[string]int
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		var err error
		counts, err = countTypes(tx, sc)
		return err
	})
	if err != nil {
		return nil, err
	}
	lim := func(typ string) (*int32, *int32, *bool) {
		l, n := s.limitOf(typ), counts[typ]
		return ptr(int32(l)), ptr(int32(n)), ptr(n >= l)
	}
	out := &dsapi.DirectoryLimits{}
	out.CloudOnlyDirectoriesLimit, out.CloudOnlyDirectoriesCurrentCount, out.CloudOnlyDirectoriesLimitReached = lim(typeSimpleAD)
	out.CloudOnlyMicrosoftADLimit, out.CloudOnlyMicrosoftADCurrentCount, out.CloudOnlyMicrosoftADLimitReached = lim(typeMicrosoftAD)
	out.ConnectedDirectoriesLimit, out.ConnectedDirectoriesCurrentCount, out.ConnectedDirectoriesLimitReached = lim(typeADConnector)
	return &dsapi.GetDirectoryLimitsResult{DirectoryLimits: out}, nil
}

// manualSnapshots counts a directory's manual snapshots.
func manualSnapshots(tx deskplane.Tx, sc deskplane.Scope, dirID string) (int, error) {
	n := 0
	err := directory.DSSnapshots().Each(tx, sc, 0, func(_ int64, v *directory.DSSnapshot) (bool, error) {
		if v.DirectoryID == dirID && v.Type == string(dsapi.SnapshotTypeManual) {
			n++
		}
		return true, nil
	})
	return n, err
}

var snapshotTypes = []string{typeSimpleAD, typeMicrosoftAD}

func (s *Service) GetSnapshotLimits(ctx context.Context, in *dsapi.GetSnapshotLimitsRequest) (*dsapi.GetSnapshotLimitsResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	n := 0
	err := s.read(ctx, "GetSnapshotLimits", id, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if err := onlyTypes(d, "GetSnapshotLimits", snapshotTypes...); err != nil {
			return err
		}
		var err error
		n, err = manualSnapshots(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	l := s.Quotas.DSManualSnapshots
	return &dsapi.GetSnapshotLimitsResult{SnapshotLimits: &dsapi.SnapshotLimits{
		ManualSnapshotsLimit: ptr(int32(l)), ManualSnapshotsCurrentCount: ptr(int32(n)), ManualSnapshotsLimitReached: ptr(n >= l),
	}}, nil
}

func (s *Service) CreateSnapshot(ctx context.Context, in *dsapi.CreateSnapshotRequest) (*dsapi.CreateSnapshotResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	now := s.Now()
	snapID := deskplane.NewHexID("s-", 10)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := usable(tx, sc, id, "CreateSnapshot", snapshotTypes...); err != nil {
			return err
		}
		n, err := manualSnapshots(tx, sc, id)
		if err != nil {
			return err
		}
		if n >= s.Quotas.DSManualSnapshots {
			return refuse(deskplane.CodeLimitExceeded, directory.ReasonSnapshotLimit,
				"Directory %s already has %d manual snapshots, the limit; delete one first.", id, n)
		}
		row, _ := directory.DSSnapshotTable().Row(deskplane.ActionCreate)
		snap := &directory.DSSnapshot{ID: snapID, DirectoryID: id, Name: deref(in.Name), Type: string(dsapi.SnapshotTypeManual),
			Status: row.Via, Started: now, Generation: 1}
		if err := directory.DSSnapshots().Put(tx, sc, snapID, snap); err != nil {
			return err
		}
		return tx.Schedule(deskplane.Timer{Key: directory.DSSnapshots().Key(sc, snapID), Name: deskplane.TimerDSSnapshot,
			Due: s.After(now, row.Timing), Payload: payload(snap.Generation)})
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateSnapshotResult{SnapshotId: &snapID}, nil
}

// onSnapshot ends a snapshot's Creating (Failed with an injected fault).
func (s *Service) onSnapshot(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	gen, err := generation(t)
	if err != nil {
		return err
	}
	sc := t.Key.Scope
	snap, ok, err := directory.DSSnapshots().Get(tx, sc, t.Key.ID)
	if err != nil || !ok || snap.Generation != gen {
		return err
	}
	row, ok := directory.DSSnapshotTable().Ending(snap.Status)
	if !ok {
		return nil
	}
	snap.Status = row.To
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindDSSnapshot, sc, snap.ID)
	if err != nil {
		return err
	}
	if hit {
		snap.Status = directory.DSSnapshotStatus(f.State)
	}
	snap.Generation++
	return directory.DSSnapshots().Put(tx, sc, snap.ID, snap)
}

func (s *Service) DeleteSnapshot(ctx context.Context, in *dsapi.DeleteSnapshotRequest) (*dsapi.DeleteSnapshotResult, error) {
	sc, id := env.Scope(ctx), deref(in.SnapshotId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		snap, err := loadSnapshot(tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := directory.DSSnapshotTable().Check(deskplane.ActionDelete, id, snap.Status); err != nil {
			return err
		}
		_, err = directory.DSSnapshots().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeleteSnapshotResult{SnapshotId: &id}, nil
}

func loadSnapshot(tx deskplane.Tx, sc deskplane.Scope, id string) (*directory.DSSnapshot, error) {
	snap, ok, err := directory.DSSnapshots().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.NotFound(id, "Snapshot %s does not exist.", id)
	}
	return snap, nil
}

func (s *Service) RestoreFromSnapshot(ctx context.Context, in *dsapi.RestoreFromSnapshotRequest) (*dsapi.RestoreFromSnapshotResult, error) {
	sc, id := env.Scope(ctx), deref(in.SnapshotId)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		snap, err := loadSnapshot(tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := directory.DSSnapshotTable().Check(deskplane.ActionRestore, id, snap.Status); err != nil {
			return err
		}
		d, err := usable(tx, sc, snap.DirectoryID, "RestoreFromSnapshot", snapshotTypes...)
		if err != nil {
			return err
		}
		d.Stage, d.StageChanged = deskplane.DSDirectoryRestoring, now
		d.Generation++
		if err := directory.DSDirectories().Put(tx, sc, d.ID, d); err != nil {
			return err
		}
		return s.scheduleSetting(tx, sc, d.ID, itemRestore, now, deskplane.TDSSnapshot)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RestoreFromSnapshotResult{}, nil
}

func (s *Service) DescribeSnapshots(ctx context.Context, in *dsapi.DescribeSnapshotsRequest) (*dsapi.DescribeSnapshotsResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	var all []dsapi.Snapshot
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		all = all[:0]
		if dirID != "" {
			if _, err := load(tx, sc, dirID); err != nil {
				return err
			}
		}
		for _, id := range in.SnapshotIds {
			if _, err := loadSnapshot(tx, sc, id); err != nil {
				return err
			}
		}
		return directory.DSSnapshots().Each(tx, sc, 0, func(_ int64, v *directory.DSSnapshot) (bool, error) {
			if (dirID == "" || v.DirectoryID == dirID) && (len(in.SnapshotIds) == 0 || slices.Contains(in.SnapshotIds, v.ID)) {
				all = append(all, dsapi.Snapshot{DirectoryId: ptr(v.DirectoryID), SnapshotId: ptr(v.ID), Type: dsapi.SnapshotType(v.Type),
					Name: optional(v.Name), Status: dsapi.SnapshotStatus(v.Status), StartTime: smithy.NewTimestamp(v.Started)})
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-snapshots", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeSnapshotsResult{Snapshots: page, NextToken: next}, nil
}
