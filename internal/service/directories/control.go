package directories

import (
	"context"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
)

// SetAnyUser sets the any-user switch of a Directory Service directory of
// the scope, for the control API (internal/control/directories.go): with
// it on, every user name exists in the directory. A scope without the
// directory answers an error of CodeNotFound.
func (s *Service) SetAnyUser(ctx context.Context, sc deskplane.Scope, id string, enabled bool) error {
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return directory.DSDirectories().Modify(tx, sc, id, func() error {
			return deskplane.NotFound(id, "Directory %s does not exist.", id)
		}, func(d *directory.DSDirectory) error {
			d.AnyUser = enabled
			return nil
		})
	})
}
