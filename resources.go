package deskplane

import "time"

// The resources below are stored as JSON records (one per resource, in the
// owner's scope). Wire shapes live in internal/wsapi; the family packages
// (internal/service/...) convert.
// Fields use the real service's vocabulary and enum values as strings.

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
