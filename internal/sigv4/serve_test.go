package sigv4

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The tests in this file are written from the attacker's side: what a
// caller without a configured secret can and cannot do.

// TestAnonymousAccountIsNeverConfigured: AcceptAny must not be able to act
// as an account of the credential store (issue: an unsigned caller used to
// act as the first configured account).
func TestAnonymousAccountIsNeverConfigured(t *testing.T) {
	_, err := NewVerifier([]Credential{credA, credB}, Options{AcceptAny: true, AnonymousAccount: credB.Account})
	if err == nil || !strings.Contains(err.Error(), "never act as a configured account") {
		t.Fatalf("NewVerifier with the anonymous account = a configured one: %v", err)
	}
	v := newTestVerifier(t, t0, Options{AcceptAny: true, AnonymousAccount: "999999999999"})
	unsigned := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	forged := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	setAuth(forged, "AWS4-HMAC-SHA256 Credential=NOTAKEY/20240101/us-west-2/workspaces/aws4_request, SignedHeaders=host, Signature=00")
	for name, r := range map[string]*http.Request{"unsigned": unsigned, "unknown key": forged} {
		id, err := v.Verify(r, []byte("{}"))
		if err != nil || id.Account != "999999999999" {
			t.Errorf("%s: Verify = %+v, %v; want the anonymous account", name, id, err)
		}
		if id.Account == credA.Account || id.Account == credB.Account {
			t.Errorf("%s: acts as configured account %s", name, id.Account)
		}
	}
	// Naming a configured key without its secret gets nowhere, whatever
	// else the request claims.
	for name, hdr := range map[string]string{
		"no signature":    "AWS4-HMAC-SHA256 Credential=" + credA.AccessKeyID + "/20240101/us-west-2/workspaces/aws4_request, SignedHeaders=host",
		"wrong signature": "AWS4-HMAC-SHA256 Credential=" + credA.AccessKeyID + "/20240101/us-west-2/workspaces/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("0", 64),
		"bearer":          "Bearer " + credA.AccessKeyID,
	} {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		r.Header.Set("X-Amz-Date", "20240101T003000Z")
		setAuth(r, hdr)
		id, err := v.Verify(r, []byte("{}"))
		if name == "bearer" {
			// Not a SigV4 credential at all: anonymous, not account A.
			if err != nil || id.Account != "999999999999" {
				t.Errorf("%s: Verify = %+v, %v", name, id, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: a configured key without its secret verified as %+v", name, id)
		}
	}
}

func TestRegionsAreEnforced(t *testing.T) {
	v := newTestVerifier(t, t0, Options{Regions: []string{"eu-west-1", "us-west-2"}})
	r, body := signedRequest(t, credA, t0) // signed for us-west-2
	if id, err := v.Verify(r, body); err != nil || id.Region != "us-west-2" {
		t.Fatalf("served region: %+v, %v", id, err)
	}
	for _, region := range []string{"us-east-1", "zz-nowhere-9"} {
		r := clientRequest(t, "https://workspaces."+region+".amazonaws.com/", testBody)
		sdkSign(t, r, testBody, credA, "", region, "workspaces", t0)
		r, body := overTheWire(t, r)
		_, err := v.Verify(r, body)
		authError(t, err, CodeInvalidSignature, "Credential should be scoped to a valid region, not '"+region+"'. ")
		var ae *AuthError
		if errors.As(err, &ae); ae.Check != CheckRegion || ae.AccessKey != credA.AccessKeyID {
			t.Errorf("%s: check %q, key %q", region, ae.Check, ae.AccessKey)
		}
	}
	// AcceptAny does not widen the Regions either; an unscoped request
	// gets the first served Region when us-east-1 is not served.
	anyV := newTestVerifier(t, t0, Options{AcceptAny: true, AnonymousAccount: "999999999999", Regions: []string{"eu-west-1"}})
	r = clientRequest(t, "https://workspaces.us-east-1.amazonaws.com/", testBody)
	sdkSign(t, r, testBody, Credential{AccessKeyID: "whoever", SecretAccessKey: "x"}, "", "zz-nowhere-9", "workspaces", t0)
	r, body = overTheWire(t, r)
	_, err := anyV.Verify(r, body)
	authError(t, err, CodeInvalidSignature, "Credential should be scoped to a valid region, not 'zz-nowhere-9'. ")
	id, err := anyV.Verify(httptest.NewRequest(http.MethodPost, "/", nil), nil)
	if err != nil || id.Region != "eu-west-1" {
		t.Fatalf("unscoped anonymous request: %+v, %v", id, err)
	}
	if _, err := NewVerifier(nil, Options{Regions: []string{"us-east-1", "US East"}}); err == nil {
		t.Fatal("a region with a space was accepted")
	}
}

// TestAuthErrorSaysWhichCheck: every failure names its check and the key
// the request named, so that the log can say why.
func TestAuthErrorSaysWhichCheck(t *testing.T) {
	v := newTestVerifier(t, t0, Options{})
	check := func(name string, r *http.Request, body []byte, want Check, key string) {
		t.Helper()
		_, err := v.Verify(r, body)
		var ae *AuthError
		if !errors.As(err, &ae) {
			t.Fatalf("%s: %v", name, err)
		}
		if ae.Check != want || ae.AccessKey != key {
			t.Errorf("%s: check %q key %q, want %q %q", name, ae.Check, ae.AccessKey, want, key)
		}
	}
	r, body := signedRequest(t, credA, t0)
	check("body changed", r, append(body, ' '), CheckSignature, credA.AccessKeyID)
	r, body = signedRequest(t, credA, t0.Add(-time.Hour))
	check("old", r, body, CheckExpired, credA.AccessKeyID)
	r, body = signedRequest(t, Credential{AccessKeyID: "AKIDNOBODY", SecretAccessKey: "x"}, t0)
	check("unknown key", r, body, CheckUnknownKey, "AKIDNOBODY")
	check("nothing", httptest.NewRequest(http.MethodPost, "/", nil), nil, CheckMissing, "")
}
