package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Connection aliases for cross-Region redirection (AGA:cross-region-redirection;
// MODEL CreateConnectionAlias … UpdateConnectionAliasPermission;
// docs/decisions/0041-connection-aliases.md).
//
// An alias is a deskplane.ConnectionAlias record in its owner's scope that
// follows deskplane.ConnectionAliasTable: CREATING → CREATED → DELETING →
// gone on the alias.state timer. The owner may share it with one other
// account of the Region: the account is listed in SharedWith and gets a
// deskplane.AliasShare record, through which it sees the owner's alias in
// DescribeConnectionAliases and may associate it with one of its own
// directories. An alias has at most one association per Region, kept on the
// owner's record; an association whose directory is no longer registered
// counts as gone. A connection string stays reserved for the account that
// first created it (deskplane.AliasReservation in GlobalScope()).

// aliasPayload is carried by the alias.state timer: the generation the
// transition was scheduled at.
type aliasPayload struct {
	Gen int64 `json:"gen"`
}

// dnsName is the name a connection string stands for: connection strings
// are DNS names, compared case-insensitively and without the trailing dot
// of an absolute name (decision 0333), which is kept as written.
func dnsName(connectionString string) string {
	return strings.ToLower(strings.TrimSuffix(connectionString, "."))
}

// aliasReservationID is the reservation record's id of a connection
// string: its DNS name.
func aliasReservationID(connectionString string) string { return dnsName(connectionString) }

func aliasNotFound(id string) error {
	return deskplane.NotFound(id, "The connection alias %s could not be found. Confirm that it exists in this Region and is owned by or shared with your account.", id)
}

func aliasNotOwned(id, owner, what string) error {
	return deskplane.Errorf(deskplane.CodeAccessDenied,
		"The connection alias %s is owned by account %s and shared with you; only its owner can %s.", id, owner, what)
}

// sharedAlias returns the owner's record of an alias shared with the
// scope, and false when none is (or the share no longer holds).
func sharedAlias(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.ConnectionAlias, bool, error) {
	sh, ok, err := deskplane.AliasShares().Get(tx, sc, id)
	if err != nil || !ok {
		return nil, false, err
	}
	a, ok, err := deskplane.ConnectionAliases().Get(tx, deskplane.Scope{Account: sh.Owner, Region: sc.Region}, id)
	if err != nil || !ok || !slices.Contains(a.SharedWith, sc.Account) {
		return nil, false, err
	}
	return a, true, nil
}

// visibleAlias returns an alias the scope owns or that is shared with it,
// or answers CodeNotFound.
func visibleAlias(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.ConnectionAlias, error) {
	if a, ok, err := deskplane.ConnectionAliases().Get(tx, sc, id); err != nil || ok {
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
// owner may perform (what): CodeAccessDenied when it is shared with the
// scope, CodeNotFound when the scope cannot see it.
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
	_, err := tx.Get(deskplane.Directories().Key(deskplane.Scope{Account: as.Account, Region: region}, as.DirectoryID))
	switch {
	case errors.Is(err, deskplane.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return as, nil
}

// saveAlias writes the alias in its owner's scope.
func saveAlias(tx deskplane.Tx, region string, a *deskplane.ConnectionAlias) error {
	return deskplane.ConnectionAliases().Put(tx, deskplane.Scope{Account: a.Owner, Region: region}, a.ID, a)
}

// enter puts the alias in the transitional state of a row of its table at
// from and schedules the end of the row's transition.
func (s *Service) enter(tx deskplane.Tx, sc deskplane.Scope, a *deskplane.ConnectionAlias, row deskplane.TransitionRow[deskplane.ConnectionAliasState], from time.Time) error {
	a.SetState(row.Via, from)
	p, err := json.Marshal(aliasPayload{Gen: a.Generation})
	if err != nil {
		return err
	}
	if err := deskplane.ConnectionAliases().Put(tx, sc, a.ID, a); err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: deskplane.ConnectionAliases().Key(sc, a.ID), Name: deskplane.TimerAliasState,
		Due: s.After(from, row.Timing), Payload: p})
}

// checkConnectionString applies the FQDN rules the model's pattern does
// not: two or more dot-separated labels of 1–63 characters that neither
// start nor end with a hyphen, and a trailing dot allowed (an absolute
// name; decision 0333).
func checkConnectionString(cs string) error {
	labels := strings.Split(strings.TrimSuffix(cs, "."), ".")
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
		ConnectionString: new(a.ConnectionString),
		AliasId:          new(a.ID),
		State:            wsapi.ConnectionAliasState(a.State),
		OwnerAccountId:   new(a.Owner),
	}
	if as != nil {
		out.Associations = []wsapi.ConnectionAliasAssociation{{
			AssociationStatus:    wsapi.AssociationStatus(as.Status),
			AssociatedAccountId:  new(as.Account),
			ResourceId:           new(as.DirectoryID),
			ConnectionIdentifier: new(as.ConnectionIdentifier),
		}}
	}
	return out
}

// ---- create, delete ----------------------------------------------------------------

// noRedirectionRegions are the Regions without cross-Region redirection
// (AGA:cross-region-redirection, "Limitations").
func noRedirectionRegions() []string { return []string{"us-gov-west-1", "cn-northwest-1"} }

func (s *Service) CreateConnectionAlias(ctx context.Context, in *wsapi.CreateConnectionAliasRequest) (*wsapi.CreateConnectionAliasResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	cs := value(in.ConnectionString)
	if err := checkConnectionString(cs); err != nil {
		return nil, err
	}
	sc := env.Scope(ctx)
	if slices.Contains(noRedirectionRegions(), sc.Region) {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "CrossRegionRedirectionNotSupported",
			Message: "Cross-Region redirection is not available in Region " + sc.Region + "."}
	}
	table := deskplane.ConnectionAliasTable()
	row, err := table.Check(deskplane.ActionCreate, "", "")
	if err != nil {
		return nil, err
	}
	now := s.Now()
	id := deskplane.NewID("wsca-", 9)
	aliases, reservations := deskplane.ConnectionAliases(), deskplane.AliasReservations()
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		dup := ""
		err := aliases.Each(tx, sc, 0, func(_ int64, a *deskplane.ConnectionAlias) (bool, error) {
			if dnsName(a.ConnectionString) == dnsName(cs) {
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
		res, reserved, err := reservations.Get(tx, deskplane.GlobalScope(), aliasReservationID(cs))
		if err != nil {
			return err
		}
		if reserved && res.Account != sc.Account {
			return deskplane.Errorf(deskplane.CodeAlreadyExists,
				"The connection string %s is reserved for another AWS account. A connection string belongs to the account that first created it, even after its aliases are deleted.", cs)
		}
		n, err := aliases.Count(tx, sc)
		if err != nil {
			return err
		}
		if q := s.Quotas.ConnectionAliases; q > 0 && n >= q {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"Your account has reached its limit of %d connection aliases in Region %s. Delete aliases you no longer need, and try again.", q, sc.Region)
		}
		if !reserved {
			res := deskplane.AliasReservation{Account: sc.Account, Created: now}
			if err := reservations.Put(tx, deskplane.GlobalScope(), aliasReservationID(cs), &res); err != nil {
				return err
			}
		}
		a := deskplane.ConnectionAlias{ID: id, ConnectionString: cs, Owner: sc.Account, Created: now}
		if err := s.enter(tx, sc, &a, row, now); err != nil {
			return err
		}
		return deskplane.MergeTags(tx, sc, id, tags)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateConnectionAliasResult{AliasId: new(id)}, nil
}

func (s *Service) DeleteConnectionAlias(ctx context.Context, in *wsapi.DeleteConnectionAliasRequest) (*wsapi.DeleteConnectionAliasResult, error) {
	sc, id := env.Scope(ctx), value(in.AliasId)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := ownedAlias(tx, sc, id, "delete it")
		if err != nil {
			return err
		}
		row, err := deskplane.ConnectionAliasTable().Check(deskplane.ActionDelete, id, a.State)
		if err != nil {
			return err
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
		a.Association = nil
		return s.enter(tx, sc, a, row, now)
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

func (s *Service) DescribeConnectionAliases(ctx context.Context, in *wsapi.DescribeConnectionAliasesRequest) (*wsapi.DescribeConnectionAliasesResult, error) {
	if in.AliasIds != nil && in.ResourceId != nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify either AliasIds or ResourceId, not both.")
	}
	const purpose = "aliases"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.Limit)
	sc := env.Scope(ctx)
	resource := value(in.ResourceId)
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
	now := s.Now()
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ConnectionAlias]{}
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		// Own aliases and share records each come in Seq order (Seq is
		// unique store-wide); merging them gives one stable order. Each
		// list needs at most size+1 matches to fill the page and know
		// whether there is another.
		var owned, shared []seqAlias
		err = deskplane.ConnectionAliases().Each(tx, sc, after, func(seq int64, a *deskplane.ConnectionAlias) (bool, error) {
			if acct.NotYetDescribed(a.Created, now) {
				return true, nil
			}
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
		err = deskplane.AliasShares().Each(tx, sc, after, func(seq int64, sh *deskplane.AliasShare) (bool, error) {
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
	return &wsapi.DescribeConnectionAliasesResult{ConnectionAliases: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// ---- associations ------------------------------------------------------------------------

func (s *Service) AssociateConnectionAlias(ctx context.Context, in *wsapi.AssociateConnectionAliasRequest) (*wsapi.AssociateConnectionAliasResult, error) {
	sc, id, dirID := env.Scope(ctx), value(in.AliasId), value(in.ResourceId)
	now := s.Now()
	var connID string
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := visibleAlias(tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := deskplane.ConnectionAliasTable().Check(deskplane.ActionAssociate, id, a.State); err != nil {
			return err
		}
		d, ok, err := deskplane.Directories().Get(tx, sc, dirID)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.DirectoryNotFound(dirID)
		}
		if _, err := deskplane.DirectoryTable().Check(deskplane.ActionAssociateAlias, dirID, d.State); err != nil {
			return err
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
		status := deskplane.AliasAssociatedWithOwnerAccount
		if a.Owner != sc.Account {
			status = deskplane.AliasAssociatedWithSharedAcct
		}
		connID = deskplane.NewID("", 12)
		a.Association = &deskplane.AliasAssociation{Account: sc.Account, DirectoryID: dirID,
			ConnectionIdentifier: connID, Status: status, Associated: now}
		return saveAlias(tx, sc.Region, a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.AssociateConnectionAliasResult{ConnectionIdentifier: new(connID)}, nil
}

func (s *Service) DisassociateConnectionAlias(ctx context.Context, in *wsapi.DisassociateConnectionAliasRequest) (*wsapi.DisassociateConnectionAliasResult, error) {
	sc, id := env.Scope(ctx), value(in.AliasId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := visibleAlias(tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := deskplane.ConnectionAliasTable().Check(deskplane.ActionDisassociate, id, a.State); err != nil {
			return err
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

func (s *Service) DescribeConnectionAliasPermissions(ctx context.Context, in *wsapi.DescribeConnectionAliasPermissionsRequest) (*wsapi.DescribeConnectionAliasPermissionsResult, error) {
	sc, id := env.Scope(ctx), value(in.AliasId)
	purpose := "aliasperms/" + id
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ConnectionAliasPermission]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ConnectionAliasPermission]{}
		a, err := ownedAlias(tx, sc, id, "describe its permissions")
		if err != nil {
			return err
		}
		for i, acct := range a.SharedWith {
			if int64(i) < after {
				continue
			}
			if !p.Add(size, int64(i+1), wsapi.ConnectionAliasPermission{SharedAccountId: new(acct), AllowAssociation: new(true)}) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeConnectionAliasPermissionsResult{AliasId: new(id), ConnectionAliasPermissions: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// maxAliasShares is how many accounts an alias can be shared with: "one
// other AWS account in the same AWS Region" (AGA:cross-region-redirection).
const maxAliasShares = 1

func (s *Service) UpdateConnectionAliasPermission(ctx context.Context, in *wsapi.UpdateConnectionAliasPermissionRequest) (*wsapi.UpdateConnectionAliasPermissionResult, error) {
	sc, id := env.Scope(ctx), value(in.AliasId)
	var target string
	var allow bool
	if perm := in.ConnectionAliasPermission; perm != nil {
		target, allow = value(perm.SharedAccountId), value(perm.AllowAssociation)
	}
	if target == sc.Account {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The connection alias %s cannot be shared with its owner, account %s.", id, target)
	}
	now := s.Now()
	aliases, shares := deskplane.ConnectionAliases(), deskplane.AliasShares()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := ownedAlias(tx, sc, id, "share or unshare it")
		if err != nil {
			return err
		}
		if _, err := deskplane.ConnectionAliasTable().Check(deskplane.ActionShare, id, a.State); err != nil {
			return err
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
			if _, err := shares.Delete(tx, targetScope, id); err != nil {
				return err
			}
			return aliases.Put(tx, sc, id, a)
		}
		if already {
			return nil
		}
		if len(a.SharedWith) >= maxAliasShares {
			return deskplane.Errorf(deskplane.CodeLimitExceeded,
				"The connection alias %s is already shared with account %s; a connection alias can be shared with only one other account. Unshare it first.", id, strings.Join(a.SharedWith, ", "))
		}
		a.SharedWith = append(a.SharedWith, target)
		if err := shares.Put(tx, targetScope, id, &deskplane.AliasShare{AliasID: id, Owner: sc.Account, Shared: now}); err != nil {
			return err
		}
		return aliases.Put(tx, sc, id, a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateConnectionAliasPermissionResult{}, nil
}

// ---- lifecycle ------------------------------------------------------------------------------

// onAliasState ends the transition the alias is in, as its table's row
// says: CREATING ends CREATED, DELETING ends with the alias and its tags
// gone. An injected transition fault (kind "alias") makes the transition
// end in the fault's state instead, e.g. CREATING for an alias that never
// finishes, or CREATED for a deletion that did not happen.
func (s *Service) onAliasState(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p aliasPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return fmt.Errorf("%s timer of %s: %w", deskplane.TimerAliasState, t.Key.ID, err)
	}
	sc, aliases := t.Key.Scope, deskplane.ConnectionAliases()
	a, ok, err := aliases.Get(tx, sc, t.Key.ID)
	if err != nil || !ok || a.Generation != p.Gen {
		return err
	}
	row, ok := deskplane.ConnectionAliasTable().Ending(a.State)
	if !ok {
		return nil
	}
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindAlias, sc, a.ID)
	if err != nil {
		return err
	}
	switch {
	case faulted:
		a.SetState(deskplane.ConnectionAliasState(f.State), t.Due)
	case row.Gone:
		if _, err := aliases.Delete(tx, sc, a.ID); err != nil {
			return err
		}
		return deskplane.DeleteTags(tx, sc, a.ID)
	default:
		a.SetState(row.To, t.Due)
	}
	return aliases.Put(tx, sc, a.ID, a)
}
