package ds

import (
	"context"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Schema extensions (AWS Managed Microsoft AD): Initializing →
// CreatingSnapshot (when asked for) → UpdatingSchema → Replicating →
// Completed, each step TDSSchemaExtension; cancelled before it replicates
// (directory.DSSchemaExtensionTable, decision 0214). One extension runs
// at a time per directory.

func (s *Service) StartSchemaExtension(ctx context.Context, in *dsapi.StartSchemaExtensionRequest) (*dsapi.StartSchemaExtensionResult, error) {
	ldif := deref(in.LdifContent)
	if !strings.Contains(strings.ToLower(ldif), "dn:") {
		return nil, invalid("LdifContent is not an LDIF file: it has no dn: line.")
	}
	sc, dirID, now := env.Scope(ctx), deref(in.DirectoryId), s.Now()
	extID := deskplane.NewHexID("e-", 10)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := usable(tx, sc, dirID, "StartSchemaExtension", ms...); err != nil {
			return err
		}
		tab := directory.DSSchemaExtensionTable()
		running := false
		err := directory.DSSchemaExtensions().Each(tx, sc, 0, func(_ int64, e *directory.DSSchemaExtension) (bool, error) {
			running = running || (e.DirectoryID == dirID && tab.Transitional(e.Status))
			return !running, nil
		})
		if err != nil {
			return err
		}
		if running {
			return deskplane.Errorf(deskplane.CodeInProgress, "A schema extension of directory %s is still running; one runs at a time.", dirID)
		}
		row, _ := tab.Row(deskplane.ActionCreate)
		e := &directory.DSSchemaExtension{ID: extID, DirectoryID: dirID, Description: deref(in.Description), Status: row.Via, Started: now}
		if !deref(in.CreateSnapshotBeforeSchemaExtension) {
			e.Reason = skipSnapshot
		}
		return s.enterSchema(tx, sc, e, row.Via, row.Timing, now)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.StartSchemaExtensionResult{SchemaExtensionId: &extID}, nil
}

// skipSnapshot marks an extension started without a snapshot (kept in
// Reason until the extension ends).
const skipSnapshot = "no-snapshot"

func (s *Service) enterSchema(tx deskplane.Tx, sc deskplane.Scope, e *directory.DSSchemaExtension, via directory.DSSchemaExtensionStatus, tr deskplane.Transition, from time.Time) error {
	e.Status = via
	e.Generation++
	if err := directory.DSSchemaExtensions().Put(tx, sc, e.ID, e); err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: directory.DSSchemaExtensions().Key(sc, e.ID), Name: deskplane.TimerDSSchemaExt,
		Due: s.After(from, tr), Payload: payload(e.Generation)})
}

// onSchema moves a schema extension one step on.
func (s *Service) onSchema(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	gen, err := generation(t)
	if err != nil {
		return err
	}
	sc := t.Key.Scope
	e, ok, err := directory.DSSchemaExtensions().Get(tx, sc, t.Key.ID)
	if err != nil || !ok || e.Generation != gen {
		return err
	}
	tab := directory.DSSchemaExtensionTable()
	row, ok := tab.Ending(e.Status)
	if !ok {
		return nil
	}
	next := row.To
	if next == directory.SchemaCreatingSnapshot && e.Reason == skipSnapshot {
		next = directory.SchemaUpdatingSchema
	}
	if r, ok := tab.Ending(next); ok {
		return s.enterSchema(tx, sc, e, next, r.Timing, t.Due)
	}
	e.Status, e.Ended, e.Reason = next, t.Due, ""
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindDSSchemaExt, sc, e.ID)
	if err != nil {
		return err
	}
	if hit {
		e.Status, e.Reason = directory.DSSchemaExtensionStatus(f.State), f.ErrorMessage
	}
	e.Generation++
	return directory.DSSchemaExtensions().Put(tx, sc, e.ID, e)
}

func (s *Service) CancelSchemaExtension(ctx context.Context, in *dsapi.CancelSchemaExtensionRequest) (*dsapi.CancelSchemaExtensionResult, error) {
	sc, dirID, id, now := env.Scope(ctx), deref(in.DirectoryId), deref(in.SchemaExtensionId), s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := load(tx, sc, dirID); err != nil {
			return err
		}
		e, ok, err := directory.DSSchemaExtensions().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok || e.DirectoryID != dirID {
			return deskplane.NotFound(id, "Schema extension %s does not exist in directory %s.", id, dirID)
		}
		row, err := directory.DSSchemaExtensionTable().Check(directory.ActionCancel, id, e.Status)
		if err != nil {
			return err
		}
		return s.enterSchema(tx, sc, e, row.Via, row.Timing, now)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CancelSchemaExtensionResult{}, nil
}

func (s *Service) ListSchemaExtensions(ctx context.Context, in *dsapi.ListSchemaExtensionsRequest) (*dsapi.ListSchemaExtensionsResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	var all []dsapi.SchemaExtensionInfo
	err := s.read(ctx, "ListSchemaExtensions", dirID, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if err := msOnly(d, "ListSchemaExtensions"); err != nil {
			return err
		}
		all = all[:0]
		return directory.DSSchemaExtensions().Each(tx, sc, 0, func(_ int64, e *directory.DSSchemaExtension) (bool, error) {
			if e.DirectoryID == dirID {
				info := dsapi.SchemaExtensionInfo{DirectoryId: ptr(dirID), SchemaExtensionId: ptr(e.ID), Description: ptr(e.Description),
					SchemaExtensionStatus: dsapi.SchemaExtensionStatus(e.Status), StartDateTime: smithy.NewTimestamp(e.Started)}
				if e.Reason != skipSnapshot {
					info.SchemaExtensionStatusReason = optional(e.Reason)
				}
				if !e.Ended.IsZero() {
					info.EndDateTime = smithy.NewTimestamp(e.Ended)
				}
				all = append(all, info)
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-schema", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.ListSchemaExtensionsResult{SchemaExtensionsInfo: page, NextToken: next}, nil
}
