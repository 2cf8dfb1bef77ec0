package storetest

import (
	"slices"
	"testing"

	"github.com/deskplane/deskplane"
)

func regions(t *testing.T, s deskplane.Store, account string) []string {
	t.Helper()
	var out []string
	view(t, s, func(tx deskplane.Tx) error {
		var err error
		out, err = tx.Regions(account)
		return err
	})
	return out
}

// testRegions: an account's Regions are those where it holds records, in
// order, as committed and as the transaction sees its own writes.
func testRegions(t *testing.T, s deskplane.Store) {
	if got := regions(t, s, scopeA1.Account); len(got) != 0 {
		t.Fatalf("Regions of an empty store = %v", got)
	}
	fill(t, s)
	if got, want := regions(t, s, scopeA1.Account), []string{"eu-west-1", "us-east-1"}; !slices.Equal(got, want) {
		t.Errorf("Regions(A) = %v, want %v", got, want)
	}
	if got, want := regions(t, s, scopeB1.Account), []string{"us-east-1"}; !slices.Equal(got, want) {
		t.Errorf("Regions(B) = %v, want %v", got, want)
	}
	update(t, s, func(tx deskplane.Tx) error {
		for _, kind := range []deskplane.Kind{kindWS, kindImg} {
			if _, err := tx.Delete(key(scopeA2, kind, "r")); err != nil {
				return err
			}
		}
		if _, err := tx.Put(key(deskplane.Scope{Account: scopeB1.Account, Region: "ap-south-1"}, kindWS, "x"), nil); err != nil {
			return err
		}
		got, err := tx.Regions(scopeB1.Account)
		if want := []string{"ap-south-1", "us-east-1"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("Regions(B) in the writing transaction = %v %v, want %v", got, err, want)
		}
		return nil
	})
	if got, want := regions(t, s, scopeA1.Account), []string{"us-east-1"}; !slices.Equal(got, want) {
		t.Errorf("Regions(A) after deleting its eu-west-1 records = %v, want %v", got, want)
	}
	update(t, s, func(tx deskplane.Tx) error { return tx.Reset(scopeB1.Account) })
	if got := regions(t, s, scopeB1.Account); len(got) != 0 {
		t.Errorf("Regions(B) after its Reset = %v", got)
	}
}
