package postgres

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/deskplane/deskplane"
)

// pageFixture stores a settings record and n records of kind "w" in one
// scope, and records of that kind elsewhere that no page may show.
func pageFixture(t *testing.T, s *Store, n int) (deskplane.Scope, []deskplane.Record) {
	t.Helper()
	ctx := context.Background()
	sc := deskplane.Scope{Account: "111122223333", Region: "us-east-1"}
	var recs []deskplane.Record
	err := s.Update(ctx, func(tx deskplane.Tx) error {
		recs = nil
		if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "settings", ID: "s"}, []byte(`{"x":1}`)); err != nil {
			return err
		}
		for i := range n {
			r, err := tx.Put(deskplane.Key{Scope: sc, Kind: "w", ID: fmt.Sprintf("w-%03d", i)}, fmt.Appendf(nil, `{"i":%d}`, i))
			if err != nil {
				return err
			}
			recs = append(recs, r)
			other := deskplane.Scope{Account: "444455556666", Region: sc.Region}
			if _, err := tx.Put(deskplane.Key{Scope: other, Kind: "w", ID: fmt.Sprintf("o-%03d", i)}, []byte(`{}`)); err != nil {
				return err
			}
			if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "v", ID: fmt.Sprintf("v-%03d", i)}, []byte(`{}`)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sc, recs
}

// checkPage compares a page with the records expected; want's Data is
// compared where the page has Data.
func checkPage(t *testing.T, got []deskplane.Record, want []deskplane.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("page of %d records, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Key != w.Key || g.Seq != w.Seq || g.Version != w.Version {
			t.Fatalf("record %d: %v seq %d version %d, want %v seq %d version %d", i, g.Key, g.Seq, g.Version, w.Key, w.Seq, w.Version)
		}
		if g.Data != nil && !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("record %d (%s): data %s, want %s", i, g.ID, g.Data, w.Data)
		}
	}
}

func TestReadPage(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	sc, recs := pageFixture(t, s, 30)
	with := deskplane.Key{Scope: sc, Kind: "settings", ID: "s"}

	// Everything, with Data.
	p, err := s.ReadPage(ctx, deskplane.PageQuery{With: with, Scope: sc, Kind: "w", AfterSeq: recs[4].Seq, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !p.WithFound || p.With.Key != with || string(p.With.Data) != `{"x":1}` || p.With.Version != 1 {
		t.Fatalf("with: %+v found %v", p.With, p.WithFound)
	}
	checkPage(t, p.Records, recs[5:15])
	if !p.More {
		t.Fatal("More is false with 15 records after the page")
	}
	for i, r := range p.Records {
		if r.Data == nil {
			t.Fatalf("record %d has no data", i)
		}
	}

	// The caller holds the records of even index: only the others carry
	// Data; one round trip when it holds them all.
	for _, hold := range []string{"even", "all", "none"} {
		t.Run(hold, func(t *testing.T) {
			have := func(r deskplane.Record) bool {
				if r.Data != nil {
					t.Errorf("Have got %s with data", r.ID)
				}
				switch hold {
				case "all":
					return true
				case "none":
					return false
				}
				var i int
				_, _ = fmt.Sscanf(r.ID, "w-%d", &i)
				return i%2 == 0
			}
			rt := s.roundTrips.Load()
			p, err := s.ReadPage(ctx, deskplane.PageQuery{With: with, Scope: sc, Kind: "w", Limit: 26, Have: have})
			if err != nil {
				t.Fatal(err)
			}
			checkPage(t, p.Records, recs[:26])
			if !p.More {
				t.Fatal("More is false with 4 records after the page")
			}
			for i, r := range p.Records {
				if lacks := hold == "none" || (hold == "even" && i%2 == 1); lacks != (r.Data != nil) {
					t.Fatalf("record %d: data %q", i, r.Data)
				}
			}
			wantRT := int64(2)
			if hold == "all" {
				wantRT = 1
			}
			if n := s.roundTrips.Load() - rt; n != wantRT {
				t.Fatalf("%d round trips, want %d", n, wantRT)
			}
		})
	}

	// The page ends with the last record.
	p, err = s.ReadPage(ctx, deskplane.PageQuery{Scope: sc, Kind: "w", AfterSeq: recs[4].Seq, Limit: 25,
		Have: func(deskplane.Record) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	checkPage(t, p.Records, recs[5:])
	if p.More || p.WithFound {
		t.Fatalf("page to the end: More %v, WithFound %v", p.More, p.WithFound)
	}

	// Absent With, empty page.
	p, err = s.ReadPage(ctx, deskplane.PageQuery{With: deskplane.Key{Scope: sc, Kind: "settings", ID: "none"},
		Scope: sc, Kind: "w", AfterSeq: recs[29].Seq, Limit: 26, Have: func(deskplane.Record) bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	if p.WithFound || len(p.Records) != 0 || p.More {
		t.Fatalf("page after the last: %+v", p)
	}
}

// TestReadPageWrittenBetween writes records of the page while ReadPage
// asks Have about them, i.e. between its statements: the answer must be one
// state of the store, the later one here, with every record's Data.
func TestReadPageWrittenBetween(t *testing.T) {
	s := openFresh(t)
	ctx := context.Background()
	sc, recs := pageFixture(t, s, 10)
	for _, change := range []string{"put", "delete"} {
		t.Run(change, func(t *testing.T) {
			var after []deskplane.Record
			wrote := false
			have := func(r deskplane.Record) bool {
				if wrote || r.ID != "w-003" {
					return r.ID != "w-003"
				}
				wrote = true
				err := s.Update(ctx, func(tx deskplane.Tx) error {
					k := deskplane.Key{Scope: sc, Kind: "w", ID: "w-003"}
					if change == "delete" {
						_, err := tx.Delete(k)
						return err
					}
					_, err := tx.Put(k, []byte(`{"i":"changed"}`))
					return err
				})
				if err != nil {
					t.Error(err)
				}
				return false
			}
			p, err := s.ReadPage(ctx, deskplane.PageQuery{Scope: sc, Kind: "w", Limit: 26, Have: have})
			if err != nil {
				t.Fatal(err)
			}
			if !wrote {
				t.Fatal("Have was not asked about w-003")
			}
			if err := s.View(ctx, func(tx deskplane.Tx) error {
				return tx.List(sc, "w", 0, func(r deskplane.Record) bool {
					r.Data = bytes.Clone(r.Data)
					after = append(after, r)
					return true
				})
			}); err != nil {
				t.Fatal(err)
			}
			checkPage(t, p.Records, after)
			for i, r := range p.Records {
				if r.Data == nil {
					t.Fatalf("record %d (%s) has no data after a re-read", i, r.ID)
				}
			}
			if len(after) == len(recs) && after[3].Version == recs[3].Version {
				t.Fatal("the write did not happen")
			}
		})
	}
}
