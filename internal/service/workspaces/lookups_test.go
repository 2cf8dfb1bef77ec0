package workspaces

import (
	"context"
	"errors"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/service/env"
)

// The shared lookups and the built-in catalogue, tested on a bare store.

func lookupServer(t *testing.T) (*Service, deskplane.Store) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	return New(env.Env{Store: st, Quotas: deskplane.DefaultQuotas()}), st
}

func TestLookupUserInDirectory(t *testing.T) {
	s, st := lookupServer(t)
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	other := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	ctx := context.Background()
	err := st.Update(ctx, func(tx deskplane.Tx) error {
		for _, r := range []struct {
			k deskplane.Key
			v any
		}{
			{directory.DSDirectories().Key(sc, "d-1111111111"), directory.DSDirectory{ID: "d-1111111111", Stage: deskplane.DSDirectoryActive}},
			{directory.UserKey(sc, "d-1111111111", "Alice"), directory.User{DirectoryID: "d-1111111111", SAMAccountName: "Alice"}},
			{directory.DSDirectories().Key(sc, "d-2222222222"), directory.DSDirectory{ID: "d-2222222222", Stage: deskplane.DSDirectoryActive, AnyUser: true}},
			{deskplane.Directories().Key(sc, "wsd-abcdefgh1"), deskplane.Directory{ID: "wsd-abcdefgh1", State: deskplane.DirectoryRegistered}},
		} {
			if err := deskplane.Save(tx, r.k, r.v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		sc        deskplane.Scope
		dir, user string
		want      bool
	}{
		{sc, "d-1111111111", "Alice", true},
		{sc, "d-1111111111", "ALICE", true},
		{sc, "d-1111111111", "alice", true},
		{sc, "d-1111111111", "bob", false},
		{sc, "d-1111111111", "", false},
		{sc, "d-2222222222", "anyone-at-all", true},
		{sc, "wsd-abcdefgh1", "someone", true},
		{sc, "d-3333333333", "Alice", false},
		{other, "d-1111111111", "Alice", false},
	}
	err = st.View(ctx, func(tx deskplane.Tx) error {
		for _, c := range cases {
			got, err := s.userInDirectory(tx, c.sc, c.dir, c.user)
			if err != nil {
				return err
			}
			if got != c.want {
				t.Errorf("userInDirectory(%s, %s, %q) = %v, want %v", c.sc.Account, c.dir, c.user, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLookupBundlesAndDirectories(t *testing.T) {
	_, st := lookupServer(t)
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	other := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	ctx := context.Background()
	if err := st.Update(ctx, func(tx deskplane.Tx) error {
		if err := deskplane.Save(tx, deskplane.Bundles().Key(sc, "wsb-custom001"), deskplane.Bundle{ID: "wsb-custom001", Owner: sc.Account}); err != nil {
			return err
		}
		return deskplane.Save(tx, deskplane.Directories().Key(sc, "d-1111111111"), deskplane.Directory{ID: "d-1111111111", State: deskplane.DirectoryRegistering})
	}); err != nil {
		t.Fatal(err)
	}
	code := func(err error) deskplane.Code {
		if de, ok := errors.AsType[*deskplane.Error](err); ok {
			return de.Code
		}
		return -1
	}
	err := st.View(ctx, func(tx deskplane.Tx) error {
		if b, err := visibleBundle(tx, other, "wsb-clj85qzj1"); err != nil || b.Owner != deskplane.AmazonOwner || b.ComputeType != "STANDARD" {
			t.Errorf("public bundle: %+v %v", b, err)
		}
		if b, err := visibleBundle(tx, sc, "wsb-custom001"); err != nil || b.ID != "wsb-custom001" {
			t.Errorf("own bundle: %+v %v", b, err)
		}
		if _, err := visibleBundle(tx, other, "wsb-custom001"); code(err) != deskplane.CodeNotFound {
			t.Errorf("another account's bundle: %v", err)
		}
		if d, err := registeredDirectory(tx, sc, "d-1111111111"); err != nil || d.State != deskplane.DirectoryRegistering {
			t.Errorf("registered directory: %+v %v", d, err)
		}
		if _, err := registeredDirectory(tx, other, "d-1111111111"); code(err) != deskplane.CodeNotFound {
			t.Errorf("another account's directory: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkVisibleBundle measures the lookup every CreateWorkspaces request
// makes: the catalogue is built on each call.
func BenchmarkVisibleBundle(b *testing.B) {
	st := memory.New()
	defer st.Close()
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	b.ReportAllocs()
	for b.Loop() {
		_ = st.View(context.Background(), func(tx deskplane.Tx) error {
			_, err := visibleBundle(tx, sc, "wsb-3v313gvgc") // the last of the catalogue
			return err
		})
	}
}
