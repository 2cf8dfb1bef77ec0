package deskplane

import "time"

// The resources below are stored as JSON records (one per resource, in the
// owner's scope). Wire shapes live in internal/wsapi; the family packages
// (internal/service/...) convert.
// Fields use the real service's vocabulary and enum values as strings.

// DSDirectory is a Directory Service directory (Simple AD, Microsoft AD or
// AD Connector). Stage: Requested → Creating → Active (→ Deleting → gone).
type DSDirectory struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`      // fully qualified domain name, corp.example.com
	ShortName       string           `json:"shortName"` // NetBIOS name
	Type            string           `json:"type"`      // SimpleAD | MicrosoftAD | ADConnector
	Size            string           `json:"size"`      // Small | Large (Simple AD, AD Connector)
	Edition         string           `json:"edition,omitempty"`
	Description     string           `json:"description,omitempty"`
	Alias           string           `json:"alias"`
	AccessURL       string           `json:"accessUrl"`
	Stage           DSDirectoryStage `json:"stage"`
	StageReason     string           `json:"stageReason,omitempty"`
	VpcID           string           `json:"vpcId"`
	SubnetIDs       []string         `json:"subnetIds"`
	AZs             []string         `json:"azs"`
	SecurityGroupID string           `json:"securityGroupId"`
	DNSAddrs        []string         `json:"dnsAddrs"`
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

	// The directory's settings (dsrecords.go; internal/service/ds).
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
func UserKey(s Scope, directoryID, name string) Key {
	return Key{Scope: s, Kind: KindUser, ID: directoryID + "/" + lower(name)}
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

// Directory is a directory registered with WorkSpaces.
// State: REGISTERING → REGISTERED (→ DEREGISTERING → DEREGISTERED → gone).
type Directory struct {
	ID                       string         `json:"id"`
	Alias                    string         `json:"alias"`
	Name                     string         `json:"name"`
	Type                     string         `json:"type"` // SIMPLE_AD | AD_CONNECTOR | CUSTOMER_MANAGED | AWS_IAM_IDENTITY_CENTER
	State                    DirectoryState `json:"state"`
	ErrorMessage             string         `json:"errorMessage,omitempty"`
	SubnetIDs                []string       `json:"subnetIds"`
	DNSAddrs                 []string       `json:"dnsAddrs"`
	CustomerUserName         string         `json:"customerUserName"`
	IamRoleID                string         `json:"iamRoleId"`
	RegistrationCode         string         `json:"registrationCode"`
	WorkspaceSecurityGroupID string         `json:"workspaceSecurityGroupId"`
	Tenancy                  string         `json:"tenancy"` // DEDICATED | SHARED
	EnableWorkDocs           bool           `json:"enableWorkDocs"`
	EnableSelfService        bool           `json:"enableSelfService"`
	Registered               time.Time      `json:"registered"`
	// Settings written by the Modify* operations, kept as the wire JSON of
	// their shapes so that every field written is read back unchanged.
	CreationProperties  []byte   `json:"creationProperties,omitempty"`  // DefaultWorkspaceCreationProperties
	SelfservicePerms    []byte   `json:"selfservicePerms,omitempty"`    // SelfservicePermissions
	AccessProperties    []byte   `json:"accessProperties,omitempty"`    // WorkspaceAccessProperties
	SamlProperties      []byte   `json:"samlProperties,omitempty"`      // SamlProperties
	CertAuthProperties  []byte   `json:"certAuthProperties,omitempty"`  // CertificateBasedAuthProperties
	StreamingProperties []byte   `json:"streamingProperties,omitempty"` // StreamingProperties
	ClientProperties    []byte   `json:"clientProperties,omitempty"`    // ClientProperties
	IPGroupIDs          []string `json:"ipGroupIds,omitempty"`
	// Fields of directories created by WorkSpaces itself (wsd- ids, pools,
	// user-decoupled WorkSpaces) are kept as the wire JSON of the request.
	Extra []byte `json:"extra,omitempty"`
	// WorkspaceType (PERSONAL | POOLS) and UserIdentityType
	// (AWS_DIRECTORY_SERVICE | CUSTOMER_MANAGED | AWS_IAM_IDENTITY_CENTER).
	WorkspaceType    string `json:"workspaceType,omitempty"`
	UserIdentityType string `json:"userIdentityType,omitempty"`
	// WorkspaceDirectoryName and Description of a directory WorkSpaces
	// created itself (pools).
	WorkspaceDirectoryName        string `json:"wsDirName,omitempty"`
	WorkspaceDirectoryDescription string `json:"wsDirDescription,omitempty"`
	// Generation grows on every state change; state timers carry it.
	Generation   int64     `json:"gen,omitempty"`
	StateChanged time.Time `json:"stateChanged,omitzero"`
}

// Bundle is a WorkSpace bundle: a custom one in its owner's scope, or one
// of the AMAZON public catalogue (built in, not stored).
type Bundle struct {
	ID              string              `json:"id"`
	Name            string              `json:"name"`
	Owner           string              `json:"owner"` // account id or AMAZON
	Description     string              `json:"description,omitempty"`
	ImageID         string              `json:"imageId"`
	RootStorageGB   int                 `json:"rootGb"`
	UserStorageGB   int                 `json:"userGb"`
	ComputeType     Compute             `json:"computeType"`
	State           BundleState         `json:"state"`
	BundleType      string              `json:"bundleType"` // REGULAR | STANDBY
	OperatingSystem OperatingSystemName `json:"os"`
	Protocols       []Protocol          `json:"protocols"`
	Created         time.Time           `json:"created"`
	LastUpdated     time.Time           `json:"lastUpdated"`
	// Generation grows on every state change; the bundle.state timer
	// carries the generation it was scheduled at.
	Generation int64 `json:"gen,omitempty"`
}

// Image is a WorkSpace image, kept in its owner's scope.
// State: PENDING → AVAILABLE | ERROR.
type Image struct {
	ID                string              `json:"id"`
	Name              string              `json:"name"`
	Description       string              `json:"description,omitempty"`
	OperatingSystem   OperatingSystemName `json:"os"`
	OSType            string              `json:"osType"` // WINDOWS | LINUX
	State             ImageState          `json:"state"`
	RequiredTenancy   ImageTenancy        `json:"tenancy"`
	Owner             string              `json:"owner"` // account id (AMAZON for public images)
	Created           time.Time           `json:"created"`
	ErrorCode         string              `json:"errorCode,omitempty"`
	ErrorMessage      string              `json:"errorMessage,omitempty"`
	ErrorDetails      []ImageErrorDetail  `json:"errorDetails,omitempty"`
	UpdateAvailable   bool                `json:"updateAvailable,omitempty"`
	UpdateDescription string              `json:"updateDescription,omitempty"`
	// Where it came from: a WorkSpace, an image (update or copy), an AMI.
	SourceWorkspaceID string     `json:"sourceWorkspaceId,omitempty"`
	SourceImageID     string     `json:"sourceImageId,omitempty"`
	SourceRegion      string     `json:"sourceRegion,omitempty"`
	SourceAccount     string     `json:"sourceAccount,omitempty"`
	Ec2ImageID        string     `json:"ec2ImageId,omitempty"`
	IngestionProcess  string     `json:"ingestionProcess,omitempty"`
	Applications      []string   `json:"applications,omitempty"`
	Protocols         []Protocol `json:"protocols,omitempty"`
	// SharedWith lists the accounts the image is shared with, in order.
	SharedWith []string `json:"sharedWith,omitempty"`
	// RootGB and UserGB are the volume sizes the image was made with.
	RootGB int `json:"rootGb,omitempty"`
	UserGB int `json:"userGb,omitempty"`
	// Origin says how the image was made (image.go).
	Origin ImageOrigin `json:"origin,omitempty"`
	// StateChanged is when State last changed.
	StateChanged time.Time `json:"stateChanged,omitzero"`
	// Generation grows on every state change; the image.ready timer
	// carries the generation it was scheduled at.
	Generation int64 `json:"gen,omitempty"`
}

// ImageErrorDetail is one reason an image failed validation.
type ImageErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DirectoryNotFound is the error for a directory the caller has not
// registered with WorkSpaces (in any state).
func DirectoryNotFound(id string) *Error {
	return NotFound(id, "The specified directory could not be found in the specified region.")
}

// AmazonOwner is the Owner of the AMAZON public bundles, images and
// applications (internal/catalogue).
const AmazonOwner = "AMAZON"
