package main

// The generated AppendXML methods of the query-protocol packages must write
// what encoding/xml writes through the generated xml tags, wherever those
// tags can say it: checked on thousands of randomly filled values of every
// output shape of stsapi, iamapi and ec2api. Maps, blobs and absent or
// empty lists, which encoding/xml cannot write the protocols' way, are left
// out of the random values; the SDK round trip in internal/awsquery covers
// them.

import (
	"bytes"
	"encoding/xml"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/stsapi"
)

type xmlAppender interface{ AppendXML([]byte) []byte }

// checkSameXML fails the test unless v.AppendXML writes the content of the
// element encoding/xml writes for v, also after a prefix.
func checkSameXML(t *testing.T, v any) {
	t.Helper()
	b, err := xml.Marshal(v)
	if err != nil {
		t.Fatalf("%T: xml.Marshal: %v", v, err)
	}
	name := reflect.TypeOf(v).Elem().Name()
	want, ok := bytes.CutPrefix(b, []byte("<"+name+">"))
	if ok {
		want, ok = bytes.CutSuffix(want, []byte("</"+name+">"))
	}
	if !ok {
		t.Fatalf("%T: unexpected encoding/xml output %s", v, b)
	}
	got := v.(xmlAppender).AppendXML([]byte("prefix"))
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
		g := got[len("prefix"):]
		i := 0
		for i < len(g) && i < len(want) && g[i] == want[i] {
			i++
		}
		from := max(0, i-200)
		t.Fatalf("%T: AppendXML differs from encoding/xml at byte %d:\n got …%s\nwant …%s", v, i, g[from:min(len(g), i+200)], want[from:min(len(want), i+200)])
	}
}

func TestAppendXMLMatchesEncodingXMLRandom(t *testing.T) {
	f := &filler{r: rand.New(rand.NewPCG(3, 4)), xml: true}
	iters := 40
	if testing.Short() {
		iters = 4
	}
	n, deep := 0, 0
	for _, svc := range []reflect.Type{reflect.TypeFor[stsapi.Service](), reflect.TypeFor[iamapi.Service](), reflect.TypeFor[ec2api.Service]()} {
		for _, typ := range outputTypes(svc) {
			_, modeled := typ.MethodByName("AppendXML")
			if typ.Elem().NumField() == 0 && !modeled {
				continue // the generated empty output of an operation the model gives none
			}
			if !modeled {
				t.Errorf("%s has no AppendXML method", typ)
				continue
			}
			n++
			if got := reflect.Zero(typ).Interface().(xmlAppender).AppendXML([]byte("x")); string(got) != "x" {
				t.Errorf("%s: nil AppendXML wrote %q", typ, got)
			}
			for range iters {
				p := reflect.New(typ.Elem())
				f.deep = false
				f.fill(p.Elem(), 0)
				if f.deep {
					deep++
					continue
				}
				checkSameXML(t, p.Interface())
			}
		}
	}
	t.Logf("%d output types checked; %d values too deep to compare", n, deep)
	if deep > n*iters/20 {
		t.Errorf("%d of %d values too deep to compare", deep, n*iters)
	}
	if n < 800 {
		t.Errorf("only %d output types checked", n)
	}
}

// TestAppendXMLHelpers pins the helpers against encoding/xml on the values
// the random fill rarely reaches.
func TestAppendXMLHelpers(t *testing.T) {
	for _, s := range append(trickyStrings, "\uFFFD literal", "\U0010FFFF", "\uFFFE\uFFFF", "a\x00b") {
		var want bytes.Buffer
		if err := xml.EscapeText(&want, []byte(s)); err != nil {
			t.Fatal(err)
		}
		if got := smithy.AppendXMLText(nil, s); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("AppendXMLText(%q) = %q, want %q", s, got, want.Bytes())
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		var want bytes.Buffer
		_ = xml.EscapeText(&want, b)
		if got := smithy.AppendXMLText(nil, string(b)); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendXMLText(%q) = %q, want %q", b, got, want.Bytes())
		}
	}
	for s, f := range map[string]float64{"NaN": math.NaN(), "Infinity": math.Inf(1), "-Infinity": math.Inf(-1), "1e+21": 1e21, "0.1": 0.1, "-0": math.Copysign(0, -1)} {
		if got := string(smithy.AppendXMLFloat64(nil, f)); got != s {
			t.Errorf("AppendXMLFloat64(%v) = %s, want %s", f, got, s)
		}
	}
	if got := string(smithy.AppendXMLBase64(nil, []byte{0, 0xff, 'a'})); got != "AP9h" {
		t.Errorf("AppendXMLBase64 = %s", got)
	}
	for tm, want := range map[time.Time]string{
		time.Date(2024, 11, 21, 12, 0, 0, 0, time.UTC):                       "2024-11-21T12:00:00Z",
		time.Date(2024, 11, 21, 12, 0, 0, 250e6, time.UTC):                   "2024-11-21T12:00:00.25Z",
		time.Date(2024, 11, 21, 13, 0, 0, 999999, time.FixedZone("x", 3600)): "2024-11-21T12:00:00Z",
		time.Date(2024, 11, 21, 12, 0, 0, 123456789, time.UTC):               "2024-11-21T12:00:00.123Z",
	} {
		if got := string((smithy.Timestamp{Time: tm}).AppendDateTime(nil)); got != want {
			t.Errorf("AppendDateTime(%v) = %s, want %s", tm, got, want)
		}
	}
}
