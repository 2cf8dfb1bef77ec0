package sigv4

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkv4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// fakeSessions is a SessionSource with one temporary credential per key.
type fakeSessions struct {
	sessions map[string]fakeSession
	fail     error
	calls    int
}

type fakeSession struct {
	cred    Credential
	token   string
	expired bool
}

func (f *fakeSessions) Session(_ context.Context, key, token string) (Credential, error) {
	f.calls++
	if f.fail != nil {
		return Credential{}, f.fail
	}
	s, ok := f.sessions[key]
	if !ok || subtle.ConstantTimeCompare([]byte(s.token), []byte(token)) != 1 {
		return Credential{}, ErrInvalidSessionToken
	}
	if s.expired {
		return Credential{}, ErrExpiredSessionToken
	}
	return s.cred, nil
}

var (
	tempA = Credential{AccessKeyID: "ASIATEMPORARYA000001", SecretAccessKey: "tempSecretA/0123456789abcdefghijklmnopq", Account: "333333333333"}
	tempB = Credential{AccessKeyID: "ASIATEMPORARYB000002", SecretAccessKey: "tempSecretB/0123456789abcdefghijklmnopq", Account: "444444444444"}
)

func newSessions() *fakeSessions {
	return &fakeSessions{sessions: map[string]fakeSession{
		tempA.AccessKeyID: {cred: tempA, token: "token-of-A"},
		tempB.AccessKeyID: {cred: tempB, token: "token-of-B", expired: true},
	}}
}

// sessionRequest is a request signed with temporary credentials.
func sessionRequest(t *testing.T, c Credential, token string) (*http.Request, []byte) {
	t.Helper()
	r := clientRequest(t, "https://workspaces.us-east-1.amazonaws.com/", testBody)
	sdkSign(t, r, testBody, c, token, "us-east-1", "workspaces", t0)
	return overTheWire(t, r)
}

func TestTemporaryCredentials(t *testing.T) {
	src := newSessions()
	v := newTestVerifier(t, t0, Options{Sessions: src})

	r, body := sessionRequest(t, tempA, "token-of-A")
	id, err := v.Verify(r, body)
	if err != nil {
		t.Fatalf("temporary credential refused: %v", err)
	}
	if id.AccessKeyID != tempA.AccessKeyID || id.Account != tempA.Account || !id.Temporary || id.Region != "us-east-1" {
		t.Fatalf("identity %+v", id)
	}
	// A key of the store is not temporary, whatever token it sends (the
	// token is signed, and not checked: decision 0002).
	r, body = sessionRequest(t, credA, "some-token")
	if id, err := v.Verify(r, body); err != nil || id.Temporary || id.Account != credA.Account {
		t.Fatalf("store key with a token: %+v %v", id, err)
	}
}

func TestTemporaryCredentialsAttacks(t *testing.T) {
	cases := []struct {
		name      string
		request   func(t *testing.T) (*http.Request, []byte)
		check     Check
		code, msg string
	}{
		{"no session token", func(t *testing.T) (*http.Request, []byte) {
			return sessionRequest(t, tempA, "")
		}, CheckUnknownKey, CodeUnrecognizedClient, msgUnknownKey},
		{"forged session token", func(t *testing.T) (*http.Request, []byte) {
			return sessionRequest(t, tempA, "token-of-A-but-not-quite")
		}, CheckInvalidToken, CodeUnrecognizedClient, msgUnknownKey},
		{"token of another access key", func(t *testing.T) (*http.Request, []byte) {
			return sessionRequest(t, Credential{AccessKeyID: tempA.AccessKeyID, SecretAccessKey: tempA.SecretAccessKey}, "token-of-B")
		}, CheckInvalidToken, CodeUnrecognizedClient, msgUnknownKey},
		{"token altered after signing", func(t *testing.T) (*http.Request, []byte) {
			r := clientRequest(t, "https://workspaces.us-east-1.amazonaws.com/", testBody)
			sdkSign(t, r, testBody, tempA, "token-of-A", "us-east-1", "workspaces", t0)
			r.Header.Set(SecurityTokenHeader, "token-of-AX")
			return overTheWire(t, r)
		}, CheckInvalidToken, CodeUnrecognizedClient, msgUnknownKey},
		{"wrong secret", func(t *testing.T) (*http.Request, []byte) {
			c := tempA
			c.SecretAccessKey = "guessed"
			return sessionRequest(t, c, "token-of-A")
		}, CheckSignature, CodeInvalidSignature, msgSignatureMismatch},
		{"expired", func(t *testing.T) (*http.Request, []byte) {
			return sessionRequest(t, tempB, "token-of-B")
		}, CheckExpiredToken, CodeExpiredToken, msgExpiredToken},
		{"unknown temporary key", func(t *testing.T) (*http.Request, []byte) {
			return sessionRequest(t, Credential{AccessKeyID: "ASIANOSUCHKEY0000000", SecretAccessKey: "x"}, "token-of-A")
		}, CheckInvalidToken, CodeUnrecognizedClient, msgUnknownKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVerifier(t, t0, Options{Sessions: newSessions()})
			r, body := tc.request(t)
			_, err := v.Verify(r, body)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an AuthError", err)
			}
			if ae.Check != tc.check || ae.Code != tc.code || ae.Message != tc.msg || ae.Status != 400 {
				t.Fatalf("got %s %s %d %q, want %s %s %q", ae.Check, ae.Code, ae.Status, ae.Message, tc.check, tc.code, tc.msg)
			}
		})
	}
}

func TestTemporaryCredentialsPresigned(t *testing.T) {
	v := newTestVerifier(t, t0, Options{Sessions: newSessions()})
	r, err := http.NewRequest(http.MethodGet, "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := r.URL.Query()
	q.Set("X-Amz-Expires", "300")
	r.URL.RawQuery = q.Encode()
	u, _, err := sdkv4.NewSigner().PresignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: tempA.AccessKeyID, SecretAccessKey: tempA.SecretAccessKey, SessionToken: "token-of-A"},
		r, emptySHA256, "sts", "us-east-1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "X-Amz-Security-Token=") {
		t.Fatalf("presigned URL has no token: %s", u)
	}
	pr, _ := http.NewRequest(http.MethodGet, u, nil)
	pr, body := overTheWire(t, pr)
	id, err := v.Verify(pr, body)
	if err != nil || !id.Temporary || id.Account != tempA.Account {
		t.Fatalf("presigned temporary request: %+v %v", id, err)
	}
	// The token in the query is signed: another token fails the lookup
	// (and would fail the signature).
	pu, _ := url.Parse(u)
	q = pu.Query()
	q.Set("X-Amz-Security-Token", "token-of-B")
	pu.RawQuery = q.Encode()
	pr, _ = http.NewRequest(http.MethodGet, pu.String(), nil)
	pr, body = overTheWire(t, pr)
	var ae *AuthError
	if _, err := v.Verify(pr, body); !errors.As(err, &ae) || ae.Check != CheckInvalidToken {
		t.Fatalf("swapped presigned token: %v", err)
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestTemporaryCredentialsSourceFailure(t *testing.T) {
	src := newSessions()
	src.fail = errors.New("database is down")
	v := newTestVerifier(t, t0, Options{Sessions: src})
	r, body := sessionRequest(t, tempA, "token-of-A")
	_, err := v.Verify(r, body)
	var ae *AuthError
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "database is down") {
		t.Fatalf("a failing source must fail the request as an internal error, got %v", err)
	}
}

func TestAcceptAnyVerifiesTemporaryCredentials(t *testing.T) {
	src := newSessions()
	v := newTestVerifier(t, t0, Options{Sessions: src, AcceptAny: true, AnonymousAccount: "999999999999"})
	r, body := sessionRequest(t, tempA, "token-of-A")
	if id, err := v.Verify(r, body); err != nil || id.Account != tempA.Account || !id.Temporary {
		t.Fatalf("a real temporary credential under AcceptAny: %+v %v", id, err)
	}
	// A real temporary key with a bad signature is refused, not let in.
	c := tempA
	c.SecretAccessKey = "guessed"
	r, body = sessionRequest(t, c, "token-of-A")
	if _, err := v.Verify(r, body); err == nil {
		t.Fatal("AcceptAny let a temporary key with a wrong secret in")
	}
	r, body = sessionRequest(t, tempB, "token-of-B")
	if _, err := v.Verify(r, body); err == nil {
		t.Fatal("AcceptAny let an expired temporary key in")
	}
	// A key with a token that is no session's is anonymous, as any
	// unknown key.
	r, body = sessionRequest(t, Credential{AccessKeyID: "ASIAUNKNOWN000000000", SecretAccessKey: "x"}, "whatever")
	if id, err := v.Verify(r, body); err != nil || id.Account != "999999999999" || id.Temporary {
		t.Fatalf("unknown key with a token under AcceptAny: %+v %v", id, err)
	}
}

func TestGlobalRegions(t *testing.T) {
	v := newTestVerifier(t, t0, Options{Regions: []string{"eu-west-1"}, GlobalRegions: map[string]string{"iam": "us-east-1"}})
	sign := func(region, service string) error {
		r := clientRequest(t, "https://example.amazonaws.com/", testBody)
		r.Header.Del("X-Amz-Target")
		sdkSign(t, r, testBody, credA, "", region, service, t0)
		r, body := overTheWire(t, r)
		_, err := v.Verify(r, body)
		return err
	}
	if err := sign("us-east-1", "iam"); err != nil {
		t.Fatalf("iam signed for its global Region: %v", err)
	}
	if err := sign("eu-west-1", "iam"); err != nil {
		t.Fatalf("iam signed for a served Region: %v", err)
	}
	var ae *AuthError
	if err := sign("us-east-1", "workspaces"); !errors.As(err, &ae) || ae.Check != CheckRegion {
		t.Fatalf("workspaces in a Region not served: %v", err)
	}
	if err := sign("us-west-2", "iam"); !errors.As(err, &ae) || ae.Check != CheckRegion {
		t.Fatalf("iam in a Region neither served nor global: %v", err)
	}
	if _, err := NewVerifier(nil, Options{GlobalRegions: map[string]string{"iam": "US EAST"}}); err == nil {
		t.Fatal("a global region that is no Region name was accepted")
	}
}
