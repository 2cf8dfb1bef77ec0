package deskplane

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// filledWorkspace sets every field of a Workspace, found by reflection, to
// a value that is not its zero: a field added to Workspace is encoded by
// json.Marshal, and the comparisons below fail until workspace_json.go
// knows it.
func filledWorkspace(t *testing.T, s string, at time.Time) Workspace {
	t.Helper()
	var ws Workspace
	fill(t, reflect.ValueOf(&ws).Elem(), s, at)
	return ws
}

func fill(t *testing.T, v reflect.Value, s string, at time.Time) {
	t.Helper()
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(at))
		return
	case reflect.TypeFor[[]byte]():
		v.SetBytes([]byte(`{"Enabled":true}` + s))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64:
		v.SetInt(42)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), s+v.Type().Field(i).Name, at.Add(time.Duration(i)*time.Second))
		}
	case reflect.Slice:
		sl := reflect.MakeSlice(v.Type(), 2, 2)
		fill(t, sl.Index(0), s+"0", at)
		fill(t, sl.Index(1), s+"1", at.Add(time.Minute))
		v.Set(sl)
	default:
		t.Fatalf("fill: no value for a %s: teach workspace_json.go and this test the new field", v.Type())
	}
}

func workspaceCases(t *testing.T) map[string]Workspace {
	at := time.Date(2026, 12, 7, 22, 30, 1, 123456789, time.UTC)
	zoned := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -7*3600-30*60))
	cases := map[string]Workspace{
		"zero":    {},
		"filled":  filledWorkspace(t, "ws-abc", at),
		"zoned":   filledWorkspace(t, "x", zoned),
		"escapes": filledWorkspace(t, "a\"b\\c<d>&e\n\tf\u2028g\x7fé\xff", at),
		"launched": {
			ID: "ws-0123456789", DirectoryID: "d-1234567890", UserName: "u1", BundleID: "wsb-abc",
			State: WorkspaceAvailable, Generation: 2, StateChanged: at, Created: at.Add(-2 * time.Second),
			IPAddress: "10.1.2.4", SubnetID: "subnet-1", ComputerName: "WSAMZN-ABCDEFGH",
			RunningMode: RunningModeAlwaysOn, RootVolumeSizeGib: 80, UserVolumeSizeGib: 50,
			ComputeType: "STANDARD", Protocols: []Protocol{"PCOIP"}, OperatingSystemName: "WINDOWS_SERVER_2022",
		},
		"empty slices": {Protocols: []Protocol{}, GlobalAccelerator: []byte{}, Modifications: []Modification{},
			RebuildSnapshots: []time.Time{}, Standbys: []WorkspaceLink{}},
		"negative": {Generation: -9223372036854775808, AutoStopTimeoutInMinutes: -60, RootVolumeSizeGib: 9223372036854775807},
	}
	return cases
}

func TestWorkspaceAppendJSONIsJSONMarshal(t *testing.T) {
	for name, ws := range workspaceCases(t) {
		want, err := json.Marshal(&ws)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ws.AppendJSON([]byte("prefix"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("%s:\n got %s\nwant prefix%s", name, got, want)
		}
	}
	// A time encoding/json refuses: the same error.
	bad := Workspace{Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	_, want := json.Marshal(&bad)
	got, err := bad.AppendJSON([]byte("p"))
	if err == nil || want == nil || !strings.Contains(err.Error(), "year outside of range") || string(got) != "p" {
		t.Errorf("year 10000: got %q, %v; json.Marshal: %v", got, err, want)
	}
}

// sameDecode checks that DecodeWorkspace and json.Unmarshal agree on data:
// the same Workspace and the same error.
func sameDecode(t *testing.T, name string, data []byte) {
	t.Helper()
	var want, got Workspace
	werr := json.Unmarshal(data, &want)
	gerr := DecodeWorkspace(data, &got)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Errorf("%s: %s: error %v, json.Unmarshal %v", name, data, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %s:\n got %#v\nwant %#v", name, data, got, want)
	}
}

func TestDecodeWorkspaceIsJSONUnmarshal(t *testing.T) {
	for name, ws := range workspaceCases(t) {
		data, err := json.Marshal(&ws)
		if err != nil {
			t.Fatal(err)
		}
		sameDecode(t, name, data)
		if name != "escapes" && name != "negative" {
			// The fast paths take encoding/json's own form, not the fallback.
			d := wsDecoder{data: data, ok: true}
			var v Workspace
			if d.workspace(&v); !d.ok {
				t.Errorf("%s: the fast path did not decode %s", name, data)
			}
			if _, ok := ws.appendJSON(nil); !ok {
				t.Errorf("%s: the fast path did not encode it", name)
			}
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, data, " ", "\t"); err != nil {
			t.Fatal(err)
		}
		sameDecode(t, name+" indented", append(indented.Bytes(), "\r\n"...))
	}
	// Everything the fast path hands to encoding/json, and what neither
	// accepts.
	for _, data := range []string{
		`{}`, ` { } `, `{"id":"a","ID":"b"}`, `{"Id":"a"}`, `{"id":"a","id":"b"}`, `{"unknown":1,"id":"a"}`,
		`{"id":null}`, `{"protocols":null}`, `{"protocols":[null]}`, `{"protocols":[]}`, `{"protocols":["A","B"]}`,
		`{"gen":1.0}`, `{"gen":1e3}`, `{"gen":-0}`, `{"gen":01}`, `{"gen":"1"}`, `{"gen":99999999999999999999}`,
		`{"gen":123456789012345678}`, `{"gen":-1234567890123456789}`, `{"rootGb":true}`,
		`{"id":"a\u0062"}`, `{"id":"a\"b"}`, `{"id":"é"}`, `{"id":"a` + "\x01" + `"}`,
		`{"created":"2026-12-07T22:30:01Z"}`, `{"created":"2026-12-07T22:30:01.5+01:00"}`, `{"created":"yesterday"}`,
		`{"created":"2026-12-07 22:30:01Z"}`, `{"created":1}`,
		`{"userEncrypted":true,"rootEncrypted":false}`, `{"userEncrypted":"true"}`, `{"userEncrypted":tru}`,
		`{"globalAccelerator":"eyJ9"}`, `{"globalAccelerator":""}`, `{"globalAccelerator":"!!"}`,
		`{"mods":[{"resource":"ROOT_VOLUME","state":"UPDATE_INITIATED","started":"2026-12-07T22:30:01Z"}]}`,
		`{"mods":[{"resource":"ROOT_VOLUME","other":1}]}`, `{"mods":[{}]}`, `{"mods":[]}`,
		`{"standbys":[{"id":"ws-1","region":"us-east-1"},{"region":"eu-west-1"}]}`, `{"standbys":[{"id":"a","id":"b"}]}`,
		`{"rebuildSnaps":["2026-12-07T22:30:01Z","2026-12-08T22:30:01Z"]}`, `{"rebuildSnaps":[]}`,
		`{"id":"a"} x`, `{"id":"a"}}`, `{"id":"a",}`, `{"id" "a"}`, `{"id":"a"`, `{"id":"a`, `[]`, ``, `null`,
		`{"protocols":["A",]}`, `{"protocols":["A"`, `{"protocols":["A" "B"]}`,
	} {
		sameDecode(t, "input", []byte(data))
	}
}

func BenchmarkWorkspaceCodec(b *testing.B) {
	at := time.Date(2026, 12, 7, 22, 30, 1, 123456789, time.UTC)
	ws := Workspace{ID: "ws-0123456789", DirectoryID: "d-1234567890", UserName: "u1", BundleID: "wsb-abc",
		State: WorkspacePending, Generation: 1, StateChanged: at, Created: at, SubnetID: "subnet-1",
		RunningMode: RunningModeAlwaysOn, RootVolumeSizeGib: 80, UserVolumeSizeGib: 50,
		ComputeType: "STANDARD", Protocols: []Protocol{"PCOIP"}, OperatingSystemName: "WINDOWS_SERVER_2022"}
	data, _ := json.Marshal(&ws)
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var v Workspace
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
			if _, err := json.Marshal(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("own", func(b *testing.B) {
		for b.Loop() {
			var v Workspace
			if err := DecodeWorkspace(data, &v); err != nil {
				b.Fatal(err)
			}
			if _, err := v.AppendJSON(make([]byte, 0, 1024)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
