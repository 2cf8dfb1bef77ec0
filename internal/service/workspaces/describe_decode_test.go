package workspaces

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/deskplane/deskplane/internal/wsapi"
)

// FuzzDescribeDecode checks that every body decodeDescribeSimple accepts
// decodes to what encoding/json (the dispatcher's decoder) makes of it.
func FuzzDescribeDecode(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, ` { } `, `{"Limit":25}`, `{"Limit": 25 }`, "{\n\t\"Limit\":\r25}",
		`{"Limit":0}`, `{"Limit":007}`, `{"Limit":-1}`, `{"Limit":2.5}`, `{"Limit":1e2}`, `{"Limit":999999999}`,
		`{"Limit":9999999999}`, `{"Limit":"25"}`, `{"Limit":null}`, `{"limit":25}`, `{"LIMIT":25}`,
		`{"Limit":25,"Limit":5}`, `{"Limit":25,}`, `{"Limit":25}x`, `{"Limit":25}}`, `{"Limit":25`, `{"Limit"25}`,
		`{"NextToken":"abc-_DEF"}`, `{"NextToken":"a\"b"}`, `{"NextToken":"a\u0041"}`, "{\"NextToken\":\"a\x01\"}",
		"{\"NextToken\":\"\xff\"}", `{"NextToken":"é€😀"}`, `{"NextToken":""}`, `{"NextToken":null}`,
		`{"DirectoryId":"d-1234567890","UserName":"Alice","Limit":5}`, `{"BundleId":"wsb-1","WorkspaceName":"n"}`,
		`{"WorkspaceIds":["ws-1"]}`, `{"Other":1}`, `null`, `[]`, `"x"`, `{"Limit":25 "NextToken":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var got wsapi.DescribeWorkspacesRequest
		if !decodeDescribeSimple(body, &got) {
			return
		}
		var want wsapi.DescribeWorkspacesRequest
		if len(body) > 0 && len(skipSpaceString(body)) > 0 {
			if err := json.Unmarshal(body, &want); err != nil {
				t.Fatalf("%q: accepted, but encoding/json refuses it: %v", body, err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decoded %+v, encoding/json %+v", body, got, want)
		}
	})
}

// skipSpaceString is body without JSON white space at the start.
func skipSpaceString(body []byte) []byte { return body[skipSpace(body, 0):] }

func TestDescribeDecodeSimple(t *testing.T) {
	var in wsapi.DescribeWorkspacesRequest
	if !decodeDescribeSimple([]byte(`{"Limit":25,"NextToken":"t"}`), &in) || in.Limit == nil || *in.Limit != 25 || in.NextToken == nil || *in.NextToken != "t" {
		t.Fatalf("%+v", in)
	}
	for _, s := range []string{`{"WorkspaceIds":["ws-1"]}`, `{"limit":25}`, `{"NextToken":"a\"b"}`, `null`} {
		if decodeDescribeSimple([]byte(s), new(wsapi.DescribeWorkspacesRequest)) {
			t.Errorf("%s: accepted; encoding/json must decode it", s)
		}
	}
}
