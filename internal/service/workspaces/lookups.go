package workspaces

import (
	"errors"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/catalogue"
)

// What a WorkSpace looks up of other families: its directory's
// registration, its user, its bundle. Each goes through the root's records
// or internal/catalogue, never another family's code.

// registeredDirectory returns the caller's WorkSpaces registration of a
// directory, in whatever state it is (callers check State: only REGISTERED
// directories take new WorkSpaces), or a CodeNotFound error naming it.
func registeredDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	d, found, err := deskplane.Directories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, deskplane.DirectoryNotFound(id)
	}
	return d, nil
}

// userInDirectory reports whether the user name exists in the directory,
// case-insensitively. A Directory Service directory marked AnyUser (tag
// deskplane:any-user=true or the control API) has every user name. A
// directory WorkSpaces made itself (wsd-: pools, IAM Identity Center) has
// no user store deskplane can see, so every name is accepted there.
func (s *Service) userInDirectory(tx deskplane.Tx, sc deskplane.Scope, directoryID, userName string) (bool, error) {
	if userName == "" {
		return false, nil
	}
	// Only the any-user switch is needed, and CreateWorkspaces asks for it
	// once per requested WorkSpace: it comes from a cache by record version.
	rec, err := tx.Get(directory.DSDirectories().Key(sc, directoryID))
	if errors.Is(err, deskplane.ErrNotFound) {
		_, err := tx.Get(deskplane.Directories().Key(sc, directoryID))
		if errors.Is(err, deskplane.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	if err != nil {
		return false, err
	}
	dir, err := s.anyUser.Get(rec)
	if err != nil {
		return false, err
	}
	if dir.AnyUser {
		return true, nil
	}
	_, err = tx.Get(directory.UserKey(sc, directoryID, userName))
	if errors.Is(err, deskplane.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// visibleBundle returns a bundle the caller may use: one of the AMAZON
// catalogue or the caller's own custom bundle; CodeNotFound otherwise.
func visibleBundle(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Bundle, error) {
	b, found, err := catalogue.LookupBundle(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, deskplane.BundleNotFound(id)
	}
	return b, nil
}
