// Package access holds the rules a WorkSpaces client meets when a directory
// user signs in and connects: device types (WorkspaceAccessProperties), the
// IP access control groups of the directory, which WorkSpace states can be
// connected to and the client's reasons, and the Region part of registration
// codes. A domain sub-package of the root: standard library and the root only
// (docs/decisions/0106-domain-sub-packages.md, 0251-web-client-access-rules.md).
package access

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
)

// The access rules a WorkSpaces client meets when a directory user signs in
// and connects (docs/decisions/0251-web-client-access-rules.md): the
// directory's device-type access properties, the IP access control groups
// associated with it, and the states a WorkSpace can be connected to in.
// The web client (internal/webclient) enforces them through the webaccess
// family; they are pure functions here so that every client kind shares
// them.

// DeviceType names a WorkspaceAccessProperties member: the device types a
// directory allows or denies.
type DeviceType string

// The device types deskplane's clients are.
const (
	DeviceWeb DeviceType = "DeviceTypeWeb"
)

// AccessAllow is the AccessPropertyValue that allows a device type.
const AccessAllow = "ALLOW"

// DeviceAllowed reports whether the directory's access properties (the
// wire JSON of WorkspaceAccessProperties kept in Directory.AccessProperties)
// allow the device type. A member that was never set takes the AWS
// default: DENY for the web (and Linux, thin clients), ALLOW for the
// others; unreadable properties allow nothing.
func DeviceAllowed(props []byte, d DeviceType) bool {
	v := defaultAccess(d)
	if len(props) > 0 {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(props, &m); err != nil {
			return false
		}
		if raw, ok := m[string(d)]; ok {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return false
			}
			v = s
		}
	}
	return v == AccessAllow
}

func defaultAccess(d DeviceType) string {
	switch d {
	case DeviceWeb, "DeviceTypeLinux", "DeviceTypeWorkSpacesThinClient":
		return "DENY"
	}
	return AccessAllow
}

// AddressAllowed reports whether a client address may reach the
// WorkSpaces of a directory with the given associated IP access control
// groups: with no group, the directory's default group allows every
// address; otherwise the address must fall in a rule of one of them. Rules
// are IPv4 ranges: an IPv4-mapped IPv6 address is matched as IPv4, any
// other IPv6 address matches no rule.
func AddressAllowed(groups []deskplane.IPGroup, addr netip.Addr) bool {
	if len(groups) == 0 {
		return true
	}
	addr = addr.Unmap()
	for _, g := range groups {
		for _, r := range g.Rules {
			if p, ok := ruleRange(r.CIDR); ok && p.Contains(addr) {
				return true
			}
		}
	}
	return false
}

// ruleRange reads a rule as AuthorizeIpRules accepts it: a CIDR range, or
// a single address (a /32).
func ruleRange(rule string) (netip.Prefix, bool) {
	rule = strings.TrimSpace(rule)
	if !strings.Contains(rule, "/") {
		a, err := netip.ParseAddr(rule)
		if err != nil {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(rule)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

// Connectability says whether a user may connect to a WorkSpace now.
type Connectability int

// The answers of CanConnect.
const (
	// Connectable: AVAILABLE.
	Connectable Connectability = iota
	// StartsOnSignIn: a STOPPED AUTO_STOP WorkSpace, which the client
	// starts; the user connects once it is AVAILABLE.
	StartsOnSignIn
	// NotYet: a transitional state the WorkSpace leaves by itself
	// (PENDING, STARTING, REBOOTING …); try again later.
	NotYet
	// Refused: a state the user cannot change (STOPPED ALWAYS_ON,
	// SUSPENDED, ADMIN_MAINTENANCE, ERROR, TERMINATED …).
	Refused
)

// CanConnect answers whether a user may connect to the WorkSpace now and,
// when not, the reason the client shows, in the WorkSpaces client's form
// "WorkSpace Status: <status>. <what to do>".
func CanConnect(ws *deskplane.Workspace) (Connectability, string) {
	switch ws.State {
	case deskplane.WorkspaceAvailable:
		return Connectable, ""
	case deskplane.WorkspaceStopped:
		if ws.RunningMode == deskplane.RunningModeAutoStop {
			return StartsOnSignIn, "WorkSpace Status: Starting. Your WorkSpace is being started; this can take a few minutes. It opens as soon as it is available."
		}
		return Refused, "WorkSpace Status: Stopped. Your WorkSpace is stopped. Contact your administrator to start it."
	case deskplane.WorkspacePending:
		return NotYet, "WorkSpace Status: Pending. Your WorkSpace is still being created. Please try again in a few minutes."
	case deskplane.WorkspaceStarting:
		return NotYet, "WorkSpace Status: Starting. Your WorkSpace is starting. Please try again in a few minutes."
	case deskplane.WorkspaceRebooting:
		return NotYet, "WorkSpace Status: Rebooting. Your WorkSpace is restarting. Please try again in a few minutes."
	case deskplane.WorkspaceRebuilding:
		return NotYet, "WorkSpace Status: Rebuilding. Your WorkSpace is being rebuilt. Please try again in a few minutes."
	case deskplane.WorkspaceRestoring:
		return NotYet, "WorkSpace Status: Restoring. Your WorkSpace is being restored. Please try again in a few minutes."
	case deskplane.WorkspaceStopping:
		return NotYet, "WorkSpace Status: Stopping. Your WorkSpace is stopping. Please try again when it has stopped."
	case deskplane.WorkspaceUnhealthy, deskplane.WorkspaceImpaired:
		return NotYet, "WorkSpace Status: Unhealthy. We were unable to connect you to your WorkSpace. Please try again in a few minutes."
	case deskplane.WorkspaceAdminMaintenance:
		return Refused, "WorkSpace Status: Maintenance. Your administrator is maintaining your WorkSpace. Please try again later or contact your administrator."
	case deskplane.WorkspaceSuspended:
		return Refused, "WorkSpace Status: Suspended. Your WorkSpace is suspended. Contact your administrator for assistance."
	case deskplane.WorkspaceError:
		return Refused, "WorkSpace Status: Error. Your WorkSpace has a problem that prevents connections. Contact your administrator for assistance."
	case deskplane.WorkspaceTerminating, deskplane.WorkspaceTerminated:
		return Refused, "WorkSpace Status: Terminated. This WorkSpace has been deleted. Contact your administrator for assistance."
	}
	return Refused, "WorkSpace Status: " + string(ws.State) + ". We were unable to connect you to your WorkSpace. Contact your administrator for assistance."
}

// regionAirports are the airport codes that begin registration codes
// (SLiad+… in us-east-1); a Region not listed uses iad.
func regionAirports() map[string]string {
	return map[string]string{
		"us-east-1": "iad", "us-west-2": "pdx", "eu-west-1": "dub", "eu-west-2": "lhr",
		"eu-central-1": "fra", "ap-southeast-1": "sin", "ap-southeast-2": "syd",
		"ap-northeast-1": "nrt", "ap-northeast-2": "icn", "ap-south-1": "bom",
		"ca-central-1": "yul", "sa-east-1": "gru", "af-south-1": "cpt", "il-central-1": "tlv",
		"us-gov-west-1": "pdt", "us-gov-east-1": "osu",
	}
}

// RegionAirport returns the airport code a Region's registration codes
// carry.
func RegionAirport(region string) string {
	if a, ok := regionAirports()[region]; ok {
		return a
	}
	return "iad"
}

// RegistrationCodeRegions returns the Regions whose registration codes
// carry the airport of code (its letters 3 to 5, SLiad+… → us-east-1), of
// the Regions given; with none given, of the Regions RegionAirport knows.
func RegistrationCodeRegions(code string, served []string) []string {
	if len(code) < 5 {
		return nil
	}
	airport := strings.ToLower(code[2:5])
	if len(served) == 0 {
		for r := range regionAirports() {
			served = append(served, r)
		}
	}
	var out []string
	for _, r := range served {
		if RegionAirport(r) == airport {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}
