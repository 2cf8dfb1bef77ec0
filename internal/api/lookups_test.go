package api

import (
	"context"
	"regexp"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/memory"
)

// The shared lookups and the built-in catalogue, tested on a bare store.

func lookupServer(t *testing.T) (*Server, deskplane.Store) {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	return New(Deps{Store: st, Quotas: DefaultQuotas()}), st
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
			{dsDirKey(sc, "d-1111111111"), deskplane.DSDirectory{ID: "d-1111111111", Stage: dsStageActive}},
			{deskplane.UserKey(sc, "d-1111111111", "Alice"), deskplane.User{DirectoryID: "d-1111111111", SAMAccountName: "Alice"}},
			{dsDirKey(sc, "d-2222222222"), deskplane.DSDirectory{ID: "d-2222222222", Stage: dsStageActive, AnyUser: true}},
			{wsDirKey(sc, "wsd-abcdefgh1"), deskplane.Directory{ID: "wsd-abcdefgh1", State: wsDirRegistered}},
		} {
			if err := save(tx, r.k, r.v); err != nil {
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
	s, st := lookupServer(t)
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	other := deskplane.Scope{Account: "111111111111", Region: "us-east-1"}
	ctx := context.Background()
	if err := st.Update(ctx, func(tx deskplane.Tx) error {
		if err := save(tx, bundleKey(sc, "wsb-custom001"), deskplane.Bundle{ID: "wsb-custom001", Owner: sc.Account}); err != nil {
			return err
		}
		return save(tx, wsDirKey(sc, "d-1111111111"), deskplane.Directory{ID: "d-1111111111", State: wsDirRegistering})
	}); err != nil {
		t.Fatal(err)
	}
	code := func(err error) deskplane.Code {
		if de, ok := err.(*deskplane.Error); ok {
			return de.Code
		}
		return -1
	}
	err := st.View(ctx, func(tx deskplane.Tx) error {
		if b, err := s.visibleBundle(tx, other, "wsb-clj85qzj1"); err != nil || b.Owner != amazonOwner || b.ComputeType != "STANDARD" {
			t.Errorf("public bundle: %+v %v", b, err)
		}
		if b, err := s.visibleBundle(tx, sc, "wsb-custom001"); err != nil || b.ID != "wsb-custom001" {
			t.Errorf("own bundle: %+v %v", b, err)
		}
		if _, err := s.visibleBundle(tx, other, "wsb-custom001"); code(err) != deskplane.CodeNotFound {
			t.Errorf("another account's bundle: %v", err)
		}
		if d, err := s.registeredDirectory(tx, sc, "d-1111111111"); err != nil || d.State != wsDirRegistering {
			t.Errorf("registered directory: %+v %v", d, err)
		}
		if _, err := s.registeredDirectory(tx, other, "d-1111111111"); code(err) != deskplane.CodeNotFound {
			t.Errorf("another account's directory: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCatalogueIntegrity pins the catalogue's invariants: unique ids and
// names in the real formats, every bundle's image present, volumes that
// follow the bundle rules, Windows desktop editions absent (BYOL only).
func TestCatalogueIntegrity(t *testing.T) {
	s, _ := lookupServer(t)
	c := amazonCatalogue()
	bundleID := regexp.MustCompile(`^wsb-[0-9a-z]{9}$`)
	imageID := regexp.MustCompile(`^wsi-[0-9a-z]{9}$`)
	imageName := regexp.MustCompile(`^[a-zA-Z0-9_./()\\-]+$`)
	images := map[string]deskplane.Image{}
	for _, img := range c.images {
		if _, dup := images[img.ID]; dup || !imageID.MatchString(img.ID) || !imageName.MatchString(img.Name) || img.Owner != amazonOwner || img.State != "AVAILABLE" {
			t.Errorf("image %+v", img)
		}
		if img.OperatingSystem == "WINDOWS_10" || img.OperatingSystem == "WINDOWS_11" {
			t.Errorf("image %s: Windows desktop editions are BYOL-only", img.ID)
		}
		images[img.ID] = img
		if got, ok := s.amazonImage(img.ID); !ok || got.ID != img.ID {
			t.Errorf("amazonImage(%s) = %+v %v", img.ID, got, ok)
		}
	}
	ids, names := map[string]bool{}, map[string]bool{}
	for _, b := range c.bundles {
		img, ok := images[b.ImageID]
		if ids[b.ID] || names[b.Name] || !bundleID.MatchString(b.ID) || !ok || b.Owner != amazonOwner || b.OperatingSystem != img.OperatingSystem {
			t.Errorf("bundle %+v", b)
		}
		ids[b.ID], names[b.Name] = true, true
		if err := checkVolumes(b.ComputeType, b.RootStorageGB, b.UserStorageGB); err != nil {
			t.Errorf("bundle %s: %v", b.ID, err)
		}
		if _, ok := computeSpecOf(b.ComputeType); !ok {
			t.Errorf("bundle %s: compute %s", b.ID, b.ComputeType)
		}
		if got, ok := s.amazonBundle(b.ID); !ok || got.Name != b.Name {
			t.Errorf("amazonBundle(%s) = %+v %v", b.ID, got, ok)
		}
	}
	if _, ok := s.amazonBundle("wsb-000000000"); ok {
		t.Error("amazonBundle found an unknown id")
	}
	if _, ok := s.amazonImage("wsi-000000000"); ok {
		t.Error("amazonImage found an unknown id")
	}
}

// BenchmarkVisibleBundle measures the lookup every CreateWorkspaces request
// makes: the catalogue is built on each call.
func BenchmarkVisibleBundle(b *testing.B) {
	st := memory.New()
	defer st.Close()
	s := New(Deps{Store: st, Quotas: DefaultQuotas()})
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	b.ReportAllocs()
	for b.Loop() {
		_ = st.View(context.Background(), func(tx deskplane.Tx) error {
			_, err := s.visibleBundle(tx, sc, "wsb-3v313gvgc") // the last of the catalogue
			return err
		})
	}
}
