// Package apptest starts a real deskplane in-process for end-to-end tests:
// the same composition root as the binary, on a free port, called with the
// real aws-sdk-go-v2 clients (real SigV4 signing) and driven through the
// control API.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/storetest"
)

// Accounts used by tests: the default credential and two more.
const (
	AccountA = "000000000000" // access key "test", secret "test"
	AccountB = "111111111111" // access key "testB", secret "secretB"
	AccountC = "222222222222" // access key "testC", secret "secretC"
	Region   = "us-east-1"
	Region2  = "eu-west-1"
)

// Env is one running deskplane.
type Env struct {
	T      testing.TB
	App    *app.App
	URL    string
	cancel context.CancelFunc
	done   chan error
}

// Options change how the app starts. Zero value: the store named by
// DESKPLANE_TEST_STORE (memory when unset), instant timing profile, frozen
// clock.
type Options struct {
	// Store is the store to run on: "memory", "bolt" (a fresh file in the
	// test's directory) or "postgres" (a fresh schema, dropped at cleanup;
	// see PostgresDSN). Empty means the DESKPLANE_TEST_STORE environment
	// variable, and memory when that is unset too.
	Store string
	// WrapStore, when set, wraps the store (storetest.ForcedRetries).
	WrapStore func(deskplane.Store) deskplane.Store
	// Config edits the configuration before start.
	Config func(*app.Config)
	// Running leaves the clock running (default: frozen, so that nothing
	// moves unless the test advances it).
	Running bool
	// Log shows the server log in the test output.
	Log bool
	// LogTo receives the server log (instead of the test output).
	LogTo io.Writer
	// Limits bound request bodies and answers (zero: the defaults).
	Limits httpx.Limits
}

// Start starts deskplane for the test and stops it at cleanup.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	dir := t.TempDir()
	credFile := dir + "/credentials"
	creds := "test test " + AccountA + "\ntestB secretB " + AccountB + "\ntestC secretC " + AccountC + "\n"
	if err := os.WriteFile(credFile, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults(func(string) string { return "" })
	cfg.Addr = "127.0.0.1:0"
	cfg.Timing = "instant"
	cfg.CredentialsFile = credFile
	cfg.AdminToken = "admin"
	// The tests launch Graphics WorkSpaces; AWS's default allows none
	// (decision 0322). A test of the quota sets it in Options.Config.
	cfg.QuotaGraphicsWorkspaces = 1000
	cfg.DataDir = dir + "/data"
	switch store := StoreName(o); store {
	case "memory":
		cfg.InMemory = true
	case "bolt":
		cfg.InMemory = false
	case "postgres":
		cfg.InMemory = false
		cfg.Postgres = PostgresDSN(t)
	default:
		t.Fatalf("apptest: unknown store %q (want memory, bolt or postgres; DESKPLANE_TEST_STORE=%q)", store, os.Getenv(StoreVariable))
	}
	if o.Config != nil {
		o.Config(&cfg)
	}
	var logw io.Writer
	if o.Log {
		logw = testWriter{t}
	}
	if o.LogTo != nil {
		logw = o.LogTo
	}
	ctx, cancel := context.WithCancel(context.Background())
	wrap := o.WrapStore
	if wrap == nil && os.Getenv(RetriesVariable) != "" {
		wrap = storetest.ForcedRetries
	}
	a, err := app.New(ctx, cfg, app.Options{Log: logw, WrapStore: wrap, Limits: o.Limits})
	if err != nil {
		cancel()
		t.Fatalf("starting deskplane: %v", err)
	}
	if !o.Running {
		a.Clock.Freeze()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		a.Close()
		t.Fatal(err)
	}
	e := &Env{T: t, App: a, URL: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- a.Serve(ctx, ln) }()
	t.Cleanup(e.Stop)
	return e
}

// StoreVariable names the environment variable that picks the store the
// API tests run on: memory (the default), bolt or postgres.
const StoreVariable = "DESKPLANE_TEST_STORE"

// RetriesVariable names the environment variable that, when set (to
// anything), runs every test's store under storetest.ForcedRetries: each
// Update runs its function twice, the first run rolled back. It shows
// effects that escape a transaction (docs/PATTERNS.md, "Transactions").
const RetriesVariable = "DESKPLANE_TEST_FORCED_RETRIES"

// StoreName is the store o runs on.
func StoreName(o Options) string {
	switch {
	case o.Store != "":
		return o.Store
	case os.Getenv(StoreVariable) != "":
		return os.Getenv(StoreVariable)
	}
	return "memory"
}

// PostgresDSN creates a fresh schema for the test on the PostgreSQL server
// of DESKPLANE_TEST_POSTGRES (default: the local test database) and returns
// a DSN that uses it; the schema is dropped when the test ends. It skips the
// test when the server is unreachable, except under CI=true, where it
// fails.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv("DESKPLANE_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL unreachable in CI: %v", err)
		}
		t.Skipf("PostgreSQL unreachable (set DESKPLANE_TEST_POSTGRES): %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "deskplane_apptest_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// Stop shuts the app down (idempotent).
func (e *Env) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.cancel = nil
	if err := <-e.done; err != nil {
		e.T.Errorf("deskplane stopped with: %v", err)
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// AWSConfig returns an SDK configuration signed with the given account's
// credentials (AccountA, AccountB or AccountC) in region.
func (e *Env) AWSConfig(account, region string) aws.Config {
	key, secret := "test", "test"
	switch account {
	case AccountB:
		key, secret = "testB", "secretB"
	case AccountC:
		key, secret = "testC", "secretC"
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		BaseEndpoint: aws.String(e.URL),
		Retryer:      TransportRetryer,
		HTTPClient:   NewHTTPClient(),
	}
}

// NewHTTPClient returns an HTTP client for SDK clients in tests: its own
// connection pool (so connections to a stopped server are never reused) and
// ownBodyTransport.
func NewHTTPClient() *http.Client {
	return &http.Client{Transport: ownBodyTransport{http.DefaultTransport.(*http.Transport).Clone()}}
}

// ownBodyTransport gives the transport its own copy of each request body.
// aws-sdk-go-v2 closes the request body once the answer arrives, while Go's
// transport may still be reading it for EOF; the transport then drops the
// connection under an answer not yet read ("use of closed network
// connection", aws-sdk-go-v2 #1825/#2737), which loopback's speed makes
// common. Found by the WorkSpaces tests; see also TransportRetryer.
type ownBodyTransport struct{ rt http.RoundTripper }

func (o ownBodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return o.rt.RoundTrip(r)
}

// TransportRetryer retries only a request whose connection the client
// itself closed while reading the answer (net.ErrClosed: aws-sdk-go-v2
// issues #1825 and #2737, a client-side race that loopback's speed makes
// common; the SDK's default retryer retries it too). Every answer deskplane
// gives, errors included, reaches the test as the first one.
func TransportRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if errors.Is(err, net.ErrClosed) {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
		o.RateLimiter = ratelimit.None
	})
}

// TempConfig returns an SDK configuration signed with temporary
// credentials (key, secret, session token) in region.
func (e *Env) TempConfig(key, secret, token, region string) aws.Config {
	cfg := e.AWSConfig(AccountA, region)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(key, secret, token)
	return cfg
}

// STS returns an STS client for the account in us-east-1.
func (e *Env) STS(account string) *sts.Client {
	return sts.NewFromConfig(e.AWSConfig(account, Region))
}

// IAM returns an IAM client for the account, signed for us-east-1 as the
// SDKs sign for IAM's global endpoint.
func (e *Env) IAM(account string) *iam.Client {
	return iam.NewFromConfig(e.AWSConfig(account, Region))
}

// WS returns a WorkSpaces client for the account in us-east-1.
func (e *Env) WS(account string) *workspaces.Client {
	return workspaces.NewFromConfig(e.AWSConfig(account, Region))
}

// WSIn returns a WorkSpaces client for the account in region.
func (e *Env) WSIn(account, region string) *workspaces.Client {
	return workspaces.NewFromConfig(e.AWSConfig(account, region))
}

// DS returns a Directory Service client for the account in us-east-1.
func (e *Env) DS(account string) *directoryservice.Client {
	return directoryservice.NewFromConfig(e.AWSConfig(account, Region))
}

// Control calls the control API and decodes the JSON answer into out (if
// not nil). It fails the test on any status but 2xx.
func (e *Env) Control(method, path string, in, out any) {
	e.T.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			e.T.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.URL+"/_deskplane/"+strings.TrimPrefix(path, "/"), body)
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.App.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		e.T.Fatalf("control %s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.T.Fatalf("control %s %s: decoding %s: %v", method, path, raw, err)
		}
	}
}

// ControlStatus calls the control API and returns the HTTP status only,
// for tests of its refusals.
func (e *Env) ControlStatus(method, path string, in any) int {
	e.T.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		e.T.Fatal(err)
	}
	req, err := http.NewRequest(method, e.URL+"/_deskplane/"+strings.TrimPrefix(path, "/"), bytes.NewReader(b))
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.App.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Advance moves the service clock forward by d, firing every timer that
// falls due, and returns how many fired.
func (e *Env) Advance(d time.Duration) int {
	e.T.Helper()
	var out struct {
		Fired int `json:"fired"`
	}
	e.Control("POST", "clock/advance", map[string]string{"duration": d.String()}, &out)
	return out.Fired
}

// SetTiming switches the timing profile ("instant", "fast", "realistic").
func (e *Env) SetTiming(profile string) {
	e.T.Helper()
	e.Control("PUT", "timing", map[string]any{"profile": profile}, nil)
}

// Ctx returns a context that ends with the test.
func (e *Env) Ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.T.Cleanup(cancel)
	return ctx
}

// ErrorCode returns the wire error code of an SDK error ("" for nil).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprintf("<no code: %v>", err)
}

// RegisteredDirectory creates a Simple AD directory in the account (us-east-1)
// that accepts any user name, and registers it with WorkSpaces, moving the
// clock through both transitions. It returns the directory id.
func (e *Env) RegisteredDirectory(account string) string {
	e.T.Helper()
	ctx := e.Ctx()
	out, err := e.DS(account).CreateDirectory(ctx, &directoryservice.CreateDirectoryInput{
		Name:     aws.String(fmt.Sprintf("corp%d.example.com", time.Now().UnixNano()%1e9)),
		Password: aws.String("Test-Pa55word-1"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"),
			SubnetIds: []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}},
		Tags: []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}},
	})
	if err != nil {
		e.T.Fatalf("CreateDirectory: %v", err)
	}
	e.Advance(time.Hour)
	if _, err := e.WS(account).RegisterWorkspaceDirectory(ctx, &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: out.DirectoryId}); err != nil {
		e.T.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
	return aws.ToString(out.DirectoryId)
}

// AmazonBundle returns the id of a public bundle of the AMAZON catalogue.
func (e *Env) AmazonBundle() string {
	e.T.Helper()
	out, err := e.WS(AccountA).DescribeWorkspaceBundles(e.Ctx(), &workspaces.DescribeWorkspaceBundlesInput{Owner: aws.String("AMAZON")})
	if err != nil || len(out.Bundles) == 0 {
		e.T.Fatalf("DescribeWorkspaceBundles(AMAZON): %v", err)
	}
	return aws.ToString(out.Bundles[0].BundleId)
}
