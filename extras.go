package deskplane

import "time"

// The resources of the remaining WorkSpaces operations: client branding,
// Amazon Connect client add-ins, application associations, WorkSpaces
// Pools and a directory's endpoint encryption mode. Each is a JSON record
// in its owner's scope; the family packages (internal/service/...) convert
// them to the wire shapes.

// Branding is the client branding imported for one registered directory
// (KindBranding, id = directory id). Platforms is keyed by the model's
// ClientDeviceType value (DeviceTypeWindows, DeviceTypeOsx,
// DeviceTypeAndroid, DeviceTypeIos, DeviceTypeLinux, DeviceTypeWeb); only
// platforms with imported branding have an entry.
type Branding struct {
	DirectoryID string                        `json:"directoryId"`
	Platforms   map[string]BrandingAttributes `json:"platforms"`
	// Registered is the directory registration the branding belongs to
	// (Directory.Registered): a later registration of the same directory
	// id starts without it.
	Registered time.Time `json:"registered"`
}

// BrandingAttributes is what was imported for one platform. Logos are the
// PNG bytes as imported; Logo2x and Logo3x exist only for iOS.
type BrandingAttributes struct {
	Logo               []byte            `json:"logo,omitempty"`
	Logo2x             []byte            `json:"logo2x,omitempty"`
	Logo3x             []byte            `json:"logo3x,omitempty"`
	SupportEmail       string            `json:"supportEmail,omitempty"`
	SupportLink        string            `json:"supportLink,omitempty"`
	ForgotPasswordLink string            `json:"forgotPasswordLink,omitempty"`
	LoginMessage       map[string]string `json:"loginMessage,omitempty"`
	Imported           time.Time         `json:"imported"`
}

// ConnectAddIn is an Amazon Connect client add-in of a directory
// (KindAddIn, id = the add-in's UUID).
type ConnectAddIn struct {
	ID          string    `json:"id"`
	DirectoryID string    `json:"directoryId"`
	Name        string    `json:"name"`
	URL         string    `json:"url"`
	Created     time.Time `json:"created"`
	// Registered is the directory registration the add-in belongs to.
	Registered time.Time `json:"registered"`
}

// AppAssociation is the association of an application (wsa-) with a
// WorkSpace (KindAppAssoc, id = WorkSpace id + "/" + application id).
// State is the model's AssociationState: PENDING_INSTALL →
// PENDING_INSTALL_DEPLOYMENT → INSTALLING → COMPLETED, and
// PENDING_UNINSTALL → PENDING_UNINSTALL_DEPLOYMENT → UNINSTALLING →
// REMOVED; a failed deployment ends in ERROR.
type AppAssociation struct {
	WorkspaceID   string              `json:"workspaceId"`
	ApplicationID string              `json:"applicationId"`
	State         AppAssociationState `json:"state"`
	// Uninstall is set while the association is on its way out
	// (PENDING_UNINSTALL … REMOVED, or ERROR of a failed uninstall).
	Uninstall    bool   `json:"uninstall,omitempty"`
	ErrorCode    string `json:"errorCode,omitempty"` // AssociationErrorCode
	ErrorMessage string `json:"errorMessage,omitempty"`
	// Installed is whether the application is on the WorkSpace now;
	// InstalledAt and RemovedAt are when it last arrived and left.
	Installed   bool      `json:"installed,omitempty"`
	InstalledAt time.Time `json:"installedAt,omitzero"`
	RemovedAt   time.Time `json:"removedAt,omitzero"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
	// Generation grows on every state change; deployment timers carry it.
	Generation int64 `json:"gen"`
}

// Pool is a WorkSpaces Pool (KindPool, id wspool- + 9). State is the
// model's WorkspacesPoolState: CREATING → STOPPED → STARTING → RUNNING →
// STOPPING → STOPPED, UPDATING (back to the state it left) and DELETING →
// gone.
type Pool struct {
	ID                  string    `json:"id"`
	Name                string    `json:"name"`
	Description         string    `json:"description"`
	BundleID            string    `json:"bundleId"`
	DirectoryID         string    `json:"directoryId"`
	State               PoolState `json:"state"`
	RunningMode         string    `json:"runningMode"` // AUTO_STOP | ALWAYS_ON
	DesiredUserSessions int32     `json:"desired"`
	// Application settings (ApplicationSettingsResponse).
	AppSettingsStatus string `json:"appSettingsStatus"` // ENABLED | DISABLED
	SettingsGroup     string `json:"settingsGroup,omitempty"`
	S3BucketName      string `json:"s3Bucket,omitempty"`
	// Timeout settings, in seconds.
	DisconnectTimeout     int32 `json:"disconnectTimeout"`
	IdleDisconnectTimeout int32 `json:"idleDisconnectTimeout"`
	MaxUserDuration       int32 `json:"maxUserDuration"`

	Created      time.Time `json:"created"`
	StateChanged time.Time `json:"stateChanged"`
	// Generation grows on every state change; state timers carry it.
	Generation int64 `json:"gen"`
	// ResumeState is the state an UPDATING pool returns to.
	ResumeState PoolState   `json:"resumeState,omitempty"`
	Errors      []PoolError `json:"errors,omitempty"`
	// Sessions are the streaming sessions of a RUNNING pool, in the order
	// they started; NextSessionSeq numbers the next one (for paging).
	Sessions       []PoolSession `json:"sessions,omitempty"`
	NextSessionSeq int64         `json:"nextSessionSeq,omitempty"`
}

// PoolError is one WorkspacesPoolError.
type PoolError struct {
	Code    string `json:"code"` // WorkspacesPoolErrorCode
	Message string `json:"message"`
}

// PoolSession is one streaming session of a pool.
type PoolSession struct {
	Seq                int64     `json:"seq"`
	ID                 string    `json:"id"` // UUID
	UserID             string    `json:"userId"`
	AuthenticationType string    `json:"authType"`  // SAML
	ConnectionState    string    `json:"connState"` // CONNECTED | NOT_CONNECTED
	InstanceID         string    `json:"instanceId"`
	EniID              string    `json:"eniId"`
	EniIP              string    `json:"eniIp"`
	Started            time.Time `json:"started"`
	Expires            time.Time `json:"expires"` // Started + the pool's MaxUserDuration
}

// EndpointEncryption is a registered directory's endpoint encryption mode
// (ModifyEndpointEncryptionMode), kept beside the registration: id =
// directory id. Registered is the registration it was set on, so that a
// later registration of the same directory id starts afresh.
type EndpointEncryption struct {
	DirectoryID string    `json:"directoryId"`
	Mode        string    `json:"mode"` // STANDARD_TLS | FIPS_VALIDATED
	Registered  time.Time `json:"registered"`
	Modified    time.Time `json:"modified"`
}
