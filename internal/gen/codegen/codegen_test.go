package codegen

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	for _, tc := range []struct{ fn, in, want string }{
		{"export", "message", "Message"},
		{"export", "ResourceId", "ResourceId"},
		{"export", "SAMAccountName", "SAMAccountName"},
		{"export", "BOOL", "BOOL"},
		{"export", "9lives", "X9lives"},
		{"export", "a-b.c", "Abc"},
		{"path", "WorkspaceIds", "workspaceIds"},
		{"path", "SAMAccountName", "sAMAccountName"},
		{"path", "message", "message"},
		{"enum", "AUTO_STOP", "RunningModeAutoStop"},
		{"enum", "PCOIP", "RunningModePcoip"},
		{"enum", "Microsoft_Office_2016", "RunningModeMicrosoftOffice2016"},
		{"enum", "GRAPHICS_G6_2XLARGE", "RunningModeGraphicsG62xlarge"},
		{"enum", "Domain", "RunningModeDomain"},
		{"enum", "ValidationError.ApplicationOldVersionExists", "RunningModeValidationErrorApplicationOldVersionExists"},
		{"enum", "a-1", "RunningModeA1"},
	} {
		var got string
		switch tc.fn {
		case "export":
			got = ExportedName(tc.in)
		case "path":
			got = MemberPathName(tc.in)
		case "enum":
			got = EnumConstName("RunningMode", tc.in)
		}
		if got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.fn, tc.in, got, tc.want)
		}
	}
}

func TestDocSentence(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<p>Creates one or more WorkSpaces. This operation is asynchronous.</p>", "Creates one or more WorkSpaces."},
		{"<p>A thing &amp; its <code>name</code>, e.g. a widget. More.</p>", "A thing & its name , e.g. a widget."},
		{"<p>No full stop</p>", "No full stop"},
		{"", ""},
		{"<p>" + strings.Repeat("word ", 100) + "</p>", strings.TrimSpace(strings.Repeat("word ", 40)) + "…"},
	} {
		if got := DocSentence(tc.in, 200); got != tc.want {
			t.Errorf("DocSentence(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestTranslations checks every hand translation against strings whose
// verdict under the original (Java/ECMAScript) pattern is known.
func TestTranslations(t *testing.T) {
	tr := Translations()
	cases := map[string]struct{ match, reject []string }{
		`^(?=^.{8,64}$)((?=.*\d)(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[^A-Za-z0-9\s])(?=.*[a-z])|(?=.*[^A-Za-z0-9\s])(?=.*[A-Z])(?=.*[a-z])|(?=.*\d)(?=.*[A-Z])(?=.*[^A-Za-z0-9\s]))^`: {
			match:  []string{"Passw0rd", "passw0rd!", "PASSW0RD!", "Pass-word", "Aa1" + strings.Repeat("x", 61)},
			reject: []string{"Pa1!", "password", "PASSWORD1", "Password", "Aa1" + strings.Repeat("x", 62), "Passw0rd\nx"},
		},
		`^(?!.*\\|.*"|.*\/|.*\[|.*\]|.*:|.*;|.*\||.*=|.*,|.*\+|.*\*|.*\?|.*<|.*>|.*@).*$`: {
			match:  []string{"", "Sales Team", "a-b_c.d"},
			reject: []string{`a\b`, `a"b`, "a/b", "a[b", "a]b", "a:b", "a;b", "a|b", "a=b", "a,b", "a+b", "a*b", "a?b", "a<b", "a>b", "a@b", "a\nb"},
		},
		`^(?!D-|d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`: {
			match:  []string{"corp", "my-dir", "D1-x", "dd-x"},
			reject: []string{"d-123", "D-abc", "-x", "x-", ""},
		},
		`^(\p{LD}|\p{Punct}| )+$`: {
			match:  []string{"Hello, world!", "Grüße 42", "~`{}"},
			reject: []string{"", "tab\there", "€"},
		},
		`^[\u0020-\u00FF]+$`: {
			match:  []string{"abc ÿ", " "},
			reject: []string{"", "\x1f", "Ā"},
		},
		`^arn:aws[a-z-]{0,7}:[A-Za-z0-9][A-za-z0-9_/.-]{0,62}:[A-za-z0-9_/.-]{0,63}:[A-za-z0-9_/.-]{0,63}:[A-Za-z0-9][A-Za-z0-9:_/+=,@.\\-]{0,1023}$`: {
			match:  []string{"arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "arn:aws:s:r:a:r" + strings.Repeat("x", 1023)},
			reject: []string{"arn:aws:s:r:a:r" + strings.Repeat("x", 1024), "arn:gcp:s:r:a:r"},
		},
		`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`: {
			match:  []string{"abc", "a-b", "my-alias-1", "a-b-c", strings.Repeat("a", 63)},
			reject: []string{"ab", "a--b", "-ab", "ab-", "Abc", strings.Repeat("a", 64), "a-b--c"},
		},
		`^(?=.{20,2048}$)arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[a-zA-Z0-9/_+=.@-]+`: {
			match: []string{"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
				"arn:aws:secretsmanager:r:123456789012:secret:" + strings.Repeat("x", 2048-45)},
			reject: []string{"arn:aws:secretsmanager:r:1:secret:x", "arn:aws:secretsmanager:r:123456789012:secret:" + strings.Repeat("x", 2048-44),
				"arn:aws:kms:us-east-1:123456789012:secret:db-AbCdEf"},
		},
		`^arn:aws([a-z-]+)?:ec2:[a-z\d-]+:\d{12}:placement-group/^.{1,255}$`: {
			match:  []string{"arn:aws:ec2:us-east-1:123456789012:placement-group/my-group", "arn:aws-cn:ec2:cn-north-1:123456789012:placement-group/x"},
			reject: []string{"arn:aws:ec2:us-east-1:123456789012:placement-group/", "arn:aws:ec2:us-east-1:12345:placement-group/x"},
		},
	}
	if len(cases) != len(tr) {
		t.Fatalf("%d translations, %d tested", len(tr), len(cases))
	}
	for p, tc := range cases {
		c, err := CompilePattern(p, tr)
		if err != nil {
			t.Fatalf("CompilePattern(%s): %v", p, err)
		}
		match := func(s string) bool {
			for _, re := range c.Require {
				if !regexp.MustCompile(re).MatchString(s) {
					return false
				}
			}
			for _, re := range c.Forbid {
				if regexp.MustCompile(re).MatchString(s) {
					return false
				}
			}
			n := 0
			for _, re := range c.OneOf {
				if regexp.MustCompile(re).MatchString(s) {
					n++
				}
			}
			return len(c.OneOf) == 0 || n >= c.AtLeast
		}
		for _, s := range tc.match {
			if !match(s) {
				t.Errorf("%s: %q should match", p, s)
			}
		}
		for _, s := range tc.reject {
			if match(s) {
				t.Errorf("%s: %q should not match", p, s)
			}
		}
	}
}

// TestJavaUnicodeEscapes checks the mechanical translation of Java \uXXXX
// escapes, which reads exactly four hex digits as Java does.
func TestJavaUnicodeEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`^[\u0009\u000A\u0020-\u00FF]+$`: `^[\x{0009}\x{000A}\x{0020}-\x{00FF}]+$`,
		`[\u10000-\u10FFFF]`:             `[\x{1000}0-\x{10FF}FF]`,
		`a\\u0041 \d \u12`:               `a\\u0041 \d \u12`,
	} {
		got, _ := javaUnicodeEscapes(in)
		if got != want {
			t.Errorf("javaUnicodeEscapes(%s) = %s, want %s", in, got, want)
		}
	}
	c, err := CompilePattern(`^\u002F[\u0021-\u007F]*$`, nil)
	if err != nil || c.Note == "" {
		t.Fatalf("CompilePattern: %+v %v", c, err)
	}
	re := regexp.MustCompile(c.Require[0])
	if !re.MatchString("/a/b/") || re.MatchString("a/") || re.MatchString("/ é") {
		t.Errorf("translated %s", c.Require[0])
	}
}

func TestCompilePatternRejectsUntranslated(t *testing.T) {
	if _, err := CompilePattern(`^(?=a)b$`, nil); err == nil {
		t.Fatal("lookahead compiled without a translation")
	}
	if _, err := CompilePattern(`^x{0,2000}$`, nil); err == nil {
		t.Fatal("repeat count above 1000 compiled without a translation")
	}
	if c, err := CompilePattern(`^ws-[0-9a-z]{8,63}$`, nil); err != nil || c.Note != "" || len(c.Require) != 1 {
		t.Fatalf("plain pattern: %+v, %v", c, err)
	}
}

const tinyModel = `{
  "smithy": "2.0",
  "shapes": {
    "t#Svc": {"type": "service", "operations": [{"target": "t#Op"}],
      "traits": {"aws.protocols#awsJson1_1": {}, "aws.auth#sigv4": {"name": "svc"}}},
    "t#Op": {"type": "operation", "input": {"target": "t#OpRequest"}, "output": {"target": "smithy.api#Unit"},
      "errors": [{"target": "t#Boom"}]},
    "t#OpRequest": {"type": "structure", "members": {
      "Zeta": {"target": "t#Name", "traits": {"smithy.api#required": {}}},
      "Alpha": {"target": "t#Names"},
      "Kind": {"target": "t#Kind"}
    }},
    "t#Name": {"type": "string", "traits": {"smithy.api#length": {"min": 1, "max": 3}}},
    "t#Names": {"type": "list", "member": {"target": "t#Name"}},
    "t#Kind": {"type": "enum", "members": {"ONE": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "one"}}}},
    "t#Boom": {"type": "structure", "members": {"message": {"target": "smithy.api#String"}},
      "traits": {"smithy.api#error": "server"}}
  }
}`

func generateTiny(t *testing.T, overlays ...string) map[string]string {
	t.Helper()
	var obs [][]byte
	for _, o := range overlays {
		obs = append(obs, []byte(o))
	}
	m, err := Load([]byte(tinyModel), obs...)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(m, Config{Package: "tiny", ModelFile: "tiny.json", TargetPrefix: "Svc", SigningName: "svc", Title: "Tiny"})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range res.Files {
		if !bytes.HasPrefix(f.Content, []byte(Header)) {
			t.Errorf("%s lacks the header", f.Name)
		}
		files[f.Name] = string(f.Content)
	}
	return files
}

func TestGenerateTiny(t *testing.T) {
	files := generateTiny(t)
	for name, want := range map[string][]string{
		"types.go": {
			"type OpRequest struct {\n\tZeta  *string  `json:\"Zeta,omitzero\"`\n\tAlpha []string `json:\"Alpha,omitzero\"`\n\tKind  Kind     `json:\"Kind,omitzero\"`\n}",
			"type OpOutput struct{}",
		},
		"enums.go":   {`KindOne Kind = "one"`, `const enumSetKind = "Member must satisfy enum value set: [one]"`},
		"errors.go":  {"func (e *Boom) HTTPStatus() int { return 500 }", `func (e *Boom) ErrorCode() string { return "Boom" }`, "Message *string `json:\"message,omitzero\"`"},
		"service.go": {"Op(ctx context.Context, in *OpRequest) (*OpOutput, error)", "&smithy.NotImplementedError{Service: ServiceName, Operation: \"Op\"}"},
		"doc.go":     {`const TargetPrefix = "Svc"`, `const SigningName = "svc"`, "package tiny"},
		"validators.go": {
			`null(vs, smithy.MemberPath(p, "zeta"))`,
			"ep := smithy.ElementPath(p, i)",
			`"Member must have length less than or equal to 3"`,
			"if !in.Kind.IsKnown()",
		},
		"dispatch.go": {`case "Op":` + "\n\t\treturn invoke(ctx, body, nil, d.v.validateOpRequest, d.svc.Op)"},
	} {
		for _, w := range want {
			if !strings.Contains(files[name], w) {
				t.Errorf("%s lacks %q:\n%s", name, w, files[name])
			}
		}
	}
	if _, ok := files["routes.go"]; ok {
		t.Error("awsJson1_1 package has routes.go")
	}
	// Deterministic output.
	again := generateTiny(t)
	for name, src := range files {
		if again[name] != src {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestOverlayMerge(t *testing.T) {
	overlay := `{"smithy": "2.0", "shapes": {
	  "t#Svc": {"type": "service", "operations": [{"target": "t#Op2"}]},
	  "t#Op2": {"type": "operation", "input": {"target": "smithy.api#Unit"}, "output": {"target": "smithy.api#Unit"}},
	  "t#Kind": {"type": "enum", "members": {"TWO": {"target": "smithy.api#Unit", "traits": {"smithy.api#enumValue": "two"}}}},
	  "t#OpRequest": {"type": "structure", "members": {"Extra": {"target": "smithy.api#Integer"},
	     "Alpha": {"target": "t#Names", "traits": {"smithy.api#required": {}}}}}
	}}`
	files := generateTiny(t, overlay)
	for name, want := range map[string]string{
		"service.go":    "Op2(ctx context.Context, in *Op2Input) (*Op2Output, error)",
		"enums.go":      `[one, two]`,
		"types.go":      "Extra *int32",
		"validators.go": `null(vs, smithy.MemberPath(p, "alpha"))`,
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q", name, want)
		}
	}
	if _, err := Load([]byte(tinyModel), []byte(`{"smithy":"2.0","shapes":{"t#Name":{"type":"integer"}}}`)); err == nil {
		t.Error("overlay changing a shape's type was accepted")
	}
}

func TestGenerateChecksConfig(t *testing.T) {
	m, err := Load([]byte(tinyModel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(m, Config{Package: "tiny", TargetPrefix: "Other", SigningName: "svc"}); err == nil {
		t.Error("wrong target prefix accepted")
	}
	if _, err := Generate(m, Config{Package: "tiny", TargetPrefix: "Svc", SigningName: "other"}); err == nil {
		t.Error("wrong signing name accepted")
	}
}
