package deskplane_test

import (
	"context"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/memory"
)

func TestRecordsAndTags(t *testing.T) {
	st := memory.New()
	defer st.Close()
	ctx := context.Background()
	sc := deskplane.Scope{Account: "000000000000", Region: "us-east-1"}
	groups := deskplane.IPGroups()
	err := st.Update(ctx, func(tx deskplane.Tx) error {
		for _, id := range []string{"wsipg-a", "wsipg-b", "wsipg-c"} {
			if err := groups.Put(tx, sc, id, &deskplane.IPGroup{ID: id, Name: "n-" + id}); err != nil {
				return err
			}
		}
		return deskplane.MergeTags(tx, sc, "wsipg-a", []deskplane.Tag{{Key: "k1", Value: "v1"}, {Key: "k2", Value: "v2"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(ctx, func(tx deskplane.Tx) error {
		g, ok, err := groups.Get(tx, sc, "wsipg-b")
		if err != nil || !ok || g.Name != "n-wsipg-b" {
			t.Errorf("Get = %+v %v %v", g, ok, err)
		}
		if g, ok, err := groups.Get(tx, sc, "wsipg-z"); err != nil || ok || g != nil {
			t.Errorf("Get of a missing record = %+v %v %v", g, ok, err)
		}
		notFound := func() error { return deskplane.NotFound("wsipg-z", "gone") }
		if err := groups.Modify(tx, sc, "wsipg-z", notFound, func(*deskplane.IPGroup) error { return nil }); !deskplane.HasCode(err, deskplane.CodeNotFound) {
			t.Errorf("Modify of a missing record: %v", err)
		}
		if err := groups.Modify(tx, sc, "wsipg-c", notFound, func(g *deskplane.IPGroup) error {
			g.Description = "changed"
			return nil
		}); err != nil {
			return err
		}
		var ids []string
		err = groups.Each(tx, sc, 0, func(_ int64, g *deskplane.IPGroup) (bool, error) {
			ids = append(ids, g.ID)
			return len(ids) < 2, nil
		})
		if err != nil || len(ids) != 2 || ids[0] != "wsipg-a" || ids[1] != "wsipg-b" {
			t.Errorf("Each stopped at %v %v, want the first two in creation order", ids, err)
		}
		if n, err := groups.Count(tx, sc); n != 3 || err != nil {
			t.Errorf("Count = %d %v", n, err)
		}
		// Tags: overwrite one, add one, keep creation order.
		if err := deskplane.MergeTags(tx, sc, "wsipg-a", []deskplane.Tag{{Key: "k3", Value: "v3"}, {Key: "k1", Value: "new"}}); err != nil {
			return err
		}
		tags, err := deskplane.ReadTags(tx, sc, "wsipg-a")
		if err != nil || len(tags) != 3 || tags[0] != (deskplane.Tag{Key: "k1", Value: "new"}) || tags[2].Key != "k3" {
			t.Errorf("tags %v %v", tags, err)
		}
		return deskplane.DeleteTags(tx, sc, "wsipg-a")
	})
	if err != nil {
		t.Fatal(err)
	}
	_ = st.View(ctx, func(tx deskplane.Tx) error {
		if g, _, _ := groups.Get(tx, sc, "wsipg-c"); g == nil || g.Description != "changed" {
			t.Errorf("Modify did not save: %+v", g)
		}
		if tags, err := deskplane.ReadTags(tx, sc, "wsipg-a"); err != nil || len(tags) != 0 {
			t.Errorf("tags after DeleteTags: %v %v", tags, err)
		}
		return nil
	})
}

func TestCheckTags(t *testing.T) {
	many := make([]deskplane.Tag, deskplane.MaxTagsPerResource+1)
	for i := range many {
		many[i] = deskplane.Tag{Key: "k" + string(rune('a'+i%26)) + string(rune('a'+i/26))}
	}
	cases := []struct {
		name string
		tags []deskplane.Tag
		code deskplane.Code // CodeInternal: accepted
	}{
		{"fine", []deskplane.Tag{{Key: "Team", Value: "a b+c=d.e_f:g/h@i"}}, deskplane.CodeInternal},
		{"empty key", []deskplane.Tag{{Key: ""}}, deskplane.CodeInvalidParameter},
		{"reserved prefix", []deskplane.Tag{{Key: "AWS:name"}}, deskplane.CodeInvalidParameter},
		{"bad character", []deskplane.Tag{{Key: "a", Value: "tab\there"}}, deskplane.CodeInvalidParameter},
		{"duplicate key", []deskplane.Tag{{Key: "a"}, {Key: "a"}}, deskplane.CodeInvalidParameter},
		{"too many", many, deskplane.CodeLimitExceeded},
	}
	for _, c := range cases {
		err := deskplane.CheckTags(c.tags)
		if c.code == deskplane.CodeInternal && err != nil || c.code != deskplane.CodeInternal && !deskplane.HasCode(err, c.code) {
			t.Errorf("%s: %v, want code %d", c.name, err, c.code)
		}
	}
}
