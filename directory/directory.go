// Package directory is the Directory Service domain: the directory record
// and the records beside it (snapshots, trusts, certificates, schema
// extensions, assessments, computers), their typed states and transition
// tables, the directory settings catalogue, and the principals the
// Directory Service Data API serves (users, groups, memberships). It is a
// domain sub-package of the root (docs/decisions/0106-domain-sub-packages.md);
// the record kinds and timing transitions the root's fault table and timing
// profiles name stay in the root (dskinds.go).
package directory

import (
	"time"

	"github.com/deskplane/deskplane"
)

// DSDirectory is a Directory Service directory (Simple AD, Microsoft AD or
// AD Connector). Stage: Requested → Creating → Active (→ Deleting → gone).
type DSDirectory struct {
	ID              string                     `json:"id"`
	Name            string                     `json:"name"`      // fully qualified domain name, corp.example.com
	ShortName       string                     `json:"shortName"` // NetBIOS name
	Type            string                     `json:"type"`      // SimpleAD | MicrosoftAD | ADConnector
	Size            string                     `json:"size"`      // Small | Large (Simple AD, AD Connector)
	Edition         string                     `json:"edition,omitempty"`
	Description     string                     `json:"description,omitempty"`
	Alias           string                     `json:"alias"`
	AccessURL       string                     `json:"accessUrl"`
	Stage           deskplane.DSDirectoryStage `json:"stage"`
	StageReason     string                     `json:"stageReason,omitempty"`
	VpcID           string                     `json:"vpcId"`
	SubnetIDs       []string                   `json:"subnetIds"`
	AZs             []string                   `json:"azs"`
	SecurityGroupID string                     `json:"securityGroupId"`
	DNSAddrs        []string                   `json:"dnsAddrs"`
	// ConnectSettings of an AD Connector.
	CustomerDNSIPs []string  `json:"customerDnsIps,omitempty"`
	CustomerUser   string    `json:"customerUser,omitempty"`
	Launched       time.Time `json:"launched"`
	StageChanged   time.Time `json:"stageChanged"`
	// AnyUser makes every user name exist in the directory (a deskplane
	// convenience, set with the tag deskplane:any-user=true or the control API).
	AnyUser bool `json:"anyUser,omitempty"`
	// ConnectIPs are the AD Connector's own addresses in its subnets.
	ConnectIPs []string `json:"connectIps,omitempty"`
	// AdminUser is the administrator account the directory was created
	// with: Administrator (Simple AD), Admin (Microsoft AD), or the AD
	// Connector's service account.
	AdminUser string `json:"adminUser,omitempty"`
	// DomainSID is the domain's security identifier (S-1-5-21-a-b-c);
	// user SIDs append a relative id, the next of which is NextRID.
	DomainSID string `json:"domainSid,omitempty"`
	NextRID   int    `json:"nextRid,omitempty"`
	// Tags are the Directory Service tags (AddTagsToResource), in the order
	// their keys were first added. WorkSpaces tags of a registered
	// directory are a separate set (CreateTags, kind KindTags).
	Tags []DSTag `json:"tags,omitempty"`
	// Generation grows on every stage change; stage timers carry it.
	Generation int64 `json:"gen,omitempty"`
	// DataAccess is the Directory Service Data access status
	// (EnableDirectoryDataAccess); empty means never changed, which
	// deskplane treats as enabled (DataAccessAllowed).
	DataAccess DataAccessStatus `json:"dataAccess,omitempty"`

	// The directory's settings (records.go; internal/service/ds).
	AliasCreated  bool                 `json:"aliasCreated,omitempty"`
	SSO           bool                 `json:"sso,omitempty"`
	Forwarders    []DSForwarder        `json:"forwarders,omitempty"`
	IPRoutes      []DSIPRoute          `json:"ipRoutes,omitempty"`
	LogSub        *DSLogSubscription   `json:"logSub,omitempty"`
	Topics        []DSEventTopic       `json:"topics,omitempty"`
	Radius        *DSRadius            `json:"radius,omitempty"`
	RadiusStatus  DSRadiusStatus       `json:"radiusStatus,omitempty"`
	LDAPS         DSLDAPSStatus        `json:"ldaps,omitempty"`
	LDAPSChanged  time.Time            `json:"ldapsChanged,omitzero"`
	ClientAuth    map[string]time.Time `json:"clientAuth,omitempty"` // enabled types → since
	Settings      map[string]DSSetting `json:"settings,omitempty"`
	Regions       []DSRegion           `json:"regions,omitempty"`
	DesiredDCs    int32                `json:"desiredDcs,omitempty"`
	DCs           []DSDomainController `json:"dcs,omitempty"`
	Updates       []DSUpdate           `json:"updates,omitempty"`
	OSVersion     string               `json:"osVersion,omitempty"`
	NetworkType   string               `json:"networkType,omitempty"`
	Shares        []DSShare            `json:"shares,omitempty"`
	Owner         *DSShareOwner        `json:"owner,omitempty"` // a SharedMicrosoftAD directory's owner
	ShareStatus   DSShareStatus        `json:"shareStatus,omitempty"`
	ShareMethod   string               `json:"shareMethod,omitempty"`
	ShareNotes    string               `json:"shareNotes,omitempty"`
	CAEnrollment  string               `json:"caEnrollment,omitempty"` // CaEnrollmentPolicyStatus
	PcaConnector  string               `json:"pcaConnector,omitempty"`
	CAChanged     time.Time            `json:"caChanged,omitzero"`
	HybridDNS     []string             `json:"hybridDns,omitempty"`
	HybridHosts   []string             `json:"hybridHosts,omitempty"`
	HybridUpdates []DSUpdate           `json:"hybridUpdates,omitempty"`
	// PrimaryRegion is set on the replica of a directory in an additional
	// Region (AddRegion): the Region of the directory it replicates.
	PrimaryRegion string `json:"primaryRegion,omitempty"`
}

// DSTag is one Directory Service tag.
type DSTag struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

// User is a user of a directory. Its record id is DirectoryID + "/" +
// lower-cased SAMAccountName: names match case-insensitively
// (principals.go has the groups and memberships).
type User struct {
	DirectoryID    string `json:"directoryId"`
	SAMAccountName string `json:"sam"`
	GivenName      string `json:"givenName,omitempty"`
	Surname        string `json:"surname,omitempty"`
	Email          string `json:"email,omitempty"`
	// Enabled says the user may sign in. A new user is disabled until
	// ResetUserPassword gives it a password; DisableUser disables it
	// again until the next ResetUserPassword.
	Enabled bool   `json:"enabled"`
	SID     string `json:"sid"`
	// PasswordHash is the user's password as internal/password keeps it
	// (argon2id, with its salt and parameters); empty until a password is
	// set (SetUserPassword). Never the password itself.
	PasswordHash string `json:"passwordHash,omitempty"`
	// Container is where the user is, as the part of its distinguished
	// name between its CN and the domain's DC parts ("CN=Users"); empty
	// means the directory's DefaultContainer.
	Container string `json:"container,omitempty"`
	// System marks a user the directory made itself (Administrator,
	// Guest, krbtgt, Microsoft AD's Admin): it cannot be deleted.
	System     bool       `json:"system,omitempty"`
	Attributes Attributes `json:"attributes,omitempty"`
	Created    time.Time  `json:"created"`
	Modified   time.Time  `json:"modified,omitzero"`
}

// UserKey returns the record key of a directory user.
func UserKey(s deskplane.Scope, directoryID, name string) deskplane.Key {
	return deskplane.Key{Scope: s, Kind: deskplane.KindUser, ID: directoryID + "/" + lower(name)}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// DSDirectories are the Directory Service directories, keyed by directory id.
func DSDirectories() deskplane.Records[DSDirectory] {
	return deskplane.Records[DSDirectory]{Kind: deskplane.KindDSDirectory}
}
