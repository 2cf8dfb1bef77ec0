package codegen

import (
	"encoding/json"
	"strings"
	"testing"
)

// tinyBoto is a botocore awsQuery model with one of each thing the
// converter maps.
const tinyBoto = `{
  "version": "2.0",
  "metadata": {"apiVersion": "2020-01-02", "endpointPrefix": "tiny", "protocol": "query", "serviceFullName": "Tiny",
    "signatureVersion": "v4", "xmlNamespace": "https://tiny.example.com/doc/2020-01-02/"},
  "operations": {
    "PutThing": {"name": "PutThing", "http": {"method": "POST", "requestUri": "/"},
      "input": {"shape": "PutThingRequest"}, "output": {"shape": "PutThingResult", "resultWrapper": "PutThingResult"},
      "errors": [{"shape": "NoSuchThing"}], "documentation": "<p>Puts a thing. It is stored.</p>"},
    "Ping": {"name": "Ping", "http": {"method": "POST", "requestUri": "/"}}
  },
  "shapes": {
    "PutThingRequest": {"type": "structure", "required": ["Name"], "members": {
      "Name": {"shape": "Name", "documentation": "<p>The name.</p>"},
      "Tags": {"shape": "TagList", "locationName": "Tag", "queryName": "Tags"},
      "Attrs": {"shape": "AttrMap", "flattened": true},
      "When": {"shape": "When", "timestampFormat": "unixTimestamp"},
      "Token": {"shape": "Name", "idempotencyToken": true, "deprecated": true}
    }},
    "PutThingResult": {"type": "structure", "members": {"Count": {"shape": "Count"}, "Secret": {"shape": "Secret"}}},
    "Name": {"type": "string", "min": 1, "max": 8, "pattern": "^[a-z]+$"},
    "Secret": {"type": "string", "sensitive": true},
    "Count": {"type": "integer", "min": 0, "max": 10},
    "Kind": {"type": "string", "enum": ["one", "two"]},
    "TagList": {"type": "list", "member": {"shape": "Kind", "locationName": "item"}, "max": 3},
    "AttrMap": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Count"}},
    "When": {"type": "timestamp"},
    "NoSuchThing": {"type": "structure", "members": {"message": {"shape": "Name"}}, "exception": true,
      "error": {"code": "NoSuchThing.Code", "httpStatusCode": 404, "senderFault": true}}
  }
}`

func trait(t *testing.T, traits map[string]json.RawMessage, name string) string {
	t.Helper()
	raw, ok := traits[name]
	if !ok {
		t.Errorf("trait %s missing (have %v)", name, sortedKeys(traits))
		return ""
	}
	return string(raw)
}

func TestLoadBotocore(t *testing.T) {
	m, err := LoadBotocore([]byte(tinyBoto), BotocoreOptions{Namespace: "t", Service: "Tiny"})
	if err != nil {
		t.Fatal(err)
	}
	id, svc, err := m.Service()
	if err != nil || id != "t#Tiny" || svc.Version != "2020-01-02" || len(svc.Operations) != 2 {
		t.Fatalf("service %s %+v %v", id, svc, err)
	}
	for name, want := range map[string]string{
		"aws.protocols#awsQuery":  `{}`,
		"aws.auth#sigv4":          `{"name":"tiny"}`,
		"smithy.api#xmlNamespace": `{"uri":"https://tiny.example.com/doc/2020-01-02/"}`,
	} {
		if got := trait(t, svc.Traits, name); got != want {
			t.Errorf("service %s = %s, want %s", name, got, want)
		}
	}
	in := m.Shapes["t#PutThingRequest"]
	var names []string
	for _, mm := range in.Members {
		names = append(names, mm.Name)
	}
	if strings.Join(names, ",") != "Name,Tags,Attrs,When,Token" {
		t.Errorf("member order %v", names)
	}
	checks := []struct {
		traits map[string]json.RawMessage
		name   string
		want   string
	}{
		{in.Members.Get("Name").Traits, "smithy.api#required", `{}`},
		{in.Members.Get("Name").Traits, "smithy.api#documentation", `"\u003cp\u003eThe name.\u003c/p\u003e"`},
		{in.Members.Get("Tags").Traits, "smithy.api#xmlName", `"Tag"`},
		{in.Members.Get("Tags").Traits, "aws.protocols#ec2QueryName", `"Tags"`},
		{in.Members.Get("Attrs").Traits, "smithy.api#xmlFlattened", `{}`},
		{in.Members.Get("When").Traits, "smithy.api#timestampFormat", `"epoch-seconds"`},
		{in.Members.Get("Token").Traits, "smithy.api#idempotencyToken", `{}`},
		{m.Shapes["t#Name"].Traits, "smithy.api#length", `{"max":8,"min":1}`},
		{m.Shapes["t#Name"].Traits, "smithy.api#pattern", `"^[a-z]+$"`},
		{m.Shapes["t#Count"].Traits, "smithy.api#range", `{"max":10,"min":0}`},
		{m.Shapes["t#Secret"].Traits, "smithy.api#sensitive", `{}`},
		{m.Shapes["t#Kind"].Traits, "smithy.api#enum", `[{"value":"one","name":""},{"value":"two","name":""}]`},
		{m.Shapes["t#TagList"].Traits, "smithy.api#length", `{"max":3}`},
		{m.Shapes["t#TagList"].Member.Traits, "smithy.api#xmlName", `"item"`},
		{m.Shapes["t#NoSuchThing"].Traits, "smithy.api#error", `"client"`},
		{m.Shapes["t#NoSuchThing"].Traits, "smithy.api#httpError", `404`},
		{m.Shapes["t#NoSuchThing"].Traits, "aws.protocols#awsQueryError", `{"code":"NoSuchThing.Code","httpResponseCode":404}`},
	}
	for _, c := range checks {
		if got := trait(t, c.traits, c.name); got != c.want {
			t.Errorf("%s = %s, want %s", c.name, got, c.want)
		}
	}
	if in.Members.Get("Tags").Target != "t#TagList" || m.Shapes["t#AttrMap"].Key.Target != "t#Name" {
		t.Error("targets")
	}
	op := m.Shapes["t#PutThing"]
	if op.Input.Target != "t#PutThingRequest" || op.Output.Target != "t#PutThingResult" || len(op.Errors) != 1 {
		t.Errorf("operation %+v", op)
	}
	if ping := m.Shapes["t#Ping"]; ping.Input != nil || ping.Output != nil {
		t.Errorf("Ping %+v", ping)
	}

	// It generates, and the error takes the awsQueryError code and status.
	res, err := Generate(m, Config{Package: "tiny", SigningName: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range res.Files {
		files[f.Name] = string(f.Content)
	}
	for name, want := range map[string]string{
		"errors.go":     `func (e *NoSuchThing) ErrorCode() string { return "NoSuchThing.Code" }`,
		"decode.go":     `smithy.QueryTime(p+"When", s, "epoch-seconds")`,
		"encode.go":     `b = append(b, "<Secret>"...)`,
		"doc.go":        `const APIVersion = "2020-01-02"`,
		"types.go":      "`json:\"Tags,omitzero\" xml:\"Tag>item,omitempty\"`",
		"dispatch.go":   `case "Ping":` + "\n\t\treturn new(PingInput), nil",
		"validators.go": "smithy.ConstraintNoNUL",
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	if !strings.Contains(files["errors.go"], "func (e *NoSuchThing) HTTPStatus() int { return 404 }") {
		t.Error("status")
	}
}

func TestLoadBotocoreRefuses(t *testing.T) {
	for name, edit := range map[string][2]string{
		"unknown shape key":     {`"When": {"type": "timestamp"}`, `"When": {"type": "timestamp", "streaming": true}`},
		"unknown member key":    {`"deprecated": true}`, `"deprecated": true, "hostLabel": true}`},
		"unknown type":          {`"When": {"type": "timestamp"}`, `"When": {"type": "character"}`},
		"other result wrapper":  {`"resultWrapper": "PutThingResult"`, `"resultWrapper": "Other"`},
		"required non-member":   {`"required": ["Name"]`, `"required": ["Nope"]`},
		"contradictory fault":   {`"senderFault": true`, `"senderFault": false`},
		"unsupported protocol":  {`"protocol": "query"`, `"protocol": "rest-xml"`},
		"unknown error key":     {`"senderFault": true`, `"senderFault": true, "retryable": true`},
		"enum on a non-string":  {`"Count": {"type": "integer", "min": 0, "max": 10}`, `"Count": {"type": "integer", "enum": ["1"]}`},
		"unknown timestamp fmt": {`"timestampFormat": "unixTimestamp"`, `"timestampFormat": "julian"`},
	} {
		b := strings.Replace(tinyBoto, edit[0], edit[1], 1)
		if b == tinyBoto {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if _, err := LoadBotocore([]byte(b), BotocoreOptions{Namespace: "t", Service: "Tiny"}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMergeNewer(t *testing.T) {
	base, err := Load([]byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	newer := `{"metadata": {"apiVersion": "2020", "protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Svc", "endpointPrefix": "svc"},
	  "operations": {
	    "Op": {"name": "Op", "input": {"shape": "OpRequest"}, "errors": [{"shape": "Boom"}, {"shape": "Busy"}]},
	    "Op2": {"name": "Op2", "input": {"shape": "Op2Request"}}
	  },
	  "shapes": {
	    "OpRequest": {"type": "structure", "members": {"Zeta": {"shape": "Name"}, "Alpha": {"shape": "Names"}, "Kind": {"shape": "Kind"},
	      "Extra": {"shape": "Name"}}, "required": ["Extra"]},
	    "Op2Request": {"type": "structure", "members": {"Id": {"shape": "Name"}}, "required": ["Id"]},
	    "Name": {"type": "string", "min": 1, "max": 99},
	    "Names": {"type": "list", "member": {"shape": "Name"}},
	    "Kind": {"type": "string", "enum": ["one", "two"]},
	    "Boom": {"type": "structure", "members": {"message": {"shape": "Name"}}, "exception": true, "fault": true},
	    "Busy": {"type": "structure", "members": {}, "exception": true}
	  }}`
	n, err := LoadBotocore([]byte(newer), BotocoreOptions{Namespace: "t", Service: "Svc"})
	if err != nil {
		t.Fatal(err)
	}
	notes, err := base.MergeNewer(n)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"enum Kind: value \"two\" of the newer model",
		"operation Op: error Busy of the newer model",
		"OpRequest: member Zeta is optional in the newer model",
		"OpRequest: member Extra of the newer model",
		"operations of the newer model: 1 (Op2)",
	}
	if strings.Join(notes, "\n") != strings.Join(want, "\n") {
		t.Errorf("notes:\n%s\nwant:\n%s", strings.Join(notes, "\n"), strings.Join(want, "\n"))
	}
	// The base keeps its constraints (Name max 3) and prelude targets.
	if got := string(base.Shapes["t#Name"].Traits["smithy.api#length"]); got != `{"min": 1, "max": 3}` {
		t.Errorf("Name length %s", got)
	}
	res, err := Generate(base, Config{Package: "tiny", TargetPrefix: "Svc", SigningName: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if f.Name == "service.go" && !strings.Contains(string(f.Content), "Op2(ctx context.Context, in *Op2Request) (*Op2Output, error)") {
			t.Errorf("service.go lacks Op2:\n%s", f.Content)
		}
		if f.Name == "validators.go" && (strings.Contains(string(f.Content), `null(vs, smithy.MemberPath(p, "zeta"))`) ||
			!strings.Contains(string(f.Content), `null(vs, smithy.MemberPath(p, "extra"))`)) {
			t.Errorf("validators.go: required members not merged:\n%s", f.Content)
		}
	}
	// A newer model that changes a type is refused.
	n2, _ := LoadBotocore([]byte(strings.Replace(newer, `"Name": {"type": "string", "min": 1, "max": 99}`, `"Name": {"type": "integer"}`, 1)), BotocoreOptions{Namespace: "t", Service: "Svc"})
	base2, _ := Load([]byte(tinyModel))
	if _, err := base2.MergeNewer(n2); err == nil {
		t.Error("type change accepted")
	}
}
