package storetest

import (
	"errors"
	"testing"

	"github.com/deskplane/deskplane"
)

// testPrefetch: Prefetch changes no result. Gets after it answer what Gets
// without it would: present and absent keys, keys of several scopes and
// kinds, ids that are a prefix of a stored one, and keys written after the
// Prefetch (the write wins over what the Prefetch read).
func testPrefetch(t *testing.T, s deskplane.Store) {
	a := put(t, s, key(scopeA1, kindWS, "ws-1"), `{"a":1}`)
	b := put(t, s, key(scopeB1, kindWS, "ws-1"), `{"b":1}`)
	put(t, s, key(scopeA1, kindWS, "ws-10"), `{"a":10}`) // after "ws-1" and "ws-"
	img := put(t, s, key(scopeA1, kindImg, "ws-1"), `{"img":1}`)
	written := key(scopeA1, kindWS, "written")
	deleted := key(scopeA1, kindWS, "ws-10")
	absent := []deskplane.Key{
		key(scopeA1, kindWS, "ws-"), key(scopeA1, kindWS, "ws-2"), key(scopeA2, kindWS, "ws-1"),
		key(scopeA1, "other", "ws-1"), key(scopeA1, kindWS, ""),
	}
	want := map[deskplane.Key]deskplane.Record{a.Key: a, b.Key: b, img.Key: img}

	check := func(tx deskplane.Tx) {
		t.Helper()
		for k, w := range want {
			got, err := tx.Get(k)
			if err != nil {
				t.Errorf("Get %v after Prefetch: %v", k, err)
				continue
			}
			checkRecord(t, got, k, w.Version, string(w.Data))
			if got.Seq != w.Seq {
				t.Errorf("Get %v after Prefetch: Seq %d, want %d", k, got.Seq, w.Seq)
			}
		}
		for _, k := range absent {
			if _, err := tx.Get(k); !errors.Is(err, deskplane.ErrNotFound) {
				t.Errorf("Get %v after Prefetch: err = %v, want ErrNotFound", k, err)
			}
		}
	}
	all := append([]deskplane.Key{a.Key, b.Key, img.Key, a.Key, written, deleted}, absent...)
	view(t, s, func(tx deskplane.Tx) error {
		if err := tx.Prefetch(all); err != nil {
			return err
		}
		check(tx)
		return nil
	})
	update(t, s, func(tx deskplane.Tx) error {
		if err := tx.Prefetch(all); err != nil {
			return err
		}
		// Writes of prefetched keys before any Get of them.
		if _, err := tx.Put(written, []byte(`{"w":1}`)); err != nil {
			return err
		}
		if ok, err := tx.Delete(deleted); err != nil || !ok {
			t.Errorf("Delete of a prefetched key: %v, %v", ok, err)
		}
		check(tx)
		if got, err := tx.Get(written); err != nil || string(got.Data) != `{"w":1}` || got.Version != 1 {
			t.Errorf("Get of a key written after its Prefetch: %+v, %v", got, err)
		}
		if _, err := tx.Get(deleted); !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("Get of a key deleted after its Prefetch: err = %v", err)
		}
		// Prefetch of keys the tx knows already.
		if err := tx.Prefetch([]deskplane.Key{written, deleted, a.Key}); err != nil {
			return err
		}
		if got, err := tx.Get(written); err != nil || string(got.Data) != `{"w":1}` {
			t.Errorf("Get of a written key prefetched again: %+v, %v", got, err)
		}
		if _, err := tx.Get(deleted); !errors.Is(err, deskplane.ErrNotFound) {
			t.Errorf("Get of a deleted key prefetched again: err = %v", err)
		}
		return nil
	})
	if got, ok := get(t, s, written); !ok || string(got.Data) != `{"w":1}` {
		t.Errorf("after commit: %+v, %v", got, ok)
	}
	if _, ok := get(t, s, deleted); ok {
		t.Error("after commit: the deleted key is there")
	}
	// An empty Prefetch is fine; so is one whose tx then writes nothing.
	update(t, s, func(tx deskplane.Tx) error { return tx.Prefetch(nil) })
	update(t, s, func(tx deskplane.Tx) error { return tx.Prefetch([]deskplane.Key{written}) })
}
