package deskplane

import "time"

// Network access resources: IP access control groups, connection aliases
// (cross-Region redirection) and account links (BYOL linking). Each is a
// record in its owner's scope; see docs/decisions/0040-ip-groups.md,
// 0041-connection-aliases.md and 0042-account-links.md.

// IPGroup is an IP access control group (KindIPGroup, id wsipg-). Which
// directories it is associated with is kept on the directories
// (Directory.IPGroupIDs) only, so that a deregistered directory takes its
// associations with it.
type IPGroup struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Rules       []IPRule  `json:"rules"`
	Created     time.Time `json:"created"`
}

// IPRule is one rule of an IP access control group: an IPv4 range in CIDR
// notation, kept exactly as the client wrote it, and its description.
type IPRule struct {
	CIDR        string `json:"cidr"`
	Description string `json:"description,omitempty"`
}

// ConnectionAlias is a connection alias (KindAlias, id wsca-) in its
// owner's scope. State: CREATING → CREATED (→ DELETING → gone).
type ConnectionAlias struct {
	ID               string               `json:"id"`
	ConnectionString string               `json:"connectionString"`
	Owner            string               `json:"owner"`
	State            ConnectionAliasState `json:"state"`
	Created          time.Time            `json:"created"`
	StateChanged     time.Time            `json:"stateChanged"`
	// SharedWith lists the accounts (of the same Region) the alias is shared
	// with; each has a KindAliasShare record pointing here.
	SharedWith []string `json:"sharedWith,omitempty"`
	// Association is the alias's association with a directory, of the owner
	// or of an account it is shared with; an alias has at most one per
	// Region.
	Association *AliasAssociation `json:"association,omitempty"`
	// Generation grows on every state change; state timers carry it.
	Generation int64 `json:"gen"`
}

// AliasAssociation is a connection alias's association with a directory.
type AliasAssociation struct {
	Account              string                 `json:"account"`     // the account owning the directory
	DirectoryID          string                 `json:"directoryId"` // a directory registered in Account's scope
	ConnectionIdentifier string                 `json:"connectionIdentifier"`
	Status               AliasAssociationStatus `json:"status"`
	Associated           time.Time              `json:"associated"`
}

// AliasShare is the record (KindAliasShare, id = alias id) in the scope of
// an account a connection alias is shared with.
type AliasShare struct {
	AliasID string    `json:"aliasId"`
	Owner   string    `json:"owner"`
	Shared  time.Time `json:"shared"`
}

// AliasReservation records which account a connection string belongs to
// (KindAliasReservation, id = lower-cased connection string, in
// GlobalScope()): once created, a connection string stays reserved for its
// account, in every Region, even after its aliases are deleted.
type AliasReservation struct {
	Account string    `json:"account"`
	Created time.Time `json:"created"`
}

// GlobalScope returns the scope of the few records that belong to no
// account or Region.
func GlobalScope() Scope { return Scope{} }

// AccountLink is a BYOL account link between a source account, which sent
// the invitation, and a target account (KindAccountLink, id link-). The
// same record is kept in both accounts' scopes of the Region and both are
// written together. Status is the model's AccountLinkStatusEnum.
type AccountLink struct {
	ID            string            `json:"id"`
	SourceAccount string            `json:"source"`
	TargetAccount string            `json:"target"`
	Status        AccountLinkStatus `json:"status"`
	Created       time.Time         `json:"created"`
	Updated       time.Time         `json:"updated"`
	// The client tokens of the calls that created, accepted or rejected
	// the link, for idempotent retries.
	CreateToken string `json:"createToken,omitempty"`
	AnswerToken string `json:"answerToken,omitempty"`
}

// SetState moves the alias to state s at time at; the new Generation makes
// the state timer scheduled for the old state a no-op.
func (a *ConnectionAlias) SetState(s ConnectionAliasState, at time.Time) {
	a.State = s
	a.Generation++
	a.StateChanged = at
}
