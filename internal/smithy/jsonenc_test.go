package smithy_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/smithy"
)

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var jsonStrings = []string{
	"", "plain", `quote " and backslash \`, "<script>&amp;</script>", "tab\tnl\nret\rbs\bff\f",
	"\x00\x01\x1f\x7f", "héllo wörld ✓ 日本語 😀", "line\u2028sep\u2029para", "bad utf8 \xff\xfe end",
	"truncated \xe2\x82", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 beyond U+10FFFF", "end\xc3",
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	check := func(s string) {
		if got, want := smithy.AppendString([]byte("x"), s), append([]byte("x"), marshal(t, s)...); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	for _, s := range jsonStrings {
		check(s)
	}
	for c := range 256 {
		check(string([]byte{byte(c)}))
		check("a" + string([]byte{byte(c)}) + "b")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, r.IntN(16))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		check(string(b))
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := smithy.AppendString(nil, s), marshal(t, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	fs := []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1e-6, 9.999999e-7, 1e-7, 1e20, 1e21, 9.999999999999999e20,
		123456789.125, 5e-324, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat32, math.MaxFloat32, 1e-9, 1.5e-10, 2e100}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		fs = append(fs, math.Float64frombits(r.Uint64()), (r.Float64()-0.5)*math.Pow(10, float64(r.IntN(90)-45)))
	}
	for _, f := range fs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if got, want := smithy.AppendFloat64([]byte("x"), f), append([]byte("x"), marshal(t, f)...); !bytes.Equal(got, want) {
			t.Errorf("AppendFloat64(%v) = %s, want %s", f, got, want)
		}
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			continue
		}
		if got, want := smithy.AppendFloat32([]byte("x"), f32), append([]byte("x"), marshal(t, f32)...); !bytes.Equal(got, want) {
			t.Errorf("AppendFloat32(%v) = %s, want %s", f32, got, want)
		}
	}
	if got := string(smithy.AppendFloat64(nil, math.NaN())); got != "null" {
		t.Errorf("AppendFloat64(NaN) = %s", got)
	}
}

func TestAppendBase64MatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for n := range 40 {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(r.IntN(256))
		}
		if got, want := smithy.AppendBase64(nil, p), marshal(t, p); !bytes.Equal(got, want) {
			t.Errorf("AppendBase64(%x) = %s, want %s", p, got, want)
		}
	}
}

func TestAppendEpochSecondsMatchesMarshalJSON(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Unix(0, 0), time.Unix(1732190000, 0), time.Unix(1732190000, 5e8),
		time.Unix(1732190000, 120e6), time.Unix(1732190000, 1e6), time.Unix(1732190000, 999999), time.Unix(-1, 5e8), time.Unix(0, -1e6)} {
		ts := smithy.Timestamp{Time: tm}
		if got, want := string(ts.AppendEpochSeconds([]byte("x"))), "x"+string(marshal(t, ts)); got != want {
			t.Errorf("AppendEpochSeconds(%v) = %s, want %s", tm, got, want)
		}
	}
	if got := (smithy.Timestamp{Time: time.Unix(1732190000, 120e6)}).EpochSeconds(); got != "1732190000.12" {
		t.Errorf("EpochSeconds = %s", got)
	}
	if got := (smithy.Timestamp{Time: time.Unix(0, -5e8)}).EpochSeconds(); got != "-0.5" {
		t.Errorf("EpochSeconds = %s", got)
	}
}

func TestCloseJSON(t *testing.T) {
	for in, want := range map[string]string{"{": "{}", `{"a":1,`: `{"a":1}`, "[": "[]", "[1,": "[1]"} {
		c := want[len(want)-1]
		if got := string(smithy.CloseJSON([]byte(in), c)); got != want {
			t.Errorf("CloseJSON(%s) = %s, want %s", in, got, want)
		}
	}
}
