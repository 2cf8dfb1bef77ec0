package dsdata_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The Directory Service Data family's tests run the real app
// (internal/apptest) on the store DESKPLANE_TEST_STORE names.

const dirPassword = "Sup3r-Secret!"

var dirSubnets = []string{"subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"}

func dirStart(t *testing.T) *apptest.Env {
	t.Helper()
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	return e
}

func dirCreateSimpleAD(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:        aws.String("corp.example.com"),
		Password:    aws.String(dirPassword),
		Size:        dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: dirSubnets},
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	return aws.ToString(out.DirectoryId)
}

// dirActive creates a Simple AD directory and walks it to Active.
func dirActive(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	id := dirCreateSimpleAD(t, e, account)
	e.Advance(4 * time.Minute)
	return id
}

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

func TestDataUsers(t *testing.T) {
	e := dirStart(t)
	a := apptest.AccountA
	id := dirCreateSimpleAD(t, e, a)

	r := dataCall(t, e, a, "CreateUser", id, map[string]any{"SAMAccountName": "Alice"})
	wantDataError(t, "create in a Requested directory", r, 400, "DirectoryUnavailableException")
	if r.str("Reason") != "INVALID_DIRECTORY_STATE" {
		t.Errorf("Reason %q", r.str("Reason"))
	}
	e.Advance(4 * time.Minute)

	// The administrator is there from the start.
	r = dataCall(t, e, a, "ListUsers", id, map[string]any{})
	if r.status != 200 || r.header.Get("Content-Type") != "application/json" || r.str("DirectoryId") != id || r.str("Realm") != "corp.example.com" {
		t.Fatalf("ListUsers: %d %v %v", r.status, r.header, r.body)
	}
	users, _ := r.body["Users"].([]any)
	if len(users) != 1 || users[0].(map[string]any)["SAMAccountName"] != "Administrator" || users[0].(map[string]any)["Enabled"] != true {
		t.Errorf("initial users: %v", users)
	}

	r = dataCall(t, e, a, "CreateUser", id, map[string]any{"SAMAccountName": "Alice", "GivenName": "Alice", "Surname": "Liddell",
		"EmailAddress": "alice@example.com", "ClientToken": "token-1",
		"OtherAttributes": map[string]any{"department": map[string]any{"S": "Finance"}, "employeeNumber": map[string]any{"N": 42}}})
	sid := r.str("SID")
	if r.status != 200 || r.str("SAMAccountName") != "Alice" || r.str("DirectoryId") != id || !regexp.MustCompile(`^S-1-5-21-\d+-\d+-\d+-\d+$`).MatchString(sid) {
		t.Fatalf("CreateUser: %d %v", r.status, r.body)
	}
	// Idempotent with the same client token; a conflict otherwise.
	r = dataCall(t, e, a, "CreateUser", id, map[string]any{"SAMAccountName": "Alice", "ClientToken": "token-1"})
	if r.status != 200 || r.str("SID") != sid {
		t.Errorf("retried CreateUser: %d %v", r.status, r.body)
	}
	wantDataError(t, "duplicate user (other case)", dataCall(t, e, a, "CreateUser", id, map[string]any{"SAMAccountName": "ALICE"}), 409, "ConflictException")

	r = dataCall(t, e, a, "DescribeUser", id, map[string]any{"SAMAccountName": "alice", "OtherAttributes": []string{"department", "employeeNumber", "missing"}})
	if r.status != 200 || r.str("SAMAccountName") != "Alice" || r.str("SID") != sid || r.str("GivenName") != "Alice" || r.str("Surname") != "Liddell" ||
		r.str("EmailAddress") != "alice@example.com" || r.str("UserPrincipalName") != "Alice@CORP.EXAMPLE.COM" ||
		r.str("DistinguishedName") != "CN=Alice,CN=Users,DC=corp,DC=example,DC=com" || r.str("Realm") != "corp.example.com" || r.body["Enabled"] != false {
		t.Errorf("DescribeUser: %d %v", r.status, r.body)
	}
	attrs, _ := r.body["OtherAttributes"].(map[string]any)
	if len(attrs) != 2 || attrs["department"].(map[string]any)["S"] != "Finance" || attrs["employeeNumber"].(map[string]any)["N"] != float64(42) {
		t.Errorf("OtherAttributes: %v", attrs)
	}
	r = dataCall(t, e, a, "DescribeUser", id, map[string]any{"SAMAccountName": "alice", "Realm": "other.example.com"})
	wantDataError(t, "wrong realm", r, 400, "ValidationException")
	if r.str("Reason") != "INVALID_REALM" {
		t.Errorf("Reason %q", r.str("Reason"))
	}

	// Pages.
	for _, n := range []string{"bob", "carol", "dave"} {
		if r := dataCall(t, e, a, "CreateUser", id, map[string]any{"SAMAccountName": n}); r.status != 200 {
			t.Fatalf("create %s: %d %v", n, r.status, r.body)
		}
	}
	var names []string
	token := ""
	for {
		in := map[string]any{"MaxResults": 2}
		if token != "" {
			in["NextToken"] = token
		}
		r := dataCall(t, e, a, "ListUsers", id, in)
		if r.status != 200 {
			t.Fatalf("ListUsers: %d %v", r.status, r.body)
		}
		page, _ := r.body["Users"].([]any)
		if len(page) > 2 {
			t.Errorf("page of %d", len(page))
		}
		for _, u := range page {
			names = append(names, u.(map[string]any)["SAMAccountName"].(string))
		}
		if token = r.str("NextToken"); token == "" {
			break
		}
	}
	if !slices.Equal(names, []string{"Administrator", "Alice", "bob", "carol", "dave"}) {
		t.Errorf("paged users %v", names)
	}
	wantDataError(t, "bad token", dataCall(t, e, a, "ListUsers", id, map[string]any{"NextToken": "nope"}), 400, "ValidationException")

	// Delete.
	if r := dataCall(t, e, a, "DeleteUser", id, map[string]any{"SAMAccountName": "BOB"}); r.status != 200 {
		t.Errorf("DeleteUser: %d %v", r.status, r.body)
	}
	wantDataError(t, "describe deleted", dataCall(t, e, a, "DescribeUser", id, map[string]any{"SAMAccountName": "bob"}), 404, "ResourceNotFoundException")
	wantDataError(t, "delete twice", dataCall(t, e, a, "DeleteUser", id, map[string]any{"SAMAccountName": "bob"}), 404, "ResourceNotFoundException")

	// Unknown directory, another account, missing members.
	wantDataError(t, "unknown directory", dataCall(t, e, a, "ListUsers", "d-0000000000", map[string]any{}), 404, "ResourceNotFoundException")
	wantDataError(t, "another account", dataCall(t, e, apptest.AccountB, "DescribeUser", id, map[string]any{"SAMAccountName": "alice"}), 404, "ResourceNotFoundException")
	wantDataError(t, "no SAMAccountName", dataCall(t, e, a, "CreateUser", id, map[string]any{}), 400, "ValidationException")
	wantDataError(t, "no DirectoryId", dataCall(t, e, a, "ListUsers", "", map[string]any{}), 400, "ValidationException")

	// Deleting the directory removes its users.
	if _, err := e.DS(a).DeleteDirectory(e.Ctx(), &directoryservice.DeleteDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	e.Advance(2 * time.Minute)
	id2 := dirActive(t, e, a)
	r = dataCall(t, e, a, "ListUsers", id2, map[string]any{})
	if users, _ := r.body["Users"].([]any); len(users) != 1 {
		t.Errorf("a new directory has %v", users)
	}
}

func TestDataMicrosoftADUsers(t *testing.T) {
	e := dirStart(t)
	out, err := e.DS(apptest.AccountA).CreateMicrosoftAD(e.Ctx(), &directoryservice.CreateMicrosoftADInput{
		Name: aws.String("corp.example.org"), Password: aws.String(dirPassword),
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: dirSubnets},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.DirectoryId)
	e.Advance(4 * time.Minute)
	r := dataCall(t, e, apptest.AccountA, "DescribeUser", id, map[string]any{"SAMAccountName": "admin"})
	if r.status != 200 || r.str("SAMAccountName") != "Admin" || r.str("DistinguishedName") != "CN=Admin,OU=Users,OU=CORP,DC=corp,DC=example,DC=org" ||
		!strings.HasSuffix(r.str("SID"), "-500") {
		t.Errorf("Microsoft AD admin: %d %v", r.status, r.body)
	}
}
