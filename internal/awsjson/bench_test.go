package awsjson_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// stub answers CreateWorkspaces and DescribeWorkspaces without a store, so
// the benchmarks measure the framing, decoding and validation alone.
type stub struct{ wsapi.Unimplemented }

func (stub) CreateWorkspaces(ctx context.Context, in *wsapi.CreateWorkspacesRequest) (*wsapi.CreateWorkspacesResult, error) {
	return &wsapi.CreateWorkspacesResult{FailedRequests: []wsapi.FailedCreateWorkspaceRequest{}, PendingRequests: []wsapi.Workspace{}}, nil
}

func (stub) DescribeWorkspaces(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*wsapi.DescribeWorkspacesResult, error) {
	return &wsapi.DescribeWorkspacesResult{Workspaces: []wsapi.Workspace{}}, nil
}

func createBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"Workspaces":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"DirectoryId":"d-906732325d","UserName":"user%d","BundleId":"wsb-b0s22j3d7","WorkspaceProperties":{"RunningMode":"AUTO_STOP","RunningModeAutoStopTimeoutInMinutes":60,"ComputeTypeName":"STANDARD"},"Tags":[{"Key":"team","Value":"qa"}]}`, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkDecodeValidate decodes and validates a CreateWorkspaces input of
// 25 WorkSpaces against every model trait.
func BenchmarkDecodeValidate(b *testing.B) {
	d := wsapi.NewDispatcher(stub{})
	body := createBody(25)
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Invoke(ctx, "CreateWorkspaces", body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkErrorEncoding encodes a modeled error with its extra members.
func BenchmarkErrorEncoding(b *testing.B) {
	msg, id := "The specified WorkSpace could not be found.", "ws-0d4y2sbl5"
	e := &wsapi.ResourceNotFoundException{Message: &msg, ResourceId: &id}
	b.ReportAllocs()
	for b.Loop() {
		if len(awsjson.EncodeError(e)) == 0 {
			b.Fatal("empty")
		}
	}
}

// BenchmarkRequestPath is one whole DescribeWorkspaces request through the
// httpx chain in-process: request id, access log (discarded), panic
// recovery, body, target, SigV4 verification, the fault hook, dispatch,
// encoding — everything but the network and the store.
func BenchmarkRequestPath(b *testing.B) {
	creds := []sigv4.Credential{{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	v, err := sigv4.NewVerifier(creds, sigv4.Options{})
	if err != nil {
		b.Fatal(err)
	}
	h := httpx.New(httpx.Config{Verifier: v, Hook: func(context.Context, deskplane.Caller) error { return nil }}).Handler(awsjson.New(awsjson.Service{
		TargetPrefix: wsapi.TargetPrefix, SigningName: wsapi.SigningName, Operations: wsapi.OperationNames(),
		Backend: wsapi.NewDispatcher(stub{}), MapError: func(err error) awsjson.CodedError { return err.(awsjson.CodedError) },
	}))
	body := []byte(`{"Limit":25}`)
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4599/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "WorkspacesService.DescribeWorkspaces")
	if err := sigv4.Sign(req, body, creds[0], "us-east-1", "workspaces", time.Now()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r := req.Clone(context.Background())
		r.Body = nopCloser{bytes.NewReader(body)}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
