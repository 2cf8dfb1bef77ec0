package reconcile

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
)

// Store returns s wrapped so that every write of a WorkSpace that names a
// node also touches its desktop record in the same transaction
// (desktops.TouchDesktop), and so that once such a transaction commits
// the reconciler looks at once. The families and the lifecycle engine work
// on this store; they never learn that desktops exist, except for the
// gates that make a transition wait for its desktop
// (docs/decisions/0184-desktop-reconciler.md).
func (r *Reconciler) Store(s deskplane.Store) deskplane.Store {
	return &touchingStore{Store: s, r: r}
}

type touchingStore struct {
	deskplane.Store
	r *Reconciler
}

// Unwrap returns the store wrapped, for deskplane.PageReaderOf: a
// ReadPage writes nothing.
func (s *touchingStore) Unwrap() deskplane.Store { return s.Store }

func (s *touchingStore) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	var tt *touchingTx
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		tt = &touchingTx{Tx: tx}
		return fn(tt)
	})
	if err == nil && tt != nil && tt.touched {
		s.r.Wake()
	}
	return err
}

type touchingTx struct {
	deskplane.Tx
	touched bool
}

// nodeOf reads the node a stored WorkSpace names, without decoding the
// rest of it.
func nodeOf(data []byte) string {
	var w struct {
		Node string `json:"node"`
	}
	if json.Unmarshal(data, &w) != nil {
		return ""
	}
	return w.Node
}

func (t *touchingTx) Put(k deskplane.Key, data []byte) (deskplane.Record, error) {
	rec, err := t.Tx.Put(k, data)
	if err != nil || k.Kind != deskplane.KindWorkspace {
		return rec, err
	}
	if node := nodeOf(data); node != "" {
		if err := desktops.TouchDesktop(t.Tx, node, k.Scope, k.ID); err != nil {
			return rec, err
		}
		t.touched = true
	}
	return rec, nil
}

func (t *touchingTx) Delete(k deskplane.Key) (bool, error) {
	if k.Kind != deskplane.KindWorkspace {
		return t.Tx.Delete(k)
	}
	var node string
	if rec, err := t.Tx.Get(k); err == nil {
		node = nodeOf(rec.Data)
	}
	ok, err := t.Tx.Delete(k)
	if err != nil || node == "" {
		return ok, err
	}
	t.touched = true
	return ok, desktops.TouchDesktop(t.Tx, node, k.Scope, k.ID)
}
