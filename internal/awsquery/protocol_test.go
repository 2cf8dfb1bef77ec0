package awsquery_test

// The Protocol adapter in the real httpx chain, with the real SDK clients:
// routing by signing name, the query protocols' signature errors, the
// not-implemented answer in each envelope, refusals before the signature.

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/awsquery"
	"github.com/deskplane/deskplane/internal/ec2api"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/stsapi"
)

// chainServer serves the three services through awsquery.Protocol in an
// httpx chain, as internal/app mounts them.
func chainServer(t *testing.T) string {
	t.Helper()
	v, err := sigv4.NewVerifier([]sigv4.Credential{{AccessKeyID: testKey, SecretAccessKey: testSecret, Account: testAccount}},
		sigv4.Options{Regions: []string{"eu-west-1"}, GlobalRegions: map[string]string{"iam": "us-east-1"}})
	if err != nil {
		t.Fatal(err)
	}
	stsSvc, iamSvc, ec2Svc := services()
	stsSvc.Operations, iamSvc.Operations, ec2Svc.Operations = stsapi.OperationNames(), iamapi.OperationNames(), ec2api.OperationNames()
	chain := httpx.New(httpx.Config{Verifier: v})
	ts := httptest.NewServer(chain.Handler(awsquery.NewProtocol(stsSvc, iamSvc, ec2Svc)))
	t.Cleanup(ts.Close)
	return ts.URL
}

func sdkConfig(url, region, key, secret string) aws.Config {
	return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(url), Retryer: apptest.TransportRetryer, HTTPClient: apptest.NewHTTPClient()}
}

func status(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func TestProtocolThroughTheChain(t *testing.T) {
	url := chainServer(t)
	good := sdkConfig(url, "eu-west-1", testKey, testSecret)

	id, err := sts.NewFromConfig(good).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != testAccount {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	// IAM signs for us-east-1, its global endpoint's Region, which is
	// served for iam even though -regions does not list it.
	if _, err := iam.NewFromConfig(sdkConfig(url, "us-east-1", testKey, testSecret)).GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("r")}); err != nil {
		t.Fatalf("iam signed for us-east-1: %v", err)
	}

	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
		msg    string
	}{
		{"sts wrong secret", func() error {
			_, err := sts.NewFromConfig(sdkConfig(url, "eu-west-1", testKey, "wrong")).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			return err
		}, "SignatureDoesNotMatch", 403, "The request signature we calculated does not match"},
		{"sts unknown key", func() error {
			_, err := sts.NewFromConfig(sdkConfig(url, "eu-west-1", "AKIDNOBODY", "x")).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			return err
		}, "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{"iam unknown session token", func() error {
			c := good
			c.Credentials = credentials.NewStaticCredentialsProvider("ASIANOBODY", "x", "a-token")
			_, err := iam.NewFromConfig(c).GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("r")})
			return err
		}, "InvalidClientTokenId", 403, "The security token included in the request is invalid."},
		{"sts Region not served", func() error {
			_, err := sts.NewFromConfig(sdkConfig(url, "us-west-2", testKey, testSecret)).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
			return err
		}, "SignatureDoesNotMatch", 403, "Credential should be scoped to a valid region, not 'us-west-2'. "},
		{"ec2 wrong secret", func() error {
			_, err := ec2.NewFromConfig(sdkConfig(url, "eu-west-1", testKey, "wrong")).DescribeVpcs(ctx(t), &ec2.DescribeVpcsInput{})
			return err
		}, "AuthFailure", 401, "AWS was not able to validate the provided access credentials"},
		{"sts not implemented", func() error {
			_, err := sts.NewFromConfig(good).GetFederationToken(ctx(t), &sts.GetFederationTokenInput{Name: aws.String("nn")})
			return err
		}, "NotImplemented", 501, "deskplane does not implement the STS action GetFederationToken yet"},
		{"ec2 not implemented", func() error {
			_, err := ec2.NewFromConfig(good).DescribeSubnets(ctx(t), &ec2.DescribeSubnetsInput{})
			return err
		}, "NotImplemented", 501, "deskplane does not implement the EC2 action DescribeSubnets yet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			code, msg := apiError(t, err)
			if code != tc.code || status(err) != tc.status || !strings.HasPrefix(msg, tc.msg) {
				t.Fatalf("%s %d %q, want %s %d %q", code, status(err), msg, tc.code, tc.status, tc.msg)
			}
		})
	}
}

func TestProtocolRefusalsBeforeTheSignature(t *testing.T) {
	url := chainServer(t)
	post := func(body string, hdr map[string]string) (int, string) {
		t.Helper()
		r, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Unsigned, of a known version: the service's own envelope.
	st, body := post("Action=GetCallerIdentity&Version=2011-06-15", nil)
	if st != 403 || !strings.Contains(body, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`) ||
		!strings.Contains(body, "<Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned STS: %d %s", st, body)
	}
	st, body = post("Action=DescribeVpcs&Version=2016-11-15", nil)
	if st != 401 || !strings.Contains(body, "<Response><Errors><Error><Code>MissingAuthenticationToken</Code>") {
		t.Errorf("unsigned EC2: %d %s", st, body)
	}
	// An action the service does not have, before the signature.
	auth := map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=" + testKey + "/20240101/eu-west-1/iam/aws4_request, SignedHeaders=host, Signature=00"}
	st, body = post("Action=LaunchRockets&Version=2010-05-08", auth)
	if st != 400 || !strings.Contains(body, "<Code>InvalidAction</Code><Message>The action LaunchRockets is not valid for this web service.</Message>") {
		t.Errorf("unknown action: %d %s", st, body)
	}
	// Signed for a service the query protocols do not serve here.
	auth["Authorization"] = strings.Replace(auth["Authorization"], "/iam/", "/workspaces/", 1)
	st, body = post("Action=GetRole&Version=2010-05-08", auth)
	if st != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") || !strings.Contains(body, "signed for the service &#39;workspaces&#39;") {
		t.Errorf("other service: %d %s", st, body)
	}
}

func TestIsQuery(t *testing.T) {
	for _, tc := range []struct {
		method, url, ct, target string
		want                    bool
	}{
		{"POST", "/", "application/x-www-form-urlencoded; charset=utf-8", "", true},
		{"POST", "/", "application/x-amz-json-1.1", "WorkspacesService.DescribeWorkspaces", false},
		{"POST", "/", "application/x-www-form-urlencoded", "WorkspacesService.DescribeWorkspaces", false},
		{"GET", "/?Action=GetCallerIdentity&Version=2011-06-15", "", "", true},
		{"GET", "/", "", "", false},
		{"DELETE", "/?Action=X", "", "", false},
	} {
		r := httptest.NewRequest(tc.method, tc.url, nil)
		if tc.ct != "" {
			r.Header.Set("Content-Type", tc.ct)
		}
		if tc.target != "" {
			r.Header.Set("X-Amz-Target", tc.target)
		}
		if got := awsquery.IsQuery(r); got != tc.want {
			t.Errorf("IsQuery(%s %s %q %q) = %v", tc.method, tc.url, tc.ct, tc.target, got)
		}
	}
}
