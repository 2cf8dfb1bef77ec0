package ds

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Trusts (AWS Managed Microsoft AD only). A trust is Creating, then
// Created, and is verified at once: Verifying, then Verified (VerifyFailed
// with an injected fault); UpdateTrust passes through Updating, DeleteTrust
// through Deleting (directory.DSTrustTable, decision 0206).

func (s *Service) CreateTrust(ctx context.Context, in *dsapi.CreateTrustRequest) (*dsapi.CreateTrustResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	remote := strings.TrimSuffix(deref(in.RemoteDomainName), ".")
	typ := in.TrustType
	if typ == "" {
		typ = dsapi.TrustTypeForest
	}
	sel := in.SelectiveAuth
	if sel != "" && typ == dsapi.TrustTypeExternal {
		return nil, invalid("SelectiveAuth applies to Forest trusts only.")
	}
	if sel == "" {
		sel = dsapi.SelectiveAuthDisabled
	}
	now := s.Now()
	trustID := deskplane.NewHexID("t-", 10)
	err := s.change(ctx, dirID, "CreateTrust", ms, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if strings.EqualFold(remote, d.Name) {
			return invalid("The remote domain %s is the directory's own domain.", remote)
		}
		dup := false
		err := directory.DSTrusts().Each(tx, sc, 0, func(_ int64, t *directory.DSTrust) (bool, error) {
			dup = dup || (t.DirectoryID == dirID && strings.EqualFold(t.RemoteDomain, remote))
			return !dup, nil
		})
		if err != nil {
			return err
		}
		if dup {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has a trust with %s.", dirID, remote)
		}
		if len(in.ConditionalForwarderIpAddrs) > 0 || len(in.ConditionalForwarderIpv6Addrs) > 0 {
			if i := forwarderIndex(d, remote); i >= 0 {
				d.Forwarders[i].DNSAddrs, d.Forwarders[i].DNSv6Addrs = slices.Clone(in.ConditionalForwarderIpAddrs), slices.Clone(in.ConditionalForwarderIpv6Addrs)
			} else {
				d.Forwarders = append(d.Forwarders, directory.DSForwarder{RemoteDomain: remote,
					DNSAddrs: slices.Clone(in.ConditionalForwarderIpAddrs), DNSv6Addrs: slices.Clone(in.ConditionalForwarderIpv6Addrs)})
			}
		}
		row, _ := directory.DSTrustTable().Row(deskplane.ActionCreate)
		t := &directory.DSTrust{ID: trustID, DirectoryID: dirID, RemoteDomain: remote, Type: string(typ), Direction: string(in.TrustDirection),
			SelectiveAuth: string(sel), State: row.Via, Created: now, Updated: now, StateChanged: now, Generation: 1}
		return s.enterTrust(tx, sc, t, row.Via, row.Timing)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateTrustResult{TrustId: &trustID}, nil
}

// enterTrust puts a trust in a transitional state and schedules its end.
func (s *Service) enterTrust(tx deskplane.Tx, sc deskplane.Scope, t *directory.DSTrust, via directory.DSTrustState, tr deskplane.Transition) error {
	t.State = via
	t.Generation++
	if err := directory.DSTrusts().Put(tx, sc, t.ID, t); err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: directory.DSTrusts().Key(sc, t.ID), Name: deskplane.TimerDSTrust,
		Due: s.After(t.StateChanged, tr), Payload: payload(t.Generation)})
}

// onTrust ends a trust's transitional state; a created trust goes on to
// be verified.
func (s *Service) onTrust(_ context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
	gen, err := generation(tm)
	if err != nil {
		return err
	}
	sc := tm.Key.Scope
	t, ok, err := directory.DSTrusts().Get(tx, sc, tm.Key.ID)
	if err != nil || !ok || t.Generation != gen {
		return err
	}
	tab := directory.DSTrustTable()
	row, ok := tab.Ending(t.State)
	if !ok {
		return nil
	}
	if row.Gone {
		_, err := directory.DSTrusts().Delete(tx, sc, t.ID)
		return err
	}
	t.StateChanged, t.Updated = tm.Due, tm.Due
	if row.Action == deskplane.ActionCreate {
		v, _ := tab.Row(directory.ActionVerify)
		return s.enterTrust(tx, sc, t, v.Via, v.Timing)
	}
	t.State, t.StateReason = row.To, ""
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindDSTrust, sc, t.ID)
	if err != nil {
		return err
	}
	if hit {
		t.State, t.StateReason = directory.DSTrustState(f.State), f.ErrorMessage
	}
	t.Generation++
	return directory.DSTrusts().Put(tx, sc, t.ID, t)
}

// trustAction checks an action on a trust of the caller and enters its
// transitional state.
func (s *Service) trustAction(ctx context.Context, id string, a deskplane.Action, fn func(tx deskplane.Tx, d *directory.DSDirectory, t *directory.DSTrust) error) error {
	sc := env.Scope(ctx)
	now := s.Now()
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		t, ok, err := directory.DSTrusts().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.NotFound(id, "Trust %s does not exist.", id)
		}
		d, err := usable(tx, sc, t.DirectoryID, string(a)+" a trust", ms...)
		if err != nil {
			return err
		}
		row, err := directory.DSTrustTable().Check(a, id, t.State)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(tx, d, t); err != nil {
				return err
			}
		}
		t.StateChanged, t.Updated = now, now
		return s.enterTrust(tx, sc, t, row.Via, row.Timing)
	})
}

func (s *Service) VerifyTrust(ctx context.Context, in *dsapi.VerifyTrustRequest) (*dsapi.VerifyTrustResult, error) {
	id := deref(in.TrustId)
	if err := s.trustAction(ctx, id, directory.ActionVerify, nil); err != nil {
		return nil, err
	}
	return &dsapi.VerifyTrustResult{TrustId: &id}, nil
}

func (s *Service) UpdateTrust(ctx context.Context, in *dsapi.UpdateTrustRequest) (*dsapi.UpdateTrustResult, error) {
	id := deref(in.TrustId)
	err := s.trustAction(ctx, id, deskplane.ActionUpdate, func(_ deskplane.Tx, _ *directory.DSDirectory, t *directory.DSTrust) error {
		if in.SelectiveAuth != "" {
			if t.Type == string(dsapi.TrustTypeExternal) {
				return invalid("SelectiveAuth applies to Forest trusts only; trust %s is External.", id)
			}
			t.SelectiveAuth = string(in.SelectiveAuth)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UpdateTrustResult{TrustId: &id, RequestId: ptr(deskplane.NewID("", 8) + "-" + deskplane.NewID("", 4))}, nil
}

func (s *Service) DeleteTrust(ctx context.Context, in *dsapi.DeleteTrustRequest) (*dsapi.DeleteTrustResult, error) {
	id := deref(in.TrustId)
	sc := env.Scope(ctx)
	err := s.trustAction(ctx, id, deskplane.ActionDelete, func(tx deskplane.Tx, d *directory.DSDirectory, t *directory.DSTrust) error {
		if deref(in.DeleteAssociatedConditionalForwarder) {
			if i := forwarderIndex(d, t.RemoteDomain); i >= 0 {
				d.Forwarders = slices.Delete(d.Forwarders, i, i+1)
				return directory.DSDirectories().Put(tx, sc, d.ID, d)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeleteTrustResult{TrustId: &id}, nil
}

func (s *Service) DescribeTrusts(ctx context.Context, in *dsapi.DescribeTrustsRequest) (*dsapi.DescribeTrustsResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	var all []dsapi.Trust
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		all = all[:0]
		if dirID != "" {
			if _, err := load(tx, sc, dirID); err != nil {
				return err
			}
		}
		for _, id := range in.TrustIds {
			if _, ok, err := directory.DSTrusts().Get(tx, sc, id); err != nil {
				return err
			} else if !ok {
				return deskplane.NotFound(id, "Trust %s does not exist.", id)
			}
		}
		return directory.DSTrusts().Each(tx, sc, 0, func(_ int64, t *directory.DSTrust) (bool, error) {
			if (dirID == "" || t.DirectoryID == dirID) && (len(in.TrustIds) == 0 || slices.Contains(in.TrustIds, t.ID)) {
				all = append(all, dsapi.Trust{DirectoryId: ptr(t.DirectoryID), TrustId: ptr(t.ID), RemoteDomainName: ptr(t.RemoteDomain),
					TrustType: dsapi.TrustType(t.Type), TrustDirection: dsapi.TrustDirection(t.Direction), TrustState: dsapi.TrustState(t.State),
					CreatedDateTime: smithy.NewTimestamp(t.Created), LastUpdatedDateTime: smithy.NewTimestamp(t.Updated),
					StateLastUpdatedDateTime: smithy.NewTimestamp(t.StateChanged), TrustStateReason: optional(t.StateReason),
					SelectiveAuth: dsapi.SelectiveAuth(t.SelectiveAuth)})
			}
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-trusts", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeTrustsResult{Trusts: page, NextToken: next}, nil
}
