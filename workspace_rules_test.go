package deskplane

import "testing"

func int32p(v int32) *int32 { return &v }

func TestResolveRunningMode(t *testing.T) {
	cases := []struct {
		name        string
		cur         RunningMode
		curTimeout  int
		want        RunningMode
		wantTimeout *int32
		mode        RunningMode
		timeout     int
		code        Code // CodeInternal: no error
	}{
		{"new WorkSpace defaults to ALWAYS_ON", "", 0, "", nil, RunningModeAlwaysOn, 0, CodeInternal},
		{"new AUTO_STOP gets 60 minutes", "", 0, RunningModeAutoStop, nil, RunningModeAutoStop, 60, CodeInternal},
		{"AUTO_STOP with a timeout", "", 0, RunningModeAutoStop, int32p(120), RunningModeAutoStop, 120, CodeInternal},
		{"timeout not a multiple of 60", "", 0, RunningModeAutoStop, int32p(90), "", 0, CodeInvalidParameter},
		{"timeout above the maximum", "", 0, RunningModeAutoStop, int32p(AutoStopMaxMinutes + 60), "", 0, CodeInvalidParameter},
		{"timeout at the maximum", "", 0, RunningModeAutoStop, int32p(AutoStopMaxMinutes), RunningModeAutoStop, AutoStopMaxMinutes, CodeInternal},
		{"timeout for ALWAYS_ON", "", 0, RunningModeAlwaysOn, int32p(60), "", 0, CodeInvalidParameter},
		{"AUTO_STOP keeps its timeout", RunningModeAutoStop, 180, "", nil, RunningModeAutoStop, 180, CodeInternal},
		{"to MANUAL drops the timeout", RunningModeAutoStop, 180, RunningModeManual, nil, RunningModeManual, 0, CodeInternal},
		{"timeout alone on an AUTO_STOP WorkSpace", RunningModeAutoStop, 180, "", int32p(240), RunningModeAutoStop, 240, CodeInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mode, timeout, err := ResolveRunningMode(c.cur, c.curTimeout, c.want, c.wantTimeout)
			if c.code != CodeInternal {
				if !HasCode(err, c.code) {
					t.Fatalf("error %v, want code %d", err, c.code)
				}
				return
			}
			if err != nil || mode != c.mode || timeout != c.timeout {
				t.Fatalf("got %s %d %v, want %s %d", mode, timeout, err, c.mode, c.timeout)
			}
		})
	}
}

func TestCheckVolumes(t *testing.T) {
	cases := []struct {
		c          Compute
		root, user int
		ok         bool
	}{
		{ComputeValue, 80, 10, true},
		{ComputeStandard, 80, 50, true},
		{ComputePerformance, 80, 100, true},
		{ComputeStandard, 80, 20, false},
		{ComputeStandard, 175, 100, true},
		{ComputeStandard, 174, 100, false},
		{ComputeStandard, 2000, 2000, true},
		{ComputeStandard, 2001, 100, false},
		{ComputeGraphicsG4dn, 100, 100, true},
		{ComputeGraphicsG4dn, 80, 10, false},
		{ComputeGeneral4XLarge, 175, 100, true},
		{ComputeGeneral4XLarge, 80, 100, false},
	}
	for _, c := range cases {
		err := CheckVolumes(c.c, c.root, c.user)
		if (err == nil) != c.ok || err != nil && !HasCode(err, CodeInvalidParameter) {
			t.Errorf("CheckVolumes(%s, %d, %d) = %v, want ok=%v", c.c, c.root, c.user, err, c.ok)
		}
	}
	err := CheckVolumes(ComputeGraphicsProG4dn, 80, 10)
	if want := "Graphics: Invalid root and user volume size selected. Root and user volume size (GB) must be (100+|100+)."; err == nil || err.Error() != want {
		t.Errorf("GPU volume error %v, want AWS's message %q", err, want)
	}
}

// TestCheckBundleCompute: the compute types a CreateWorkspaces request may
// ask for with a bundle (docs/decisions/0320-create-compute-type.md).
func TestCheckBundleCompute(t *testing.T) {
	b := func(c Compute, os OperatingSystemName) *Bundle {
		return &Bundle{ID: "wsb-1", ComputeType: c, OperatingSystem: os}
	}
	cases := []struct {
		name string
		b    *Bundle
		to   Compute
		ok   bool
	}{
		{"the bundle's own", b(ComputeGraphics, OSWindowsServer2019), ComputeGraphics, true},
		{"general larger", b(ComputeStandard, OSWindowsServer2019), ComputePower, true},
		{"general smaller", b(ComputePower, OSWindowsServer2019), ComputeValue, true},
		{"g4dn among themselves", b(ComputeGraphicsG4dn, OSWindowsServer2022), ComputeGraphicsProG4dn, true},
		{"general to g4dn", b(ComputeStandard, OSWindowsServer2019), ComputeGraphicsG4dn, false},
		{"g4dn to general", b(ComputeGraphicsG4dn, OSWindowsServer2019), ComputeValue, false},
		{"Graphics keeps its type", b(ComputeGraphics, OSWindowsServer2019), ComputeGraphicsPro, false},
		{"GeneralPurpose needs Server 2022 or 11", b(ComputePower, OSWindowsServer2019), ComputeGeneral4XLarge, false},
		{"GeneralPurpose on Server 2022", b(ComputePowerPro, OSWindowsServer2022), ComputeGeneral8XLarge, true},
		{"unknown type", b(ComputeStandard, OSWindowsServer2019), Compute("QUANTUM"), false},
	}
	for _, c := range cases {
		err := CheckBundleCompute(c.b, c.to)
		if (err == nil) != c.ok || err != nil && !HasCode(err, CodeInvalidParameter) {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestCheckComputeChange(t *testing.T) {
	ws := func(c Compute, os OperatingSystemName, root, user int) *Workspace {
		return &Workspace{ID: "ws-1", ComputeType: c, OperatingSystemName: os, RootVolumeSizeGib: root, UserVolumeSizeGib: user}
	}
	cases := []struct {
		name string
		ws   *Workspace
		to   Compute
		ok   bool
	}{
		{"general upsize", ws(ComputeStandard, OSWindowsServer2019, 80, 50), ComputePower, true},
		{"general downsize", ws(ComputePower, OSWindowsServer2019, 175, 100), ComputeValue, true},
		{"g4dn among themselves", ws(ComputeGraphicsG4dn, OSWindowsServer2019, 100, 100), ComputeGraphicsProG4dn, true},
		{"general to g4dn", ws(ComputeStandard, OSWindowsServer2019, 175, 100), ComputeGraphicsG4dn, false},
		{"Graphics keeps its type", ws(ComputeGraphics, OSWindowsServer2019, 100, 100), ComputeGraphicsPro, false},
		{"GeneralPurpose needs Server 2022 or 11", ws(ComputePower, OSWindowsServer2019, 175, 100), ComputeGeneral4XLarge, false},
		{"GeneralPurpose needs large volumes", ws(ComputePower, OSWindowsServer2022, 80, 100), ComputeGeneral4XLarge, false},
		{"GeneralPurpose on Windows 11", ws(ComputePower, OSWindows11, 175, 100), ComputeGeneral8XLarge, true},
	}
	for _, c := range cases {
		err := CheckComputeChange(c.ws, c.to)
		if (err == nil) != c.ok || err != nil && !HasCode(err, CodeUnsupportedConfiguration) {
			t.Errorf("%s: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestCheckEncryption(t *testing.T) {
	cases := []struct {
		key        string
		root, user bool
		ok         bool
	}{
		{"", false, false, true},
		{"", true, false, false},
		{"alias/mine", false, false, false},
		{"alias/mine", false, true, true},
		{"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab", true, true, true},
		{"arn:aws:s3:::bucket", true, false, false},
		{"1234abcd-12ab-34cd-56ef-1234567890ab", true, false, true},
		{"mrk-1234abcd12ab34cd56ef1234567890ab", true, false, true},
		{"not-a-key", true, false, false},
		{"alias/", true, false, false},
	}
	for _, c := range cases {
		if err := CheckEncryption(c.key, c.root, c.user); (err == nil) != c.ok {
			t.Errorf("CheckEncryption(%q, %v, %v) = %v, want ok=%v", c.key, c.root, c.user, err, c.ok)
		}
	}
}

func TestProtocols(t *testing.T) {
	cases := []struct {
		b    Bundle
		want bool
	}{
		{Bundle{ComputeType: ComputeStandard, OperatingSystem: OSWindowsServer2022, Protocols: []Protocol{ProtocolPCoIP}}, true},
		{Bundle{ComputeType: ComputeStandard, OperatingSystem: OSWindowsServer2022, Protocols: []Protocol{ProtocolWSP}}, false},
		{Bundle{ComputeType: ComputeGraphicsG4dn, OperatingSystem: OSWindowsServer2022, Protocols: []Protocol{ProtocolPCoIP}}, false},
		{Bundle{ComputeType: ComputeStandard, OperatingSystem: OSWindows7, Protocols: []Protocol{ProtocolPCoIP}}, false},
	}
	for i, c := range cases {
		if got := c.b.ProtocolSwitchable(); got != c.want {
			t.Errorf("case %d: ProtocolSwitchable = %v, want %v", i, got, c.want)
		}
	}
	if p, err := OneProtocol([]Protocol{ProtocolWSP}); err != nil || p != ProtocolWSP {
		t.Errorf("OneProtocol(WSP) = %s %v", p, err)
	}
	if _, err := OneProtocol([]Protocol{ProtocolWSP, ProtocolPCoIP}); !HasCode(err, CodeInvalidParameter) {
		t.Errorf("two protocols: %v", err)
	}
	if !RunningModeManual.StartStoppable() || RunningModeAlwaysOn.StartStoppable() {
		t.Error("StartStoppable is wrong")
	}
}
