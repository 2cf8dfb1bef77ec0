package directory

import (
	"time"

	"github.com/deskplane/deskplane"
)

// The Directory Service resources beside the directory (directory.go's
// DSDirectory): snapshots, trusts, certificates, schema extensions and AD
// assessments are records of their own in the owner's scope; the settings
// of one directory (conditional forwarders, IP routes, the log
// subscription, event topics, RADIUS, LDAPS, client authentication, the
// directory settings, Regions, domain controllers, updates, shares) are
// fields of the directory record, changed in one transaction with it.

// DSComputers are computer accounts, keyed by directory id + "/" +
// lower-cased name.
func DSComputers() deskplane.Records[DSComputer] {
	return deskplane.Records[DSComputer]{Kind: deskplane.KindDSComputer}
}

// DSComputer is a computer account of a directory.
type DSComputer struct {
	DirectoryID string            `json:"directoryId"`
	Name        string            `json:"name"`
	SID         string            `json:"sid"`
	DN          string            `json:"dn"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Created     time.Time         `json:"created"`
}

// DSAliasKey is the key of an alias reservation.
func DSAliasKey(alias string) deskplane.Key {
	return deskplane.Key{Scope: deskplane.GlobalScope(), Kind: deskplane.KindDSAlias, ID: alias}
}

// DSSnapshots are directory snapshots, keyed by snapshot id.
func DSSnapshots() deskplane.Records[DSSnapshot] {
	return deskplane.Records[DSSnapshot]{Kind: deskplane.KindDSSnapshot}
}

// DSTrusts are trust relationships, keyed by trust id.
func DSTrusts() deskplane.Records[DSTrust] {
	return deskplane.Records[DSTrust]{Kind: deskplane.KindDSTrust}
}

// DSCertificates are registered certificates, keyed by certificate id.
func DSCertificates() deskplane.Records[DSCertificate] {
	return deskplane.Records[DSCertificate]{Kind: deskplane.KindDSCert}
}

// DSSchemaExtensions are schema extensions, keyed by extension id.
func DSSchemaExtensions() deskplane.Records[DSSchemaExtension] {
	return deskplane.Records[DSSchemaExtension]{Kind: deskplane.KindDSSchemaExt}
}

// DSAssessments are AD assessments, keyed by assessment id.
func DSAssessments() deskplane.Records[DSAssessment] {
	return deskplane.Records[DSAssessment]{Kind: deskplane.KindDSAssessment}
}

// DSSnapshot is a snapshot of a directory.
type DSSnapshot struct {
	ID          string           `json:"id"`
	DirectoryID string           `json:"directoryId"`
	Name        string           `json:"name,omitempty"`
	Type        string           `json:"type"` // Auto | Manual
	Status      DSSnapshotStatus `json:"status"`
	Started     time.Time        `json:"started"`
	Generation  int64            `json:"gen"`
}

// DSTrust is a trust relationship of a directory with a remote domain.
type DSTrust struct {
	ID            string       `json:"id"`
	DirectoryID   string       `json:"directoryId"`
	RemoteDomain  string       `json:"remoteDomain"`
	Type          string       `json:"type"`
	Direction     string       `json:"direction"`
	SelectiveAuth string       `json:"selectiveAuth,omitempty"`
	State         DSTrustState `json:"state"`
	StateReason   string       `json:"stateReason,omitempty"`
	Created       time.Time    `json:"created"`
	Updated       time.Time    `json:"updated"`
	StateChanged  time.Time    `json:"stateChanged"`
	Generation    int64        `json:"gen"`
}

// DSCertificate is a certificate registered with a directory.
type DSCertificate struct {
	ID          string    `json:"id"`
	DirectoryID string    `json:"directoryId"`
	Type        string    `json:"type"` // ClientCertAuth | ClientLDAPS
	State       string    `json:"state"`
	CommonName  string    `json:"commonName"`
	Registered  time.Time `json:"registered"`
	Expires     time.Time `json:"expires"`
	OCSPURL     string    `json:"ocspUrl,omitempty"`
	// Fingerprint is the SHA-256 of the certificate's DER bytes: a
	// certificate is registered at most once per directory.
	Fingerprint string `json:"fingerprint"`
}

// DSSchemaExtension is a schema extension of a directory.
type DSSchemaExtension struct {
	ID          string                  `json:"id"`
	DirectoryID string                  `json:"directoryId"`
	Description string                  `json:"description"`
	Status      DSSchemaExtensionStatus `json:"status"`
	Reason      string                  `json:"reason,omitempty"`
	Started     time.Time               `json:"started"`
	Ended       time.Time               `json:"ended,omitzero"`
	Generation  int64                   `json:"gen"`
}

// DSAssessment is an AD assessment of a self-managed domain (Hybrid AD).
type DSAssessment struct {
	ID           string    `json:"id"`
	DirectoryID  string    `json:"directoryId,omitempty"`
	DNSName      string    `json:"dnsName"`
	CustomerDNS  []string  `json:"customerDns"`
	VpcID        string    `json:"vpcId"`
	SubnetIDs    []string  `json:"subnetIds"`
	SecurityGrps []string  `json:"securityGroups,omitempty"`
	InstanceIDs  []string  `json:"instanceIds"`
	Status       string    `json:"status"`
	ReportType   string    `json:"reportType"`
	Started      time.Time `json:"started"`
	Updated      time.Time `json:"updated"`
}

// DSForwarder is a conditional forwarder of a directory.
type DSForwarder struct {
	RemoteDomain string   `json:"remoteDomain"`
	DNSAddrs     []string `json:"dns,omitempty"`
	DNSv6Addrs   []string `json:"dns6,omitempty"`
}

// DSIPRoute is an IP route of a directory.
type DSIPRoute struct {
	CIDR        string    `json:"cidr,omitempty"`
	CIDRv6      string    `json:"cidr6,omitempty"`
	Description string    `json:"description,omitempty"`
	Added       time.Time `json:"added"`
}

// DSLogSubscription is a directory's one log subscription.
type DSLogSubscription struct {
	LogGroup string    `json:"logGroup"`
	Created  time.Time `json:"created"`
}

// DSEventTopic is an SNS topic registered for a directory's status
// messages.
type DSEventTopic struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// DSRadius are a directory's RADIUS settings.
type DSRadius struct {
	Servers         []string `json:"servers,omitempty"`
	ServersV6       []string `json:"servers6,omitempty"`
	Port            int32    `json:"port"`
	Timeout         int32    `json:"timeout"`
	Retries         int32    `json:"retries"`
	SharedSecret    string   `json:"secret"`
	Protocol        string   `json:"protocol"`
	DisplayLabel    string   `json:"label"`
	UseSameUsername bool     `json:"sameUser"`
}

// DSSetting is the state of one directory setting (UpdateSettings).
type DSSetting struct {
	Applied     string    `json:"applied,omitempty"`
	Requested   string    `json:"requested,omitempty"`
	Status      string    `json:"status,omitempty"`
	Updated     time.Time `json:"updated,omitzero"`
	RequestedAt time.Time `json:"requestedAt,omitzero"`
}

// DSRegion is a Region a directory is replicated to (AddRegion).
type DSRegion struct {
	Name       string                     `json:"name"`
	VpcID      string                     `json:"vpcId"`
	SubnetIDs  []string                   `json:"subnetIds"`
	Status     deskplane.DSDirectoryStage `json:"status"`
	DesiredDCs int32                      `json:"desiredDcs"`
	Launched   time.Time                  `json:"launched"`
	Changed    time.Time                  `json:"changed"`
	Generation int64                      `json:"gen"`
}

// DSDomainController is a domain controller of a directory.
type DSDomainController struct {
	ID       string                   `json:"id"`
	Subnet   string                   `json:"subnet"`
	AZ       string                   `json:"az"`
	Addr     string                   `json:"addr"`
	Status   DSDomainControllerStatus `json:"status"`
	Launched time.Time                `json:"launched"`
	Changed  time.Time                `json:"changed"`
}

// DSUpdate is one UpdateDirectorySetup activity.
type DSUpdate struct {
	Type     string         `json:"type"`
	Region   string         `json:"region"`
	Status   DSUpdateStatus `json:"status"`
	Reason   string         `json:"reason,omitempty"`
	Previous string         `json:"previous"`
	New      string         `json:"new"`
	Started  time.Time      `json:"started"`
	Updated  time.Time      `json:"updated"`
}

// DSShare is one share of a directory with another account, kept on the
// owner's directory; the other account holds a DSDirectory of type
// SharedMicrosoftAD whose id is SharedDirectoryID.
type DSShare struct {
	SharedAccount     string        `json:"account"`
	SharedDirectoryID string        `json:"sharedDirectoryId"`
	Method            string        `json:"method"`
	Status            DSShareStatus `json:"status"`
	Notes             string        `json:"notes,omitempty"`
	Created           time.Time     `json:"created"`
	Updated           time.Time     `json:"updated"`
}

// DSShareOwner names the directory a shared directory stands for.
type DSShareOwner struct {
	Account     string `json:"account"`
	DirectoryID string `json:"directoryId"`
}
