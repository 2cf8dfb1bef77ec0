package storetest

import (
	"context"
	"errors"

	"github.com/deskplane/deskplane"
)

// ForcedRetries wraps a store so that every Update runs its function twice:
// the first run ends in a rollback, as when bolt or PostgreSQL retries a
// transaction after a conflict, and only the second run commits. Whatever
// the function does outside the Tx (taking an in-memory fault, bumping a
// counter, filling a cache) happens twice while the store's state changes
// once; a test that runs the service on this wrapper shows such effects.
// View is passed through.
func ForcedRetries(s deskplane.Store) deskplane.Store { return forcedRetries{s} }

type forcedRetries struct{ deskplane.Store }

// errForcedRollback ends the first run of every Update.
var errForcedRollback = errors.New("storetest: forced rollback of the first run")

// Update runs fn once in a transaction it rolls back, then again in one
// that commits as usual.
func (s forcedRetries) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errForcedRollback
	})
	if !errors.Is(err, errForcedRollback) {
		return err
	}
	return s.Store.Update(ctx, fn)
}
