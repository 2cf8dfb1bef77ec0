package api

import "github.com/deskplane/deskplane"

// Lookups the remaining families share; directories.go and
// internal/catalogue own what they read. (The WorkSpaces family has its
// own, in internal/service/workspaces/lookups.go.)

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
