package account

import (
	"context"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// BYOL account links (AG:link-byol-account; MODEL CreateAccountLinkInvitation …
// ListAccountLinks; docs/decisions/0042-account-links.md).
//
// A source account invites a target account of the same Region; the target
// accepts or rejects; the source may delete an invitation that has not been
// accepted. There is no unlinking once LINKED (MODEL
// AcceptAccountLinkInvitation). The same deskplane.AccountLink record is
// kept in both accounts' scopes and both copies are written in one
// transaction, so each side lists and reads the link in its own scope.

const (
	linkPending  = deskplane.AccountLinkPending
	linkLinked   = deskplane.AccountLinkLinked
	linkRejected = deskplane.AccountLinkRejected
)

func accountLinkNotFound(id string) error {
	return deskplane.NotFound(id, "The account link %s could not be found in this Region.", id)
}

func wireAccountLink(l *deskplane.AccountLink) *wsapi.AccountLink {
	return &wsapi.AccountLink{
		AccountLinkId:     new(l.ID),
		AccountLinkStatus: wsapi.AccountLinkStatusEnum(l.Status),
		SourceAccountId:   new(l.SourceAccount),
		TargetAccountId:   new(l.TargetAccount),
	}
}

// saveAccountLink writes both copies of a link.
func saveAccountLink(tx deskplane.Tx, region string, l *deskplane.AccountLink) error {
	for _, acct := range []string{l.SourceAccount, l.TargetAccount} {
		if err := deskplane.AccountLinks().Put(tx, deskplane.Scope{Account: acct, Region: region}, l.ID, l); err != nil {
			return err
		}
	}
	return nil
}

// counterpartHolds reports whether the other party's copy of a link in
// scope sc still exists. It is gone only when the control API reset the
// other account; the link is then gone for this side too.
func counterpartHolds(tx deskplane.Tx, sc deskplane.Scope, l *deskplane.AccountLink) (bool, error) {
	other := l.TargetAccount
	if other == sc.Account {
		other = l.SourceAccount
	}
	_, found, err := deskplane.AccountLinks().Get(tx, deskplane.Scope{Account: other, Region: sc.Region}, l.ID)
	return found, err
}

// loadAccountLink reads a link the scope is a party to.
func loadAccountLink(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.AccountLink, error) {
	l, ok, err := deskplane.AccountLinks().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if ok {
		ok, err = counterpartHolds(tx, sc, l)
		if err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, accountLinkNotFound(id)
	}
	return l, nil
}

// eachLink calls fn for each link of the scope after afterSeq, in creation
// order, leaving out links whose other copy is gone.
func eachLink(tx deskplane.Tx, sc deskplane.Scope, afterSeq int64, fn func(seq int64, l *deskplane.AccountLink) (bool, error)) error {
	return deskplane.AccountLinks().Each(tx, sc, afterSeq, func(seq int64, l *deskplane.AccountLink) (bool, error) {
		ok, err := counterpartHolds(tx, sc, l)
		if err != nil || !ok {
			return err == nil, err
		}
		return fn(seq, l)
	})
}

// linkOpen reports whether a link still binds its accounts (invited or linked).
func linkOpen(l *deskplane.AccountLink) bool {
	return l.Status == linkPending || l.Status == linkLinked
}

// CreateAccountLinkInvitation invites a target account of the same Region to link with the caller.
func (s *Service) CreateAccountLinkInvitation(ctx context.Context, in *wsapi.CreateAccountLinkInvitationRequest) (*wsapi.CreateAccountLinkInvitationResult, error) {
	sc := env.Scope(ctx)
	target, token := value(in.TargetAccountId), value(in.ClientToken)
	if target == "" {
		return nil, deskplane.Errorf(deskplane.CodeValidation, "TargetAccountId is required.")
	}
	if target == sc.Account {
		return nil, deskplane.Errorf(deskplane.CodeValidation, "The TargetAccountId %s is the calling account; an account cannot link with itself.", target)
	}
	now := s.Now()
	id := deskplane.NewID("link-", 12)
	var out *deskplane.AccountLink
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		out = nil
		var conflict *deskplane.AccountLink
		err := eachLink(tx, sc, 0, func(_ int64, l *deskplane.AccountLink) (bool, error) {
			if token != "" && l.CreateToken == token && l.SourceAccount == sc.Account {
				out = l
				return false, nil
			}
			if linkOpen(l) && (l.SourceAccount == target || l.TargetAccount == target) {
				conflict = l
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if out != nil {
			if out.TargetAccount != target {
				out = nil
				return deskplane.Errorf(deskplane.CodeConflict,
					"The client token %q was already used to invite account %s; use a new token for a new invitation.", token, target)
			}
			return nil // a retry of the call that made the link
		}
		if conflict != nil {
			return deskplane.Errorf(deskplane.CodeConflict,
				"The account %s is already linked or invited: account link %s between source %s and target %s is %s.", target, conflict.ID, conflict.SourceAccount, conflict.TargetAccount, conflict.Status)
		}
		// The target may be the target of only one open link.
		targetScope := deskplane.Scope{Account: target, Region: sc.Region}
		err = eachLink(tx, targetScope, 0, func(_ int64, l *deskplane.AccountLink) (bool, error) {
			if linkOpen(l) && l.TargetAccount == target {
				conflict = l
			}
			return conflict == nil, nil
		})
		if err != nil {
			return err
		}
		if conflict != nil {
			return deskplane.Errorf(deskplane.CodeConflict,
				"The account %s is already linked or invited: it is the target of account link %s from account %s, which is %s.", target, conflict.ID, conflict.SourceAccount, conflict.Status)
		}
		l := &deskplane.AccountLink{ID: id, SourceAccount: sc.Account, TargetAccount: target, Status: linkPending,
			Created: now, Updated: now, CreateToken: token}
		out = l
		return saveAccountLink(tx, sc.Region, l)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateAccountLinkInvitationResult{AccountLink: wireAccountLink(out)}, nil
}

// answerInvitation is AcceptAccountLinkInvitation (status LINKED) and
// RejectAccountLinkInvitation (REJECTED): only the target answers, and only
// a pending invitation. A retry with the client token of the call that
// answered returns the link unchanged.
func (s *Service) answerInvitation(ctx context.Context, id, token string, status deskplane.AccountLinkStatus) (*wsapi.AccountLink, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	var out *deskplane.AccountLink
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		l, err := loadAccountLink(tx, sc, id)
		if err != nil {
			return err
		}
		if l.TargetAccount != sc.Account {
			return deskplane.Errorf(deskplane.CodeAccessDenied,
				"Only the target account of account link %s (%s) can accept or reject the invitation; account %s sent it.", id, l.TargetAccount, sc.Account)
		}
		if l.Status != linkPending {
			if token != "" && l.AnswerToken == token && l.Status == status {
				out = l
				return nil
			}
			return deskplane.Errorf(deskplane.CodeConflict,
				"The account link %s is %s; only an invitation that is %s can be accepted or rejected.", id, l.Status, linkPending)
		}
		l.Status, l.Updated, l.AnswerToken = status, now, token
		out = l
		return saveAccountLink(tx, sc.Region, l)
	})
	if err != nil {
		return nil, err
	}
	return wireAccountLink(out), nil
}

// AcceptAccountLinkInvitation links the target account with the source that invited it.
func (s *Service) AcceptAccountLinkInvitation(ctx context.Context, in *wsapi.AcceptAccountLinkInvitationRequest) (*wsapi.AcceptAccountLinkInvitationResult, error) {
	l, err := s.answerInvitation(ctx, value(in.LinkId), value(in.ClientToken), linkLinked)
	if err != nil {
		return nil, err
	}
	return &wsapi.AcceptAccountLinkInvitationResult{AccountLink: l}, nil
}

// RejectAccountLinkInvitation refuses an invitation; the link stays, REJECTED.
func (s *Service) RejectAccountLinkInvitation(ctx context.Context, in *wsapi.RejectAccountLinkInvitationRequest) (*wsapi.RejectAccountLinkInvitationResult, error) {
	l, err := s.answerInvitation(ctx, value(in.LinkId), value(in.ClientToken), linkRejected)
	if err != nil {
		return nil, err
	}
	return &wsapi.RejectAccountLinkInvitationResult{AccountLink: l}, nil
}

// DeleteAccountLinkInvitation withdraws an invitation not yet accepted.
func (s *Service) DeleteAccountLinkInvitation(ctx context.Context, in *wsapi.DeleteAccountLinkInvitationRequest) (*wsapi.DeleteAccountLinkInvitationResult, error) {
	sc, id := env.Scope(ctx), value(in.LinkId)
	var out *deskplane.AccountLink
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		l, err := loadAccountLink(tx, sc, id)
		if err != nil {
			return err
		}
		if l.SourceAccount != sc.Account {
			return deskplane.Errorf(deskplane.CodeAccessDenied,
				"Only the source account of account link %s (%s) can delete the invitation; reject it with RejectAccountLinkInvitation instead.", id, l.SourceAccount)
		}
		if l.Status == linkLinked {
			return deskplane.Errorf(deskplane.CodeConflict,
				"The account link %s has been accepted and is LINKED; linked accounts cannot be unlinked.", id)
		}
		for _, acct := range []string{l.SourceAccount, l.TargetAccount} {
			if _, err := deskplane.AccountLinks().Delete(tx, deskplane.Scope{Account: acct, Region: sc.Region}, id); err != nil {
				return err
			}
		}
		out = l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteAccountLinkInvitationResult{AccountLink: wireAccountLink(out)}, nil
}

// GetAccountLink reads a link by its id or by the other account.
func (s *Service) GetAccountLink(ctx context.Context, in *wsapi.GetAccountLinkRequest) (*wsapi.GetAccountLinkResult, error) {
	sc := env.Scope(ctx)
	id, other := value(in.LinkId), value(in.LinkedAccountId)
	if id == "" && other == "" {
		return nil, deskplane.Errorf(deskplane.CodeValidation, "Specify LinkId or LinkedAccountId.")
	}
	var out *deskplane.AccountLink
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out = nil
		if id != "" {
			l, err := loadAccountLink(tx, sc, id)
			if err != nil {
				return err
			}
			if other != "" && l.SourceAccount != other && l.TargetAccount != other {
				return deskplane.NotFound(id, "The account link %s is not a link with account %s.", id, other)
			}
			out = l
			return nil
		}
		// The newest link with the account: an open one supersedes a
		// rejected one.
		err := eachLink(tx, sc, 0, func(_ int64, l *deskplane.AccountLink) (bool, error) {
			if l.SourceAccount == other || l.TargetAccount == other {
				if out == nil || linkOpen(l) || !linkOpen(out) {
					out = l
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if out == nil {
			return deskplane.NotFound(other, "There is no account link between account %s and account %s in this Region.", sc.Account, other)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.GetAccountLinkResult{AccountLink: wireAccountLink(out)}, nil
}

// ListAccountLinks lists the caller's links in creation order.
func (s *Service) ListAccountLinks(ctx context.Context, in *wsapi.ListAccountLinksRequest) (*wsapi.ListAccountLinksResult, error) {
	const purpose = "accountlinks"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	sc := env.Scope(ctx)
	var p paging.Page[wsapi.AccountLink]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.AccountLink]{}
		return eachLink(tx, sc, after, func(seq int64, l *deskplane.AccountLink) (bool, error) {
			if len(in.LinkStatusFilter) > 0 && !slices.Contains(in.LinkStatusFilter, wsapi.AccountLinkStatusEnum(l.Status)) {
				return true, nil
			}
			return p.Add(size, seq, *wireAccountLink(l)), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.ListAccountLinksResult{AccountLinks: p.Items(), NextToken: p.Next(ctx, purpose)}
	return out, nil
}
