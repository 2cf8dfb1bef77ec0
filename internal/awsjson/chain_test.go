package awsjson_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/httpx"
	"github.com/deskplane/deskplane/internal/sigv4"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// panicking is a WorkSpaces service with a nil dereference in one handler.
type panicking struct{ wsapi.Unimplemented }

func (panicking) DescribeTags(ctx context.Context, in *wsapi.DescribeTagsRequest) (*wsapi.DescribeTagsResult, error) {
	var out *wsapi.DescribeTagsResult
	out.TagList = nil // nil dereference
	return out, nil
}

func (panicking) DescribeWorkspaces(ctx context.Context, in *wsapi.DescribeWorkspacesRequest) (*wsapi.DescribeWorkspacesResult, error) {
	return &wsapi.DescribeWorkspacesResult{Workspaces: []wsapi.Workspace{}}, nil
}

// TestHandlerPanicAnswersInternalFailure (issue 11): a handler's panic is
// answered 500 InternalFailure in the AWS JSON envelope with the request
// id in header and body, and the server keeps serving.
func TestHandlerPanicAnswersInternalFailure(t *testing.T) {
	creds := []sigv4.Credential{{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}}
	v, err := sigv4.NewVerifier(creds, sigv4.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := httpx.New(httpx.Config{Verifier: v}).Handler(awsjson.New(awsjson.Service{
		TargetPrefix: wsapi.TargetPrefix, SigningName: wsapi.SigningName, Operations: wsapi.OperationNames(),
		Backend: wsapi.NewDispatcher(panicking{}), MapError: func(err error) awsjson.CodedError {
			if ce, ok := err.(awsjson.CodedError); ok {
				return ce
			}
			return &awsjson.Error{Type: "InternalFailure", Status: 500, Message: "mapped"}
		},
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	send := func(op, body string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "WorkspacesService."+op)
		if err := sigv4.Sign(req, []byte(body), creds[0], "us-east-1", "workspaces", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v (the connection was dropped)", op, err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return resp, m
	}
	resp, m := send("DescribeTags", `{"ResourceId":"ws-abcdefghi"}`)
	id := resp.Header.Get("x-amzn-RequestId")
	if resp.StatusCode != 500 || resp.Header.Get("X-Amzn-ErrorType") != "InternalFailure" || m["__type"] != "InternalFailure" ||
		m["RequestId"] != id || id == "" || m["message"] != httpx.InternalMessage || resp.Header.Get("Content-Type") != awsjson.ContentType {
		t.Fatalf("panic answer: %d %v %v", resp.StatusCode, resp.Header, m)
	}
	if resp, m := send("DescribeWorkspaces", `{}`); resp.StatusCode != 200 || m["Workspaces"] == nil {
		t.Fatalf("after the panic: %d %v", resp.StatusCode, m)
	}
}
