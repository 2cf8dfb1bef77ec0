package api

import (
	"context"
	"encoding/json"
	"net/netip"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// BYOL account settings (behaviour doc §3.4; docs/decisions/0031-byol-account.md):
// ModifyAccount, DescribeAccount, DescribeAccountModifications and
// ListAvailableManagementCidrRanges. BYOL is enabled per Region: the
// settings are the deskplane.Account record of the caller's scope.

const (
	byolEnabled  = "ENABLED"
	byolDisabled = "DISABLED"

	pendingEnable = "PENDING_ENABLE"

	modPending   = deskplane.AccountModificationPending
	modCompleted = deskplane.AccountModificationCompleted
	modFailed    = deskplane.AccountModificationFailed

	// timerAccountModify completes a BYOL enablement.
	timerAccountModify = deskplane.TimerAccountModify
)

// accountSettings returns the account's settings in the scope; a scope
// without a record has BYOL disabled.
func accountSettings(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
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

// inUse reports whether a /16 is taken for this account: the default VPC's
// range, or the management range it already has (or is being given).
func rangeInUse(a deskplane.Account, r netip.Prefix) bool {
	s := r.String()
	return r == defaultVPCRange() || s == a.DedicatedTenancyManagementCidrRange || s == a.PendingCidrRange
}

func byolNotEligible(sc deskplane.Scope) error {
	return deskplane.Errorf(deskplane.CodeAccessDenied, "Account %s is not enabled for BYOL in Region %s. Contact your AWS account team to use Bring Your Own License.", sc.Account, sc.Region)
}

func (w *wsService) ListAvailableManagementCidrRanges(ctx context.Context, in *wsapi.ListAvailableManagementCidrRangesRequest) (*wsapi.ListAvailableManagementCidrRangesResult, error) {
	sc := caller(ctx).Scope()
	raw := deref(in.ManagementCidrRangeConstraint)
	constraint, err := netip.ParsePrefix(raw)
	if err != nil || !constraint.Addr().Is4() {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The management CIDR range constraint %s is not an IPv4 CIDR block.", raw)
	}
	constraint = constraint.Masked()
	if constraint.Bits() > 16 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The management CIDR range constraint %s is smaller than /16; management ranges are /16 blocks, so the constraint must be /16 or larger.", raw)
	}
	purpose := "cidrs/" + constraint.String()
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := 5
	if in.MaxResults != nil {
		size = int(*in.MaxResults)
	}
	var p paging.Page[string]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[string]{}
		acct, err := accountSettings(tx, sc)
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
	out := &wsapi.ListAvailableManagementCidrRangesResult{ManagementCidrRanges: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

type accountTimerPayload struct {
	Gen int64 `json:"gen"`
}

func (w *wsService) ModifyAccount(ctx context.Context, in *wsapi.ModifyAccountRequest) (*wsapi.ModifyAccountResult, error) {
	sc := caller(ctx).Scope()
	now := w.now()
	cidr := deref(in.DedicatedTenancyManagementCidrRange)
	modID := deskplane.NewID("acm-", 9)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := accountSettings(tx, sc)
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
		mod := deskplane.AccountModification{ID: modID, ModificationState: modPending, DedicatedTenancySupport: byolEnabled,
			DedicatedTenancyManagementCidrRange: cidr, StartTime: now}
		if err := deskplane.Save(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindAccountMod, ID: modID}, mod); err != nil {
			return err
		}
		acct.Pending, acct.PendingModification, acct.PendingCidrRange = pendingEnable, modID, cidr
		acct.Generation++
		if err := deskplane.Save(tx, deskplane.AccountKey(sc), acct); err != nil {
			return err
		}
		payload, _ := json.Marshal(accountTimerPayload{Gen: acct.Generation})
		return tx.Schedule(deskplane.Timer{Key: deskplane.AccountKey(sc), Name: timerAccountModify,
			Due: w.after(now, deskplane.TAccountModify), Payload: payload})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyAccountResult{}, nil
}

// accountModified completes a BYOL enablement: ENABLED with the pending
// range, or FAILED with the error of an injected transition fault (kind
// "account", resource id "account").
func (s *Server) accountModified(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p accountTimerPayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return err
	}
	acct, err := accountSettings(tx, t.Key.Scope)
	if err != nil || acct.Pending == "" || acct.Generation != p.Gen {
		return err
	}
	modKey := deskplane.Key{Scope: t.Key.Scope, Kind: deskplane.KindAccountMod, ID: acct.PendingModification}
	var mod deskplane.AccountModification
	if _, err := deskplane.Load(tx, modKey, &mod); err != nil {
		return err
	}
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindAccount, t.Key.Scope, deskplane.AccountRecordID)
	if err != nil {
		return err
	}
	if faulted {
		mod.ModificationState, mod.ErrorCode, mod.ErrorMessage = modFailed, f.ErrorCode, f.ErrorMessage
		if mod.ErrorMessage == "" {
			mod.ErrorMessage = "BYOL could not be enabled for the account."
		}
	} else {
		mod.ModificationState = modCompleted
		acct.DedicatedTenancySupport = byolEnabled
		acct.DedicatedTenancyManagementCidrRange = acct.PendingCidrRange
	}
	acct.Pending, acct.PendingModification, acct.PendingCidrRange = "", "", ""
	acct.Generation++
	if mod.ID != "" {
		if err := deskplane.Save(tx, modKey, mod); err != nil {
			return err
		}
	}
	return deskplane.Save(tx, t.Key, acct)
}

func (w *wsService) DescribeAccount(ctx context.Context, in *wsapi.DescribeAccountRequest) (*wsapi.DescribeAccountResult, error) {
	sc := caller(ctx).Scope()
	var acct deskplane.Account
	var linkType wsapi.DedicatedTenancyAccountType
	err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		var err error
		if acct, err = accountSettings(tx, sc); err != nil {
			return err
		}
		// The type of linked account: the side of a LINKED account link
		// (accountlinks.go) the caller is on.
		return eachLink(tx, sc, 0, func(_ int64, l *deskplane.AccountLink) (bool, error) {
			switch {
			case l.Status != linkLinked:
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
	out := &wsapi.DescribeAccountResult{
		DedicatedTenancySupport:     wsapi.DedicatedTenancySupportResultEnum(acct.DedicatedTenancySupport),
		DedicatedTenancyAccountType: linkType,
	}
	if acct.DedicatedTenancyManagementCidrRange != "" {
		out.DedicatedTenancyManagementCidrRange = ptr(acct.DedicatedTenancyManagementCidrRange)
	}
	return out, nil
}

func (w *wsService) DescribeAccountModifications(ctx context.Context, in *wsapi.DescribeAccountModificationsRequest) (*wsapi.DescribeAccountModificationsResult, error) {
	sc := caller(ctx).Scope()
	const purpose = "accountmods"
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	var p paging.Page[wsapi.AccountModification]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.AccountModification]{}
		return deskplane.Each(tx, sc, deskplane.KindAccountMod, after, func(seq int64, m *deskplane.AccountModification) (bool, error) {
			am := wsapi.AccountModification{
				ModificationState:       wsapi.DedicatedTenancyModificationStateEnum(m.ModificationState),
				DedicatedTenancySupport: wsapi.DedicatedTenancySupportResultEnum(m.DedicatedTenancySupport),
				StartTime:               smithy.NewTimestamp(m.StartTime),
			}
			if m.DedicatedTenancyManagementCidrRange != "" {
				am.DedicatedTenancyManagementCidrRange = ptr(m.DedicatedTenancyManagementCidrRange)
			}
			if m.ErrorCode != "" {
				am.ErrorCode = ptr(m.ErrorCode)
			}
			if m.ErrorMessage != "" {
				am.ErrorMessage = ptr(m.ErrorMessage)
			}
			return p.Add(paging.DefaultSize, seq, am), nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeAccountModificationsResult{AccountModifications: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}
