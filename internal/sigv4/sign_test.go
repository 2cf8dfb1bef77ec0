package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignMatchesSDK signs the same requests with Sign and with
// aws-sdk-go-v2 and wants byte-identical Authorization headers.
func TestSignMatchesSDK(t *testing.T) {
	for _, tc := range []struct{ method, url, body string }{
		{http.MethodPost, "https://workspaces.us-west-2.amazonaws.com/", testBody},
		{http.MethodPost, "https://workspaces.us-west-2.amazonaws.com", "{}"},
		{http.MethodPost, "http://localhost:4566/", ""},
		{http.MethodGet, "https://ds-data.us-west-2.amazonaws.com/Users/Describe%20User?b=2&a=%2F&a=1&c=x%20y", ""},
		{http.MethodGet, "https://ds-data.us-west-2.amazonaws.com:443/x/~y", ""},
	} {
		mk := func() *http.Request {
			r := clientRequest(t, tc.url, tc.body)
			r.Method = tc.method
			r.Header.Set("User-Agent", "aws-sdk-go-v2/1.47.7")
			r.Header.Set("X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000")
			return r
		}
		ours, sdk := mk(), mk()
		if err := Sign(ours, []byte(tc.body), credA, "us-west-2", "workspaces", t0); err != nil {
			t.Fatal(err)
		}
		sdkSign(t, sdk, tc.body, credA, "", "us-west-2", "workspaces", t0)
		if o, s := ours.Header.Get("Authorization"), sdk.Header.Get("Authorization"); o != s {
			t.Errorf("%s %s:\n Sign: %s\n  SDK: %s", tc.method, tc.url, o, s)
		}
		if o, s := ours.Header.Get("X-Amz-Date"), sdk.Header.Get("X-Amz-Date"); o != s {
			t.Errorf("X-Amz-Date = %q, SDK %q", o, s)
		}
		if ours.Host != sdk.Host {
			t.Errorf("Host = %q, SDK %q", ours.Host, sdk.Host)
		}
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	v := newTestVerifier(t, t0.Add(3*time.Minute), Options{})
	for _, u := range []string{
		"https://workspaces.eu-west-1.amazonaws.com/",
		"http://127.0.0.1:8080/?x=1",
		"http://[::1]:80/a%20b",
		"https://ds-data.eu-west-1.amazonaws.com/Groups/Search?DirectoryId=d-1&MaxResults=25",
	} {
		r := clientRequest(t, u, testBody)
		r.Header.Set("X-Custom", "  spaced   value ")
		r.Header.Add("X-Multi", "a")
		r.Header.Add("X-Multi", "b")
		if err := Sign(r, []byte(testBody), credB, "eu-west-1", "workspaces", t0); err != nil {
			t.Fatal(err)
		}
		sr, body := overTheWire(t, r)
		id, err := v.Verify(sr, body)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		want := Identity{AccessKeyID: credB.AccessKeyID, Account: credB.Account, Region: "eu-west-1", Service: "workspaces"}
		if id != want {
			t.Fatalf("%s: identity %+v", u, id)
		}
		// Signing again (a retry) replaces the previous signature.
		if err := Sign(r, []byte(testBody), credB, "eu-west-1", "workspaces", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := len(r.Header["Authorization"]); n != 1 {
			t.Fatalf("%d Authorization headers after re-signing", n)
		}
		if r.Body, err = r.GetBody(); err != nil {
			t.Fatal(err)
		}
		sr, body = overTheWire(t, r)
		if _, err := v.Verify(sr, body); err != nil {
			t.Fatalf("%s re-signed: %v", u, err)
		}
	}
}

// TestSignAWSTestSuite checks "get-vanilla" of the AWS SigV4 test suite.
func TestSignAWSTestSuite(t *testing.T) {
	r, err := http.NewRequest(http.MethodGet, "https://example.amazonaws.com/", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := Credential{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	if err := Sign(r, nil, c, "us-east-1", "service", time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	want := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if got := r.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization =\n %s\nwant\n %s", got, want)
	}
}

func TestSignRejects(t *testing.T) {
	r := clientRequest(t, "http://localhost/", "{}")
	for name, err := range map[string]error{
		"no key":     Sign(r, nil, Credential{SecretAccessKey: "s"}, "us-east-1", "workspaces", t0),
		"no secret":  Sign(r, nil, Credential{AccessKeyID: "k"}, "us-east-1", "workspaces", t0),
		"no region":  Sign(r, nil, credA, "", "workspaces", t0),
		"no service": Sign(r, nil, credA, "us-east-1", "", t0),
		"no URL":     Sign(&http.Request{}, nil, credA, "us-east-1", "workspaces", t0),
	} {
		if err == nil || !strings.HasPrefix(err.Error(), "sigv4: Sign:") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
