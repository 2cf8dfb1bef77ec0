package deskplane

import (
	"strings"
	"time"
)

// The WorkSpace property rules of behaviour doc §2.3 and §2.4, as pure
// functions of domain values: running modes, volume sizes, compute-type
// changes, protocols and encryption keys.
// docs/decisions/0021-workspace-properties.md records the choices where the
// documentation is silent.

// AutoStop timeout bounds: 60-minute steps (MODEL WorkspaceProperties);
// the maximum is deskplane's (36000 minutes, 25 days; AWS documents none).
const (
	AutoStopStepMinutes = 60
	AutoStopMaxMinutes  = 36000
)

// ScheduleAutoStop (re)starts the AutoStop clock of an AUTO_STOP WorkSpace
// that is AVAILABLE from `from` on — its timeout plus the rules' grace —
// and cancels the clock of any other WorkSpace. Every family that makes a
// WorkSpace AVAILABLE (an image capture ends, a start completes) calls it.
func ScheduleAutoStop(tx Tx, sc Scope, ws *Workspace, from time.Time, r Rules) error {
	key := Workspaces().Key(sc, ws.ID)
	if ws.RunningMode != RunningModeAutoStop || ws.State != WorkspaceAvailable {
		return tx.Cancel(key, TimerWorkspaceAutoStop)
	}
	m := ws.AutoStopTimeoutInMinutes
	if m <= 0 {
		m = AutoStopStepMinutes
	}
	return tx.Schedule(Timer{Key: key, Name: TimerWorkspaceAutoStop, Due: from.Add(time.Duration(m)*time.Minute + r.AutoStopGrace)})
}

// ResolveRunningMode returns the running mode and AutoStop timeout a
// WorkSpace gets when a request asks for mode want (empty: keep the
// current one) and timeout wantTimeout (nil: not given), given its current
// mode and timeout (empty and 0 for a new WorkSpace, which starts
// ALWAYS_ON).
func ResolveRunningMode(cur RunningMode, curTimeout int, want RunningMode, wantTimeout *int32) (RunningMode, int, error) {
	mode := cur
	if mode == "" {
		mode = RunningModeAlwaysOn
	}
	if want != "" {
		mode = want
	}
	if mode != RunningModeAutoStop {
		if wantTimeout != nil {
			return "", 0, Errorf(CodeInvalidParameter,
				"RunningModeAutoStopTimeoutInMinutes applies only to the %s running mode; the running mode is %s.", RunningModeAutoStop, mode)
		}
		return mode, 0, nil
	}
	switch {
	case wantTimeout != nil:
		t := int(*wantTimeout)
		if t < AutoStopStepMinutes || t > AutoStopMaxMinutes || t%AutoStopStepMinutes != 0 {
			return "", 0, Errorf(CodeInvalidParameter,
				"RunningModeAutoStopTimeoutInMinutes must be a multiple of %d between %d and %d; %d is not.",
				AutoStopStepMinutes, AutoStopStepMinutes, AutoStopMaxMinutes, t)
		}
		return mode, t, nil
	case cur == RunningModeAutoStop && curTimeout > 0:
		return mode, curTimeout, nil
	}
	return mode, AutoStopStepMinutes, nil
}

// StartStoppable reports whether a running mode lets clients start and
// stop the WorkSpace (AUTO_STOP and MANUAL).
func (m RunningMode) StartStoppable() bool {
	return m == RunningModeAutoStop || m == RunningModeManual
}

// ComputeFamily groups compute types that can change into each other:
// general-purpose types among themselves, Graphics.g4dn and
// GraphicsPro.g4dn only with each other, Graphics and GraphicsPro not at
// all (AG:modify-workspaces).
type ComputeFamily string

// Compute families.
const (
	FamilyGeneral  ComputeFamily = "general"
	FamilyG4dn     ComputeFamily = "g4dn"
	FamilyGraphics ComputeFamily = "graphics"
)

// Family returns the compute type's family and its size rank inside it;
// an unknown type has no family.
func (c Compute) Family() (ComputeFamily, int) {
	switch c {
	case ComputeValue:
		return FamilyGeneral, 0
	case ComputeStandard:
		return FamilyGeneral, 1
	case ComputePerformance:
		return FamilyGeneral, 2
	case ComputePower:
		return FamilyGeneral, 3
	case ComputePowerPro:
		return FamilyGeneral, 4
	case ComputeGeneral4XLarge:
		return FamilyGeneral, 5
	case ComputeGeneral8XLarge:
		return FamilyGeneral, 6
	case ComputeGraphicsG4dn:
		return FamilyG4dn, 0
	case ComputeGraphicsProG4dn:
		return FamilyG4dn, 1
	case ComputeGraphics:
		return FamilyGraphics, 0
	case ComputeGraphicsPro:
		return FamilyGraphics, 1
	}
	return "", 0
}

// GPU reports whether the compute type is GPU-based.
func (c Compute) GPU() bool {
	f, _ := c.Family()
	return f == FamilyG4dn || f == FamilyGraphics
}

// GeneralPurpose reports whether the compute type is a GeneralPurpose one.
func (c Compute) GeneralPurpose() bool {
	return c == ComputeGeneral4XLarge || c == ComputeGeneral8XLarge
}

// Label is the console name of a compute type, the prefix of the real
// volume-size error ("Graphics: Invalid root and user volume size
// selected…", TF#39553, seen for a Graphics.g4dn bundle).
func (c Compute) Label() string {
	switch c {
	case ComputeValue:
		return "Value"
	case ComputeStandard:
		return "Standard"
	case ComputePerformance:
		return "Performance"
	case ComputePower:
		return "Power"
	case ComputePowerPro:
		return "PowerPro"
	case ComputeGeneral4XLarge:
		return "GeneralPurpose.4xlarge"
	case ComputeGeneral8XLarge:
		return "GeneralPurpose.8xlarge"
	}
	if c.GPU() {
		return "Graphics"
	}
	return string(c)
}

// MaxVolumeGB is the largest root or user volume.
const MaxVolumeGB = 2000

// CheckVolumes applies the allowed (root, user) volume sizes of a compute
// type: (80,10), (80,50), (80,100) or (175–2000, 100–2000); GPU types at
// least (100,100); GeneralPurpose types at least (175,100).
func CheckVolumes(c Compute, root, user int) error {
	var ok bool
	var rule string
	switch {
	case c.GPU():
		ok = root >= 100 && root <= MaxVolumeGB && user >= 100 && user <= MaxVolumeGB
		rule = "(100+|100+)"
	case c.GeneralPurpose():
		ok = root >= 175 && root <= MaxVolumeGB && user >= 100 && user <= MaxVolumeGB
		rule = "(175+|100+)"
	default:
		ok = root == 80 && (user == 10 || user == 50 || user == 100) ||
			root >= 175 && root <= MaxVolumeGB && user >= 100 && user <= MaxVolumeGB
		rule = "(80|10), (80|50), (80|100) or (175+|100+)"
	}
	if ok {
		return nil
	}
	// AWS's message, word for word (TF#39553; decision 0323).
	return Errorf(CodeInvalidParameter,
		"%s: Invalid root and user volume size selected. Root and user volume size (GB) must be %s.", c.Label(), rule)
}

// CheckComputeChange applies the compute-type change rules to a WorkSpace
// moving to compute type to.
func CheckComputeChange(ws *Workspace, to Compute) error {
	from := ws.ComputeType
	ff, _ := from.Family()
	tf, _ := to.Family()
	switch {
	case ff == FamilyGraphics:
		return Errorf(CodeUnsupportedConfiguration,
			"The compute type of WorkSpace %s cannot be changed: Graphics and GraphicsPro WorkSpaces keep their compute type.", ws.ID)
	case ff != tf:
		return Errorf(CodeUnsupportedConfiguration,
			"WorkSpace %s cannot change its compute type from %s to %s: Graphics.g4dn and GraphicsPro.g4dn change only between each other, the other compute types only among themselves.", ws.ID, from, to)
	}
	if to.GeneralPurpose() {
		if ws.OperatingSystemName != OSWindowsServer2022 && ws.OperatingSystemName != OSWindows11 {
			return Errorf(CodeUnsupportedConfiguration,
				"WorkSpace %s runs %s; the %s compute type needs Windows Server 2022 or Windows 11.", ws.ID, ws.OperatingSystemName, to.Label())
		}
		if ws.RootVolumeSizeGib < 175 || ws.UserVolumeSizeGib < 100 {
			return Errorf(CodeUnsupportedConfiguration,
				"WorkSpace %s has volumes of %d|%d GB; the %s compute type needs a root volume of at least 175 GB and a user volume of at least 100 GB.", ws.ID, ws.RootVolumeSizeGib, ws.UserVolumeSizeGib, to.Label())
		}
	}
	return nil
}

// CheckBundleCompute checks the compute type a CreateWorkspaces request
// asks for (WorkspaceProperties.ComputeTypeName) against its bundle's:
// a WorkSpace is created with any compute type its bundle's WorkSpaces
// could be modified to — the bundle's compute family, Graphics and
// GraphicsPro only as they are, GeneralPurpose only on Windows Server 2022
// or Windows 11 (docs/decisions/0320-create-compute-type.md). Volume sizes
// are checked against the compute type with CheckVolumes.
func CheckBundleCompute(b *Bundle, to Compute) error {
	from := b.ComputeType
	if to == from {
		return nil
	}
	ff, _ := from.Family()
	tf, _ := to.Family()
	switch {
	case tf == "":
		return Errorf(CodeInvalidParameter, "The compute type %s is not available for WorkSpaces.", to)
	case ff == FamilyGraphics:
		return Errorf(CodeInvalidParameter,
			"Bundle %s is a %s bundle; its WorkSpaces keep the compute type %s, and %s was requested.", b.ID, from.Label(), from, to)
	case ff != tf:
		return Errorf(CodeInvalidParameter,
			"Bundle %s has the compute type %s; a WorkSpace of it cannot have the compute type %s: Graphics.g4dn and GraphicsPro.g4dn go only with each other, the other compute types only among themselves.", b.ID, from, to)
	case to.GeneralPurpose() && b.OperatingSystem != OSWindowsServer2022 && b.OperatingSystem != OSWindows11:
		return Errorf(CodeInvalidParameter,
			"Bundle %s runs %s; the %s compute type needs Windows Server 2022 or Windows 11.", b.ID, b.OperatingSystem, to.Label())
	}
	return nil
}

// CheckEncryption checks the encryption flags and key of a request:
// encrypting either volume needs a key, and a key needs an encrypted
// volume. A key is a KMS key ARN, key id or alias; it is not looked up
// (behaviour doc §2.2: no KMS modelling).
func CheckEncryption(key string, root, user bool) error {
	switch {
	case (root || user) && key == "":
		return Errorf(CodeInvalidParameter,
			"VolumeEncryptionKey is required when RootVolumeEncryptionEnabled or UserVolumeEncryptionEnabled is true.")
	case key != "" && !root && !user:
		return Errorf(CodeInvalidParameter,
			"VolumeEncryptionKey %q was given, but neither RootVolumeEncryptionEnabled nor UserVolumeEncryptionEnabled is true.", key)
	case key != "" && !IsKMSKey(key):
		return Errorf(CodeInvalidParameter,
			"VolumeEncryptionKey %q is not a KMS key ARN, key id or alias.", key)
	}
	return nil
}

// IsKMSKey reports whether k has the shape of a KMS key ARN, alias ARN,
// alias name, key id (a UUID) or multi-Region key id (mrk- and 32 hex
// digits).
func IsKMSKey(k string) bool {
	switch {
	case strings.HasPrefix(k, "arn:"):
		parts := strings.SplitN(k, ":", 6)
		return len(parts) == 6 && parts[2] == "kms" && (strings.HasPrefix(parts[5], "key/") || strings.HasPrefix(parts[5], "alias/"))
	case strings.HasPrefix(k, "alias/"):
		return len(k) > len("alias/")
	}
	if strings.HasPrefix(k, "mrk-") {
		return len(k) == 36 && isHex(k[4:])
	}
	return len(k) == 36 && k[8] == '-' && k[13] == '-' && k[18] == '-' && k[23] == '-' &&
		isHex(k[:8]+k[9:13]+k[14:18]+k[19:23]+k[24:])
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ProtocolSwitchable reports whether WorkSpaces of the bundle may change
// protocol: PCoIP bundles that are neither GPU-based nor Windows 7
// (MODEL WorkspaceProperties.Protocols).
func (b *Bundle) ProtocolSwitchable() bool {
	pcoip := false
	for _, p := range b.Protocols {
		if p == ProtocolPCoIP {
			pcoip = true
		}
	}
	return pcoip && !b.ComputeType.GPU() && b.OperatingSystem != OSWindows7
}

// OneProtocol checks a requested protocol list: exactly one protocol.
func OneProtocol(ps []Protocol) (Protocol, error) {
	if len(ps) != 1 {
		return "", Errorf(CodeInvalidParameter,
			"Protocols must list exactly one protocol, %s or %s; %d were given.", ProtocolPCoIP, ProtocolWSP, len(ps))
	}
	return ps[0], nil
}
