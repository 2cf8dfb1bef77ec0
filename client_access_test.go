package deskplane

import (
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
	g := func(rules ...string) IPGroup {
		var rs []IPRule
		for _, r := range rules {
			rs = append(rs, IPRule{CIDR: r})
		}
		return IPGroup{Rules: rs}
	}
	for _, c := range []struct {
		groups []IPGroup
		addr   string
		want   bool
	}{
		{nil, "203.0.113.9", true},
		{nil, "::1", true},
		{[]IPGroup{g("10.0.0.0/8")}, "127.0.0.1", false},
		{[]IPGroup{g("10.0.0.0/8"), g("127.0.0.1/32")}, "127.0.0.1", true},
		{[]IPGroup{g("127.0.0.0/8")}, "::ffff:127.0.0.5", true},
		{[]IPGroup{g("127.0.0.1")}, "127.0.0.1", true},
		{[]IPGroup{g("127.0.0.1/32")}, "127.0.0.2", false},
		{[]IPGroup{g("0.0.0.0/0")}, "::1", false},
		{[]IPGroup{g("garbage")}, "127.0.0.1", false},
		{[]IPGroup{g()}, "127.0.0.1", false}, // an associated group without rules admits nobody
	} {
		if got := AddressAllowed(c.groups, netip.MustParseAddr(c.addr)); got != c.want {
			t.Errorf("%v %s: %v, want %v", c.groups, c.addr, got, c.want)
		}
	}
}

func TestCanConnect(t *testing.T) {
	for _, c := range []struct {
		state WorkspaceState
		mode  RunningMode
		want  Connectability
		says  string
	}{
		{WorkspaceAvailable, RunningModeAlwaysOn, Connectable, ""},
		{WorkspaceStopped, RunningModeAutoStop, StartsOnSignIn, "Starting"},
		{WorkspaceStopped, RunningModeAlwaysOn, Refused, "Stopped"},
		{WorkspaceStopped, RunningModeManual, Refused, "Stopped"},
		{WorkspaceAdminMaintenance, RunningModeAlwaysOn, Refused, "Maintenance"},
		{WorkspaceSuspended, RunningModeAlwaysOn, Refused, "Suspended"},
		{WorkspaceError, RunningModeAlwaysOn, Refused, "Error"},
		{WorkspaceTerminated, RunningModeAlwaysOn, Refused, "Terminated"},
		{WorkspaceTerminating, RunningModeAlwaysOn, Refused, "Terminated"},
		{WorkspacePending, RunningModeAlwaysOn, NotYet, "Pending"},
		{WorkspaceStarting, RunningModeAutoStop, NotYet, "Starting"},
		{WorkspaceRebooting, RunningModeAlwaysOn, NotYet, "Rebooting"},
		{WorkspaceUnhealthy, RunningModeAlwaysOn, NotYet, "Unhealthy"},
		{WorkspaceStopping, RunningModeAutoStop, NotYet, "Stopping"},
	} {
		got, why := CanConnect(&Workspace{State: c.state, RunningMode: c.mode})
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
