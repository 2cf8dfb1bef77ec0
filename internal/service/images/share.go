package images

import (
	"context"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Sharing images with other accounts of the Region (docs/decisions/0030-images.md,
// "Permissions"). Only the owner reads or changes an image's permissions.

func (s *Service) DescribeWorkspaceImagePermissions(ctx context.Context, in *wsapi.DescribeWorkspaceImagePermissionsRequest) (*wsapi.DescribeWorkspaceImagePermissionsResult, error) {
	sc, id := env.Scope(ctx), value(in.ImageId)
	purpose := "imageperms/" + id
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ImagePermission]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ImagePermission]{}
		img, ok, err := deskplane.Images().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.ImageNotFound(id)
		}
		for i, acct := range img.SharedWith {
			if int64(i) < after {
				continue
			}
			if !p.Add(size, int64(i+1), wsapi.ImagePermission{SharedAccountId: new(acct)}) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeWorkspaceImagePermissionsResult{ImageId: new(id), ImagePermissions: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// byolShareable applies the rules a BYOL image's sharing always obeys
// (AG share-custom-image; decision 0329): never across accounts in the
// AWS GovCloud (US) Regions, and only with accounts of the owner's
// organization in AWS Organizations.
func byolShareable(tx deskplane.Tx, sc deskplane.Scope, img *deskplane.Image, target string) error {
	if partitionOf(sc.Region) == partitionGovCloud {
		return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "BYOLSharingNotSupportedInRegion",
			Message: "The image " + img.ID + " is a BYOL image. Sharing BYOL images across AWS accounts is not supported in the AWS GovCloud (US) Regions; contact AWS Support to share BYOL images in " + sc.Region + "."}
	}
	same, err := deskplane.SameOrganization(tx, sc.Account, target)
	if err != nil {
		return err
	}
	if !same {
		return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "TargetAccountNotInOrganization",
			Message: "The image " + img.ID + " is a BYOL image; BYOL images can be shared only with accounts in your organization in AWS Organizations (under the same payer account), and account " + target + " is not."}
	}
	return nil
}

// notOwned refuses a recipient's attempt to share an image shared with it.
func notOwned(id string) error {
	return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "ImageNotOwned",
		Message: "The image " + id + " is shared with you; an image shared with you cannot be shared again. Copy it to get an image of your own."}
}

func (s *Service) UpdateWorkspaceImagePermission(ctx context.Context, in *wsapi.UpdateWorkspaceImagePermissionRequest) (*wsapi.UpdateWorkspaceImagePermissionResult, error) {
	sc := env.Scope(ctx)
	id, target, allow := value(in.ImageId), value(in.SharedAccountId), value(in.AllowCopyImage)
	now := s.Now()
	images, shares := deskplane.Images(), deskplane.ImageShares()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		img, ok, err := images.Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			if _, shared, err := deskplane.SharedImage(tx, sc, id); err != nil {
				return err
			} else if shared {
				return notOwned(id)
			}
			return deskplane.ImageNotFound(id)
		}
		// Only the owner gets here: a recipient naming itself was refused
		// as not the owner above (decision 0330).
		if target == sc.Account {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s cannot be shared with its owner, account %s.", id, target)
		}
		targetScope := deskplane.Scope{Account: target, Region: sc.Region}
		already := slices.Contains(img.SharedWith, target)
		if !allow {
			if !already {
				return deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s is not shared with account %s; permission can be revoked only after an image has been shared.", id, target)
			}
			img.SharedWith = slices.DeleteFunc(img.SharedWith, func(a string) bool { return a == target })
			if _, err := shares.Delete(tx, targetScope, id); err != nil {
				return err
			}
			return images.Put(tx, sc, id, img)
		}
		if img.BYOL() {
			if err := byolShareable(tx, sc, img, target); err != nil {
				return err
			}
		}
		if _, err := deskplane.ImageTable().Check(deskplane.ActionShare, id, img.State); err != nil {
			return err
		}
		if img.BYOL() {
			acct, err := account(tx, targetScope)
			if err != nil {
				return err
			}
			if !acct.BYOLEnabled() {
				return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "TargetAccountNotBYOLEnabled",
					Message: "The image " + id + " is a BYOL image; BYOL images can be shared only with accounts enabled for BYOL in the same Region, and account " + target + " is not enabled in " + sc.Region + "."}
			}
		}
		if already {
			return nil
		}
		img.SharedWith = append(img.SharedWith, target)
		if err := shares.Put(tx, targetScope, id, &deskplane.ImageShare{ImageID: id, Owner: sc.Account, Shared: now}); err != nil {
			return err
		}
		return images.Put(tx, sc, id, img)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateWorkspaceImagePermissionResult{}, nil
}
