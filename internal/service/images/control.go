package images

import (
	"context"

	"github.com/deskplane/deskplane"
)

// What AWS decides outside the API about images and accounts, set through
// the control API (internal/control/images.go; docs/decisions/0033-image-control-routes.md).
// The control routes check their input; these methods change the records.

// SetImageUpdates makes newer WorkSpaces components available (or not) for
// an image the scope owns: DescribeWorkspaceImages then shows
// Updates.UpdateAvailable and CreateUpdatedWorkspaceImage accepts the
// image. A scope without the image answers deskplane.ImageNotFound.
func (s *Service) SetImageUpdates(ctx context.Context, sc deskplane.Scope, id string, available bool, description string) error {
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.Images().Modify(tx, sc, id, func() error { return deskplane.ImageNotFound(id) }, func(img *deskplane.Image) error {
			img.UpdateAvailable, img.UpdateDescription = available, description
			return nil
		})
	})
}

// ChangeAccount applies change to the scope's account settings (the zero
// settings when it has none) and returns the result. change must depend
// on nothing but its argument: the transaction may run it twice.
func (s *Service) ChangeAccount(ctx context.Context, sc deskplane.Scope, change func(*deskplane.Account)) (deskplane.Account, error) {
	var out deskplane.Account
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		change(&acct)
		out = acct
		return deskplane.Save(tx, deskplane.AccountKey(sc), acct)
	})
	return out, err
}

// SetEC2Image records what an AMI of the scope's account is.
func (s *Service) SetEC2Image(ctx context.Context, sc deskplane.Scope, ami deskplane.EC2Image) error {
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.EC2Images().Put(tx, sc, ami.ID, &ami)
	})
}

// SetOrganization sets the organization in AWS Organizations an account
// is a member of (id; "" for none), or returns it to deskplane's default
// organization (nil), and returns the organization it is in now. BYOL
// images are shared only within an organization (share.go).
func (s *Service) SetOrganization(ctx context.Context, account string, id *string) (string, error) {
	var out string
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		key := deskplane.OrganizationKey(account)
		if id == nil {
			if _, err := tx.Delete(key); err != nil {
				return err
			}
		} else if err := deskplane.Save(tx, key, deskplane.Organization{ID: *id}); err != nil {
			return err
		}
		var err error
		out, err = deskplane.OrganizationOf(tx, account)
		return err
	})
	return out, err
}
