package directory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
)

// The principals of a Directory Service directory: its users (User,
// directory.go), its groups and the memberships between them, as the
// Directory Service Data API sees them (docs/decisions/0014-directory-users.md,
// 0240-directory-data-objects.md). The ds family makes them when it creates
// a directory (SeedDirectoryPrincipals) and removes them with it
// (DeleteDirectoryPrincipals); the dsdata family serves them; WorkSpaces
// looks users up by UserKey.
//
// A name (sAMAccountName) is unique among the users and groups of a
// directory, case-insensitively, and keeps the case it was created with.

// The record kinds of a directory's groups, memberships and Directory
// Service Data client tokens (the root's kinds.go and dskinds.go have the others).
const (
	KindGroup       deskplane.Kind = "group"       // a directory group (id = directory id + "/" + lower-cased name)
	KindGroupMember deskplane.Kind = "groupmember" // a direct group membership (id = directory id + "/" + group + "/" + member, lower-cased)
	KindDataToken   deskplane.Kind = "datatoken"   // a Directory Service Data client token (id = the token)
)

// GroupType is an Active Directory group's type (Directory Service Data
// model GroupType).
type GroupType string

// Group types.
const (
	GroupDistribution GroupType = "Distribution"
	GroupSecurity     GroupType = "Security"
)

// GroupScope is an Active Directory group's scope (Directory Service Data
// model GroupScope). BuiltinLocal is the scope of the groups of the
// Builtin container, which no client can give a group.
type GroupScope string

// Group scopes.
const (
	GroupDomainLocal  GroupScope = "DomainLocal"
	GroupGlobal       GroupScope = "Global"
	GroupUniversal    GroupScope = "Universal"
	GroupBuiltinLocal GroupScope = "BuiltinLocal"
)

// MemberType is the kind of object a group member is (Directory Service
// Data model MemberType). deskplane's directories hold users and groups;
// COMPUTER is never stored.
type MemberType string

// Member types.
const (
	MemberUser     MemberType = "USER"
	MemberGroup    MemberType = "GROUP"
	MemberComputer MemberType = "COMPUTER"
)

// DataAccessStatus is whether a directory's data may be used through the
// Directory Service Data API (Directory Service model DataAccessStatus;
// EnableDirectoryDataAccess and DisableDirectoryDataAccess).
type DataAccessStatus string

// Data access statuses.
const (
	DataAccessDisabled  DataAccessStatus = "Disabled"
	DataAccessDisabling DataAccessStatus = "Disabling"
	DataAccessEnabled   DataAccessStatus = "Enabled"
	DataAccessEnabling  DataAccessStatus = "Enabling"
	DataAccessFailed    DataAccessStatus = "Failed"
)

// DataAccessAllowed reports whether the Directory Service Data API may use
// the directory's data: when its data access is Enabled, or was never
// changed (empty: deskplane's default, docs/decisions/0241-directory-data-access.md).
func (d *DSDirectory) DataAccessAllowed() bool {
	return d.DataAccess == "" || d.DataAccess == DataAccessEnabled
}

// AttributeValue is the value of a directory attribute: exactly one of a
// string, a number, a boolean or a set of strings (Directory Service Data
// model AttributeValue).
type AttributeValue struct {
	S    *string  `json:"S,omitempty"`
	N    *int64   `json:"N,omitempty"`
	BOOL *bool    `json:"BOOL,omitempty"`
	SS   []string `json:"SS,omitempty"`
}

// UnmarshalJSON reads a value, also as records written before values were
// typed kept it: a JSON string holding the value's JSON.
func (v *AttributeValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var inner string
		if err := json.Unmarshal(b, &inner); err != nil {
			return err
		}
		b = []byte(inner)
	}
	type plain AttributeValue
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*v = AttributeValue(p)
	return nil
}

// Attributes are the other attributes of a user or group (those without a
// member of their own in the API), by LDAP display name.
type Attributes map[string]AttributeValue

// Group is a group of a directory. Its record id is DirectoryID + "/" +
// lower-cased SAMAccountName.
type Group struct {
	DirectoryID    string     `json:"directoryId"`
	SAMAccountName string     `json:"sam"`
	SID            string     `json:"sid"`
	Type           GroupType  `json:"type"`
	Scope          GroupScope `json:"scope"`
	// Container is where the group is, as the part of its distinguished
	// name between its CN and the domain's DC parts ("CN=Builtin");
	// empty means the container new objects are made in
	// (DefaultContainer).
	Container string `json:"container,omitempty"`
	// System marks an object the directory made itself: it cannot be
	// deleted, and its type and scope cannot change.
	System     bool       `json:"system,omitempty"`
	Attributes Attributes `json:"attributes,omitempty"`
	Created    time.Time  `json:"created"`
	Modified   time.Time  `json:"modified,omitzero"`
}

// GroupMember is one direct member of a group. Its record id is
// DirectoryID + "/" + lower-cased group name + "/" + lower-cased member
// name: names cannot contain "/".
type GroupMember struct {
	DirectoryID string     `json:"directoryId"`
	Group       string     `json:"group"`  // the group's SAMAccountName
	Member      string     `json:"member"` // the member's SAMAccountName
	MemberType  MemberType `json:"type"`
	MemberSID   string     `json:"sid"`
	// Primary marks the member's primary group (Domain Users for every
	// user): it cannot be removed from it.
	Primary bool      `json:"primary,omitempty"`
	Added   time.Time `json:"added"`
}

// The containers of the objects a directory makes itself (Container).
const (
	ContainerUsers     = "CN=Users"
	ContainerBuiltin   = "CN=Builtin"
	ContainerDelegated = "OU=AWS Delegated Groups"
	ContainerReserved  = "OU=AWS Reserved"
)

// DefaultContainer is where new users and groups of the directory are
// made: the Users OU under the OU named after the NetBIOS name for
// Microsoft AD (the OU its administrator controls), CN=Users otherwise.
func (d *DSDirectory) DefaultContainer() string {
	if string(d.Type) == typeMicrosoftAD {
		return "OU=Users,OU=" + d.ShortName
	}
	return ContainerUsers
}

// The Directory Service directory types the principals depend on (model
// DirectoryType; the root has no typed directory type yet).
const (
	typeMicrosoftAD = "MicrosoftAD"
	typeSimpleAD    = "SimpleAD"
)

// DistinguishedName returns the distinguished name of an object named
// name in container (empty: the directory's DefaultContainer).
func (d *DSDirectory) DistinguishedName(name, container string) string {
	if container == "" {
		container = d.DefaultContainer()
	}
	var b strings.Builder
	b.WriteString("CN=")
	b.WriteString(name)
	b.WriteString(",")
	b.WriteString(container)
	for _, label := range strings.Split(d.Name, ".") {
		b.WriteString(",DC=")
		b.WriteString(label)
	}
	return b.String()
}

// Writable reports whether the Directory Service Data API may change an
// object in container: in Managed Microsoft AD only the objects of the OU
// the customer controls (DefaultContainer); in the other directory types
// every object (their administrator is a domain administrator).
func (d *DSDirectory) Writable(container string) bool {
	if string(d.Type) != typeMicrosoftAD {
		return true
	}
	return container == "" || container == d.DefaultContainer()
}

// MembershipWritable reports whether members may be added to or removed
// from a group in container: a writable group, or one of Managed
// Microsoft AD's AWS Delegated Groups.
func (d *DSDirectory) MembershipWritable(container string) bool {
	return d.Writable(container) || (string(d.Type) == typeMicrosoftAD && container == ContainerDelegated)
}

// FoldName is the case-insensitive form of a user or group name, as record
// ids hold it.
func FoldName(name string) string { return strings.ToLower(name) }

// GroupKey returns the record key of a directory group.
func GroupKey(s deskplane.Scope, directoryID, name string) deskplane.Key {
	return deskplane.Key{Scope: s, Kind: KindGroup, ID: directoryID + "/" + FoldName(name)}
}

// GroupMemberKey returns the record key of a direct membership.
func GroupMemberKey(s deskplane.Scope, directoryID, group, member string) deskplane.Key {
	return deskplane.Key{Scope: s, Kind: KindGroupMember, ID: directoryID + "/" + FoldName(group) + "/" + FoldName(member)}
}

// ParseGroupMemberID splits a membership record id into its directory id,
// folded group name and folded member name.
func ParseGroupMemberID(id string) (directoryID, group, member string, ok bool) {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// Users are the users of the scope's directories, keyed by directory id +
// "/" + lower-cased name (UserKey).
func Users() deskplane.Records[User] { return deskplane.Records[User]{Kind: deskplane.KindUser} }

// Groups are the groups of the scope's directories, keyed by directory id
// + "/" + lower-cased name (GroupKey).
func Groups() deskplane.Records[Group] { return deskplane.Records[Group]{Kind: KindGroup} }

// GroupMembers are the direct memberships of the scope's groups
// (GroupMemberKey).
func GroupMembers() deskplane.Records[GroupMember] {
	return deskplane.Records[GroupMember]{Kind: KindGroupMember}
}

// GroupsOf returns the names of the groups the user or group name of a
// directory is a direct member of, in the order it joined them.
func GroupsOf(tx deskplane.Tx, s deskplane.Scope, directoryID, name string) ([]string, error) {
	folded := FoldName(name)
	var keys []deskplane.Key
	err := tx.List(s, KindGroupMember, 0, func(r deskplane.Record) bool {
		if dir, _, member, ok := ParseGroupMemberID(r.ID); ok && dir == directoryID && member == folded {
			keys = append(keys, r.Key)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		var m GroupMember
		found, err := deskplane.Load(tx, k, &m)
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, m.Group)
		}
	}
	return out, nil
}

// The relative ids of the well-known principals of a domain.
const (
	RIDAdministrator = 500
	RIDGuest         = 501
	RIDKrbtgt        = 502
	RIDDomainAdmins  = 512
	RIDDomainUsers   = 513
	RIDDomainGuests  = 514
)

// builtinSID is the SID prefix of the groups of the Builtin container.
const builtinSID = "S-1-5-32-"

// wellKnownGroup is a group every directory of some type has.
type wellKnownGroup struct {
	name      string
	scope     GroupScope
	rid       int    // 0: the next relative id of the domain
	container string // ContainerUsers, ContainerBuiltin, ContainerDelegated, ContainerReserved
	windows   bool   // Windows Server domains only (Microsoft AD, AD Connector), not Simple AD (Samba)
	aws       bool   // Managed Microsoft AD only
}

// wellKnownGroups lists the groups of a new directory in the order a
// listing shows them (docs/decisions/0240-directory-data-objects.md):
// the Builtin groups, the default groups of a domain, then Managed
// Microsoft AD's own groups.
func wellKnownGroups() []wellKnownGroup {
	return []wellKnownGroup{
		{name: "Administrators", scope: GroupBuiltinLocal, rid: 544, container: ContainerBuiltin},
		{name: "Users", scope: GroupBuiltinLocal, rid: 545, container: ContainerBuiltin},
		{name: "Guests", scope: GroupBuiltinLocal, rid: 546, container: ContainerBuiltin},
		{name: "Print Operators", scope: GroupBuiltinLocal, rid: 550, container: ContainerBuiltin},
		{name: "Backup Operators", scope: GroupBuiltinLocal, rid: 551, container: ContainerBuiltin},
		{name: "Replicator", scope: GroupBuiltinLocal, rid: 552, container: ContainerBuiltin},
		{name: "Remote Desktop Users", scope: GroupBuiltinLocal, rid: 555, container: ContainerBuiltin},
		{name: "Network Configuration Operators", scope: GroupBuiltinLocal, rid: 556, container: ContainerBuiltin},
		{name: "Performance Monitor Users", scope: GroupBuiltinLocal, rid: 558, container: ContainerBuiltin},
		{name: "Performance Log Users", scope: GroupBuiltinLocal, rid: 559, container: ContainerBuiltin},
		{name: "Distributed COM Users", scope: GroupBuiltinLocal, rid: 562, container: ContainerBuiltin},
		{name: "IIS_IUSRS", scope: GroupBuiltinLocal, rid: 568, container: ContainerBuiltin},
		{name: "Cryptographic Operators", scope: GroupBuiltinLocal, rid: 569, container: ContainerBuiltin},
		{name: "Event Log Readers", scope: GroupBuiltinLocal, rid: 573, container: ContainerBuiltin},
		{name: "Certificate Service DCOM Access", scope: GroupBuiltinLocal, rid: 574, container: ContainerBuiltin},
		{name: "RDS Remote Access Servers", scope: GroupBuiltinLocal, rid: 575, container: ContainerBuiltin, windows: true},
		{name: "RDS Endpoint Servers", scope: GroupBuiltinLocal, rid: 576, container: ContainerBuiltin, windows: true},
		{name: "RDS Management Servers", scope: GroupBuiltinLocal, rid: 577, container: ContainerBuiltin, windows: true},
		{name: "Hyper-V Administrators", scope: GroupBuiltinLocal, rid: 578, container: ContainerBuiltin, windows: true},
		{name: "Access Control Assistance Operators", scope: GroupBuiltinLocal, rid: 579, container: ContainerBuiltin, windows: true},
		{name: "Remote Management Users", scope: GroupBuiltinLocal, rid: 580, container: ContainerBuiltin, windows: true},
		{name: "Storage Replica Administrators", scope: GroupBuiltinLocal, rid: 582, container: ContainerBuiltin, windows: true},
		{name: "Domain Computers", scope: GroupGlobal, rid: 515, container: ContainerUsers},
		{name: "Domain Controllers", scope: GroupGlobal, rid: 516, container: ContainerUsers},
		{name: "Schema Admins", scope: GroupUniversal, rid: 518, container: ContainerUsers},
		{name: "Enterprise Admins", scope: GroupUniversal, rid: 519, container: ContainerUsers},
		{name: "Cert Publishers", scope: GroupDomainLocal, rid: 517, container: ContainerUsers},
		{name: "Domain Admins", scope: GroupGlobal, rid: RIDDomainAdmins, container: ContainerUsers},
		{name: "Domain Users", scope: GroupGlobal, rid: RIDDomainUsers, container: ContainerUsers},
		{name: "Domain Guests", scope: GroupGlobal, rid: RIDDomainGuests, container: ContainerUsers},
		{name: "Group Policy Creator Owners", scope: GroupGlobal, rid: 520, container: ContainerUsers},
		{name: "RAS and IAS Servers", scope: GroupDomainLocal, rid: 553, container: ContainerUsers},
		{name: "Server Operators", scope: GroupBuiltinLocal, rid: 549, container: ContainerBuiltin},
		{name: "Account Operators", scope: GroupBuiltinLocal, rid: 548, container: ContainerBuiltin},
		{name: "Pre-Windows 2000 Compatible Access", scope: GroupBuiltinLocal, rid: 554, container: ContainerBuiltin},
		{name: "Incoming Forest Trust Builders", scope: GroupBuiltinLocal, rid: 557, container: ContainerBuiltin},
		{name: "Windows Authorization Access Group", scope: GroupBuiltinLocal, rid: 560, container: ContainerBuiltin},
		{name: "Terminal Server License Servers", scope: GroupBuiltinLocal, rid: 561, container: ContainerBuiltin},
		{name: "Allowed RODC Password Replication Group", scope: GroupDomainLocal, rid: 571, container: ContainerUsers},
		{name: "Denied RODC Password Replication Group", scope: GroupDomainLocal, rid: 572, container: ContainerUsers},
		{name: "Read-only Domain Controllers", scope: GroupGlobal, rid: 521, container: ContainerUsers},
		{name: "Enterprise Read-only Domain Controllers", scope: GroupUniversal, rid: 498, container: ContainerUsers},
		{name: "Cloneable Domain Controllers", scope: GroupGlobal, rid: 522, container: ContainerUsers, windows: true},
		{name: "Protected Users", scope: GroupGlobal, rid: 525, container: ContainerUsers, windows: true},
		{name: "Key Admins", scope: GroupGlobal, rid: 526, container: ContainerUsers, windows: true},
		{name: "Enterprise Key Admins", scope: GroupUniversal, rid: 527, container: ContainerUsers, windows: true},
		{name: "DnsAdmins", scope: GroupDomainLocal, container: ContainerUsers},
		{name: "DnsUpdateProxy", scope: GroupGlobal, container: ContainerUsers},
		{name: "Admins", scope: GroupDomainLocal, container: ContainerReserved, aws: true},
		{name: "AWSAdministrators", scope: GroupDomainLocal, container: ContainerReserved, aws: true},
		{name: "AWS Delegated Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated FSx Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Account Operators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Active Directory Based Activation Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Allowed to Authenticate Objects", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Allowed to Authenticate to Domain Controllers", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Deleted Object Lifetime Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Distributed File System Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Dynamic Host Configuration Protocol Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Enterprise Certificate Authority Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Fine Grained Password Policy Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Group Policy Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Managed Service Account Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Read Foreign Security Principals", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Remote Access Service Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Replicate Directory Changes Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Sites and Services Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated System Management Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Terminal Server Licensing Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated User Principal Name Suffix Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Add Workstations To Domain Users", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Domain Name System Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Kerberos Delegation Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated Server Administrators", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
		{name: "AWS Delegated MS-NPRC Non-Compliant Devices", scope: GroupDomainLocal, container: ContainerDelegated, aws: true},
	}
}

// wellKnownUser is a user every directory has.
type wellKnownUser struct {
	name    string
	rid     int
	enabled bool
	groups  []string // besides Domain Users (Domain Guests for Guest), its primary group
}

// wellKnownUsers lists the users of a new directory, in order.
func wellKnownUsers() []wellKnownUser {
	return []wellKnownUser{
		{name: "Administrator", rid: RIDAdministrator, enabled: true,
			groups: []string{"Administrators", "Domain Admins", "Schema Admins", "Enterprise Admins", "Group Policy Creator Owners"}},
		{name: "Guest", rid: RIDGuest, groups: []string{"Guests"}},
		{name: "krbtgt", rid: RIDKrbtgt, groups: []string{"Denied RODC Password Replication Group"}},
	}
}

// SeedDirectoryPrincipals writes the users, groups and memberships a new
// directory has (docs/decisions/0240-directory-data-objects.md): the
// Builtin groups and the default users and groups of a domain, Managed
// Microsoft AD's own groups and its administrator Admin in the customer's
// OU, an AD Connector's service account. The administrator the directory
// was created with (dir.AdminUser) is enabled. It takes relative ids from
// dir.NextRID, which the caller saves with the directory afterwards.
func SeedDirectoryPrincipals(tx deskplane.Tx, s deskplane.Scope, dir *DSDirectory, now time.Time) error {
	microsoft := string(dir.Type) == typeMicrosoftAD
	simple := string(dir.Type) == typeSimpleAD
	sid := func(rid int) string {
		if rid == 0 {
			rid = dir.NextRID
			dir.NextRID++
		}
		return dir.DomainSID + "-" + strconv.Itoa(rid)
	}
	groups := make(map[string]*Group)
	for _, w := range wellKnownGroups() {
		if (w.windows && simple) || (w.aws && !microsoft) {
			continue
		}
		g := &Group{DirectoryID: dir.ID, SAMAccountName: w.name, Type: GroupSecurity, Scope: w.scope,
			Container: w.container, System: true, Created: now}
		if w.container == ContainerBuiltin {
			g.SID = builtinSID + strconv.Itoa(w.rid)
		} else {
			g.SID = sid(w.rid)
		}
		if err := deskplane.Save(tx, GroupKey(s, dir.ID, g.SAMAccountName), g); err != nil {
			return err
		}
		groups[w.name] = g
	}
	join := func(u *User, group string, primary bool) error {
		g, ok := groups[group]
		if !ok {
			return nil
		}
		m := GroupMember{DirectoryID: dir.ID, Group: g.SAMAccountName, Member: u.SAMAccountName, MemberType: MemberUser,
			MemberSID: u.SID, Primary: primary, Added: now}
		return deskplane.Save(tx, GroupMemberKey(s, dir.ID, g.SAMAccountName, u.SAMAccountName), m)
	}
	seed := func(u *User, primary string, others []string) error {
		if err := deskplane.Save(tx, UserKey(s, dir.ID, u.SAMAccountName), u); err != nil {
			return err
		}
		if err := join(u, primary, true); err != nil {
			return err
		}
		for _, g := range others {
			if err := join(u, g, false); err != nil {
				return err
			}
		}
		return nil
	}
	admin := FoldName(dir.AdminUser)
	users := wellKnownUsers()
	for _, w := range users {
		u := &User{DirectoryID: dir.ID, SAMAccountName: w.name, SID: sid(w.rid), Enabled: w.enabled,
			Container: ContainerUsers, System: true, Created: now}
		if FoldName(w.name) == admin {
			u.Enabled = true
		}
		primary := "Domain Users"
		if w.rid == RIDGuest {
			primary = "Domain Guests"
		}
		if err := seed(u, primary, w.groups); err != nil {
			return err
		}
	}
	switch {
	case admin == "" || admin == FoldName(users[0].name):
	case microsoft:
		// Admin, in the OU the customer controls (decision 0240).
		u := &User{DirectoryID: dir.ID, SAMAccountName: dir.AdminUser, SID: sid(0), Enabled: true, System: true, Created: now}
		if err := seed(u, "Domain Users", []string{"Admins", "AWS Delegated Administrators"}); err != nil {
			return err
		}
	default:
		// An AD Connector's service account: an ordinary user of the
		// directory it connects to.
		if _, taken := groups[dir.AdminUser]; taken {
			return fmt.Errorf("the service account %s has the name of a group", dir.AdminUser)
		}
		u := &User{DirectoryID: dir.ID, SAMAccountName: dir.AdminUser, SID: sid(0), Enabled: true, Container: ContainerUsers, Created: now}
		if err := seed(u, "Domain Users", nil); err != nil {
			return err
		}
	}
	return nil
}

// SetUserPassword gives a directory user the password whose hash is hash
// (internal/password's Hash, made before the transaction) and enables it:
// what ResetUserPassword does, and what CreateDirectory does for the
// administrator the directory is created with. It answers ErrNotFound
// when the user does not exist.
func SetUserPassword(tx deskplane.Tx, s deskplane.Scope, directoryID, name, hash string, now time.Time) error {
	notFound := func() error {
		return deskplane.NotFound(name, "The user %s does not exist in directory %s.", name, directoryID)
	}
	return deskplane.Modify(tx, UserKey(s, directoryID, name), notFound, func(u *User) error {
		u.PasswordHash = hash
		u.Enabled = true
		u.Modified = now
		return nil
	})
}

// DeleteDirectoryPrincipals removes every user, group and membership of a
// directory, with the directory.
func DeleteDirectoryPrincipals(tx deskplane.Tx, s deskplane.Scope, directoryID string) error {
	prefix := directoryID + "/"
	for _, kind := range []deskplane.Kind{KindGroupMember, KindGroup, deskplane.KindUser} {
		var ids []string
		err := tx.List(s, kind, 0, func(r deskplane.Record) bool {
			if strings.HasPrefix(r.ID, prefix) {
				ids = append(ids, r.ID)
			}
			return true
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.Delete(deskplane.Key{Scope: s, Kind: kind, ID: id}); err != nil {
				return err
			}
		}
	}
	return nil
}
