package awsjson_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/awsjson"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

func sp(s string) *string { return &s }

// describeResult is a page of n workspaces with tricky strings.
func describeResult(n int) *wsapi.DescribeWorkspacesResult {
	out := &wsapi.DescribeWorkspacesResult{NextToken: sp("a<b>&c\u2028")}
	for i := range n {
		out.Workspaces = append(out.Workspaces, wsapi.Workspace{
			WorkspaceId: sp(fmt.Sprintf("ws-%09d", i)), DirectoryId: sp("d-906732325d"), UserName: sp(fmt.Sprintf("user\"%d\\", i)),
			IpAddress: sp("10.0.1.17"), State: wsapi.WorkspaceStateAvailable, BundleId: sp("wsb-b0s22j3d7"),
			ErrorMessage:        sp("bad \xff byte, \x01 control, ünïcode"),
			WorkspaceProperties: &wsapi.WorkspaceProperties{RunningMode: wsapi.RunningModeAutoStop, ComputeTypeName: wsapi.ComputeStandard},
			ModificationStates:  []wsapi.ModificationState{},
			DataReplicationSettings: &wsapi.DataReplicationSettings{
				RecoverySnapshotTime: smithy.NewTimestamp(time.Unix(1732190000, 120e6)),
			},
		})
	}
	return out
}

// plainResult has the fields of DescribeWorkspacesResult but not its
// methods: encoding/json encodes it identically, and WriteJSON takes the
// encoding/json path for it.
type plainResult wsapi.DescribeWorkspacesResult

func TestWriteJSONAppendJSONMatchesEncodingJSON(t *testing.T) {
	enc := awsjson.NewEncoder()
	writers := map[string]func(http.ResponseWriter, int, any) int{"WriteJSON": awsjson.WriteJSON, "Encoder": enc.WriteJSON}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) { checkWriteJSON(t, write) })
	}
}

func checkWriteJSON(t *testing.T, write func(http.ResponseWriter, int, any) int) {
	// Twice, so that the Encoder's second pass reuses a buffer.
	for _, v := range []any{describeResult(3), describeResult(0), &wsapi.DescribeWorkspacesResult{}, &wsapi.CreateTagsResult{}, describeResult(3)} {
		want, _ := json.Marshal(v)
		rec := httptest.NewRecorder()
		write(rec, http.StatusOK, v)
		if got := rec.Body.String(); got != string(want) {
			t.Errorf("%T: body %s, want %s", v, got, want)
		}
		if cl := rec.Header().Get("Content-Length"); cl != strconv.Itoa(len(want)) {
			t.Errorf("%T: Content-Length %s, want %d", v, cl, len(want))
		}
	}
	for _, v := range []any{nil, (*wsapi.DescribeWorkspacesResult)(nil), (*wsapi.CreateTagsResult)(nil)} {
		rec := httptest.NewRecorder()
		write(rec, http.StatusOK, v)
		if got := rec.Body.String(); got != "{}" || rec.Header().Get("Content-Length") != "2" {
			t.Errorf("%#v: body %s, Content-Length %s, want {} and 2", v, got, rec.Header().Get("Content-Length"))
		}
	}
}

func TestEncodeErrorAppendJSON(t *testing.T) {
	e := &wsapi.ResourceNotFoundException{Message: sp("no <such> workspace"), ResourceId: sp("ws-1")}
	if got, want := string(awsjson.EncodeError(e)), `{"__type":"ResourceNotFoundException","message":"no \u003csuch\u003e workspace","ResourceId":"ws-1"}`; got != want {
		t.Errorf("EncodeError = %s, want %s", got, want)
	}
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func BenchmarkWriteJSONDescribeWorkspaces(b *testing.B) {
	out := describeResult(25)
	for _, c := range []struct {
		name string
		v    any
	}{{"encoding_json", (*plainResult)(out)}, {"AppendJSON", out}} {
		b.Run(c.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			enc := awsjson.NewEncoder() // as the server writes
			b.ReportAllocs()
			for b.Loop() {
				enc.WriteJSON(w, http.StatusOK, c.v)
			}
		})
	}
}
