package applications

import (
	"context"
	"slices"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The associations of applications with WorkSpaces, images and bundles, as
// each resource and each application lists them. An image's and a
// bundle's applications are COMPLETED since the image or bundle was made.

// wantType reports whether want (nil = every type) lists t.
func wantType[T comparable](want []T, t T) bool {
	return len(want) == 0 || slices.Contains(want, t)
}

// completed is the wire state of an application an image or bundle brings.
func completed() wsapi.AssociationState { return wsapi.AssociationState(deskplane.AppCompleted) }

func (s *Service) DescribeWorkspaceAssociations(ctx context.Context, in *wsapi.DescribeWorkspaceAssociationsRequest) (*wsapi.DescribeWorkspaceAssociationsResult, error) {
	sc, wsID := env.Scope(ctx), value(in.WorkspaceId)
	out := []wsapi.WorkspaceResourceAssociation{}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		ws, err := loadWorkspace(tx, sc, wsID)
		if err != nil {
			return err
		}
		if !wantType(in.AssociatedResourceTypes, wsapi.WorkSpaceAssociatedResourceTypeApplication) {
			return nil
		}
		assocs, err := workspaceAssociations(tx, sc, ws)
		if err != nil {
			return err
		}
		for _, as := range assocs {
			out = append(out, wireWorkspaceAssociation(as))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeWorkspaceAssociationsResult{Associations: out}, nil
}

func (s *Service) DescribeImageAssociations(ctx context.Context, in *wsapi.DescribeImageAssociationsRequest) (*wsapi.DescribeImageAssociationsResult, error) {
	sc, id := env.Scope(ctx), value(in.ImageId)
	out := []wsapi.ImageResourceAssociation{}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		img, ok, err := catalogue.LookupImage(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.ImageNotFound(id)
		}
		if !wantType(in.AssociatedResourceTypes, wsapi.ImageAssociatedResourceTypeApplication) {
			return nil
		}
		apps, err := imageApplications(tx, sc, img, 0)
		if err != nil {
			return err
		}
		for _, a := range apps {
			out = append(out, wsapi.ImageResourceAssociation{
				AssociatedResourceId:   new(a.id),
				AssociatedResourceType: wsapi.ImageAssociatedResourceTypeApplication,
				Created:                smithy.NewTimestamp(img.Created),
				LastUpdatedTime:        smithy.NewTimestamp(img.Created),
				ImageId:                new(img.ID),
				State:                  completed(),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeImageAssociationsResult{Associations: out}, nil
}

// DescribeBundleAssociations lists the resources associated with a bundle.
// The model knows one type, APPLICATION: the applications the bundle's
// image brings, associated COMPLETED since the bundle was made, as
// DescribeImageAssociations answers for the image (decision 0013).
func (s *Service) DescribeBundleAssociations(ctx context.Context, in *wsapi.DescribeBundleAssociationsRequest) (*wsapi.DescribeBundleAssociationsResult, error) {
	sc, id := env.Scope(ctx), value(in.BundleId)
	out := []wsapi.BundleResourceAssociation{}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		b, ok, err := catalogue.LookupBundle(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.BundleNotFound(id)
		}
		if !slices.Contains(in.AssociatedResourceTypes, wsapi.BundleAssociatedResourceTypeApplication) {
			return nil
		}
		apps, err := bundleApplications(tx, sc, b)
		if err != nil {
			return err
		}
		for _, a := range apps {
			out = append(out, wsapi.BundleResourceAssociation{
				AssociatedResourceId:   new(a.id),
				AssociatedResourceType: wsapi.BundleAssociatedResourceTypeApplication,
				BundleId:               new(b.ID),
				Created:                smithy.NewTimestamp(b.Created),
				LastUpdatedTime:        smithy.NewTimestamp(b.Created),
				State:                  completed(),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeBundleAssociationsResult{Associations: out}, nil
}

// seqAppAssoc is an application association with the store sequence of
// the resource it is on: WorkSpaces, images and bundles share one sequence,
// which orders the listing and positions its pages.
type seqAppAssoc struct {
	seq int64
	a   wsapi.ApplicationResourceAssociation
}

func (s *Service) DescribeApplicationAssociations(ctx context.Context, in *wsapi.DescribeApplicationAssociationsRequest) (*wsapi.DescribeApplicationAssociationsResult, error) {
	sc, appID := env.Scope(ctx), value(in.ApplicationId)
	types := slices.Clone(in.AssociatedResourceTypes)
	slices.Sort(types)
	purpose := "appassocs/" + appID + "/" + joinEnums(types)
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	if _, ok := catalogueApplication(appID); !ok {
		return nil, appNotFound(appID)
	}
	size := paging.Size(in.MaxResults)
	has := func(apps []catalogueApp) bool {
		return slices.ContainsFunc(apps, func(a catalogueApp) bool { return a.id == appID })
	}
	fixed := func(seq int64, id string, typ wsapi.ApplicationAssociatedResourceType, created time.Time) seqAppAssoc {
		return seqAppAssoc{seq, wsapi.ApplicationResourceAssociation{
			ApplicationId: new(appID), AssociatedResourceId: new(id), AssociatedResourceType: typ,
			Created: smithy.NewTimestamp(created), LastUpdatedTime: smithy.NewTimestamp(created),
			State: completed(),
		}}
	}
	var p paging.Page[wsapi.ApplicationResourceAssociation]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ApplicationResourceAssociation]{}
		var all []seqAppAssoc
		if wantType(types, wsapi.ApplicationAssociatedResourceTypeWorkspace) {
			ws, err := workspaceAppAssociations(tx, sc, appID, after, size)
			if err != nil {
				return err
			}
			all = append(all, ws...)
		}
		if wantType(types, wsapi.ApplicationAssociatedResourceTypeImage) {
			n := 0
			err := deskplane.Images().Each(tx, sc, after, func(seq int64, img *deskplane.Image) (bool, error) {
				apps, err := imageApplications(tx, sc, img, 0)
				if err != nil {
					return false, err
				}
				if has(apps) {
					all = append(all, fixed(seq, img.ID, wsapi.ApplicationAssociatedResourceTypeImage, img.Created))
					n++
				}
				return n <= size, nil
			})
			if err != nil {
				return err
			}
		}
		if wantType(types, wsapi.ApplicationAssociatedResourceTypeBundle) {
			n := 0
			err := deskplane.Bundles().Each(tx, sc, after, func(seq int64, b *deskplane.Bundle) (bool, error) {
				apps, err := bundleApplications(tx, sc, b)
				if err != nil {
					return false, err
				}
				if has(apps) {
					all = append(all, fixed(seq, b.ID, wsapi.ApplicationAssociatedResourceTypeBundle, b.Created))
					n++
				}
				return n <= size, nil
			})
			if err != nil {
				return err
			}
		}
		slices.SortFunc(all, func(a, b seqAppAssoc) int { return int(a.seq - b.seq) })
		for _, x := range all {
			if !p.Add(size, x.seq, x.a) {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeApplicationAssociationsResult{Associations: p.Items(), NextToken: p.Next(ctx, purpose)}, nil
}

// workspaceAppAssociations lists the WorkSpaces of the scope after Seq
// `after` that the application is associated with (size+1 at most): by a
// record, or because their bundle brings it. The application's records,
// and which bundles bring it, are read once rather than per WorkSpace.
func workspaceAppAssociations(tx deskplane.Tx, sc deskplane.Scope, appID string, after int64, size int) ([]seqAppAssoc, error) {
	records := make(map[string]deskplane.AppAssociation)
	err := deskplane.AppAssociations().Each(tx, sc, 0, func(_ int64, as *deskplane.AppAssociation) (bool, error) {
		if as.ApplicationID == appID {
			records[as.WorkspaceID] = *as
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	var out []seqAppAssoc
	bundleHas := make(map[string]bool)
	err = deskplane.Workspaces().Each(tx, sc, after, func(seq int64, ws *deskplane.Workspace) (bool, error) {
		as, ok := records[ws.ID]
		if !ok {
			brings, known := bundleHas[ws.BundleID]
			if !known {
				apps, err := workspaceBundleApplications(tx, sc, ws)
				if err != nil {
					return false, err
				}
				brings = slices.ContainsFunc(apps, func(a catalogueApp) bool { return a.id == appID })
				bundleHas[ws.BundleID] = brings
			}
			if !brings {
				return true, nil
			}
			as = baselineAssociation(ws, appID)
		}
		out = append(out, seqAppAssoc{seq, wsapi.ApplicationResourceAssociation{
			ApplicationId: new(appID), AssociatedResourceId: new(ws.ID),
			AssociatedResourceType: wsapi.ApplicationAssociatedResourceTypeWorkspace,
			Created:                smithy.NewTimestamp(as.Created), LastUpdatedTime: smithy.NewTimestamp(as.LastUpdated),
			State: wsapi.AssociationState(as.State), StateReason: stateReason(as),
		}})
		return len(out) <= size, nil
	})
	return out, err
}
