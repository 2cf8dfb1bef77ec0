package bundles_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// The bundles family's tests run the real app (internal/apptest) on the
// store DESKPLANE_TEST_STORE names and talk to it with aws-sdk-go-v2.

// dirWantCode reports an error unless err is the wire error code.
func dirWantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// dirSeed stores v as the record at key.
func dirSeed(t *testing.T, e *apptest.Env, key deskplane.Key, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Store.Update(context.Background(), func(tx deskplane.Tx) error {
		_, err := tx.Put(key, b)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
