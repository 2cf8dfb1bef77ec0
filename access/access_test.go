package access

import (
	"github.com/deskplane/deskplane"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestDeviceAllowed(t *testing.T) {
	for _, c := range []struct {
		props string
		want  bool
	}{
		{"", false}, // never set: the AWS default DENY
		{`{}`, false},
		{`{"DeviceTypeWeb":"ALLOW"}`, true},
		{`{"DeviceTypeWeb":"DENY","DeviceTypeWindows":"ALLOW"}`, false},
		{`{"DeviceTypeWindows":"ALLOW"}`, false},
		{`{"DeviceTypeWeb":7}`, false},
		{`not json`, false},
	} {
		if got := DeviceAllowed([]byte(c.props), DeviceWeb); got != c.want {
			t.Errorf("%s: %v, want %v", c.props, got, c.want)
		}
	}
	if !DeviceAllowed(nil, "DeviceTypeWindows") {
		t.Error("Windows is allowed by default")
	}
}

func TestAddressAllowed(t *testing.T) {
	g := func(rules ...string) deskplane.IPGroup {
		var rs []deskplane.IPRule
		for _, r := range rules {
			rs = append(rs, deskplane.IPRule{CIDR: r})
		}
		return deskplane.IPGroup{Rules: rs}
	}
	for _, c := range []struct {
		groups []deskplane.IPGroup
		addr   string
		want   bool
	}{
		{nil, "203.0.113.9", true},
		{nil, "::1", true},
		{[]deskplane.IPGroup{g("10.0.0.0/8")}, "127.0.0.1", false},
		{[]deskplane.IPGroup{g("10.0.0.0/8"), g("127.0.0.1/32")}, "127.0.0.1", true},
		{[]deskplane.IPGroup{g("127.0.0.0/8")}, "::ffff:127.0.0.5", true},
		{[]deskplane.IPGroup{g("127.0.0.1")}, "127.0.0.1", true},
		{[]deskplane.IPGroup{g("127.0.0.1/32")}, "127.0.0.2", false},
		{[]deskplane.IPGroup{g("0.0.0.0/0")}, "::1", false},
		{[]deskplane.IPGroup{g("garbage")}, "127.0.0.1", false},
		{[]deskplane.IPGroup{g()}, "127.0.0.1", false}, // an associated group without rules admits nobody
	} {
		if got := AddressAllowed(c.groups, netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("%v %s: %v, want %v", c.groups, c.addr, got, c.want)
		}
	}
}

func TestCanConnect(t *testing.T) {
	for _, c := range []struct {
		state deskplane.WorkspaceState
		mode  deskplane.RunningMode
		want  Connectability
		says  string
	}{
		{deskplane.WorkspaceAvailable, deskplane.RunningModeAlwaysOn, Connectable, ""},
		{deskplane.WorkspaceStopped, deskplane.RunningModeAutoStop, StartsOnSignIn, "Starting"},
		{deskplane.WorkspaceStopped, deskplane.RunningModeAlwaysOn, Refused, "Stopped"},
		{deskplane.WorkspaceStopped, deskplane.RunningModeManual, Refused, "Stopped"},
		{deskplane.WorkspaceAdminMaintenance, deskplane.RunningModeAlwaysOn, Refused, "Maintenance"},
		{deskplane.WorkspaceSuspended, deskplane.RunningModeAlwaysOn, Refused, "Suspended"},
		{deskplane.WorkspaceError, deskplane.RunningModeAlwaysOn, Refused, "Error"},
		{deskplane.WorkspaceTerminated, deskplane.RunningModeAlwaysOn, Refused, "Terminated"},
		{deskplane.WorkspaceTerminating, deskplane.RunningModeAlwaysOn, Refused, "Terminated"},
		{deskplane.WorkspacePending, deskplane.RunningModeAlwaysOn, NotYet, "Pending"},
		{deskplane.WorkspaceStarting, deskplane.RunningModeAutoStop, NotYet, "Starting"},
		{deskplane.WorkspaceRebooting, deskplane.RunningModeAlwaysOn, NotYet, "Rebooting"},
		{deskplane.WorkspaceUnhealthy, deskplane.RunningModeAlwaysOn, NotYet, "Unhealthy"},
		{deskplane.WorkspaceStopping, deskplane.RunningModeAutoStop, NotYet, "Stopping"},
	} {
		got, why := CanConnect(&deskplane.Workspace{State: c.state, RunningMode: c.mode})
		if got != c.want || !strings.HasPrefix(why, "WorkSpace Status: "+c.says) && c.says != "" || c.says == "" && why != "" {
			t.Errorf("%s %s: %v %q", c.state, c.mode, got, why)
		}
	}
}

func TestRegistrationCodeRegions(t *testing.T) {
	if got := RegistrationCodeRegions("SLiad+ABC123", nil); !slices.Equal(got, []string{"us-east-1"}) {
		t.Errorf("iad: %v", got)
	}
	if got := RegistrationCodeRegions("sldub+ABC123", nil); !slices.Equal(got, []string{"eu-west-1"}) {
		t.Errorf("dub: %v", got)
	}
	if got := RegistrationCodeRegions("SLiad+ABC123", []string{"eu-west-1", "us-east-1", "xx-test-1"}); !slices.Equal(got, []string{"us-east-1", "xx-test-1"}) {
		t.Errorf("served Regions: %v", got)
	}
	if got := RegistrationCodeRegions("SL", nil); got != nil {
		t.Errorf("short: %v", got)
	}
	for r := range regionAirports() {
		if got := RegistrationCodeRegions("SL"+RegionAirport(r)+"+X", nil); !slices.Contains(got, r) {
			t.Errorf("%s: %v", r, got)
		}
	}
}
