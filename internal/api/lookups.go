package api

import "deskplane"

// Lookups shared across feature areas. directories.go and bundles.go own
// their implementation; these first versions find nothing.

// registeredDirectory returns the caller's WorkSpaces registration of a
// directory, or a CodeNotFound error.
func (s *Server) registeredDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Directory, error) {
	var d deskplane.Directory
	ok, err := load(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindDirectory, ID: id}, &d)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.NotFound(id, "The specified directory could not be found in the specified region.")
	}
	return &d, nil
}

// userInDirectory reports whether the user name exists in the directory
// (case-insensitively), honouring a directory's AnyUser setting.
func (s *Server) userInDirectory(tx deskplane.Tx, sc deskplane.Scope, directoryID, userName string) (bool, error) {
	_, err := tx.Get(deskplane.UserKey(sc, directoryID, userName))
	if err == deskplane.ErrNotFound {
		return false, nil
	}
	return err == nil, err
}

// visibleBundle returns a bundle the caller may use: one of the AMAZON
// catalogue or the caller's own custom bundle; CodeNotFound otherwise.
func (s *Server) visibleBundle(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Bundle, error) {
	var b deskplane.Bundle
	ok, err := load(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindBundle, ID: id}, &b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskplane.NotFound(id, "The specified bundle %s could not be found.", id)
	}
	return &b, nil
}
