package recordcache

import (
	"fmt"
	"testing"

	"github.com/deskplane/deskplane"
)

func TestRecordCacheFollowsVersions(t *testing.T) {
	c := New(32, JSON[deskplane.Workspace])
	k := deskplane.Key{Scope: deskplane.Scope{Account: "000000000000", Region: "us-east-1"}, Kind: deskplane.KindWorkspace, ID: "ws-abcdefghi"}
	r1 := deskplane.Record{Key: k, Seq: 7, Version: 1, Data: []byte(`{"id":"ws-abcdefghi","state":"PENDING"}`)}
	a, err := c.Decode(r1)
	if err != nil || a.State != deskplane.WorkspacePending {
		t.Fatalf("%+v %v", a, err)
	}
	if b, _ := c.Decode(r1); b != a {
		t.Fatal("the same version was decoded again")
	}
	r2 := r1
	r2.Version, r2.Data = 2, []byte(`{"id":"ws-abcdefghi","state":"AVAILABLE"}`)
	if b, _ := c.Decode(r2); b.State != deskplane.WorkspaceAvailable {
		t.Fatalf("a new version came from the cache: %s", b.State)
	}
	r3 := r1 // deleted and written again: new Seq, Version 1 again
	r3.Seq, r3.Data = 9, []byte(`{"id":"ws-abcdefghi","state":"TERMINATED"}`)
	if b, _ := c.Decode(r3); b.State != deskplane.WorkspaceTerminated {
		t.Fatalf("a recreated record came from the cache: %s", b.State)
	}
	if _, err := c.Decode(deskplane.Record{Key: k, Seq: 10, Version: 1, Data: []byte(`{`)}); err == nil {
		t.Fatal("bad JSON decoded")
	}
	for i := range 1000 {
		k.ID = fmt.Sprintf("ws-%09d", i)
		if _, err := c.Decode(deskplane.Record{Key: k, Seq: int64(i), Version: 1, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for i := range c.shards {
		n += len(c.shards[i].m)
	}
	if n > 32 {
		t.Fatalf("the cache holds %d entries, capacity 32", n)
	}
}
