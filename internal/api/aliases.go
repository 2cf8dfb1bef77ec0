package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Connection aliases for cross-Region redirection (AGA:cross-region-redirection;
// MODEL CreateConnectionAlias … UpdateConnectionAliasPermission;
// docs/decisions/0041-connection-aliases.md).
//
// An alias is a deskplane.ConnectionAlias record in its owner's scope,
// CREATING → CREATED → DELETING → gone on the alias.state timer. The owner
// may share it with one other account of the Region: the account is listed
// in SharedWith and gets a KindAliasShare record, through which it sees the
// owner's alias in DescribeConnectionAliases and may associate it with one
// of its own directories. An alias has at most one association per Region,
// kept on the owner's record; an association whose directory is no longer
// registered counts as gone. A connection string stays reserved for the
// account that first created it (KindAliasReservation in GlobalScope()).

const (
	aliasCreating = deskplane.ConnectionAliasCreating
	aliasCreated  = deskplane.ConnectionAliasCreated
	aliasDeleting = deskplane.ConnectionAliasDeleting

	// timerAliasState ends CREATING and DELETING.
	timerAliasState = deskplane.TimerAliasState
)

// aliasPayload is carried by the alias.state timer: the generation the
// transition was scheduled at.
type aliasPayload struct {
	Gen int64 `json:"gen"`
}

func aliasKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindAlias, ID: id}
}

func aliasShareKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindAliasShare, ID: id}
}

func aliasReservationKey(connectionString string) deskplane.Key {
	return deskplane.Key{Scope: deskplane.GlobalScope(), Kind: deskplane.KindAliasReservation, ID: strings.ToLower(connectionString)}
}

func aliasNotFound(id string) error {
	return deskplane.NotFound(id, "The connection alias %s could not be found. Confirm that it exists in this Region and is owned by or shared with your account.", id)
}

func aliasNotOwned(id, owner, what string) error {
	return deskplane.Errorf(deskplane.CodeAccessDenied,
		"The connection alias %s is owned by account %s and shared with you; only its owner can %s.", id, owner, what)
}

// ownAlias loads an alias the scope owns.
func ownAlias(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.ConnectionAlias, bool, error) {
	var a deskplane.ConnectionAlias
	ok, err := deskplane.Load(tx, aliasKey(sc, id), &a)
	if err != nil || !ok {
		return nil, false, err
	}
	return &a, true, nil
}

// sharedAlias returns the owner's record of an alias shared with the
// scope, and false when none is (or the share no longer holds).
func sharedAlias(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.ConnectionAlias, bool, error) {
	var sh deskplane.AliasShare
	ok, err := deskplane.Load(tx, aliasShareKey(sc, id), &sh)
	if err != nil || !ok {
		return nil, false, err
	}
	a, ok, err := ownAlias(tx, deskplane.Scope{Account: sh.Owner, Region: sc.Region}, id)
	if err != nil || !ok {
		return nil, false, err
	}
	if !slices.Contains(a.SharedWith, sc.Account) {
		return nil, false, nil
	}
	return a, true, nil
}

// visibleAlias returns an alias the scope owns or that is shared with it,
// or answers ResourceNotFoundException.
func visibleAlias(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.ConnectionAlias, error) {
	if a, ok, err := ownAlias(tx, sc, id); err != nil || ok {
		return a, err
	}
	a, ok, err := sharedAlias(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, aliasNotFound(id)
	}
	return a, nil
}

// ownedAlias returns an alias the scope owns for an operation only its
// owner may perform: AccessDeniedException when it is shared with the
// scope, ResourceNotFoundException when the scope cannot see it.
func ownedAlias(tx deskplane.Tx, sc deskplane.Scope, id, what string) (*deskplane.ConnectionAlias, error) {
	a, err := visibleAlias(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if a.Owner != sc.Account {
		return nil, aliasNotOwned(id, a.Owner, what)
	}
	return a, nil
}

// liveAssociation returns the alias's association unless its directory is
// no longer registered (a deregistered directory takes its association
// with it).
func liveAssociation(tx deskplane.Tx, region string, a *deskplane.ConnectionAlias) (*deskplane.AliasAssociation, error) {
	as := a.Association
	if as == nil {
		return nil, nil
	}
	_, err := tx.Get(wsDirKey(deskplane.Scope{Account: as.Account, Region: region}, as.DirectoryID))
	if err == deskplane.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return as, nil
}

func saveAlias(tx deskplane.Tx, region string, a *deskplane.ConnectionAlias) error {
	return deskplane.Save(tx, aliasKey(deskplane.Scope{Account: a.Owner, Region: region}, a.ID), a)
}

func (s *Server) scheduleAlias(tx deskplane.Tx, sc deskplane.Scope, a *deskplane.ConnectionAlias, from time.Time, t deskplane.Transition) error {
	p, err := json.Marshal(aliasPayload{Gen: a.Generation})
	if err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: aliasKey(sc, a.ID), Name: timerAliasState, Due: s.after(from, t), Payload: p})
}

// checkConnectionString applies the FQDN rules the model's pattern does
// not: two or more dot-separated labels of 1–63 characters that neither
// start nor end with a hyphen.
func checkConnectionString(cs string) error {
	labels := strings.Split(cs, ".")
	bad := len(labels) < 2
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			bad = true
		}
	}
	if bad {
		return deskplane.Errorf(deskplane.CodeInvalidParameter,
			"The connection string %q is not a fully qualified domain name. Specify a domain name such as desktop.example.com: two or more labels of 1 to 63 letters, digits and hyphens, separated by dots.", cs)
	}
	return nil
}

func wireAlias(a *deskplane.ConnectionAlias, as *deskplane.AliasAssociation) wsapi.ConnectionAlias {
	out := wsapi.ConnectionAlias{
		ConnectionString: ptr(a.ConnectionString),
		AliasId:          ptr(a.ID),
		State:            wsapi.ConnectionAliasState(a.State),
		OwnerAccountId:   ptr(a.Owner),
	}
	if as != nil {
		out.Associations = []wsapi.ConnectionAliasAssociation{{
			AssociationStatus:    wsapi.AssociationStatus(as.Status),
			AssociatedAccountId:  ptr(as.Account),
			ResourceId:           ptr(as.DirectoryID),
			ConnectionIdentifier: ptr(as.ConnectionIdentifier),
		}}
	}
	return out
}

// ---- create, delete ----------------------------------------------------------------

func (w *wsService) CreateConnectionAlias(ctx context.Context, in *wsapi.CreateConnectionAliasRequest) (*wsapi.CreateConnectionAliasResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	cs := deref(in.ConnectionString)
	if err := checkConnectionString(cs); err != nil {
		return nil, err
	}
	sc := caller(ctx).Scope()
	switch sc.Region {
	case "us-gov-west-1", "cn-northwest-1":
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "CrossRegionRedirectionNotSupported",
			Message: "Cross-Region redirection is not available in Region " + sc.Region + "."}
	}
	now := w.now()
	id := deskplane.NewID("wsca-", 9)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		dup := ""
		err := deskplane.Each(tx, sc, deskplane.KindAlias, 0, func(_ int64, a *deskplane.ConnectionAlias) (bool, error) {
			if strings.EqualFold(a.ConnectionString, cs) {
				dup = a.ID
			}
			return dup == "", nil
		})
		if err != nil {
			return err
		}
		if dup != "" {
			return deskplane.Errorf(deskplane.CodeAlreadyExists,
				"A connection alias for the connection string %s already exists in this Region (%s).", cs, dup)
		}
		var res deskplane.AliasReservation
		reserved, err := deskplane.Load(tx, aliasReservationKey(cs), &res)
		if err != nil {
			return err
		}
		if reserved && res.Account != sc.Account {
			return deskplane.Errorf(deskplane.CodeAlreadyExists,
				"The connection string %s is reserved for another AWS account. A connection string belongs to the account that first created it, even after its aliases are deleted.", cs)
		}
		n, err := tx.Count(sc, deskplane.KindAlias)
		if err != nil {
			return err
		}
		if q := w.d.Quotas.ConnectionAliases; q > 0 && n >= q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"Your account has reached its limit of %d connection aliases in Region %s. Delete aliases you no longer need, and try again.", q, sc.Region)
		}
		if !reserved {
			if err := deskplane.Save(tx, aliasReservationKey(cs), deskplane.AliasReservation{Account: sc.Account, Created: now}); err != nil {
				return err
			}
		}
		a := deskplane.ConnectionAlias{ID: id, ConnectionString: cs, Owner: sc.Account, State: aliasCreating,
			Created: now, StateChanged: now, Generation: 1}
		if err := deskplane.Save(tx, aliasKey(sc, id), &a); err != nil {
			return err
		}
		if err := mergeTags(tx, sc, id, in.Tags); err != nil {
			return err
		}
		return w.scheduleAlias(tx, sc, &a, now, deskplane.TAliasCreate)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateConnectionAliasResult{AliasId: ptr(id)}, nil
}

// aliasStateError is the error for an operation that needs a CREATED alias.
func aliasStateError(a *deskplane.ConnectionAlias) error {
	return deskplane.Errorf(deskplane.CodeInvalidState,
		"The connection alias %s is %s; this operation needs it to be CREATED. Check its state with DescribeConnectionAliases.", a.ID, a.State)
}

func (w *wsService) DeleteConnectionAlias(ctx context.Context, in *wsapi.DeleteConnectionAliasRequest) (*wsapi.DeleteConnectionAliasResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.AliasId)
	now := w.now()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := ownedAlias(tx, sc, id, "delete it")
		if err != nil {
			return err
		}
		if a.State != aliasCreated {
			return aliasStateError(a)
		}
		as, err := liveAssociation(tx, sc.Region, a)
		if err != nil {
			return err
		}
		if as != nil {
			return deskplane.Errorf(deskplane.CodeAssociated,
				"The connection alias %s is associated with directory %s of account %s. That account must disassociate it with DisassociateConnectionAlias before the alias can be deleted.", id, as.DirectoryID, as.Account)
		}
		if len(a.SharedWith) > 0 {
			return deskplane.Errorf(deskplane.CodeInvalidState,
				"The connection alias %s is shared with account %s. Unshare it with UpdateConnectionAliasPermission before deleting it.", id, strings.Join(a.SharedWith, ", "))
		}
		a.State, a.StateChanged, a.Association = aliasDeleting, now, nil
		a.Generation++
		if err := deskplane.Save(tx, aliasKey(sc, id), a); err != nil {
			return err
		}
		return w.scheduleAlias(tx, sc, a, now, deskplane.TAliasDelete)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteConnectionAliasResult{}, nil
}

// ---- describe ------------------------------------------------------------------------

// seqAlias is an alias as listed for a scope, with the Seq of the record it
// was found through (the owner's alias or the recipient's share record).
type seqAlias struct {
	seq   int64
	alias wsapi.ConnectionAlias
}

func (w *wsService) DescribeConnectionAliases(ctx context.Context, in *wsapi.DescribeConnectionAliasesRequest) (*wsapi.DescribeConnectionAliasesResult, error) {
	if in.AliasIds != nil && in.ResourceId != nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify either AliasIds or ResourceId, not both.")
	}
	const purpose = "aliases"
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.Limit)
	sc := caller(ctx).Scope()
	resource := deref(in.ResourceId)
	match := func(tx deskplane.Tx, a *deskplane.ConnectionAlias) (*wsapi.ConnectionAlias, error) {
		if in.AliasIds != nil && !slices.Contains(in.AliasIds, a.ID) {
			return nil, nil
		}
		as, err := liveAssociation(tx, sc.Region, a)
		if err != nil {
			return nil, err
		}
		if in.ResourceId != nil && (as == nil || as.DirectoryID != resource || as.Account != sc.Account) {
			return nil, nil
		}
		v := wireAlias(a, as)
		return &v, nil
	}
	var p paging.Page[wsapi.ConnectionAlias]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ConnectionAlias]{}
		// Own aliases and share records each come in Seq order (Seq is
		// unique store-wide); merging them gives one stable order. Each
		// list needs at most size+1 matches to fill the page and know
		// whether there is another.
		var owned, shared []seqAlias
		err := deskplane.Each(tx, sc, deskplane.KindAlias, after, func(seq int64, a *deskplane.ConnectionAlias) (bool, error) {
			v, err := match(tx, a)
			if err != nil || v == nil {
				return err == nil, err
			}
			owned = append(owned, seqAlias{seq, *v})
			return len(owned) <= size, nil
		})
		if err != nil {
			return err
		}
		err = deskplane.Each(tx, sc, deskplane.KindAliasShare, after, func(seq int64, sh *deskplane.AliasShare) (bool, error) {
			a, ok, err := sharedAlias(tx, sc, sh.AliasID)
			if err != nil || !ok {
				return err == nil, err
			}
			v, err := match(tx, a)
			if err != nil || v == nil {
				return err == nil, err
			}
			shared = append(shared, seqAlias{seq, *v})
			return len(shared) <= size, nil
		})
		if err != nil {
			return err
		}
		all := append(owned, shared...)
		slices.SortFunc(all, func(a, b seqAlias) int { return int(a.seq - b.seq) })
		for _, x := range all {
			if !p.Add(size, x.seq, x.alias) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeConnectionAliasesResult{ConnectionAliases: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// ---- associations ------------------------------------------------------------------------

func (w *wsService) AssociateConnectionAlias(ctx context.Context, in *wsapi.AssociateConnectionAliasRequest) (*wsapi.AssociateConnectionAliasResult, error) {
	sc, id, dirID := caller(ctx).Scope(), deref(in.AliasId), deref(in.ResourceId)
	now := w.now()
	var connID string
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := visibleAlias(tx, sc, id)
		if err != nil {
			return err
		}
		if a.State != aliasCreated {
			return aliasStateError(a)
		}
		d, err := w.registeredDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if d.State != wsDirRegistered {
			return deskplane.Errorf(deskplane.CodeInvalidState,
				"The directory %s is %s. A connection alias can be associated with a REGISTERED directory only.", dirID, d.State)
		}
		as, err := liveAssociation(tx, sc.Region, a)
		if err != nil {
			return err
		}
		if as != nil {
			if as.Account == sc.Account && as.DirectoryID == dirID {
				return deskplane.Errorf(deskplane.CodeAssociated,
					"The connection alias %s is already associated with directory %s.", id, dirID)
			}
			return deskplane.Errorf(deskplane.CodeAssociated,
				"The connection alias %s is already associated with directory %s of account %s. A connection alias can be associated with only one directory per Region.", id, as.DirectoryID, as.Account)
		}
		status := wsapi.AssociationStatusAssociatedWithOwnerAccount
		if a.Owner != sc.Account {
			status = wsapi.AssociationStatusAssociatedWithSharedAccount
		}
		connID = deskplane.NewID("", 12)
		a.Association = &deskplane.AliasAssociation{Account: sc.Account, DirectoryID: dirID,
			ConnectionIdentifier: connID, Status: deskplane.AliasAssociationStatus(status), Associated: now}
		return saveAlias(tx, sc.Region, a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AssociateConnectionAliasResult{ConnectionIdentifier: ptr(connID)}, nil
}

func (w *wsService) DisassociateConnectionAlias(ctx context.Context, in *wsapi.DisassociateConnectionAliasRequest) (*wsapi.DisassociateConnectionAliasResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.AliasId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := visibleAlias(tx, sc, id)
		if err != nil {
			return err
		}
		if a.State != aliasCreated {
			return aliasStateError(a)
		}
		as, err := liveAssociation(tx, sc.Region, a)
		if err != nil {
			return err
		}
		if as == nil {
			return deskplane.Errorf(deskplane.CodeInvalidState,
				"The connection alias %s is not associated with a directory.", id)
		}
		if as.Account != sc.Account {
			return deskplane.Errorf(deskplane.CodeAccessDenied,
				"The connection alias %s is associated with directory %s of account %s; only the account that owns a directory can disassociate a connection alias from it.", id, as.DirectoryID, as.Account)
		}
		a.Association = nil
		return saveAlias(tx, sc.Region, a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DisassociateConnectionAliasResult{}, nil
}

// ---- permissions ---------------------------------------------------------------------------

func (w *wsService) DescribeConnectionAliasPermissions(ctx context.Context, in *wsapi.DescribeConnectionAliasPermissionsRequest) (*wsapi.DescribeConnectionAliasPermissionsResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.AliasId)
	purpose := "aliasperms/" + id
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ConnectionAliasPermission]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ConnectionAliasPermission]{}
		a, err := ownedAlias(tx, sc, id, "describe its permissions")
		if err != nil {
			return err
		}
		for i, acct := range a.SharedWith {
			if int64(i) < after {
				continue
			}
			if !p.Add(size, int64(i+1), wsapi.ConnectionAliasPermission{SharedAccountId: ptr(acct), AllowAssociation: ptr(true)}) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeConnectionAliasPermissionsResult{AliasId: ptr(id), ConnectionAliasPermissions: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

// maxAliasShares is how many accounts an alias can be shared with: "one
// other AWS account in the same AWS Region" (AGA:cross-region-redirection).
const maxAliasShares = 1

func (w *wsService) UpdateConnectionAliasPermission(ctx context.Context, in *wsapi.UpdateConnectionAliasPermissionRequest) (*wsapi.UpdateConnectionAliasPermissionResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.AliasId)
	var target string
	var allow bool
	if perm := in.ConnectionAliasPermission; perm != nil {
		target, allow = deref(perm.SharedAccountId), deref(perm.AllowAssociation)
	}
	if target == sc.Account {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The connection alias %s cannot be shared with its owner, account %s.", id, target)
	}
	now := w.now()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := ownedAlias(tx, sc, id, "share or unshare it")
		if err != nil {
			return err
		}
		if a.State != aliasCreated {
			return aliasStateError(a)
		}
		targetScope := deskplane.Scope{Account: target, Region: sc.Region}
		already := slices.Contains(a.SharedWith, target)
		if !allow {
			if !already {
				return deskplane.Errorf(deskplane.CodeInvalidParameter,
					"The connection alias %s is not shared with account %s; there is no permission to revoke.", id, target)
			}
			as, err := liveAssociation(tx, sc.Region, a)
			if err != nil {
				return err
			}
			if as != nil && as.Account == target {
				return deskplane.Errorf(deskplane.CodeAssociated,
					"Account %s has associated the connection alias %s with its directory %s. That account must disassociate it before the alias can be unshared.", target, id, as.DirectoryID)
			}
			a.SharedWith = slices.DeleteFunc(a.SharedWith, func(acct string) bool { return acct == target })
			if _, err := tx.Delete(aliasShareKey(targetScope, id)); err != nil {
				return err
			}
			return deskplane.Save(tx, aliasKey(sc, id), a)
		}
		if already {
			return nil
		}
		if len(a.SharedWith) >= maxAliasShares {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"The connection alias %s is already shared with account %s; a connection alias can be shared with only one other account. Unshare it first.", id, strings.Join(a.SharedWith, ", "))
		}
		a.SharedWith = append(a.SharedWith, target)
		if err := deskplane.Save(tx, aliasShareKey(targetScope, id), deskplane.AliasShare{AliasID: id, Owner: sc.Account, Shared: now}); err != nil {
			return err
		}
		return deskplane.Save(tx, aliasKey(sc, id), a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateConnectionAliasPermissionResult{}, nil
}

// ---- lifecycle ------------------------------------------------------------------------------

// aliasTimers registers the connection alias lifecycle handlers.
func (s *Server) aliasTimers(m map[string]lifecycle.Handler) {
	m[timerAliasState] = s.aliasState
}

// aliasState ends CREATING (CREATED) and DELETING (the alias and its tags
// go). An injected transition fault (kind "alias") makes the transition end
// in the fault's state instead, e.g. CREATING for an alias that never
// finishes, or CREATED for a deletion that did not happen.
func (s *Server) aliasState(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p aliasPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("%s timer of %s: %w", timerAliasState, t.Key.ID, err)
	}
	a, ok, err := ownAlias(tx, t.Key.Scope, t.Key.ID)
	if err != nil || !ok || a.Generation != p.Gen {
		return err
	}
	if a.State != aliasCreating && a.State != aliasDeleting {
		return nil
	}
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindAlias, t.Key.Scope, a.ID)
	if err != nil {
		return err
	}
	if hit && f.State != "" {
		a.State, a.StateChanged = deskplane.ConnectionAliasState(f.State), t.Due
		a.Generation++
		return deskplane.Save(tx, t.Key, a)
	}
	if a.State == aliasDeleting {
		if _, err := tx.Delete(t.Key); err != nil {
			return err
		}
		return deleteTagsOf(tx, t.Key.Scope, a.ID)
	}
	a.State, a.StateChanged = aliasCreated, t.Due
	a.Generation++
	return deskplane.Save(tx, t.Key, a)
}
