package deskplane_test

import (
	"context"
	"errors"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/memory"
)

func TestTransitionFaultIsTakenInTheTransaction(t *testing.T) {
	st := memory.New()
	defer st.Close()
	ctx := context.Background()
	s := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	if err := (deskplane.TransitionFault{}).Validate(); err == nil {
		t.Fatal("a transition fault without a state was accepted")
	}
	err := st.Update(ctx, func(tx deskplane.Tx) error {
		_, err := deskplane.AddTransitionFault(tx, deskplane.TransitionFault{Kind: "workspace", State: "ERROR", ErrorCode: "X", Count: 2})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	take := func(kind deskplane.Kind, id string) (deskplane.TransitionFault, bool) {
		t.Helper()
		var f deskplane.TransitionFault
		var ok bool
		if err := st.Update(ctx, func(tx deskplane.Tx) error {
			var err error
			f, ok, err = deskplane.TakeTransitionFault(tx, kind, s, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return f, ok
	}
	if _, ok := take(deskplane.KindImage, "wsi-1"); ok {
		t.Fatal("an image matched a workspace fault")
	}
	// A take in a transaction that is rolled back is rolled back too.
	rollback := errors.New("rollback")
	err = st.Update(ctx, func(tx deskplane.Tx) error {
		if _, ok, err := deskplane.TakeTransitionFault(tx, deskplane.KindWorkspace, s, "ws-1"); err != nil || !ok {
			t.Fatalf("take in the rolled-back transaction: %v %v", ok, err)
		}
		return rollback
	})
	if !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	for i := range 2 {
		if f, ok := take(deskplane.KindWorkspace, "ws-1"); !ok || f.State != "ERROR" || f.Hits != i+1 {
			t.Fatalf("take %d: %v %+v", i, ok, f)
		}
	}
	if _, ok := take(deskplane.KindWorkspace, "ws-1"); ok {
		t.Fatal("the fault outlived its count")
	}
	_ = st.View(ctx, func(tx deskplane.Tx) error {
		if fs, err := deskplane.ListTransitionFaults(tx); err != nil || len(fs) != 0 {
			t.Errorf("faults left: %+v %v", fs, err)
		}
		return nil
	})
}
