package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Test fixtures: two accounts, and a clock fixed at signing time.
var (
	credA = Credential{AccessKeyID: "AKIDACCOUNTA0000001", SecretAccessKey: "secretA/K7MDENG+bPxRfiCYEXAMPLEKEY0000", Account: "111111111111"}
	credB = Credential{AccessKeyID: "AKIDACCOUNTB0000002", SecretAccessKey: "secretB/K7MDENG+bPxRfiCYEXAMPLEKEY0000", Account: "222222222222"}
	t0    = time.Date(2024, 1, 1, 0, 30, 0, 0, time.UTC)
)

const testBody = `{"DirectoryId":"d-1234567890","UserName":"jdoe","BundleId":"wsb-abcdefghi","WorkspaceProperties":{"RunningMode":"AUTO_STOP","RunningModeAutoStopTimeoutInMinutes":60,"RootVolumeSizeGib":80,"UserVolumeSizeGib":50,"ComputeTypeName":"STANDARD"},"Tags":[{"Key":"team","Value":"platform"},{"Key":"env","Value":"test"}],"RootVolumeEncryptionEnabled":false}`

func newTestVerifier(t testing.TB, now time.Time, opts Options) *Verifier {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	v, err := NewVerifier([]Credential{credA, credB}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// clientRequest is a WorkSpaces call as aws-sdk-go-v2 builds it, unsigned.
func clientRequest(t testing.TB, url, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "WorkspacesService.CreateWorkspaces")
	r.Header.Set("Amz-Sdk-Invocation-Id", "6a9d5c8e-0d6e-4a47-9d3b-5f0c0e3f8a11")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	return r
}

// sdkSign signs r with the real aws-sdk-go-v2 signer (the oracle).
func sdkSign(t testing.TB, r *http.Request, body string, c Credential, token, region, service string, at time.Time) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	err := sdkv4.NewSigner().SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: token},
		r, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		t.Fatal(err)
	}
}

// overTheWire turns a client request into the request a server sees, by
// writing it in HTTP/1.1 and parsing it back (Host, RequestURI,
// Content-Length and a User-Agent appear as they would).
func overTheWire(t testing.TB, r *http.Request) (*http.Request, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(sr.Body); err != nil {
		t.Fatal(err)
	}
	return sr, body.Bytes()
}

// signedRequest is a CreateWorkspaces call signed by the SDK for cred,
// as the server receives it.
func signedRequest(t testing.TB, c Credential, at time.Time) (*http.Request, []byte) {
	t.Helper()
	r := clientRequest(t, "https://workspaces.us-west-2.amazonaws.com/", testBody)
	sdkSign(t, r, testBody, c, "", "us-west-2", "workspaces", at)
	return overTheWire(t, r)
}

// authError asserts err is an *AuthError with the given code and message,
// status 400.
func authError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v (%T), want *AuthError %s", err, err, code)
	}
	if ae.Code != code || ae.Status != 400 || ae.Message != msg {
		t.Fatalf("error =\n  {%s %d %q}\nwant\n  {%s 400 %q}", ae.Code, ae.Status, ae.Message, code, msg)
	}
}

// setAuth replaces the Authorization header.
func setAuth(r *http.Request, v string) { r.Header["Authorization"] = []string{v} }

// authParts splits an SDK Authorization header into its three values.
func authParts(t testing.TB, h string) (cred, signed, sig string) {
	t.Helper()
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 Credential=")
	if !ok {
		t.Fatalf("unexpected Authorization %q", h)
	}
	cred, rest, _ = strings.Cut(rest, ", SignedHeaders=")
	signed, sig, _ = strings.Cut(rest, ", Signature=")
	return cred, signed, sig
}
