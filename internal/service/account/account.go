// Package account is the account family of the WorkSpaces API: the BYOL
// settings of an account in a Region (ModifyAccount, DescribeAccount,
// DescribeAccountModifications, ListAvailableManagementCidrRanges;
// docs/decisions/0031-byol-account.md) and the BYOL account links between
// accounts (links.go; docs/decisions/0042-account-links.md).
//
// The settings are the deskplane.Account record of the caller's scope; a
// BYOL enablement is a deskplane.AccountModification that follows the
// root's AccountModificationTable: PENDING with a timer, then COMPLETED
// (or FAILED with an injected transition fault).
package account

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the account family's WorkSpaces operations. It
// implements part of wsapi.Service; internal/service composes it with the
// other families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{deskplane.TimerAccountModify: s.onAccountModify}
}

// value returns what p points at, or the zero value for nil.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const (
	byolEnabled  = string(wsapi.DedicatedTenancySupportResultEnumEnabled)
	byolDisabled = string(wsapi.DedicatedTenancySupportResultEnumDisabled)

	// pendingEnable marks an account whose BYOL enablement runs
	// (Account.Pending).
	pendingEnable = "PENDING_ENABLE"
)

// settings returns the account's settings in the scope; a scope without a
// record has BYOL disabled.
func settings(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
	var a deskplane.Account
	if _, err := deskplane.Load(tx, deskplane.AccountKey(sc), &a); err != nil {
		return a, err
	}
	if a.DedicatedTenancySupport == "" {
		a.DedicatedTenancySupport = byolDisabled
	}
	return a, nil
}

// managementBlocks are the private ranges a BYOL management interface /16
// is reserved from (AG:byol-windows-images).
func managementBlocks() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("198.18.0.0/15"),
	}
}

// defaultVPCRange is the CIDR of the default VPC every account has in
// every Region: it is in use, so never available for management.
func defaultVPCRange() netip.Prefix { return netip.MustParsePrefix("172.31.0.0/16") }

// candidateRanges lists, in ascending order, the /16 ranges of the
// management blocks that lie within the constraint.
func candidateRanges(constraint netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, b := range managementBlocks() {
		var r netip.Prefix
		switch {
		case constraint.Bits() <= b.Bits() && constraint.Contains(b.Addr()):
			r = b
		case b.Bits() <= constraint.Bits() && b.Contains(constraint.Addr()):
			r = constraint
		default:
			continue
		}
		a4 := r.Addr().As4()
		start := uint32(a4[0])<<24 | uint32(a4[1])<<16
		for i := range uint32(1) << (16 - r.Bits()) {
			v := start + i<<16
			out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), 0, 0}), 16))
		}
	}
	return out
}

// rangeInUse reports whether a /16 is taken for this account: the default
// VPC's range, or the management range it already has (or is being given).
func rangeInUse(a deskplane.Account, r netip.Prefix) bool {
	s := r.String()
	return r == defaultVPCRange() || s == a.DedicatedTenancyManagementCidrRange || s == a.PendingCidrRange
}

func byolNotEligible(sc deskplane.Scope) error {
	return deskplane.Errorf(deskplane.CodeAccessDenied, "Account %s is not enabled for BYOL in Region %s. Contact your AWS account team to use Bring Your Own License.", sc.Account, sc.Region)
}

// ListAvailableManagementCidrRanges lists the /16 management ranges within
// the constraint that the account may still use, five to a page by default.
func (s *Service) ListAvailableManagementCidrRanges(ctx context.Context, in *wsapi.ListAvailableManagementCidrRangesRequest) (*wsapi.ListAvailableManagementCidrRangesResult, error) {
	sc := env.Scope(ctx)
	raw := value(in.ManagementCidrRangeConstraint)
	constraint, err := netip.ParsePrefix(raw)
	if err != nil || !constraint.Addr().Is4() {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The management CIDR range constraint %s is not an IPv4 CIDR block.", raw)
	}
	constraint = constraint.Masked()
	if constraint.Bits() > 16 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The management CIDR range constraint %s is smaller than /16; management ranges are /16 blocks, so the constraint must be /16 or larger.", raw)
	}
	purpose := "cidrs/" + constraint.String()
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := 5
	if in.MaxResults != nil {
		size = int(*in.MaxResults)
	}
	var p paging.Page[string]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[string]{}
		acct, err := settings(tx, sc)
		if err != nil {
			return err
		}
		if acct.BYOLIneligible {
			return byolNotEligible(sc)
		}
		for i, r := range candidateRanges(constraint) {
			if int64(i) < after || rangeInUse(acct, r) {
				continue
			}
			if !p.Add(size, int64(i+1), r.String()) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ListAvailableManagementCidrRangesResult{ManagementCidrRanges: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// timerPayload is what the account.modify timer carries.
type timerPayload struct {
	Gen int64 `json:"gen"`
}

// checkManagementRange checks the /16 a BYOL enablement asks for.
func checkManagementRange(acct deskplane.Account, cidr string) error {
	if cidr == "" {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "Enabling BYOL needs a DedicatedTenancyManagementCidrRange: a /16 range listed by ListAvailableManagementCidrRanges.")
	}
	r, err := netip.ParsePrefix(cidr)
	if err != nil || !r.Addr().Is4() || r.Bits() != 16 || r.Masked() != r {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The management CIDR range %s is not an IPv4 /16 block such as 10.20.0.0/16.", cidr)
	}
	if len(candidateRanges(r)) != 1 {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The management CIDR range %s is outside the ranges a management interface can use: 10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16 and 198.18.0.0/15.", cidr)
	}
	if rangeInUse(acct, r) {
		return &deskplane.Error{Code: deskplane.CodeUnavailable, ResourceID: cidr,
			Message: "The management CIDR range " + cidr + " is in use and not available; choose one listed by ListAvailableManagementCidrRanges."}
	}
	return nil
}

// ModifyAccount starts a BYOL enablement with a management range: a
// modification PENDING until the account.modify timer completes it.
func (s *Service) ModifyAccount(ctx context.Context, in *wsapi.ModifyAccountRequest) (*wsapi.ModifyAccountResult, error) {
	sc := env.Scope(ctx)
	now := s.Now()
	cidr := value(in.DedicatedTenancyManagementCidrRange)
	modID := deskplane.NewID("acm-", 9)
	row, ok := deskplane.AccountModificationTable().Row(deskplane.ActionCreate)
	if !ok {
		return nil, deskplane.Errorf(deskplane.CodeInternal, "the account modification table has no creation")
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := settings(tx, sc)
		if err != nil {
			return err
		}
		if acct.BYOLIneligible {
			return byolNotEligible(sc)
		}
		if in.DedicatedTenancySupport == "" {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "Nothing to modify: specify DedicatedTenancySupport ENABLED together with a DedicatedTenancyManagementCidrRange.")
		}
		if acct.BYOLEnabled() {
			return deskplane.Errorf(deskplane.CodeInvalidState, "BYOL is already enabled for account %s in Region %s with management range %s; the management range cannot be changed.", sc.Account, sc.Region, acct.DedicatedTenancyManagementCidrRange)
		}
		if acct.Pending != "" {
			return deskplane.Errorf(deskplane.CodeInvalidState, "BYOL enablement of account %s in Region %s is already in progress; DescribeAccountModifications shows its state.", sc.Account, sc.Region)
		}
		if err := checkManagementRange(acct, cidr); err != nil {
			return err
		}
		mod := &deskplane.AccountModification{ID: modID, ModificationState: row.Via, DedicatedTenancySupport: byolEnabled,
			DedicatedTenancyManagementCidrRange: cidr, StartTime: now}
		if err := deskplane.AccountModifications().Put(tx, sc, modID, mod); err != nil {
			return err
		}
		acct.Pending, acct.PendingModification, acct.PendingCidrRange = pendingEnable, modID, cidr
		acct.Generation++
		if err := deskplane.Save(tx, deskplane.AccountKey(sc), acct); err != nil {
			return err
		}
		payload, err := json.Marshal(timerPayload{Gen: acct.Generation})
		if err != nil {
			return err
		}
		return tx.Schedule(deskplane.Timer{Key: deskplane.AccountKey(sc), Name: deskplane.TimerAccountModify,
			Due: s.After(now, row.Timing), Payload: payload})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyAccountResult{}, nil
}

// onAccountModify completes a BYOL enablement: ENABLED with the pending
// range, or FAILED with the error of an injected transition fault (kind
// "account", resource id "account").
func (s *Service) onAccountModify(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p timerPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return lifecycle.Permanent(fmt.Errorf("%s timer of %s: %w", deskplane.TimerAccountModify, t.Key.Scope.Account+" in "+t.Key.Scope.Region, err))
	}
	sc := t.Key.Scope
	acct, err := settings(tx, sc)
	if err != nil || acct.Pending == "" || acct.Generation != p.Gen {
		return err
	}
	mod, found, err := deskplane.AccountModifications().Get(tx, sc, acct.PendingModification)
	if err != nil {
		return err
	}
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindAccount, sc, deskplane.AccountRecordID)
	if err != nil {
		return err
	}
	if found {
		if row, ok := deskplane.AccountModificationTable().Ending(mod.ModificationState); ok {
			mod.ModificationState = row.To
		}
		if faulted {
			mod.ModificationState, mod.ErrorCode, mod.ErrorMessage = deskplane.AccountModificationFailed, f.ErrorCode, f.ErrorMessage
			if mod.ErrorMessage == "" {
				mod.ErrorMessage = "BYOL could not be enabled for the account."
			}
		}
		if err := deskplane.AccountModifications().Put(tx, sc, mod.ID, mod); err != nil {
			return err
		}
	}
	if !faulted {
		acct.DedicatedTenancySupport = byolEnabled
		acct.DedicatedTenancyManagementCidrRange = acct.PendingCidrRange
	}
	acct.Pending, acct.PendingModification, acct.PendingCidrRange = "", "", ""
	acct.Generation++
	return deskplane.Save(tx, t.Key, acct)
}

// DescribeAccount answers the account's BYOL settings in the Region and
// the side of a LINKED account link it is on.
func (s *Service) DescribeAccount(ctx context.Context, _ *wsapi.DescribeAccountRequest) (*wsapi.DescribeAccountResult, error) {
	sc := env.Scope(ctx)
	var acct deskplane.Account
	var linkType wsapi.DedicatedTenancyAccountType
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		linkType = ""
		var err error
		if acct, err = settings(tx, sc); err != nil {
			return err
		}
		return eachLink(tx, sc, 0, func(_ int64, l *deskplane.AccountLink) (bool, error) {
			switch {
			case l.Status != deskplane.AccountLinkLinked:
			case l.SourceAccount == sc.Account:
				linkType = wsapi.DedicatedTenancyAccountTypeSourceAccount
			case l.TargetAccount == sc.Account:
				linkType = wsapi.DedicatedTenancyAccountTypeTargetAccount
			}
			return linkType == "", nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeAccountResult{
		DedicatedTenancySupport:             wsapi.DedicatedTenancySupportResultEnum(acct.DedicatedTenancySupport),
		DedicatedTenancyAccountType:         linkType,
		DedicatedTenancyManagementCidrRange: optional(acct.DedicatedTenancyManagementCidrRange),
	}, nil
}

// DescribeAccountModifications lists the account's BYOL enablements in the
// Region in the order they were made.
func (s *Service) DescribeAccountModifications(ctx context.Context, in *wsapi.DescribeAccountModificationsRequest) (*wsapi.DescribeAccountModificationsResult, error) {
	sc := env.Scope(ctx)
	const purpose = "accountmods"
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	var p paging.Page[wsapi.AccountModification]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.AccountModification]{}
		return deskplane.AccountModifications().Each(tx, sc, after, func(seq int64, m *deskplane.AccountModification) (bool, error) {
			return p.Add(paging.DefaultSize, seq, wsapi.AccountModification{
				ModificationState:                   wsapi.DedicatedTenancyModificationStateEnum(m.ModificationState),
				DedicatedTenancySupport:             wsapi.DedicatedTenancySupportResultEnum(m.DedicatedTenancySupport),
				StartTime:                           smithy.NewTimestamp(m.StartTime),
				DedicatedTenancyManagementCidrRange: optional(m.DedicatedTenancyManagementCidrRange),
				ErrorCode:                           optional(m.ErrorCode),
				ErrorMessage:                        optional(m.ErrorMessage),
			}), nil
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeAccountModificationsResult{AccountModifications: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}
