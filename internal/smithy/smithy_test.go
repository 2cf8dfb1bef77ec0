package smithy

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestTimestampMarshal(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Unix(1732190000, 0), "1732190000"},
		{time.Unix(1732190000, 123_000_000), "1732190000.123"},
		{time.Unix(1732190000, 500_000_000), "1732190000.5"},
		{time.Unix(1732190000, 10_000_000), "1732190000.01"},
		{time.Unix(1732190000, 999_999), "1732190000"}, // below the millisecond
		{time.Unix(0, 0), "0"},
		{time.Unix(-2, 750_000_000), "-1.25"},
	} {
		b, err := json.Marshal(Timestamp{Time: tc.in})
		if err != nil || string(b) != tc.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.in, b, err, tc.want)
		}
	}
}

func TestTimestampUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`1732190000`, time.Unix(1732190000, 0)},
		{`1732190000.123`, time.Unix(1732190000, 123_000_000)},
		{`1732190000.5`, time.Unix(1732190000, 500_000_000)},
		{`1.732190000123E9`, time.Unix(1732190000, 123_000_000)},
		{`-1.25`, time.Unix(-2, 750_000_000)},
		{`"2024-11-21T12:00:00Z"`, time.Date(2024, 11, 21, 12, 0, 0, 0, time.UTC)},
		{`"2024-11-21T12:00:00.250+01:00"`, time.Date(2024, 11, 21, 11, 0, 0, 250_000_000, time.UTC)},
	} {
		var ts Timestamp
		if err := json.Unmarshal([]byte(tc.in), &ts); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.in, err)
			continue
		}
		if !ts.Equal(tc.want) {
			t.Errorf("Unmarshal(%s) = %v, want %v", tc.in, ts.Time, tc.want)
		}
	}
	for _, bad := range []string{`"yesterday"`, `true`, `1.`, `[1]`, `{}`} {
		var ts Timestamp
		err := ts.UnmarshalJSON([]byte(bad))
		var se *SerializationError
		if !errors.As(err, &se) {
			t.Errorf("UnmarshalJSON(%s) = %v, want *SerializationError", bad, err)
		}
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	type wrap struct {
		At *Timestamp `json:"At,omitzero"`
	}
	in := wrap{At: NewTimestamp(time.UnixMilli(1732190000123))}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"At":1732190000.123}` {
		t.Fatalf("got %s", b)
	}
	var out wrap
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !out.At.Equal(in.At.Time) {
		t.Fatalf("round trip: %v != %v", out.At.Time, in.At.Time)
	}
	if b, _ := json.Marshal(wrap{}); string(b) != `{}` {
		t.Fatalf("nil timestamp not omitted: %s", b)
	}
}

func TestValidationErrorMessage(t *testing.T) {
	pat := Violation{Path: "workspaceIds.1.member", Value: "ws-x", Constraint: Pattern("^ws-[0-9a-z]{8,63}$")}
	null := Violation{Path: "bundleId", Null: true, Constraint: ConstraintNotNull}
	secret := Violation{Path: "password", Value: "hunter2", Sensitive: true, Constraint: MinLength(8)}
	for _, tc := range []struct {
		name string
		vs   []Violation
		want string
	}{
		{"one", []Violation{pat}, "1 validation error detected: Value 'ws-x' at 'workspaceIds.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^ws-[0-9a-z]{8,63}$"},
		{"null", []Violation{null}, "1 validation error detected: Value null at 'bundleId' failed to satisfy constraint: Member must not be null"},
		{"sensitive", []Violation{secret}, "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 8"},
		{"three", []Violation{pat, null, {Path: "limit", Value: "0", Constraint: MinValue("1")}},
			"3 validation errors detected: " +
				"Value 'ws-x' at 'workspaceIds.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^ws-[0-9a-z]{8,63}$; " +
				"Value null at 'bundleId' failed to satisfy constraint: Member must not be null; " +
				"Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (&ValidationError{Violations: tc.vs}).Error(); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestConstraintTexts(t *testing.T) {
	for got, want := range map[string]string{
		MaxLength(64):                 "Member must have length less than or equal to 64",
		MinLength(1):                  "Member must have length greater than or equal to 1",
		MaxValue("25"):                "Member must have value less than or equal to 25",
		MinValue("0.5"):               "Member must have value greater than or equal to 0.5",
		Pattern("^a$"):                "Member must satisfy regular expression pattern: ^a$",
		EnumSet("A", "B", "C"):        "Member must satisfy enum value set: [A, B, C]",
		ConstraintNotNull:             "Member must not be null",
		MemberPath("", "x"):           "x",
		MemberPath("a.1.member", "x"): "a.1.member.x",
		ElementPath("ids", 0):         "ids.1.member",
		EntryPath("tags", "k"):        "tags.k",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	s := "x"
	n := int32(7)
	type inner struct {
		Name  *string
		Count *int32
		Skip  *string
	}
	for _, tc := range []struct {
		in   any
		want string
	}{
		{"abc", "abc"},
		{&s, "x"},
		{[]string{"a", "b"}, "[a, b]"},
		{[]string{}, "[]"},
		{map[string]string{"b": "2", "a": "1"}, "{a=1, b=2}"},
		{[]inner{{Name: &s, Count: &n}}, "[{Name=x, Count=7}]"},
		{[]byte("abc"), "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"},
		{(*string)(nil), "null"},
		{true, "true"},
		{1.5, "1.5"},
		{Timestamp{Time: time.UnixMilli(1500)}, "1.5"},
	} {
		if got := FormatValue(tc.in); got != tc.want {
			t.Errorf("FormatValue(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type in struct {
		Name  *string    `json:"Name,omitzero"`
		Count *int32     `json:"Count,omitzero"`
		Ids   []string   `json:"Ids,omitzero"`
		Blob  []byte     `json:"Blob,omitzero"`
		At    *Timestamp `json:"At,omitzero"`
	}
	for _, ok := range []string{``, `  `, `{}`, `null`, `{"Unknown":[1,2,{"x":null}]}`, `{"Name":"a","Count":3,"Ids":[],"Blob":"YWJj","At":1.5}`} {
		var v in
		if err := DecodeJSON([]byte(ok), &v); err != nil {
			t.Errorf("DecodeJSON(%q): %v", ok, err)
		}
	}
	for _, tc := range []struct{ body, want string }{
		{`{"Name":`, "malformed JSON"},
		{`{"Name":"a",}`, "malformed JSON"},
		{`[]`, "must be a JSON object"},
		{`"x"`, "must be a JSON object"},
		{`{"Name":5}`, `member "Name": expected a string, got JSON number`},
		{`{"Count":"5"}`, `member "Count": expected an integer, got JSON string`},
		{`{"Count":1.5}`, `member "Count"`},
		{`{"Count":3000000000}`, `member "Count"`},
		{`{"Ids":"a"}`, `member "Ids": expected a list`},
		{`{"Blob":"!!"}`, "invalid request body"},
		{`{"At":"soon"}`, "invalid timestamp"},
	} {
		var v in
		err := DecodeJSON([]byte(tc.body), &v)
		var se *SerializationError
		if !errors.As(err, &se) || !strings.Contains(se.Message, tc.want) {
			t.Errorf("DecodeJSON(%s) = %v, want *SerializationError containing %q", tc.body, err, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	if got := (&NotImplementedError{Service: "WorkspacesService", Operation: "X"}).Error(); !strings.Contains(got, "WorkspacesService.X") {
		t.Errorf("NotImplementedError: %s", got)
	}
	if got := (&UnknownOperationError{Operation: "Nope"}).Error(); got != `unknown operation "Nope"` {
		t.Errorf("UnknownOperationError: %s", got)
	}
}

// TestValidationMessageIsBounded: a 10 MB value, or a million violations,
// must not make a message of the same size (a 10 MB request once got a
// 20 MB answer: the value was quoted whole, twice).
func TestValidationMessageIsBounded(t *testing.T) {
	huge := strings.Repeat("é", 5<<20) // 10 MiB of two-byte runes
	e := &ValidationError{Violations: []Violation{
		{Path: "bundleId", Value: huge, Constraint: MaxLength(68)},
		{Path: "bundleId", Value: huge, Constraint: Pattern("^wsb-[0-9a-z]{8,63}$")},
	}}
	msg := e.Error()
	if len(msg) > MaxValidationMessage+1024 {
		t.Fatalf("message of %d bytes for a 10 MiB value", len(msg))
	}
	if !utf8.ValidString(msg) {
		t.Fatal("the cut split a rune")
	}
	if !strings.HasPrefix(msg, "2 validation errors detected: Value 'éé") || !strings.Contains(msg, "...' at 'bundleId' failed to satisfy constraint: Member must have length less than or equal to 68") {
		t.Fatalf("message does not keep AWS's form: %.200q", msg)
	}
	many := &ValidationError{}
	for i := range 1_000_000 {
		many.Violations = append(many.Violations, Violation{Path: ElementPath("workspaceIds", i), Value: "x", Constraint: Pattern("^ws-[0-9a-z]{8,63}$")})
	}
	msg = many.Error()
	if len(msg) > MaxValidationMessage+1024 || !strings.HasPrefix(msg, "1000000 validation errors detected: Value 'x' at 'workspaceIds.1.member'") {
		t.Fatalf("a million violations: %d bytes, %.100q", len(msg), msg)
	}
	if !regexp.MustCompile(`; and [0-9]+ more validation errors$`).MatchString(msg) {
		t.Fatalf("the rest is not summed up: …%s", msg[len(msg)-100:])
	}
	// Ordinary values are quoted whole, as AWS does.
	long := strings.Repeat("a", 60_000)
	if got := (Violation{Path: "p", Value: long, Constraint: MaxLength(2)}).String(); !strings.Contains(got, "'"+long+"'") {
		t.Fatal("a 60 kB value was cut")
	}
}
