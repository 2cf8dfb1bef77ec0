package recordcache

import (
	"fmt"
	"testing"

	"github.com/deskplane/deskplane"
)

func TestRecordCacheFollowsVersions(t *testing.T) {
	c := New(1<<20, JSON[deskplane.Workspace], nil)
	k := deskplane.Key{Scope: deskplane.Scope{Account: "000000000000", Region: "us-east-1"}, Kind: deskplane.KindWorkspace, ID: "ws-abcdefghi"}
	r1 := deskplane.Record{Key: k, Seq: 7, Version: 1, Data: []byte(`{"id":"ws-abcdefghi","state":"PENDING"}`)}
	a, err := c.Get(r1)
	if err != nil || a.State != deskplane.WorkspacePending {
		t.Fatalf("%+v %v", a, err)
	}
	if b, _ := c.Get(r1); b != a {
		t.Fatal("the same version was decoded again")
	}
	r2 := r1
	r2.Version, r2.Data = 2, []byte(`{"id":"ws-abcdefghi","state":"AVAILABLE"}`)
	if b, _ := c.Get(r2); b.State != deskplane.WorkspaceAvailable {
		t.Fatalf("a new version came from the cache: %s", b.State)
	}
	r3 := r1 // deleted and written again: new Seq, Version 1 again
	r3.Seq, r3.Data = 9, []byte(`{"id":"ws-abcdefghi","state":"TERMINATED"}`)
	if b, _ := c.Get(r3); b.State != deskplane.WorkspaceTerminated {
		t.Fatalf("a recreated record came from the cache: %s", b.State)
	}
	if _, err := c.Get(deskplane.Record{Key: k, Seq: 10, Version: 1, Data: []byte(`{`)}); err == nil {
		t.Fatal("bad JSON decoded")
	}
	// Another key under a Seq and Version already cached (a store that
	// broke the Seq contract) is never answered with the other's entry.
	other := r1
	other.ID, other.Data = "ws-zzzzzzzzz", []byte(`{"id":"ws-zzzzzzzzz","state":"STOPPED"}`)
	if b, _ := c.Get(other); b.ID != "ws-zzzzzzzzz" || b.State != deskplane.WorkspaceStopped {
		t.Fatalf("another key's entry was served: %+v", b)
	}
}

func TestRecordCacheBoundedByBytes(t *testing.T) {
	type blob struct{ b []byte }
	const max = 64 << 10
	c := New(max, func(data []byte) (*blob, error) { return &blob{append([]byte(nil), data...)}, nil },
		func(b *blob) int { return len(b.b) })
	k := deskplane.Key{Scope: deskplane.Scope{Account: "000000000000", Region: "us-east-1"}, Kind: deskplane.KindWorkspace}
	data := make([]byte, 1000)
	for i := range 1000 {
		k.ID = fmt.Sprintf("ws-%09d", i)
		b, err := c.Get(deskplane.Record{Key: k, Seq: int64(i + 1), Version: 1, Data: data})
		if err != nil || len(b.b) != len(data) {
			t.Fatalf("%d: %v", i, err)
		}
		if n := c.Bytes(); n > max {
			t.Fatalf("after %d entries the cache holds %d bytes, bound %d", i+1, n, max)
		}
	}
	if c.Len() == 0 || c.Len() > max/1000 {
		t.Fatalf("the cache holds %d entries of over 1,000 bytes, bound %d bytes", c.Len(), max)
	}
	// An entry larger than a shard's share is made but not kept.
	k.ID = "ws-huge"
	if b, err := c.Get(deskplane.Record{Key: k, Seq: 5000, Version: 1, Data: make([]byte, max)}); err != nil || len(b.b) != max {
		t.Fatalf("huge entry: %v", err)
	}
	if n := c.Bytes(); n > max {
		t.Fatalf("the cache holds %d bytes, bound %d", n, max)
	}
}

func TestRecordCacheLookup(t *testing.T) {
	c := New(1<<20, JSON[deskplane.Workspace], nil)
	k := deskplane.Key{Scope: deskplane.Scope{Account: "000000000000", Region: "us-east-1"}, Kind: deskplane.KindWorkspace, ID: "ws-abcdefghi"}
	r := deskplane.Record{Key: k, Seq: 7, Version: 1, Data: []byte(`{"id":"ws-abcdefghi","state":"PENDING"}`)}
	head := r
	head.Data = nil
	if _, ok := c.Lookup(head); ok {
		t.Fatal("found before it was made")
	}
	a, err := c.Get(r)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := c.Lookup(head); !ok || b != a {
		t.Fatalf("Lookup = %v, %v; want the entry Get made", b, ok)
	}
	for _, other := range []deskplane.Record{
		{Key: k, Seq: 7, Version: 2}, // a later version
		{Key: k, Seq: 8, Version: 1}, // written again under a new Seq
		{Key: deskplane.Key{Scope: k.Scope, Kind: k.Kind, ID: "ws-zzzzzzzzz"}, Seq: 7, Version: 1}, // another key
	} {
		if _, ok := c.Lookup(other); ok {
			t.Fatalf("Lookup(%s seq %d version %d) found the entry of seq 7 version 1", other.ID, other.Seq, other.Version)
		}
	}
}
