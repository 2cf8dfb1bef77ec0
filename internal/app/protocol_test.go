package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// rawCall sends one AWS JSON 1.1 request signed by the SDK's own SigV4
// signer (or not signed, when key is empty) and returns the status, headers
// and decoded body.
type rawReq struct {
	target  string
	body    string
	key     string
	secret  string
	service string
	region  string
	at      time.Time
	mutate  func(*http.Request) // after signing
}

type rawResp struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func call(t *testing.T, e *apptest.Env, r rawReq) rawResp {
	t.Helper()
	if r.service == "" {
		r.service = "workspaces"
	}
	if r.region == "" {
		r.region = apptest.Region
	}
	if r.at.IsZero() {
		r.at = time.Now()
	}
	req, err := http.NewRequest(http.MethodPost, e.URL+"/", strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", r.target)
	if r.key != "" {
		sum := sha256.Sum256([]byte(r.body))
		creds := aws.Credentials{AccessKeyID: r.key, SecretAccessKey: r.secret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), r.service, r.region, r.at); err != nil {
			t.Fatal(err)
		}
	}
	if r.mutate != nil {
		r.mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := rawResp{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s answered %d with a body that is not a JSON object: %q", r.target, resp.StatusCode, raw)
	}
	return out
}

func TestDescribeCallThroughTheSDK(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	_, err := e.WS(apptest.AccountA).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String("ws-abcdefghi")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeTags of an unknown WorkSpace: %v", err)
	}
	if aws.ToString(nf.ResourceId) != "ws-abcdefghi" || nf.ErrorMessage() == "" {
		t.Fatalf("ResourceNotFoundException lacks its members: %+v", nf)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("no x-amzn-RequestId on the answer: %v", err)
	}
}

func TestValidationErrorListsEveryViolation(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	_, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{
		Limit:        aws.Int32(30),
		WorkspaceIds: []string{"ws-abcdefghi", "not-a-workspace"},
		BundleId:     aws.String("bundle"),
	})
	if code := apptest.ErrorCode(err); code != "ValidationException" {
		t.Fatalf("got %s (%v), want ValidationException", code, err)
	}
	msg := err.Error()
	for _, want := range []string{
		"3 validation errors detected: ",
		"Value '30' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 25",
		"Value 'not-a-workspace' at 'workspaceIds.2.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^ws-[0-9a-z]{8,63}$",
		"Value 'bundle' at 'bundleId' failed to satisfy constraint: Member must satisfy regular expression pattern:",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestNotImplementedOperationIsClearAndNotRetried(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	cfg := e.AWSConfig(apptest.AccountA, apptest.Region)
	cfg.Retryer = nil // the SDK's standard retryer: it must not retry a 501
	cfg.RetryMaxAttempts = 3
	attempts := 0
	// Every WorkSpaces and Directory Service operation is served; EC2
	// serves its networking only.
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		o.HTTPClient = countingClient{n: &attempts}
	})
	_, err := client.DescribeInstances(e.Ctx(), &ec2.DescribeInstancesInput{})
	if code := apptest.ErrorCode(err); code != "NotImplemented" {
		t.Fatalf("got %s (%v)", code, err)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotImplemented {
		t.Fatalf("want HTTP 501: %v", err)
	}
	if !strings.Contains(err.Error(), "DescribeInstances") {
		t.Errorf("message does not name the operation: %v", err)
	}
	if attempts != 1 {
		t.Errorf("the SDK sent %d attempts; a not-implemented answer must not be retried", attempts)
	}
}

type countingClient struct{ n *int }

func (c countingClient) Do(r *http.Request) (*http.Response, error) {
	*c.n++
	return http.DefaultClient.Do(r)
}

// TestAuthenticationFailures is written from the attacker's side: every way
// of getting a request past the signature check without the secret fails,
// with the code and status the real JSON services answer.
func TestAuthenticationFailures(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	target := "WorkspacesService.DescribeTags"
	body := `{"ResourceId":"ws-abcdefghi"}`
	cases := []struct {
		name string
		req  rawReq
		code string
		msg  string
	}{
		{"no authentication at all", rawReq{target: target, body: body}, "MissingAuthenticationTokenException", "Request is missing Authentication Token"},
		{"unknown access key", rawReq{target: target, body: body, key: "AKIDUNKNOWN", secret: "x"}, "UnrecognizedClientException", "security token included in the request is invalid"},
		{"wrong secret", rawReq{target: target, body: body, key: "test", secret: "guess"}, "InvalidSignatureException", "does not match"},
		{"another account's key with my secret", rawReq{target: target, body: body, key: "testB", secret: "test"}, "InvalidSignatureException", "does not match"},
		{"signed 20 minutes ago", rawReq{target: target, body: body, key: "test", secret: "test", at: time.Now().Add(-20 * time.Minute)}, "InvalidSignatureException", "Signature expired"},
		{"signed 20 minutes ahead", rawReq{target: target, body: body, key: "test", secret: "test", at: time.Now().Add(20 * time.Minute)}, "InvalidSignatureException", "Signature not yet current"},
		{"body changed after signing", rawReq{target: target, body: body, key: "test", secret: "test", mutate: func(r *http.Request) {
			b := `{"ResourceId":"ws-zzzzzzzzz"}`
			r.Body = io.NopCloser(bytes.NewReader([]byte(b)))
			r.ContentLength = int64(len(b))
		}}, "InvalidSignatureException", "does not match"},
		{"operation changed after signing", rawReq{target: target, body: body, key: "test", secret: "test", mutate: func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "WorkspacesService.CreateTags")
		}}, "InvalidSignatureException", "does not match"},
		{"signed for another service", rawReq{target: target, body: body, key: "test", secret: "test", service: "ec2"}, "InvalidSignatureException", "Credential should be scoped to correct service: 'workspaces'"},
		{"garbage Authorization header", rawReq{target: target, body: body, mutate: func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 garbage")
		}}, "IncompleteSignatureException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := call(t, e, c.req)
			if resp.status != http.StatusBadRequest || resp.body["__type"] != c.code {
				t.Fatalf("got %d %s, want 400 %s", resp.status, resp.raw, c.code)
			}
			if !strings.Contains(resp.body["message"].(string), c.msg) {
				t.Fatalf("message %q lacks %q", resp.body["message"], c.msg)
			}
		})
	}
	// The same request signed properly gets through.
	if resp := call(t, e, rawReq{target: target, body: body, key: "test", secret: "test"}); resp.body["__type"] != "ResourceNotFoundException" {
		t.Fatalf("a well-signed request: %d %s", resp.status, resp.raw)
	}
}

func TestFraming(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	signed := func(target, body string) rawResp {
		return call(t, e, rawReq{target: target, body: body, key: "test", secret: "test"})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		r := signed("WorkspacesService.DescribeTags", `{"ResourceId":`)
		if r.status != 400 || r.body["__type"] != "SerializationException" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	t.Run("wrong JSON type", func(t *testing.T) {
		r := signed("WorkspacesService.DescribeTags", `{"ResourceId":42}`)
		if r.status != 400 || r.body["__type"] != "SerializationException" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	t.Run("empty body is {}", func(t *testing.T) {
		r := signed("WorkspacesService.DescribeTags", ``)
		if r.body["__type"] != "ValidationException" || !strings.Contains(r.raw, "Member must not be null") {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	t.Run("unknown operation", func(t *testing.T) {
		r := signed("WorkspacesService.LaunchRocket", `{}`)
		if r.status != 400 || r.body["__type"] != "UnknownOperationException" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	t.Run("unknown service", func(t *testing.T) {
		r := signed("DynamoDB_20120810.ListTables", `{}`)
		if r.status != 400 || r.body["__type"] != "UnknownOperationException" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	t.Run("wrong content type", func(t *testing.T) {
		r := call(t, e, rawReq{target: "WorkspacesService.DescribeTags", body: `{}`, key: "test", secret: "test", mutate: func(r *http.Request) {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}})
		if r.status != 400 || r.body["__type"] != "SerializationException" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
	plain := func(method, path string, body io.Reader) (int, http.Header, map[string]any) {
		req, _ := http.NewRequest(method, e.URL+path, body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", method, path, raw)
		}
		return resp.StatusCode, resp.Header, m
	}
	t.Run("wrong method", func(t *testing.T) {
		st, h, m := plain("GET", "/", nil)
		if st != 405 || m["__type"] != "UnknownOperationException" || h.Get("Allow") != "POST" || h.Get("x-amzn-RequestId") == "" {
			t.Fatalf("%d %v %v", st, h, m)
		}
	})
	t.Run("wrong path", func(t *testing.T) {
		st, _, m := plain("POST", "/nope", strings.NewReader("{}"))
		if st != 404 || m["__type"] != "UnknownOperationException" {
			t.Fatalf("%d %v", st, m)
		}
	})
	t.Run("body too large", func(t *testing.T) {
		st, _, m := plain("POST", "/", bytes.NewReader(make([]byte, 17<<20)))
		if st != 413 || m["__type"] != "RequestEntityTooLargeException" {
			t.Fatalf("%d %v", st, m)
		}
	})
	t.Run("health needs no signature", func(t *testing.T) {
		st, _, m := plain("GET", "/health", nil)
		if st != 200 || m["status"] != "ok" {
			t.Fatalf("%d %v", st, m)
		}
	})
	t.Run("control API needs the admin token", func(t *testing.T) {
		st, _, m := plain("GET", "/_deskplane/clock", nil)
		if st != 401 || m["error"] == nil {
			t.Fatalf("%d %v", st, m)
		}
	})
}

// TestEveryOperationAnswersWellFormed calls every operation of both AWS
// JSON services with an empty input: each must answer a real result, a
// validation error, or the not-implemented error — never a 500, a 404 or a
// dropped connection.
func TestEveryOperationAnswersWellFormed(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	if n := len(wsapi.OperationNames()); n != 91 {
		t.Fatalf("WorkSpaces has %d operations, want 91", n)
	}
	check := func(target, service string) {
		r := call(t, e, rawReq{target: target, body: `{}`, key: "test", secret: "test", service: service})
		if r.header.Get("x-amzn-RequestId") == "" {
			t.Errorf("%s: no request id", target)
		}
		switch {
		case r.status == 200:
		case r.status == 400 || r.status == 501:
			if typ, _ := r.body["__type"].(string); typ == "" || (r.status == 501 && typ != "NotImplementedException") {
				t.Errorf("%s: %d without a proper __type: %s", target, r.status, r.raw)
			}
		default:
			t.Errorf("%s: status %d: %s", target, r.status, r.raw)
		}
	}
	for _, op := range wsapi.OperationNames() {
		check("WorkspacesService."+op, "workspaces")
	}
	for _, op := range dsapi.OperationNames() {
		check("DirectoryService_20150416."+op, "ds")
	}
}

func TestAcceptAnyCredentialsIsExplicit(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	r := call(t, e, rawReq{target: "WorkspacesService.DescribeTags", body: `{"ResourceId":"ws-abcdefghi"}`, key: "whoever", secret: "whatever"})
	if r.body["__type"] != "UnrecognizedClientException" {
		t.Fatalf("by default an unknown key must be refused: %s", r.raw)
	}
	open := apptest.Start(t, apptest.Options{Config: func(c *app.Config) { c.AcceptAnyCreds = true }})
	r = call(t, open, rawReq{target: "WorkspacesService.DescribeTags", body: `{"ResourceId":"ws-abcdefghi"}`, key: "whoever", secret: "whatever"})
	if r.body["__type"] != "ResourceNotFoundException" {
		t.Fatalf("with -accept-any-credentials the request must reach the service: %s", r.raw)
	}
	ws := workspaces.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(open.URL),
		Credentials: credentials.NewStaticCredentialsProvider("anyone", "anything", "")})
	if _, err := ws.DescribeTags(open.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String("ws-abcdefghi")}); apptest.ErrorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("SDK with any credentials: %v", err)
	}
}
