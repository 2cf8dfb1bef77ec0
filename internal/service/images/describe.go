package images

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Deleting and describing images (docs/decisions/0030-images.md).

func (s *Service) DeleteWorkspaceImage(ctx context.Context, in *wsapi.DeleteWorkspaceImageRequest) (*wsapi.DeleteWorkspaceImageResult, error) {
	sc, id := env.Scope(ctx), value(in.ImageId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		img, ok, err := deskplane.Images().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			shared, ok, err := deskplane.SharedImage(tx, sc, id)
			if err != nil {
				return err
			}
			if ok {
				return deskplane.Errorf(deskplane.CodeAccessDenied, "The image %s is owned by account %s and shared with you; only its owner can delete it. Copy it to get an image of your own.", id, shared.Owner)
			}
			return nil // deleting an unknown image succeeds (decision 0030)
		}
		if _, err := deskplane.ImageTable().Check(deskplane.ActionDelete, id, img.State); err != nil {
			return err
		}
		if len(img.SharedWith) > 0 {
			return deskplane.Errorf(deskplane.CodeInvalidState, "The image %s is shared with %d account(s) (%s); unshare it with UpdateWorkspaceImagePermission before deleting it.", id, len(img.SharedWith), strings.Join(img.SharedWith, ", "))
		}
		var bundle string
		err = deskplane.Bundles().Each(tx, sc, 0, func(_ int64, b *deskplane.Bundle) (bool, error) {
			if b.ImageID == id {
				bundle = b.ID
			}
			return bundle == "", nil
		})
		if err != nil {
			return err
		}
		if bundle != "" {
			return deskplane.Errorf(deskplane.CodeAssociated, "The image %s is used by bundle %s; delete the bundle or point it at another image first.", id, bundle)
		}
		if _, err := deskplane.Images().Delete(tx, sc, id); err != nil {
			return err
		}
		if _, err := deskplane.ImageImports().Delete(tx, sc, id); err != nil {
			return err
		}
		return deskplane.DeleteTags(tx, sc, id)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteWorkspaceImageResult{}, nil
}

// seqImage is an image as listed for a scope, with the Seq of the record it
// was found through (the owner's image or the recipient's share record).
type seqImage struct {
	seq int64
	img wsapi.WorkspaceImage
}

func (s *Service) DescribeWorkspaceImages(ctx context.Context, in *wsapi.DescribeWorkspaceImagesRequest) (*wsapi.DescribeWorkspaceImagesResult, error) {
	sc := env.Scope(ctx)
	size := paging.Size(in.MaxResults)
	wantOwned := in.ImageType == "" || in.ImageType == wsapi.ImageTypeOwned
	wantShared := in.ImageType == "" || in.ImageType == wsapi.ImageTypeShared
	purpose := "images"
	if len(in.ImageIds) > 0 {
		purpose = "imageids"
	}
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	var p paging.Page[wsapi.WorkspaceImage]
	now := s.Now()
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.WorkspaceImage]{}
		// Eventual consistency on demand: the caller's own images created
		// within the account's DescribeDelay are not shown yet
		// (docs/decisions/0325-eventual-consistency-on-demand.md).
		acct, err := account(tx, sc)
		if err != nil {
			return err
		}
		hidden := func(img *deskplane.Image) bool {
			return img.Owner == sc.Account && acct.NotYetDescribed(img.Created, now)
		}
		if len(in.ImageIds) > 0 {
			return describeByID(tx, sc, in.ImageIds, int(after), size, wantOwned, wantShared, in.ImageType == "", hidden, &p)
		}
		// Owned images and share records each come in Seq order (Seq is
		// unique store-wide); merging them gives one stable order. Each
		// list needs at most size+1 entries to fill the page and know
		// whether there is another.
		var owned, shared []seqImage
		if wantOwned {
			err := deskplane.Images().Each(tx, sc, after, func(seq int64, img *deskplane.Image) (bool, error) {
				if hidden(img) {
					return true, nil
				}
				owned = append(owned, seqImage{seq, wireImage(img)})
				return len(owned) <= size, nil
			})
			if err != nil {
				return err
			}
		}
		if wantShared {
			err := deskplane.ImageShares().Each(tx, sc, after, func(seq int64, sh *deskplane.ImageShare) (bool, error) {
				img, ok, err := deskplane.SharedImage(tx, sc, sh.ImageID)
				if err != nil || !ok {
					return err == nil, err
				}
				shared = append(shared, seqImage{seq, wireImage(img)})
				return len(shared) <= size, nil
			})
			if err != nil {
				return err
			}
		}
		all := append(owned, shared...)
		slices.SortFunc(all, func(a, b seqImage) int { return cmp.Compare(a.seq, b.seq) })
		for _, x := range all {
			if !p.Add(size, x.seq, x.img) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeWorkspaceImagesResult{Images: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// describeByID pages through the requested ids in request order (the
// token's position is an index into them); unknown ids are left out. The
// AMAZON catalogue's images are describable by id when no ImageType is
// given (they are neither OWNED nor SHARED).
func describeByID(tx deskplane.Tx, sc deskplane.Scope, ids []string, after, size int, wantOwned, wantShared, wantPublic bool, hidden func(*deskplane.Image) bool, p *paging.Page[wsapi.WorkspaceImage]) error {
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if i < after {
			continue
		}
		img, shared, ok, err := deskplane.VisibleImage(tx, sc, id)
		if err != nil {
			return err
		}
		switch {
		case !ok && !wantPublic:
			continue
		case !ok:
			if img, ok = catalogue.Image(id); !ok {
				continue
			}
		case shared && !wantShared, !shared && !wantOwned, !shared && hidden(img):
			continue
		}
		if !p.Add(size, int64(i+1), wireImage(img)) {
			break
		}
	}
	return nil
}
