package main

// Behavioural tests of the generated packages: the fixture package (one shape
// or binding per trait kind the generator supports) and the three API
// packages. They live here, not in the generated packages, so that those stay
// generated-only.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	fx "github.com/deskplane/deskplane/internal/gen/internal/fixtureapi"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// fixtureSvc records the inputs it receives.
type fixtureSvc struct {
	fx.Unimplemented
	put    *fx.PutThingInput
	get    *fx.GetThingInput
	upload *fx.UploadBlobInput
}

func (s *fixtureSvc) PutThing(_ context.Context, in *fx.PutThingInput) (*fx.PutThingOutput, error) {
	s.put = in
	return &fx.PutThingOutput{Items: []fx.Thing{}}, nil
}

func (s *fixtureSvc) GetThing(_ context.Context, in *fx.GetThingInput) (*fx.Thing, error) {
	s.get = in
	return nil, nil // the dispatcher must turn this into an empty output
}

func (s *fixtureSvc) UploadBlob(_ context.Context, in *fx.UploadBlobInput) (*fx.UploadBlobOutput, error) {
	s.upload = in
	return &fx.UploadBlobOutput{}, nil
}

// valid is a PutThing body that passes every constraint; cases patch it.
const valid = `{"ThingId":"t-00ff","Version":1,"Name":"ab","Color":"RED","Flag":true}`

func patch(t *testing.T, extra string) []byte {
	t.Helper()
	var base, add map[string]any
	if err := json.Unmarshal([]byte(valid), &base); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(extra), &add); err != nil {
		t.Fatal(err)
	}
	for k, v := range add {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	b, _ := json.Marshal(base)
	return b
}

func violations(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *smithy.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T %v, want *smithy.ValidationError", err, err)
	}
	var out []string
	for _, v := range ve.Violations {
		out = append(out, v.String())
	}
	return out
}

func TestFixtureValidation(t *testing.T) {
	const (
		notNull = "failed to satisfy constraint: Member must not be null"
		nul     = "Member must not contain null characters"
	)
	for _, tc := range []struct {
		name  string
		patch string
		want  []string
	}{
		{"valid", `{}`, nil},
		{"required string, int, enum", `{"ThingId":null,"Version":null,"Name":null,"Color":null}`, []string{
			"Value null at 'thingId' " + notNull,
			"Value null at 'version' " + notNull,
			"Value null at 'name' " + notNull,
			"Value null at 'color' " + notNull,
		}},
		{"required with a default is not null-checked", `{"Flag":null}`, nil},
		{"pattern", `{"ThingId":"x-1"}`, []string{"Value 'x-1' at 'thingId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^t-[0-9a-f]{4}$"}},
		{"pattern is searched, not anchored by the validator", `{"ThingId":"t-abcd"}`, nil},
		{"range int min and max", `{"Version":0,"Limit":11}`, []string{
			"Value '0' at 'version' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"Value '11' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10",
		}},
		{"range long", `{"Big":5000000001}`, []string{"Value '5000000001' at 'big' failed to satisfy constraint: Member must have value less than or equal to 5000000000"}},
		{"range double with fractional bound", `{"Ratio":0.25}`, []string{"Value '0.25' at 'ratio' failed to satisfy constraint: Member must have value greater than or equal to 0.5"}},
		{"length counts code points", `{"Name":"ééééé"}`, nil},
		{"length max", `{"Name":"abcdef"}`, []string{"Value 'abcdef' at 'name' failed to satisfy constraint: Member must have length less than or equal to 5"}},
		{"length min on empty string", `{"Name":""}`, []string{"Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"}},
		{"member-level length overrides the target's", `{"Nickname":"ab"}`, []string{"Value 'ab' at 'nickname' failed to satisfy constraint: Member must have length greater than or equal to 3"}},
		{"member-level length replaces the target max", `{"Nickname":"abcdefgh"}`, nil},
		{"sensitive value is not echoed", `{"Secret":"abc"}`, []string{"Value at 'secret' failed to satisfy constraint: Member must have length greater than or equal to 4"}},
		{"blob length counts bytes", `{"Blob":"YWJjZA=="}`, []string{"Value 'java.nio.HeapByteBuffer[pos=0 lim=4 cap=4]' at 'blob' failed to satisfy constraint: Member must have length less than or equal to 3"}},
		{"enum", `{"Color":"GREEN","Mode":"fast"}`, []string{"Value 'GREEN' at 'color' failed to satisfy constraint: Member must satisfy enum value set: [RED, BLUE]"}},
		{"enum is case-sensitive", `{"Mode":"FAST"}`, []string{"Value 'FAST' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [fast, slow]"}},
		{"legacy enum trait", `{"Legacy":"c-3"}`, []string{"Value 'c-3' at 'legacy' failed to satisfy constraint: Member must satisfy enum value set: [a-1, b-2]"}},
		{"intEnum", `{"Level":5}`, []string{"Value '5' at 'level' failed to satisfy constraint: Member must satisfy enum value set: [1, 9]"}},
		{"list length and nested list elements", `{"Tags":[{"Key":"ok"},{"Value":"toolong"},{"Key":"BAD"},{"Key":"x"}]}`, []string{
			"Value '[{Key=ok}, {Value=toolong}, {Key=BAD}, {Key=x}]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 3",
			"Value null at 'tags.2.member.key' " + notNull,
			"Value 'toolong' at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 4",
			"Value 'BAD' at 'tags.3.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$",
		}},
		{"empty list is not null", `{"Tags":[]}`, nil},
		{"list element member traits", `{"Ids":["t-0000","t-00000"]}`, []string{
			"Value 't-00000' at 'ids.2.member' failed to satisfy constraint: Member must have length less than or equal to 6",
			"Value 't-00000' at 'ids.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^t-[0-9a-f]{4}$",
		}},
		{"map size, keys and values in key order", `{"Attrs":{"b":{"Depth":0},"A":{"Depth":1},"c":{}}}`, []string{
			"Value '{A={Depth=1}, b={Depth=0}, c={}}' at 'attrs' failed to satisfy constraint: Member must have length less than or equal to 2",
			"Value 'A' at 'attrs.A' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z]+$",
			"Value '0' at 'attrs.b.depth' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"Value null at 'attrs.c.depth' " + notNull,
		}},
		{"empty map", `{"Attrs":{}}`, []string{"Value '{}' at 'attrs' failed to satisfy constraint: Member must have length greater than or equal to 1"}},
		{"union members", `{"Choice":{"Nested":{"Depth":99}}}`, []string{"Value '99' at 'choice.nested.depth' failed to satisfy constraint: Member must have value less than or equal to 10"}},
		{"translated pattern", `{"Inner":{"Depth":1,"Label":"d-123"}}`, []string{"Value 'd-123' at 'inner.label' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!D-|d-)([\\da-zA-Z]+)([-]*[\\da-zA-Z])*$"}},
		{"recursive shapes", `{"Tree":{"Name":"a","Children":[{"Name":"b","Children":[{}]}]}}`, []string{"Value null at 'tree.children.1.member.children.1.member.name' " + notNull}},
		{"renamed shape", `{"Service":{"Name":"toolong"}}`, []string{"Value 'toolong' at 'service.name' failed to satisfy constraint: Member must have length less than or equal to 5"}},
		{"NUL in a string is its only violation", `{"Name":"a\u0000toolong","ThingId":"t-00\u0000f"}`, []string{
			"Value 't-00\x00f' at 'thingId' failed to satisfy constraint: " + nul,
			"Value 'a\x00toolong' at 'name' failed to satisfy constraint: " + nul,
		}},
		{"NUL without other constraints, in list elements, map keys and nested members", `{"Ids":["t-0000","\u0000"],"Tags":[{"Key":"ok","Value":"\u0000"}],"Attrs":{"a\u0000":{"Depth":1}},"Tree":{"Name":"x\u0000"}}`, []string{
			"Value '\x00' at 'tags.1.member.value' failed to satisfy constraint: " + nul,
			"Value 'a\x00' at 'attrs.a\x00' failed to satisfy constraint: " + nul,
			"Value 'x\x00' at 'tree.name' failed to satisfy constraint: " + nul,
			"Value '\x00' at 'ids.2.member' failed to satisfy constraint: " + nul,
		}},
		{"NUL in a sensitive member is not echoed", `{"Secret":"abcd\u0000"}`, []string{"Value at 'secret' failed to satisfy constraint: " + nul}},
		{"NUL in an enum fails the enum", `{"Mode":"fast\u0000"}`, []string{"Value 'fast\x00' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [fast, slow]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := &fixtureSvc{}
			d := fx.NewDispatcher(svc)
			_, err := d.Invoke(context.Background(), "PutThing", patch(t, tc.patch))
			got := violations(t, err)
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations:\n got  %q\n want %q", got, tc.want)
			}
			if err == nil && svc.put == nil {
				t.Error("service not called")
			}
			if err != nil {
				want := strings.Join(tc.want, "; ")
				if !strings.HasSuffix(err.Error(), " detected: "+want) {
					t.Errorf("message %q does not end with %q", err.Error(), want)
				}
			}
		})
	}
}

func TestFixtureMultipleViolationsMessage(t *testing.T) {
	d := fx.NewDispatcher(&fixtureSvc{})
	_, err := d.Invoke(context.Background(), "PutThing", []byte(`{"ThingId":"nope","Version":42,"Color":"RED","Flag":false}`))
	want := "3 validation errors detected: " +
		"Value 'nope' at 'thingId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^t-[0-9a-f]{4}$; " +
		"Value '42' at 'version' failed to satisfy constraint: Member must have value less than or equal to 10; " +
		"Value null at 'name' failed to satisfy constraint: Member must not be null"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	// Validate gives the same answer on a typed input.
	name := "ok"
	if err := d.Validate(&fx.PutThingInput{Name: &name}); len(violations(t, err)) != 3 {
		t.Fatalf("Validate: %v", err)
	}
}

func TestFixtureDispatch(t *testing.T) {
	svc := &fixtureSvc{}
	d := fx.NewDispatcher(svc)
	ctx := context.Background()
	out, err := d.Invoke(ctx, "PutThing", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(out)
	if string(b) != `{"Items":[]}` {
		t.Errorf("output %s: an empty non-nil list must stay []", b)
	}
	out, err = d.Invoke(ctx, "Ping", nil)
	var ni *smithy.NotImplementedError
	if !errors.As(err, &ni) || ni.Operation != "Ping" || ni.Service != fx.ServiceName || out != nil {
		t.Errorf("Ping: %v %v, want *smithy.NotImplementedError", out, err)
	}
	if _, err := d.Invoke(ctx, "Nope", nil); !errors.As(err, new(*smithy.UnknownOperationError)) {
		t.Errorf("unknown op: %v", err)
	}
	if _, err := d.Invoke(ctx, "PutThing", []byte(`{"Version":"one"}`)); !errors.As(err, new(*smithy.SerializationError)) {
		t.Errorf("wrong JSON type: %v", err)
	}
	if !slices.Equal(fx.OperationNames(), []string{"GetThing", "Ping", "PutThing", "UploadBlob"}) {
		t.Errorf("OperationNames = %v", fx.OperationNames())
	}
	// Timestamps decode from epoch seconds.
	if _, err := d.Invoke(ctx, "PutThing", patch(t, `{"When":1732190000.5}`)); err != nil || svc.put.When.UnixMilli() != 1732190000500 {
		t.Errorf("timestamp: %v %v", err, svc.put.When)
	}
}

func TestFixtureErrors(t *testing.T) {
	msg, id := "gone", "t-0001"
	var err error = &fx.NotFound{Message: &msg, ResourceId: &id}
	nf, ok := err.(interface {
		ErrorCode() string
		HTTPStatus() int
		ErrorMessage() string
	})
	if !ok || nf.ErrorCode() != "NotFound" || nf.HTTPStatus() != 404 || nf.ErrorMessage() != "gone" || err.Error() != "NotFound: gone" {
		t.Errorf("NotFound: %v", err)
	}
	b, _ := json.Marshal(err)
	if string(b) != `{"message":"gone","ResourceId":"t-0001"}` {
		t.Errorf("NotFound JSON %s", b)
	}
	if e := (&fx.Invalid{}); e.HTTPStatus() != 400 || e.Error() != "Invalid" || e.ErrorFault() != "client" {
		t.Errorf("Invalid: %d %q", e.HTTPStatus(), e.Error())
	}
	if e := (&fx.ServerFault{}); e.HTTPStatus() != 500 || e.ErrorFault() != "server" {
		t.Errorf("ServerFault: %d", e.HTTPStatus())
	}
	// Renamed identifiers.
	if fx.ColorRedValue != "RED" || fx.LegacyEnumAOne != "a-1" || fx.LevelHigh != 9 || fx.ModeSlowAndSteady != "slow" {
		t.Error("enum constants")
	}
	if !slices.Equal(fx.Color("").Values(), []fx.Color{fx.ColorRedValue, fx.ColorBlue}) {
		t.Error("Values")
	}
}

func TestFixtureRoutes(t *testing.T) {
	d := fx.NewDispatcher(&fixtureSvc{})
	for _, tc := range []struct{ method, path, op string }{
		{"PUT", "/things/t-00ff/versions/3", "PutThing"},
		{"GET", "/things/t-00ff", "GetThing"},
		{"GET", "/things/t%2D00ff?x=1", "GetThing"},
		{"GET", "/ping", "Ping"},
		{"POST", "/blobs/a/b/c", "UploadBlob"},
		{"POST", "/ping", ""},
		{"GET", "/things", ""},
		{"GET", "/things/a/b", ""},
		{"POST", "/blobs/", ""},
	} {
		op, ok := d.Route(tc.method, tc.path)
		if op != tc.op || ok != (tc.op != "") {
			t.Errorf("Route(%s %s) = %q %v, want %q", tc.method, tc.path, op, ok, tc.op)
		}
	}
	routes := fx.Routes()
	if len(routes) != 4 || routes[2].Operation != "PutThing" || routes[2].Code != 201 || routes[0].Code != 200 {
		t.Errorf("Routes = %+v", routes)
	}
}

func TestFixtureInvokeHTTP(t *testing.T) {
	svc := &fixtureSvc{}
	d := fx.NewDispatcher(svc)
	ctx := context.Background()

	// Labels, query and a body member.
	r := httptest.NewRequest("PUT", "/things/t-00ff/versions/7?limit=3&mode=slow", nil)
	if _, err := d.InvokeHTTP(ctx, "PutThing", r, []byte(`{"ThingId":"from-body","Name":"n","Color":"BLUE","Flag":true}`)); err != nil {
		t.Fatal(err)
	}
	p := svc.put
	if *p.ThingId != "t-00ff" || *p.Version != 7 || *p.Limit != 3 || p.Mode != fx.ModeSlowAndSteady || *p.Name != "n" {
		t.Errorf("bound input %+v", p)
	}

	// Bound members come only from the request: body values are dropped.
	r = httptest.NewRequest("PUT", "/things/t-00ff/versions/7", nil)
	if _, err := d.InvokeHTTP(ctx, "PutThing", r, []byte(`{"Limit":99,"Name":"n","Color":"RED"}`)); err != nil {
		t.Fatal(err)
	}
	if svc.put.Limit != nil {
		t.Errorf("query member taken from the body: %d", *svc.put.Limit)
	}

	// Bad label value → serialization error; label values are validated.
	r = httptest.NewRequest("PUT", "/things/t-00ff/versions/seven", nil)
	if _, err := d.InvokeHTTP(ctx, "PutThing", r, []byte(valid)); !errors.As(err, new(*smithy.SerializationError)) {
		t.Errorf("bad int label: %v", err)
	}
	r = httptest.NewRequest("PUT", "/things/bad/versions/70", nil)
	got := violations(t, func() error { _, err := d.InvokeHTTP(ctx, "PutThing", r, []byte(valid)); return err }())
	if len(got) != 2 || !strings.Contains(got[0], "'bad' at 'thingId'") || !strings.Contains(got[1], "'70' at 'version'") {
		t.Errorf("label validation: %q", got)
	}

	// Query booleans and lists, headers and header lists.
	r = httptest.NewRequest("GET", "/things/t-0a0a?verbose=true&tag=ab&tag=cd", nil)
	r.Header.Set("X-Trace", "abc")
	r.Header.Add("X-Colors", "RED, BLUE")
	r.Header.Add("X-Colors", "RED")
	out, err := d.InvokeHTTP(ctx, "GetThing", r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.(*fx.Thing); !ok {
		t.Errorf("nil output became %T", out)
	}
	g := svc.get
	if *g.ThingId != "t-0a0a" || !*g.Verbose || !slices.Equal(g.Tags, []string{"ab", "cd"}) || *g.Trace != "abc" ||
		!slices.Equal(g.Colors, []fx.Color{"RED", "BLUE", "RED"}) {
		t.Errorf("bound input %+v", g)
	}
	r = httptest.NewRequest("GET", "/things/t-0a0a?verbose=maybe", nil)
	if _, err := d.InvokeHTTP(ctx, "GetThing", r, nil); !errors.As(err, new(*smithy.SerializationError)) {
		t.Errorf("bad bool: %v", err)
	}
	r = httptest.NewRequest("GET", "/things/t-0a0a?tag=UP", nil)
	r.Header.Set("X-Colors", "PINK")
	if got := violations(t, func() error { _, err := d.InvokeHTTP(ctx, "GetThing", r, nil); return err }()); len(got) != 2 ||
		!strings.Contains(got[0], "at 'tags.1.member'") || !strings.Contains(got[1], "'PINK' at 'colors.1.member'") {
		t.Errorf("query/header validation: %q", got)
	}

	// Greedy label and a raw blob payload (not JSON).
	r = httptest.NewRequest("POST", "/blobs/dir/file%20name", nil)
	if _, err := d.InvokeHTTP(ctx, "UploadBlob", r, []byte{0xff, 0x00}); err != nil {
		t.Fatal(err)
	}
	if *svc.upload.Key != "dir/file name" || !bytes.Equal(svc.upload.Data, []byte{0xff, 0x00}) {
		t.Errorf("upload %+v", svc.upload)
	}
	r = httptest.NewRequest("POST", "/blobs/k", nil)
	if got := violations(t, func() error { _, err := d.InvokeHTTP(ctx, "UploadBlob", r, []byte("123456789")); return err }()); len(got) != 1 ||
		!strings.Contains(got[0], "at 'data' failed to satisfy constraint: Member must have length less than or equal to 8") {
		t.Errorf("payload validation: %q", got)
	}
}

// WorkSpaces.

type wsSvc struct {
	wsapi.Unimplemented
	got *wsapi.CreateWorkspacesRequest
}

func (s *wsSvc) CreateWorkspaces(_ context.Context, in *wsapi.CreateWorkspacesRequest) (*wsapi.CreateWorkspacesResult, error) {
	s.got = in
	return &wsapi.CreateWorkspacesResult{FailedRequests: []wsapi.FailedCreateWorkspaceRequest{}, PendingRequests: []wsapi.Workspace{}}, nil
}

func TestWorkspacesAPI(t *testing.T) {
	if n := len(wsapi.OperationNames()); n != 91 {
		t.Errorf("wsapi has %d operations, want 91", n)
	}
	for _, op := range []string{"ImportCustomWorkspaceImage", "DescribeCustomWorkspaceImageImport", "CreateWorkspaces"} {
		if !slices.Contains(wsapi.OperationNames(), op) {
			t.Errorf("missing %s", op)
		}
	}
	if wsapi.TargetPrefix != "WorkspacesService" || wsapi.SigningName != "workspaces" {
		t.Error("constants")
	}
	svc := &wsSvc{}
	d := wsapi.NewDispatcher(svc)
	ctx := context.Background()

	// Three bad members at three depths.
	_, err := d.Invoke(ctx, "CreateWorkspaces", []byte(`{"Workspaces":[
	  {"DirectoryId":"d-1234567890","UserName":"alice","BundleId":"wsb-12345678"},
	  {"DirectoryId":"x","BundleId":"wsb-12345678","WorkspaceProperties":{"RunningMode":"SOMETIMES"}}]}`))
	want := []string{
		"Value 'x' at 'workspaces.2.member.directoryId' failed to satisfy constraint: Member must have length greater than or equal to 10",
		"Value 'x' at 'workspaces.2.member.directoryId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(d-[0-9a-f]{8,63}$)|(wsd-[0-9a-z]{8,63}$)$",
		"Value null at 'workspaces.2.member.userName' failed to satisfy constraint: Member must not be null",
		"Value 'SOMETIMES' at 'workspaces.2.member.workspaceProperties.runningMode' failed to satisfy constraint: Member must satisfy enum value set: [AUTO_STOP, ALWAYS_ON, MANUAL]",
	}
	if got := violations(t, err); !slices.Equal(got, want) {
		t.Errorf("violations:\n got  %q\n want %q", got, want)
	}
	if !strings.HasPrefix(err.Error(), "4 validation errors detected: ") {
		t.Errorf("message %s", err)
	}

	// A valid request reaches the service; batch outputs keep [].
	out, err := d.Invoke(ctx, "CreateWorkspaces", []byte(`{"Workspaces":[{"DirectoryId":"d-1234567890","UserName":"alice","BundleId":"wsb-12345678","WorkspaceProperties":{"ComputeTypeName":"GRAPHICS_G6_XLARGE"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if *svc.got.Workspaces[0].UserName != "alice" {
		t.Error("input not decoded")
	}
	if b, _ := json.Marshal(out); string(b) != `{"FailedRequests":[],"PendingRequests":[]}` {
		t.Errorf("output %s", b)
	}

	// Empty body is {} (and then fails only on required members).
	if got := violations(t, func() error { _, err := d.Invoke(ctx, "CreateWorkspaces", nil); return err }()); !slices.Equal(got, []string{
		"Value null at 'workspaces' failed to satisfy constraint: Member must not be null"}) {
		t.Errorf("empty body: %q", got)
	}
	if _, err := d.Invoke(ctx, "DescribeWorkspaces", []byte("")); !errors.As(err, new(*smithy.NotImplementedError)) {
		t.Errorf("DescribeWorkspaces with empty body: %v", err)
	}
	if _, err := d.Invoke(ctx, "CreateWorkspaces", []byte(`{"Workspaces":[{]}`)); !errors.As(err, new(*smithy.SerializationError)) {
		t.Errorf("malformed JSON: %v", err)
	}
	var se *smithy.SerializationError
	if _, err := d.Invoke(ctx, "CreateWorkspaces", []byte(`{"Workspaces":[{"UserName":5}]}`)); !errors.As(err, &se) || !strings.Contains(se.Message, "UserName") {
		t.Errorf("wrong type: %v", err)
	}
	var ni *smithy.NotImplementedError
	if _, err := d.Invoke(ctx, "ImportCustomWorkspaceImage", []byte(`{"ImageName":"img","ImageDescription":"d","ComputeType":"GRAPHICS_G6","Protocol":"DCV",
	  "ImageSource":{"Ec2ImageId":"ami-12345678"},"InfrastructureConfigurationArn":"arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/x",
	  "Platform":"WINDOWS","OsVersion":"Windows_11"}`)); !errors.As(err, &ni) || ni.Operation != "ImportCustomWorkspaceImage" || ni.Service != "WorkspacesService" {
		t.Errorf("ImportCustomWorkspaceImage: %v", err)
	}
	if got := violations(t, func() error {
		_, err := d.Invoke(ctx, "ImportCustomWorkspaceImage", []byte(`{"ImageSource":{"Ec2ImportTaskId":"import-ami-1"}}`))
		return err
	}()); len(got) != 9 {
		t.Errorf("ImportCustomWorkspaceImage violations: %q", got)
	}
	if _, err := (wsapi.Unimplemented{}).DescribeWorkspaces(ctx, nil); !errors.As(err, new(*smithy.NotImplementedError)) {
		t.Errorf("Unimplemented: %v", err)
	}
	if _, err := d.Invoke(ctx, "NoSuchOperation", nil); !errors.As(err, new(*smithy.UnknownOperationError)) {
		t.Errorf("unknown op: %v", err)
	}

	// Modeled errors keep all their members.
	id, msg := "ws-12345678", "no such workspace"
	b, _ := json.Marshal(&wsapi.ResourceNotFoundException{Message: &msg, ResourceId: &id})
	if string(b) != `{"message":"no such workspace","ResourceId":"ws-12345678"}` {
		t.Errorf("ResourceNotFoundException JSON %s", b)
	}
	reason := "x"
	if e := (&wsapi.OperationNotSupportedException{Reason: &reason}); e.ErrorCode() != "OperationNotSupportedException" || e.HTTPStatus() != 400 {
		t.Error("OperationNotSupportedException")
	}
}

func TestDirectoryServiceAPI(t *testing.T) {
	if n := len(dsapi.OperationNames()); n != 80 {
		t.Errorf("dsapi has %d operations, want 80", n)
	}
	// The ten of the newer botocore model (Hybrid AD, AD assessments, CA
	// enrollment policy).
	for _, op := range []string{"CreateHybridAD", "DeleteADAssessment", "DescribeADAssessment", "DescribeCAEnrollmentPolicy",
		"DescribeHybridADUpdate", "DisableCAEnrollmentPolicy", "EnableCAEnrollmentPolicy", "ListADAssessments", "StartADAssessment", "UpdateHybridAD"} {
		if !slices.Contains(dsapi.OperationNames(), op) {
			t.Errorf("dsapi lacks %s", op)
		}
	}
	d := dsapi.NewDispatcher(dsapi.Unimplemented{})
	ctx := context.Background()
	// The password pattern uses lookaheads (translated); the value is sensitive.
	_, err := d.Invoke(ctx, "CreateDirectory", []byte(`{"Name":"corp.example.com","Password":"password","Size":"Small"}`))
	got := violations(t, err)
	if !slices.Contains(got, `Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=^.{8,64}$)((?=.*\d)(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[^A-Za-z0-9\s])(?=.*[a-z])|(?=.*[^A-Za-z0-9\s])(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[A-Z])(?=.*[^A-Za-z0-9\s]))^`) {
		t.Errorf("password: %q", got)
	}
	if _, err := d.Invoke(ctx, "CreateDirectory", []byte(`{"Name":"corp.example.com","Password":"Passw0rd","Size":"Small"}`)); !errors.As(err, new(*smithy.NotImplementedError)) {
		t.Errorf("valid CreateDirectory: %v", err)
	}
	// The newer model's operations are validated like the others.
	_, err = d.Invoke(ctx, "CreateHybridAD", []byte(`{"SecretArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:x","AssessmentId":"da-12"}`))
	if got := violations(t, err); !slices.Equal(got, []string{
		"Value 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x' at 'secretArn' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws:secretsmanager:[a-z0-9-]+:\\d{12}:secret:[a-zA-Z0-9/_+=.@-]+-[a-zA-Z0-9]{6}$",
		"Value 'da-12' at 'assessmentId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^da-[0-9a-f]{18}$",
	}) {
		t.Errorf("CreateHybridAD: %q", got)
	}
	for op, body := range map[string]string{
		"CreateHybridAD": `{"SecretArn":"arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf","AssessmentId":"da-0123456789abcdef01"}`,
		// DnsIpAddrs is optional in the newer model (IPv6 servers instead).
		"CreateConditionalForwarder": `{"DirectoryId":"d-1234567890","RemoteDomainName":"corp.example.com","DnsIpv6Addrs":["2001:db8::1"]}`,
		"UpdateDirectorySetup":       `{"DirectoryId":"d-1234567890","UpdateType":"NETWORK","NetworkUpdateSettings":{"NetworkType":"Dual-stack"}}`,
		"StartADAssessment":          `{"AssessmentConfiguration":{"CustomerDnsIps":["10.0.0.1","10.0.0.2"],"DnsName":"corp.example.com","VpcSettings":{"VpcId":"vpc-12345678","SubnetIds":["subnet-12345678","subnet-87654321"]},"InstanceIds":["i-0123456789abcdef0","i-0123456789abcdef1"]}}`,
		"EnableCAEnrollmentPolicy":   `{"DirectoryId":"d-1234567890","PcaConnectorArn":"arn:aws:pca-connector-ad:us-east-1:123456789012:connector/01234567-89ab-cdef-0123-456789abcdef"}`,
	} {
		if _, err := d.Invoke(ctx, op, []byte(body)); !errors.As(err, new(*smithy.NotImplementedError)) {
			t.Errorf("valid %s: %v", op, err)
		}
	}
	if dsapi.DirectoryEditionHybrid != "Hybrid" || dsapi.UpdateTypeNetwork != "NETWORK" {
		t.Error("enum values of the newer model")
	}
	msg, rid := "m", "r"
	b, _ := json.Marshal(&dsapi.EntityDoesNotExistException{Message: &msg, RequestId: &rid})
	if string(b) != `{"Message":"m","RequestId":"r"}` {
		t.Errorf("EntityDoesNotExistException JSON %s", b)
	}
	if (&dsapi.ServiceException{}).HTTPStatus() != 500 || dsapi.TargetPrefix != "DirectoryService_20150416" || dsapi.SigningName != "ds" {
		t.Error("dsapi constants")
	}
}

type dsDataSvc struct {
	dsdataapi.Unimplemented
	got *dsdataapi.ListUsersRequest
}

func (s *dsDataSvc) ListUsers(_ context.Context, in *dsdataapi.ListUsersRequest) (*dsdataapi.ListUsersResult, error) {
	s.got = in
	return &dsdataapi.ListUsersResult{}, nil
}

func TestDirectoryServiceDataAPI(t *testing.T) {
	if n := len(dsdataapi.OperationNames()); n != 17 {
		t.Errorf("dsdataapi has %d operations, want 17", n)
	}
	svc := &dsDataSvc{}
	d := dsdataapi.NewDispatcher(svc)
	op, ok := d.Route("POST", "/Users/ListUsers")
	if !ok || op != "ListUsers" {
		t.Fatalf("Route = %q %v", op, ok)
	}
	r := httptest.NewRequest("POST", "/Users/ListUsers?DirectoryId=d-1234567890", nil)
	if _, err := d.InvokeHTTP(context.Background(), op, r, []byte(`{"MaxResults":5}`)); err != nil {
		t.Fatal(err)
	}
	if *svc.got.DirectoryId != "d-1234567890" || *svc.got.MaxResults != 5 {
		t.Errorf("input %+v", svc.got)
	}
	r = httptest.NewRequest("POST", "/Users/ListUsers", nil)
	_, err := d.InvokeHTTP(context.Background(), op, r, []byte(`{"DirectoryId":"d-1234567890","MaxResults":0}`))
	if got := violations(t, err); !slices.Equal(got, []string{
		"Value null at 'directoryId' failed to satisfy constraint: Member must not be null",
		"Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
	}) {
		t.Errorf("violations %q", got)
	}
	// NUL arrives in a query parameter as %00.
	r = httptest.NewRequest("POST", "/Users/ListUsers?DirectoryId=d-123456789%00", nil)
	_, err = d.InvokeHTTP(context.Background(), op, r, nil)
	if got := violations(t, err); !slices.Equal(got, []string{
		"Value 'd-123456789\x00' at 'directoryId' failed to satisfy constraint: Member must not contain null characters",
	}) {
		t.Errorf("NUL violations %q", got)
	}
	if (&dsdataapi.ThrottlingException{}).HTTPStatus() != 429 || dsdataapi.SigningName != "ds-data" {
		t.Error("dsdataapi constants")
	}
}

// TestNoDrift regenerates every package in memory and compares it with the
// committed files (the same check as `go run ./internal/gen -check`).
func TestNoDrift(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "..", "shared", "models")); err != nil {
		t.Skip("models not available:", err)
	}
	var stderr bytes.Buffer
	if err := run([]string{"-check"}, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
}
