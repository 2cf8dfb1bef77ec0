package identity

import (
	"github.com/deskplane/deskplane"

	"strings"
	"time"
)

// IAM and STS: the part WorkSpaces stands on (docs/decisions/0291-iam.md,
// 0292-sts-temporary-credentials.md). IAM state is global per account —
// one set of roles and policies whatever Region a request is signed for —
// so its records live in IAMScope(account), a scope without a Region. The
// temporary credentials STS issues, and the key their secrets are derived
// with, live in GlobalScope(): an access key is looked up before anyone
// knows its account.

// The IAM and STS record kinds.
const (
	// KindRole is an IAM role, in IAMScope: id = lower-cased role name
	// (role names are unique regardless of case).
	KindRole deskplane.Kind = "iamrole"
	// KindManagedPolicy is a customer managed IAM policy, in IAMScope:
	// id = lower-cased policy name.
	KindManagedPolicy deskplane.Kind = "iampolicy"
	// KindSession is a set of temporary credentials STS issued, in
	// GlobalScope: id = its access key id (ASIA…).
	KindSession deskplane.Kind = "stssession"
	// KindSessionKey is the key STS derives the secrets of temporary
	// credentials with, in GlobalScope: id SessionKeyID.
	KindSessionKey deskplane.Kind = "stskey"
	// KindIAMAccount is what IAM knows of an account as a whole, in
	// IAMScope: id IAMAccountID.
	KindIAMAccount deskplane.Kind = "iamaccount"
)

// IAMAccountID is the id of an account's KindIAMAccount record.
const IAMAccountID = "account"

// IAMAccount is what IAM knows of an account: when deskplane first saw it
// in IAM (the CreateDate of its root user).
type IAMAccount struct {
	Created time.Time `json:"created"`
}

// SessionKeyID is the id of the one KindSessionKey record.
const SessionKeyID = "session-secrets"

// TimerSessionGone deletes a temporary credential's record a while after
// it expired (docs/decisions/0292-sts-temporary-credentials.md).
const TimerSessionGone = "sts.session.gone"

// DefaultRoleName is the role WorkSpaces acts through in a customer's
// account; registering a directory needs it (strict mode).
const DefaultRoleName = "workspaces_DefaultRole"

// IAMScope is the scope of an account's IAM state: global, not per Region.
func IAMScope(account string) deskplane.Scope { return deskplane.Scope{Account: account} }

// Role is an IAM role (KindRole).
type Role struct {
	Name string `json:"name"`
	ID   string `json:"id"` // AROA…
	Path string `json:"path"`
	// TrustPolicy is the assume role policy document as it was given
	// (answered URL-encoded, as IAM does).
	TrustPolicy string `json:"trust"`
	Description string `json:"desc,omitempty"`
	// MaxSession is the longest session AssumeRole grants, in seconds.
	MaxSession int32           `json:"maxSession"`
	Created    time.Time       `json:"created"`
	Tags       []deskplane.Tag `json:"tags,omitempty"`
	// Attached are the ARNs of the managed policies attached to the
	// role, in the order they were attached.
	Attached []string `json:"attached,omitempty"`
	// Inline are the role's inline policies, sorted by name.
	Inline []InlinePolicy `json:"inline,omitempty"`
	// LastUsed and LastUsedRegion say when and where the role was last
	// assumed (RoleLastUsed).
	LastUsed       time.Time `json:"lastUsed,omitzero"`
	LastUsedRegion string    `json:"lastUsedRegion,omitempty"`
}

// InlinePolicy is a policy embedded in a role (PutRolePolicy).
type InlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"doc"`
}

// ManagedPolicy is a customer managed policy (KindManagedPolicy).
type ManagedPolicy struct {
	Name        string          `json:"name"`
	ID          string          `json:"id"` // ANPA…
	Path        string          `json:"path"`
	Description string          `json:"desc,omitempty"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"`
	Versions    []PolicyVersion `json:"versions"`
	Default     string          `json:"default"` // the default version's id: v1, v2…
	NextVersion int             `json:"next"`    // the number of the next version
	Tags        []deskplane.Tag `json:"tags,omitempty"`
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID       string    `json:"id"` // v1, v2…
	Document string    `json:"doc"`
	Created  time.Time `json:"created"`
}

// Session is a set of temporary credentials (KindSession). The secret is
// not stored: it is derived from the session key and a nonce that only
// the session token carries, and the token is stored as its SHA-256 hash,
// so that a reader of the store can neither sign nor present the token.
type Session struct {
	AccessKeyID string    `json:"key"`
	Account     string    `json:"account"`
	TokenHash   []byte    `json:"tokenHash"`
	Issued      time.Time `json:"issued"`
	Expires     time.Time `json:"expires"`
	// ARN and UserID are the session's identity, as GetCallerIdentity
	// answers it: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION and
	// ROLEID:SESSION for AssumeRole, the account root for GetSessionToken.
	ARN    string `json:"arn"`
	UserID string `json:"userId"`
	// RoleName and RoleID name the role an AssumeRole session acts as:
	// the session ends when that role is deleted (a new role of the same
	// name has another id).
	RoleName       string `json:"roleName,omitempty"`
	RoleID         string `json:"roleId,omitempty"`
	RoleARN        string `json:"roleArn,omitempty"`
	SessionName    string `json:"sessionName,omitempty"`
	SourceIdentity string `json:"sourceIdentity,omitempty"`
}

// SessionKey is the key temporary credentials' secrets are derived with
// (KindSessionKey).
type SessionKey struct {
	Key []byte `json:"key"`
}

// Roles are the IAM roles, in IAMScope, keyed by RoleKey.
func Roles() deskplane.Records[Role] { return deskplane.Records[Role]{Kind: KindRole} }

// ManagedPolicies are the customer managed policies, in IAMScope, keyed
// by PolicyKey.
func ManagedPolicies() deskplane.Records[ManagedPolicy] {
	return deskplane.Records[ManagedPolicy]{Kind: KindManagedPolicy}
}

// Sessions are the temporary credentials, in GlobalScope, keyed by access
// key id.
func Sessions() deskplane.Records[Session] { return deskplane.Records[Session]{Kind: KindSession} }

// RoleKey is the record id of the role named name: role names are unique
// regardless of case.
func RoleKey(name string) string { return strings.ToLower(name) }

// PolicyKey is the record id of the managed policy named name.
func PolicyKey(name string) string { return strings.ToLower(name) }

// RoleARN returns the ARN of a role in the partition.
func RoleARN(partition, account string, r *Role) string {
	return "arn:" + partition + ":iam::" + account + ":role" + r.Path + r.Name
}

// RequireDefaultRole answers CodeDefaultRoleNotFound when the account has
// no IAM role workspaces_DefaultRole (registering a directory in strict
// mode; docs/decisions/0293-strict-mode.md).
func RequireDefaultRole(tx deskplane.Tx, account string) error {
	_, found, err := Roles().Get(tx, IAMScope(account), RoleKey(DefaultRoleName))
	if err != nil || found {
		return err
	}
	return &deskplane.Error{Code: deskplane.CodeDefaultRoleNotFound, Message: "The workspaces_DefaultRole role could not be found. " +
		"Create the IAM role workspaces_DefaultRole (trusted by workspaces.amazonaws.com, with the AmazonWorkSpacesServiceAccess " +
		"and AmazonWorkSpacesSelfServiceAccess policies) before you register a directory."}
}
