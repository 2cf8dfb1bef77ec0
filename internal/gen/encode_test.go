package main

// The generated AppendJSON methods must write exactly what encoding/json
// writes: checked on hand-made values with every awkward string, timestamp
// and slice case, and on thousands of randomly filled values of every output
// and error shape of the four generated packages.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	fx "github.com/deskplane/deskplane/internal/gen/internal/fixtureapi"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

type appender interface{ AppendJSON([]byte) []byte }

var (
	timestampType = reflect.TypeFor[smithy.Timestamp]()
	appenderType  = reflect.TypeFor[appender]()
)

// trickyStrings are the strings encoding/json escapes in some way.
var trickyStrings = []string{
	"", "plain", `quote " and backslash \`, "<script>&amp;</script>", "tab\tnl\nret\rbs\bff\f",
	"\x00\x01\x1f\x7f", "héllo wörld ✓ 日本語 😀", "line\u2028sep\u2029para", "bad utf8 \xff\xfe end",
	"truncated \xe2\x82", "\xed\xa0\x80 surrogate", "/slash/", "'single'", "\u00a0nbsp",
}

// outputTypes lists the output types of every operation of a Service
// interface, as pointer types.
func outputTypes(svc reflect.Type) []reflect.Type {
	var out []reflect.Type
	for i := range svc.NumMethod() {
		out = append(out, svc.Method(i).Type.Out(0))
	}
	return out
}

// errorTypes lists the types of some modeled errors.
func errorTypes(vals ...any) []reflect.Type {
	var out []reflect.Type
	for _, v := range vals {
		out = append(out, reflect.TypeOf(v))
	}
	return out
}

type filler struct {
	r *rand.Rand
	// xml restricts values to what encoding/xml writes the query protocols'
	// way: no maps or blobs (tagged "-"), and lists of one to three
	// elements (encoding/xml writes the wrapper of a nil list as
	// <Name></Name>, where the protocols write nothing). deep records a
	// list left nil because the value nests too deep.
	xml, deep bool
}

func (f *filler) str() string {
	if f.r.IntN(3) == 0 {
		return trickyStrings[f.r.IntN(len(trickyStrings))]
	}
	var b strings.Builder
	for range f.r.IntN(12) {
		switch f.r.IntN(8) {
		case 0:
			b.WriteByte(byte(f.r.IntN(0x80))) // any ASCII, controls included
		case 1:
			b.WriteByte(byte(0x80 + f.r.IntN(0x80))) // a stray byte: invalid UTF-8 or part of a rune
		case 2:
			b.WriteRune(rune(0x80 + f.r.IntN(0x2100))) // U+2028/9 included
		case 3:
			b.WriteRune(rune(0x10000 + f.r.IntN(0x10000)))
		default:
			b.WriteByte(byte('a' + f.r.IntN(26)))
		}
	}
	return b.String()
}

func (f *filler) float() float64 {
	switch f.r.IntN(6) {
	case 0:
		return 0
	case 1:
		return float64(f.r.IntN(1000) - 500)
	case 2:
		return (f.r.Float64() - 0.5) * math.Pow(10, float64(f.r.IntN(60)-30))
	case 3:
		return []float64{1e-6, 9.99999e-7, 1e21, 9.99999e20, -1e-7, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat32, math.MaxFloat32}[f.r.IntN(9)]
	default:
		return f.r.NormFloat64() * 1000
	}
}

func (f *filler) timestamp() smithy.Timestamp {
	switch f.r.IntN(6) {
	case 0:
		return smithy.Timestamp{} // IsZero: omitted by omitzero
	case 1:
		return smithy.Timestamp{Time: time.Unix(0, 0)}
	case 2:
		return smithy.Timestamp{Time: time.Unix(-f.r.Int64N(1e10), -f.r.Int64N(1e9))}
	case 3:
		return smithy.Timestamp{Time: time.Unix(1732190000, int64(f.r.IntN(1000))*int64(time.Millisecond))}
	default:
		return smithy.Timestamp{Time: time.Unix(f.r.Int64N(4e9), f.r.Int64N(1e9))}
	}
}

// fill sets v (settable) to a random value; depth bounds recursive shapes.
func (f *filler) fill(v reflect.Value, depth int) {
	t := v.Type()
	if t == timestampType {
		v.Set(reflect.ValueOf(f.timestamp()))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		if depth > 6 && t.Elem().Kind() == reflect.Struct && t.Elem() != timestampType {
			return
		}
		p := reflect.New(t.Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := range t.NumField() {
			ft := t.Field(i).Type
			if f.r.IntN(4) == 0 && !(f.xml && ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8) {
				continue // absent
			}
			f.fill(v.Field(i), depth)
		}
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := f.r.Int64()
		if f.r.IntN(2) == 0 {
			n = int64(f.r.IntN(200) - 100)
		}
		v.SetInt(n >> (64 - t.Bits()))
	case reflect.Float32, reflect.Float64:
		x := f.float()
		if t.Kind() == reflect.Float32 && math.Abs(x) > math.MaxFloat32 {
			x = math.Copysign(math.MaxFloat32, x) // finite as a float32 too
		}
		v.SetFloat(x)
	case reflect.Slice:
		if f.xml && t.Elem().Kind() == reflect.Uint8 {
			return // nil
		}
		if f.xml && depth > 12 {
			f.deep = true
			return
		}
		if f.r.IntN(5) == 0 || depth > 8 {
			v.Set(reflect.MakeSlice(t, 0, 0)) // empty, not nil: []
			return
		}
		n := f.r.IntN(4)
		if f.xml {
			n = 1 + f.r.IntN(3)
		}
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			if t.Elem().Kind() == reflect.Pointer && f.r.IntN(4) == 0 {
				continue // a null element of a sparse list
			}
			f.fill(s.Index(i), depth+1)
			for f.xml && t.Elem().Kind() != reflect.Struct && s.Index(i).IsZero() {
				f.fill(s.Index(i), depth+1) // encoding/xml's omitempty drops "", 0 and false elements
			}
		}
		v.Set(s)
	case reflect.Map:
		if f.xml {
			return // nil
		}
		m := reflect.MakeMap(t)
		for range f.r.IntN(5) {
			k := reflect.New(t.Key()).Elem()
			f.fill(k, depth+1)
			e := reflect.New(t.Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic(fmt.Sprintf("fill: unexpected kind %s of %s", t.Kind(), t))
	}
}

// checkSame fails the test unless v.AppendJSON writes what json.Marshal
// writes, also after a prefix (AppendJSON appends).
func checkSame(t *testing.T, v any) {
	t.Helper()
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%T: json.Marshal: %v", v, err)
	}
	a, ok := v.(appender)
	if !ok {
		t.Fatalf("%T has no AppendJSON method", v)
	}
	got := a.AppendJSON([]byte("prefix"))
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
		t.Fatalf("%T: AppendJSON differs from encoding/json:\n got %s\nwant %s", v, got, want)
	}
}

func encodedTypes() []reflect.Type {
	var types []reflect.Type
	for _, svc := range []reflect.Type{
		reflect.TypeFor[wsapi.Service](), reflect.TypeFor[dsapi.Service](),
		reflect.TypeFor[dsdataapi.Service](), reflect.TypeFor[fx.Service](),
	} {
		types = append(types, outputTypes(svc)...)
	}
	return append(types, errorTypes(
		&wsapi.ResourceNotFoundException{}, &wsapi.InvalidParameterValuesException{}, &wsapi.AccessDeniedException{},
		&wsapi.ResourceLimitExceededException{}, &wsapi.OperationNotSupportedException{},
		&dsapi.EntityDoesNotExistException{}, &dsapi.ClientException{}, &dsapi.ServiceException{},
		&dsdataapi.AccessDeniedException{}, &dsdataapi.ValidationException{}, &dsdataapi.ThrottlingException{},
		&fx.NotFound{}, &fx.Invalid{}, &fx.ServerFault{},
	)...)
}

func TestAppendJSONMatchesEncodingJSONRandom(t *testing.T) {
	types := encodedTypes()
	f := &filler{r: rand.New(rand.NewPCG(1, 2))}
	iters := 200
	if testing.Short() {
		iters = 10
	}
	for _, typ := range types {
		if !typ.Implements(appenderType) {
			t.Errorf("%s has no AppendJSON method", typ)
			continue
		}
		checkSame(t, reflect.Zero(typ).Interface()) // nil: null
		checkSame(t, reflect.New(typ.Elem()).Interface())
		for range iters {
			p := reflect.New(typ.Elem())
			f.fill(p.Elem(), 0)
			checkSame(t, p.Interface())
		}
	}
	t.Logf("%d output and error types checked", len(types))
	if len(types) < 150 {
		t.Errorf("only %d output and error types checked", len(types))
	}
}

// richWorkspace has every member of wsapi.Workspace set, recursively.
func richWorkspace(i int) wsapi.Workspace {
	var w wsapi.Workspace
	f := &filler{r: rand.New(rand.NewPCG(uint64(i), 7))}
	setAll(f, reflect.ValueOf(&w).Elem(), 0)
	w.WorkspaceId = ptr(fmt.Sprintf("ws-%09d", i))
	return w
}

// setAll is fill with every member present and every list non-empty.
func setAll(f *filler, v reflect.Value, depth int) {
	t := v.Type()
	switch {
	case t == timestampType:
		v.Set(reflect.ValueOf(smithy.Timestamp{Time: time.Unix(1732190000, 123e6)}))
	case t.Kind() == reflect.Pointer:
		p := reflect.New(t.Elem())
		setAll(f, p.Elem(), depth+1)
		v.Set(p)
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			setAll(f, v.Field(i), depth)
		}
	case t.Kind() == reflect.Slice && depth < 6:
		s := reflect.MakeSlice(t, 2, 2)
		setAll(f, s.Index(0), depth+1)
		setAll(f, s.Index(1), depth+1)
		v.Set(s)
	case t.Kind() == reflect.String:
		v.SetString(trickyStrings[f.r.IntN(len(trickyStrings))] + "x")
	default:
		f.fill(v, depth)
	}
}

func ptr[T any](v T) *T { return &v }

func TestAppendJSONMatchesEncodingJSONWorkspaces(t *testing.T) {
	out := &wsapi.DescribeWorkspacesResult{NextToken: ptr("tok<&>\u2028")}
	for i := range 25 {
		out.Workspaces = append(out.Workspaces, richWorkspace(i))
	}
	checkSame(t, out)
	// Empty vs nil slices, zero and fractional timestamps.
	checkSame(t, &wsapi.DescribeWorkspacesResult{Workspaces: []wsapi.Workspace{}})
	checkSame(t, &wsapi.DescribeWorkspacesResult{})
	for _, ts := range []*smithy.Timestamp{
		nil, {}, smithy.NewTimestamp(time.Unix(0, 0)), smithy.NewTimestamp(time.Unix(1732190000, 5e8)),
		smithy.NewTimestamp(time.Unix(1732190000, 120e6)), smithy.NewTimestamp(time.Unix(1732190000, 999999)),
		smithy.NewTimestamp(time.Unix(-1, 5e8)), smithy.NewTimestamp(time.Unix(-1732190000, 1e6)),
	} {
		for _, s := range trickyStrings {
			checkSame(t, &wsapi.Snapshot{SnapshotTime: ts})
			checkSame(t, &wsapi.DescribeWorkspaceSnapshotsResult{RebuildSnapshots: []wsapi.Snapshot{{SnapshotTime: ts}}, RestoreSnapshots: []wsapi.Snapshot{}})
			checkSame(t, &wsapi.ResourceNotFoundException{Message: ptr(s), ResourceId: ptr(s)})
		}
	}
	for _, s := range trickyStrings {
		w := wsapi.Workspace{WorkspaceId: ptr(s), State: wsapi.WorkspaceState(s), ErrorCode: ptr(s)}
		checkSame(t, &w)
	}
}

func benchResult() *wsapi.DescribeWorkspacesResult {
	out := &wsapi.DescribeWorkspacesResult{NextToken: ptr("next")}
	for i := range 25 {
		out.Workspaces = append(out.Workspaces, wsapi.Workspace{
			WorkspaceId: ptr(fmt.Sprintf("ws-%09d", i)), DirectoryId: ptr("d-906732325d"),
			UserName: ptr(fmt.Sprintf("user%d", i)), IpAddress: ptr("10.0.1.17"), State: wsapi.WorkspaceStateAvailable,
			BundleId: ptr("wsb-b0s22j3d7"), SubnetId: ptr("subnet-0a1b2c3d"), ComputerName: ptr("WSAMZN-ABC123"),
			RootVolumeEncryptionEnabled: ptr(false), UserVolumeEncryptionEnabled: ptr(false),
			WorkspaceProperties: &wsapi.WorkspaceProperties{RunningMode: wsapi.RunningModeAutoStop,
				RunningModeAutoStopTimeoutInMinutes: ptr(int32(60)), RootVolumeSizeGib: ptr(int32(80)),
				UserVolumeSizeGib: ptr(int32(50)), ComputeTypeName: wsapi.ComputeStandard},
			ModificationStates: []wsapi.ModificationState{},
		})
	}
	return out
}

var sink []byte

func BenchmarkDescribeWorkspacesResultJSON(b *testing.B) {
	out := benchResult()
	want, _ := json.Marshal(out)
	if got := out.AppendJSON(nil); !bytes.Equal(got, want) {
		b.Fatalf("AppendJSON differs:\n got %s\nwant %s", got, want)
	}
	b.Run("encoding_json", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(out)
		}
	})
	b.Run("AppendJSON_nil", func(b *testing.B) { // growing from nil
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		for b.Loop() {
			sink = out.AppendJSON(nil)
		}
	})
	b.Run("AppendJSON_reused", func(b *testing.B) { // a recycled buffer, as awsjson.WriteJSON does
		b.SetBytes(int64(len(want)))
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = out.AppendJSON(buf[:0])
		}
	})
}
