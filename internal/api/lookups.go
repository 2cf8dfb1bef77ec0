package api

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
)

// Lookups shared across feature areas; directories.go, users.go,
// bundles.go and internal/catalogue own what they read.

// registeredDirectory returns the caller's WorkSpaces registration of a
// directory, in whatever state it is (callers check State: only REGISTERED
// directories take new WorkSpaces), or a CodeNotFound error naming it.
func (s *Server) registeredDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	var d deskplane.Directory
	ok, err := deskplane.Load(tx, wsDirKey(sc, id), &d)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, wsDirNotFound(id)
	}
	return &d, nil
}

// userInDirectory reports whether the user name exists in the directory,
// case-insensitively. A Directory Service directory marked AnyUser (tag
// deskplane:any-user=true or the control API) has every user name. A
// directory WorkSpaces made itself (wsd-: pools, IAM Identity Center) has
// no user store deskplane can see, so every name is accepted there.
func (s *Server) userInDirectory(tx deskplane.Tx, sc deskplane.Scope, directoryID, userName string) (bool, error) {
	if userName == "" {
		return false, nil
	}
	// Only the any-user switch is needed, and CreateWorkspaces asks for it
	// once per requested WorkSpace: it comes from a cache by record version.
	rec, err := tx.Get(dsDirKey(sc, directoryID))
	if err != nil && err != deskplane.ErrNotFound {
		return false, err
	}
	if err == deskplane.ErrNotFound {
		_, err := tx.Get(wsDirKey(sc, directoryID))
		if err == deskplane.ErrNotFound {
			return false, nil
		}
		return err == nil, err
	}
	dir, err := s.anyUser.Decode(rec)
	if err != nil {
		return false, err
	}
	if dir.AnyUser {
		return true, nil
	}
	_, err = tx.Get(deskplane.UserKey(sc, directoryID, userName))
	if err == deskplane.ErrNotFound {
		return false, nil
	}
	return err == nil, err
}

// visibleBundle returns a bundle the caller may use: one of the AMAZON
// catalogue (Owner "AMAZON") or the caller's own custom bundle;
// CodeNotFound otherwise.
func (s *Server) visibleBundle(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Bundle, error) {
	if b, ok := catalogue.Bundle(id); ok {
		return b, nil
	}
	var b deskplane.Bundle
	ok, err := deskplane.Load(tx, deskplane.Bundles().Key(sc, id), &b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.BundleNotFound(id)
	}
	return &b, nil
}
