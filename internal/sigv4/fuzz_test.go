package sigv4

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary Authorization headers, dates, queries and
// bodies to Verify: it must never panic, never accept, and always fail
// with a well-formed *AuthError.
func FuzzVerify(f *testing.F) {
	r, body := signedRequest(f, credA, t0)
	f.Add(r.Header.Get("Authorization"), r.Header.Get("X-Amz-Date"), "", string(body))
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDACCOUNTA0000001/20240101/us-west-2/workspaces/aws4_request, SignedHeaders=host, Signature=00", "20240101T003000Z", "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=//////, SignedHeaders=;;;host;;, Signature==", "20240101T003000Z", "a=%&b=%zz&=&&", "{}")
	f.Add("", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2Fb&X-Amz-Date=x&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=0", "")
	f.Add("AWS4-HMAC-SHA256 ,,,, \t Credential=", "99999999T999999Z", "", "")
	v := newTestVerifier(f, t0, Options{})
	f.Fuzz(func(t *testing.T, auth, date, query, body string) {
		r := httptest.NewRequest(http.MethodPost, "http://workspaces.us-west-2.amazonaws.com/", strings.NewReader(body))
		r.URL.RawQuery = query
		r.RequestURI = ""
		r.Header.Set("X-Amz-Target", "WorkspacesService.DescribeWorkspaces")
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		if date != "" {
			r.Header["X-Amz-Date"] = []string{date}
		}
		id, err := v.Verify(r, []byte(body))
		var ae *AuthError
		if !errors.As(err, &ae) {
			t.Fatalf("Verify(%q, %q, %q) = %+v, %v; want an *AuthError", auth, date, query, id, err)
		}
		if ae.Status != 400 || ae.Code == "" || ae.Message == "" || id != (Identity{}) {
			t.Fatalf("bad failure %+v, %+v", ae, id)
		}
	})
}
