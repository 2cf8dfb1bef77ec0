package api

import (
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The WorkSpace property rules of behaviour doc §2.3 and §2.4, as pure
// functions: running modes, volume sizes, compute-type changes, protocols
// and encryption keys. docs/decisions/0021-workspace-properties.md records
// the choices where the documentation is silent.

// Running modes.
const (
	modeAlwaysOn = "ALWAYS_ON"
	modeAutoStop = "AUTO_STOP"
	modeManual   = "MANUAL"
)

// AutoStop timeout bounds: 60-minute steps (MODEL WorkspaceProperties);
// the maximum is deskplane's (36000 minutes, 25 days; AWS documents none).
const (
	autoStopStep       = 60
	autoStopMaxMinutes = 36000
)

// wsRunningMode resolves the running mode and AutoStop timeout that p asks
// for, given the current ones (empty for a new WorkSpace).
func wsRunningMode(p *wsapi.WorkspaceProperties, curMode string, curTimeout int) (string, int, error) {
	mode := curMode
	if mode == "" {
		mode = modeAlwaysOn
	}
	var timeout *int32
	if p != nil {
		if p.RunningMode != "" {
			mode = string(p.RunningMode)
		}
		timeout = p.RunningModeAutoStopTimeoutInMinutes
	}
	if mode != modeAutoStop {
		if timeout != nil {
			return "", 0, deskplane.Errorf(deskplane.CodeInvalidParameter,
				"RunningModeAutoStopTimeoutInMinutes applies only to the AUTO_STOP running mode; the running mode is %s.", mode)
		}
		return mode, 0, nil
	}
	switch {
	case timeout != nil:
		t := int(*timeout)
		if t < autoStopStep || t > autoStopMaxMinutes || t%autoStopStep != 0 {
			return "", 0, deskplane.Errorf(deskplane.CodeInvalidParameter,
				"RunningModeAutoStopTimeoutInMinutes must be a multiple of 60 between 60 and %d; %d is not.", autoStopMaxMinutes, t)
		}
		return mode, t, nil
	case curMode == modeAutoStop && curTimeout > 0:
		return mode, curTimeout, nil
	}
	return mode, autoStopStep, nil
}

// Compute families: general-purpose types change among themselves,
// Graphics.g4dn and GraphicsPro.g4dn only with each other, Graphics and
// GraphicsPro not at all (AG:modify-workspaces).
const (
	familyGeneral  = "general"
	familyG4dn     = "g4dn"
	familyGraphics = "graphics"
)

// wsCompute returns a compute type's family and its size rank inside it.
func wsCompute(c string) (family string, rank int) {
	switch c {
	case "VALUE":
		return familyGeneral, 0
	case "STANDARD":
		return familyGeneral, 1
	case "PERFORMANCE":
		return familyGeneral, 2
	case "POWER":
		return familyGeneral, 3
	case "POWERPRO":
		return familyGeneral, 4
	case "GENERALPURPOSE_4XLARGE":
		return familyGeneral, 5
	case "GENERALPURPOSE_8XLARGE":
		return familyGeneral, 6
	case "GRAPHICS_G4DN":
		return familyG4dn, 0
	case "GRAPHICSPRO_G4DN":
		return familyG4dn, 1
	case "GRAPHICS":
		return familyGraphics, 0
	case "GRAPHICSPRO":
		return familyGraphics, 1
	}
	return "", 0
}

// wsGPU reports whether a compute type is GPU-based.
func wsGPU(c string) bool {
	f, _ := wsCompute(c)
	return f == familyG4dn || f == familyGraphics
}

func wsGeneralPurpose(c string) bool {
	return c == "GENERALPURPOSE_4XLARGE" || c == "GENERALPURPOSE_8XLARGE"
}

// wsComputeLabel is the console name of a compute type, the prefix of the
// real volume-size error ("Graphics: Invalid root and user volume size
// selected…", TF#39553, seen for a Graphics.g4dn bundle).
func wsComputeLabel(c string) string {
	switch c {
	case "VALUE":
		return "Value"
	case "STANDARD":
		return "Standard"
	case "PERFORMANCE":
		return "Performance"
	case "POWER":
		return "Power"
	case "POWERPRO":
		return "PowerPro"
	case "GENERALPURPOSE_4XLARGE":
		return "GeneralPurpose.4xlarge"
	case "GENERALPURPOSE_8XLARGE":
		return "GeneralPurpose.8xlarge"
	}
	if wsGPU(c) {
		return "Graphics"
	}
	return c
}

const maxVolumeGB = 2000

// wsCheckVolumes applies the allowed (root, user) combinations of a
// compute type: (80,10), (80,50), (80,100) or (175–2000, 100–2000); GPU
// types at least (100,100); GeneralPurpose types at least (175,100).
func wsCheckVolumes(compute string, root, user int) error {
	var ok bool
	var rule string
	switch {
	case wsGPU(compute):
		ok = root >= 100 && root <= maxVolumeGB && user >= 100 && user <= maxVolumeGB
		rule = "(100+|100+)"
	case wsGeneralPurpose(compute):
		ok = root >= 175 && root <= maxVolumeGB && user >= 100 && user <= maxVolumeGB
		rule = "(175+|100+)"
	default:
		ok = root == 80 && (user == 10 || user == 50 || user == 100) ||
			root >= 175 && root <= maxVolumeGB && user >= 100 && user <= maxVolumeGB
		rule = "(80|10), (80|50), (80|100) or (175+|100+)"
	}
	if ok {
		return nil
	}
	return deskplane.Errorf(deskplane.CodeInvalidParameter,
		"%s: Invalid root and user volume size selected. Root and user volume size (GB) must be %s, at most %d GB each; %d|%d is not allowed.",
		wsComputeLabel(compute), rule, maxVolumeGB, root, user)
}

// wsCheckComputeChange applies the compute-type transition rules to a
// WorkSpace moving to compute type to.
func wsCheckComputeChange(ws *deskplane.Workspace, to string) error {
	from := ws.ComputeType
	ff, _ := wsCompute(from)
	tf, _ := wsCompute(to)
	switch {
	case ff == familyGraphics:
		return deskplane.Errorf(deskplane.CodeUnsupportedConfiguration,
			"The compute type of WorkSpace %s cannot be changed: Graphics and GraphicsPro WorkSpaces keep their compute type.", ws.ID)
	case ff != tf:
		return deskplane.Errorf(deskplane.CodeUnsupportedConfiguration,
			"WorkSpace %s cannot change its compute type from %s to %s: Graphics.g4dn and GraphicsPro.g4dn change only between each other, the other compute types only among themselves.", ws.ID, from, to)
	}
	if wsGeneralPurpose(to) {
		if ws.OperatingSystemName != "WINDOWS_SERVER_2022" && ws.OperatingSystemName != "WINDOWS_11" {
			return deskplane.Errorf(deskplane.CodeUnsupportedConfiguration,
				"WorkSpace %s runs %s; the %s compute type needs Windows Server 2022 or Windows 11.", ws.ID, ws.OperatingSystemName, wsComputeLabel(to))
		}
		if ws.RootVolumeSizeGib < 175 || ws.UserVolumeSizeGib < 100 {
			return deskplane.Errorf(deskplane.CodeUnsupportedConfiguration,
				"WorkSpace %s has volumes of %d|%d GB; the %s compute type needs a root volume of at least 175 GB and a user volume of at least 100 GB.", ws.ID, ws.RootVolumeSizeGib, ws.UserVolumeSizeGib, wsComputeLabel(to))
		}
	}
	return nil
}

// wsCheckEncryption checks the encryption flags and key of a request:
// encrypting either volume needs a key, and a key needs an encrypted
// volume. A key is a KMS key ARN, key id or alias; it is not looked up
// (behaviour doc §2.2: no KMS modelling).
func wsCheckEncryption(key string, root, user bool) error {
	switch {
	case (root || user) && key == "":
		return deskplane.Errorf(deskplane.CodeInvalidParameter,
			"VolumeEncryptionKey is required when RootVolumeEncryptionEnabled or UserVolumeEncryptionEnabled is true.")
	case key != "" && !root && !user:
		return deskplane.Errorf(deskplane.CodeInvalidParameter,
			"VolumeEncryptionKey %q was given, but neither RootVolumeEncryptionEnabled nor UserVolumeEncryptionEnabled is true.", key)
	case key != "" && !wsKMSKeyShape(key):
		return deskplane.Errorf(deskplane.CodeInvalidParameter,
			"VolumeEncryptionKey %q is not a KMS key ARN, key id or alias.", key)
	}
	return nil
}

func wsKMSKeyShape(k string) bool {
	switch {
	case strings.HasPrefix(k, "arn:"):
		parts := strings.SplitN(k, ":", 6)
		return len(parts) == 6 && parts[2] == "kms" && (strings.HasPrefix(parts[5], "key/") || strings.HasPrefix(parts[5], "alias/"))
	case strings.HasPrefix(k, "alias/"):
		return len(k) > len("alias/")
	}
	// A key id: a UUID, or mrk- and 32 hex digits for multi-Region keys.
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

// wsProtocolSwitchable reports whether WorkSpaces of a bundle may change
// protocol: PCoIP bundles that are neither GPU-based nor Windows 7
// (MODEL WorkspaceProperties.Protocols).
func wsProtocolSwitchable(b *deskplane.Bundle) bool {
	pcoip := false
	for _, p := range b.Protocols {
		if p == "PCOIP" {
			pcoip = true
		}
	}
	return pcoip && !wsGPU(b.ComputeType) && b.OperatingSystem != "WINDOWS_7"
}

// wsProtocols checks a requested protocol list: one protocol.
func wsProtocols(ps []wsapi.Protocol) (string, error) {
	if len(ps) != 1 {
		return "", deskplane.Errorf(deskplane.CodeInvalidParameter,
			"Protocols must list exactly one protocol, PCOIP or WSP; %d were given.", len(ps))
	}
	return string(ps[0]), nil
}
