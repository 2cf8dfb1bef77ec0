package dsdata_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The Directory Service Data transport over restJson1: signatures, the
// error envelope and injected faults. These tests sign their requests with
// the SDK's SigV4 signer, to send what a client would not.

type dataAnswer struct {
	status int
	header http.Header
	body   map[string]any
}

func (a dataAnswer) str(k string) string { s, _ := a.body[k].(string); return s }

// dataCallAs signs a request for the signing name service and sends it.
func dataCallAs(t *testing.T, e *apptest.Env, account, service, op, directoryID string, in any) dataAnswer {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	group := "Users"
	url := e.URL + "/" + group + "/" + op
	if directoryID != "" {
		url += "?DirectoryId=" + directoryID
	}
	req, err := http.NewRequestWithContext(e.Ctx(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if service != "" {
		creds, err := e.AWSConfig(account, apptest.Region).Credentials.Retrieve(e.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(e.Ctx(), creds, req, hex.EncodeToString(sum[:]), service, apptest.Region, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := dataAnswer{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("%s: answer %q is not JSON: %v", op, raw, err)
		}
	}
	return a
}

func dataCall(t *testing.T, e *apptest.Env, account, op, directoryID string, in any) dataAnswer {
	t.Helper()
	return dataCallAs(t, e, account, "ds-data", op, directoryID, in)
}

// wantDataError checks a restJson1 error answer: status, X-Amzn-ErrorType
// header, and __type and Message in the body.
func wantDataError(t *testing.T, what string, a dataAnswer, status int, code string) {
	t.Helper()
	if a.status != status || a.header.Get("X-Amzn-ErrorType") != code || a.str("__type") != code ||
		(a.str("Message") == "" && a.str("message") == "") {
		t.Errorf("%s: %d %q %v, want %d %s", what, a.status, a.header.Get("X-Amzn-ErrorType"), a.body, status, code)
	}
	if a.header.Get("x-amzn-RequestId") == "" {
		t.Errorf("%s: no x-amzn-RequestId", what)
	}
}

func TestDataProtocol(t *testing.T) {
	e := start(t)
	id := simpleAD(t, e, apptest.AccountA)
	wantDataError(t, "signed for ds", dataCallAs(t, e, apptest.AccountA, "ds", "ListUsers", id, map[string]any{}), 400, "InvalidSignatureException")
	r := dataCallAs(t, e, apptest.AccountA, "", "ListUsers", id, map[string]any{})
	if r.status/100 != 4 || r.header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %v %v", r.status, r.header, r.body)
	}

	// Injected faults reach the data plane too.
	e.Control("POST", "faults/calls", map[string]any{"operation": "ListUsers", "error": "ThrottlingException", "status": 429, "count": 1}, nil)
	wantDataError(t, "injected throttling", dataCall(t, e, apptest.AccountA, "ListUsers", id, map[string]any{}), 429, "ThrottlingException")
	if r := dataCall(t, e, apptest.AccountA, "ListUsers", id, map[string]any{}); r.status != 200 {
		t.Errorf("after the fault: %d %v", r.status, r.body)
	}
}
