package deskplane

import "time"

// AccountRecordID is the id of an account's settings record (kind
// KindAccount) in each of its scopes: BYOL is enabled per Region.
const AccountRecordID = "account"

// AccountKey returns the key of the account settings record of a scope.
func AccountKey(s Scope) Key { return Key{Scope: s, Kind: KindAccount, ID: AccountRecordID} }

// Account is an account's WorkSpaces settings in one Region (DescribeAccount,
// ModifyAccount). A scope without a record has the zero settings:
// BYOL disabled, eligible for BYOL, not allow-listed for WorkSpaces Core.
type Account struct {
	// DedicatedTenancySupport is ENABLED once BYOL enablement has completed,
	// DISABLED otherwise (also while it is pending). Other areas read it
	// to allow DEDICATED directories and BYOL images.
	DedicatedTenancySupport string `json:"dedicatedTenancySupport"`
	// DedicatedTenancyManagementCidrRange is the /16 management range,
	// set when enablement completes; it cannot change afterwards.
	DedicatedTenancyManagementCidrRange string `json:"dedicatedTenancyManagementCidrRange,omitempty"`
	// Pending is PENDING_ENABLE while a ModifyAccount enablement runs;
	// PendingModification and PendingCidrRange describe it.
	Pending             string `json:"pending,omitempty"`
	PendingModification string `json:"pendingModification,omitempty"`
	PendingCidrRange    string `json:"pendingCidrRange,omitempty"`
	// BYOLIneligible marks an account that AWS has not allowed to use BYOL
	// (a deskplane control setting): ModifyAccount and
	// ListAvailableManagementCidrRanges answer AccessDeniedException.
	BYOLIneligible bool `json:"byolIneligible,omitempty"`
	// CoreAllowListed marks an account allow-listed for WorkSpaces Core
	// (a deskplane control setting): the _BYOP ingestion processes and the
	// BYOP protocol need it.
	CoreAllowListed bool `json:"coreAllowListed,omitempty"`
	// GraphicsBYOLAllowListed marks an account that AWS Support has enabled
	// for BYOL on GPU bundles (a deskplane control setting): the
	// Graphics.g4dn ingestion processes and custom imports need it.
	GraphicsBYOLAllowListed bool `json:"graphicsByolAllowListed,omitempty"`
	// DescribeDelay is eventual consistency on demand (a deskplane control
	// setting, default 0: off): a resource created less than this long ago
	// is not yet returned by the Describe operations
	// (docs/decisions/0325-eventual-consistency-on-demand.md).
	DescribeDelay time.Duration `json:"describeDelay,omitempty"`
	// Generation grows on every change of the enablement; the
	// account.modify timer carries the generation it was scheduled at.
	Generation int64 `json:"gen,omitempty"`
}

// NotYetDescribed reports whether a resource created at created is still
// hidden from the Describe operations at now (Account.DescribeDelay).
func (a Account) NotYetDescribed(created, now time.Time) bool {
	return a.DescribeDelay > 0 && now.Before(created.Add(a.DescribeDelay))
}

// BYOLEnabled reports whether BYOL (dedicated tenancy) is enabled.
func (a Account) BYOLEnabled() bool { return a.DedicatedTenancySupport == "ENABLED" }

// AccountModification is one ModifyAccount request and its outcome (record
// kind KindAccountMod, in the account's scope, listed in creation order).
type AccountModification struct {
	ID                                  string                   `json:"id"`
	ModificationState                   AccountModificationState `json:"state"`
	DedicatedTenancySupport             string                   `json:"support"` // ENABLED | DISABLED
	DedicatedTenancyManagementCidrRange string                   `json:"cidr,omitempty"`
	StartTime                           time.Time                `json:"start"`
	ErrorCode                           string                   `json:"errorCode,omitempty"`
	ErrorMessage                        string                   `json:"errorMessage,omitempty"`
}
