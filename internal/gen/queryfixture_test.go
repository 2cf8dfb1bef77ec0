package main

// The awsQuery traits the STS and IAM models do not use, on the generator's
// query-protocol fixture: xmlName on members and list members, flattened
// lists and maps, lists of lists, maps of structures, the three timestamp
// formats, blobs, floats, intEnum.

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	qx "github.com/deskplane/deskplane/internal/gen/internal/queryfixtureapi"
	"github.com/deskplane/deskplane/internal/smithy"
)

func ptr2[T any](v T) *T { return &v }

func TestQueryFixtureDecode(t *testing.T) {
	f, err := smithy.ParseForm("Action=Echo&Version=2020-01-01&NameX=n%26m&Name=ignored" +
		"&Wrapped.Item.1=a&Wrapped.Item.2=b&Flat.1=x&Flat.3=z" +
		"&Nested.member.1.member.1=p&Nested.member.1.member.2=q&Nested.member.2=" +
		"&Attrs.entry.1.key=k1&Attrs.entry.1.value.Depth=3&Attrs.entry.2.key=k2&Attrs.entry.2.value.Label=L&Attrs.entry.3.value.Depth=9" +
		"&FlatMap.1.K=one&FlatMap.1.V=1&FlatMap.2.K=two&FlatMap.2.V=-2" +
		"&When=2024-11-21T12%3A00%3A00.25Z&Epoch=1732190400.5&HttpDate=Thu%2C%2021%20Nov%202024%2012%3A00%3A00%20GMT" +
		"&Data=AP9h&Ratio=-Infinity&Small=1.5&Big=9007199254740993&Level=9&On=TRUE&Kind=two&Inner.Depth=1&Inner.Label=")
	if err != nil {
		t.Fatal(err)
	}
	d := qx.NewDispatcher(qx.Unimplemented{})
	got, err := d.Decode("Echo", f)
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2024, 11, 21, 12, 0, 0, 0, time.UTC)
	want := &qx.EchoRequest{
		Name:     ptr2("n&m"),
		Wrapped:  []string{"a", "b"},
		Flat:     []string{"x", "", "z"}, // Flat.2 had no parameter: kept in its place
		Nested:   [][]string{{"p", "q"}, {}},
		Attrs:    map[string]qx.Inner{"k1": {Depth: ptr2(int32(3))}, "k2": {Label: ptr2("L")}}, // entry 3 has no key
		FlatMap:  map[string]int32{"one": 1, "two": -2},
		When:     &smithy.Timestamp{Time: noon.Add(250 * time.Millisecond)},
		Epoch:    &smithy.Timestamp{Time: noon.Add(500 * time.Millisecond)},
		HttpDate: &smithy.Timestamp{Time: noon},
		Data:     []byte{0, 0xff, 'a'},
		Ratio:    ptr2(math.Inf(-1)),
		Small:    ptr2(float32(1.5)),
		Big:      ptr2(int64(9007199254740993)),
		Level:    ptr2(qx.LevelHigh),
		On:       ptr2(true),
		Kind:     qx.KindTwo,
		Inner:    &qx.Inner{Depth: ptr2(int32(1)), Label: ptr2("")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n got %+v\nwant %+v", got, want)
	}

	for form, msg := range map[string]string{
		"Big=1e3":           `Invalid value "1e3" for parameter Big: expected an integer of at most 64 bits.`,
		"Level=99999999999": `Invalid value "99999999999" for parameter Level: expected an integer of at most 32 bits.`,
		"On=yes":            `Invalid value "yes" for parameter On: expected true or false.`,
		"When=yesterday":    `Invalid value "yesterday" for parameter When: expected an ISO 8601 date-time such as 2024-11-21T12:00:00Z.`,
		"Data=%21":          `Invalid value "!" for parameter Data: expected base64 data.`,
		"Inner.Depth=x":     `Invalid value "x" for parameter Inner.Depth: expected an integer of at most 32 bits.`,
		"Attrs.entry.1.key=k&Attrs.entry.1.value.Depth=z": `Invalid value "z" for parameter Attrs.entry.1.value.Depth: expected an integer of at most 32 bits.`,
	} {
		f, err := smithy.ParseForm(form)
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.InvokeForm(context.Background(), "Echo", f)
		var se *smithy.SerializationError
		if !errors.As(err, &se) || se.Message != msg {
			t.Errorf("%s: %v, want %s", form, err, msg)
		}
	}
	if _, err := d.Decode("Nothing", f); err != nil {
		t.Errorf("Nothing: %v", err)
	}
	if _, err := d.Decode("Nope", f); !errors.As(err, new(*smithy.UnknownOperationError)) {
		t.Errorf("Nope: %v", err)
	}
}

func TestQueryFixtureEncode(t *testing.T) {
	noon := time.Date(2024, 11, 21, 12, 0, 0, 0, time.UTC)
	out := &qx.EchoResult{
		Name:     ptr2("<a&b>"),
		Wrapped:  []string{"a", "b"},
		Flat:     []string{"x", "y"},
		Nested:   [][]string{{"p"}, {}},
		Attrs:    map[string]qx.Inner{"k2": {Label: ptr2("L")}, "k1": {Depth: ptr2(int32(3))}},
		FlatMap:  map[string]int32{"b": 2, "a": 1},
		When:     &smithy.Timestamp{Time: noon.Add(250 * time.Millisecond)},
		Epoch:    &smithy.Timestamp{Time: noon.Add(500 * time.Millisecond)},
		HttpDate: &smithy.Timestamp{Time: noon},
		Data:     []byte{0, 0xff, 'a'},
		Ratio:    ptr2(math.NaN()),
		Small:    ptr2(float32(0.1)),
		Big:      ptr2(int64(-7)),
		Level:    ptr2(qx.LevelLow),
		On:       ptr2(false),
		Kind:     qx.KindOne,
		Inner:    &qx.Inner{},
	}
	want := "<NameX>&lt;a&amp;b&gt;</NameX><Wrapped><Item>a</Item><Item>b</Item></Wrapped><Flat>x</Flat><Flat>y</Flat>" +
		"<Nested><member><member>p</member></member><member></member></Nested>" +
		"<Attrs><entry><key>k1</key><value><Depth>3</Depth></value></entry><entry><key>k2</key><value><Label>L</Label></value></entry></Attrs>" +
		"<FlatMap><K>a</K><V>1</V></FlatMap><FlatMap><K>b</K><V>2</V></FlatMap>" +
		"<When>2024-11-21T12:00:00.25Z</When><Epoch>1732190400.5</Epoch><HttpDate>Thu, 21 Nov 2024 12:00:00 GMT</HttpDate>" +
		"<Data>AP9h</Data><Ratio>NaN</Ratio><Small>0.1</Small><Big>-7</Big><Level>1</Level><On>false</On><Kind>one</Kind><Inner></Inner>"
	if got := string(out.AppendXML(nil)); got != want {
		t.Errorf("AppendXML\n got %s\nwant %s", got, want)
	}
	if got := string((&qx.EchoResult{Flat: []string{}, Wrapped: []string{}}).AppendXML(nil)); got != "<Wrapped></Wrapped>" {
		t.Errorf("empty lists: %s", got)
	}

	msg, detail := "m", "d<"
	e := &qx.Oops{Message: &msg, Detail: &detail}
	if e.ErrorCode() != "Oops.Code" || e.HTTPStatus() != 418 || e.ErrorMessage() != "m" || string(e.AppendXML(nil)) != "<Detail>d&lt;</Detail>" {
		t.Errorf("Oops: %s %d %s", e.ErrorCode(), e.HTTPStatus(), e.AppendXML(nil))
	}
	if qx.APIVersion != "2020-01-01" || qx.XMLNamespace != "https://qfix.example.com/doc/2020-01-01/" || qx.SigningName != "qfix" {
		t.Error("constants")
	}
}
