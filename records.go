package deskplane

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Typed access to the records of the store. A resource is one JSON record
// in its owner's scope (docs/ARCHITECTURE.md, "Records"); Records[T] binds
// a record kind to the Go type its records decode into, so that a family
// reads and writes its own and other families' records through one typed
// door instead of decoding JSON by hand:
//
//	g, ok, err := deskplane.IPGroups().Get(tx, sc, id)
//	err = deskplane.IPGroups().Put(tx, sc, g.ID, g)
//
// Load, Save, Modify and Each are the same operations on a bare Key, for
// records without a Records value (indexes, counters).

// Load reads the record at k into v; found is false when there is none.
func Load(tx Tx, k Key, v any) (found bool, err error) {
	rec, err := tx.Get(k)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(rec.Data, v); err != nil {
		return false, fmt.Errorf("decoding %s %s: %w", k.Kind, k.ID, err)
	}
	return true, nil
}

// Save writes v as the record at k.
func Save(tx Tx, k Key, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s %s: %w", k.Kind, k.ID, err)
	}
	_, err = tx.Put(k, b)
	return err
}

// Modify loads the record at k, applies fn and saves the result; a missing
// record answers notFound().
func Modify[T any](tx Tx, k Key, notFound func() error, fn func(*T) error) error {
	v := new(T)
	ok, err := Load(tx, k, v)
	if err != nil {
		return err
	}
	if !ok {
		return notFound()
	}
	if err := fn(v); err != nil {
		return err
	}
	return Save(tx, k, v)
}

// Each decodes every record of a kind in the scope with Seq greater than
// afterSeq, in creation order, into a fresh T and calls fn until it
// returns false or an error.
func Each[T any](tx Tx, s Scope, kind Kind, afterSeq int64, fn func(seq int64, v *T) (bool, error)) error {
	var ferr error
	err := tx.List(s, kind, afterSeq, func(r Record) bool {
		v := new(T)
		if err := json.Unmarshal(r.Data, v); err != nil {
			ferr = fmt.Errorf("decoding %s %s: %w", r.Kind, r.ID, err)
			return false
		}
		more, err := fn(r.Seq, v)
		if err != nil {
			ferr = err
			return false
		}
		return more
	})
	if err != nil {
		return err
	}
	return ferr
}

// Records is typed access to the records of one kind, whose bodies are the
// JSON of T.
type Records[T any] struct {
	Kind Kind
}

// Key returns the key of the record id in scope s.
func (r Records[T]) Key(s Scope, id string) Key { return Key{Scope: s, Kind: r.Kind, ID: id} }

// Get returns the record id of scope s; found is false when there is none.
func (r Records[T]) Get(tx Tx, s Scope, id string) (v *T, found bool, err error) {
	v = new(T)
	found, err = Load(tx, r.Key(s, id), v)
	if err != nil || !found {
		return nil, found, err
	}
	return v, true, nil
}

// Put writes v as the record id of scope s.
func (r Records[T]) Put(tx Tx, s Scope, id string, v *T) error {
	return Save(tx, r.Key(s, id), v)
}

// Delete removes the record id of scope s, and every timer of its key; it
// reports whether the record existed.
func (r Records[T]) Delete(tx Tx, s Scope, id string) (bool, error) {
	return tx.Delete(r.Key(s, id))
}

// Modify loads the record id of scope s, applies fn and saves the result;
// a missing record answers notFound().
func (r Records[T]) Modify(tx Tx, s Scope, id string, notFound func() error, fn func(*T) error) error {
	return Modify(tx, r.Key(s, id), notFound, fn)
}

// Each calls fn for each record of the scope with Seq greater than
// afterSeq, in creation order, until fn returns false or an error.
func (r Records[T]) Each(tx Tx, s Scope, afterSeq int64, fn func(seq int64, v *T) (bool, error)) error {
	return Each(tx, s, r.Kind, afterSeq, fn)
}

// Count returns how many records of the kind scope s holds.
func (r Records[T]) Count(tx Tx, s Scope) (int, error) { return tx.Count(s, r.Kind) }

// The records of each resource type, each in its owner's scope.

// Workspaces are the WorkSpaces, keyed by WorkSpace id.
func Workspaces() Records[Workspace] { return Records[Workspace]{KindWorkspace} }

// Images are the images an account owns, keyed by image id.
func Images() Records[Image] { return Records[Image]{KindImage} }

// Bundles are the custom bundles, keyed by bundle id (the AMAZON
// catalogue is not stored: internal/catalogue).
func Bundles() Records[Bundle] { return Records[Bundle]{KindBundle} }

// Directories are the WorkSpaces registrations of directories, keyed by
// directory id.
func Directories() Records[Directory] { return Records[Directory]{KindDirectory} }

// IPGroups are the IP access control groups, keyed by group id.
func IPGroups() Records[IPGroup] { return Records[IPGroup]{KindIPGroup} }

// ConnectionAliases are the connection aliases an account owns, keyed by
// alias id.
func ConnectionAliases() Records[ConnectionAlias] { return Records[ConnectionAlias]{KindAlias} }

// AliasShares are, in a recipient's scope, the connection aliases shared
// with it, keyed by alias id.
func AliasShares() Records[AliasShare] { return Records[AliasShare]{KindAliasShare} }

// AliasReservations are the connection-string reservations, all in
// GlobalScope(), keyed by the lower-cased connection string.
func AliasReservations() Records[AliasReservation] {
	return Records[AliasReservation]{KindAliasReservation}
}

// Pools are the WorkSpaces Pools, keyed by pool id.
func Pools() Records[Pool] { return Records[Pool]{KindPool} }

// AccountModifications are the BYOL enablements, keyed by modification id.
func AccountModifications() Records[AccountModification] {
	return Records[AccountModification]{KindAccountMod}
}

// Brandings are the client brandings, keyed by directory id.
func Brandings() Records[Branding] { return Records[Branding]{KindBranding} }

// AddIns are the Amazon Connect client add-ins, keyed by add-in id.
func AddIns() Records[ConnectAddIn] { return Records[ConnectAddIn]{KindAddIn} }

// AppAssociations are the application associations, keyed by WorkSpace id
// + "/" + application id.
func AppAssociations() Records[AppAssociation] { return Records[AppAssociation]{KindAppAssoc} }

// AccountLinks are the account links, keyed by link id, in both accounts'
// scopes.
func AccountLinks() Records[AccountLink] { return Records[AccountLink]{KindAccountLink} }

// EndpointEncryptions are the directories' endpoint encryption modes,
// keyed by directory id.
func EndpointEncryptions() Records[EndpointEncryption] {
	return Records[EndpointEncryption]{KindEndpointEncryption}
}
