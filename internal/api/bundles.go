package api

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Bundles (behaviour doc §4.1; docs/decisions/0013-custom-bundles.md).
//
// A custom bundle is a deskplane.Bundle record (kind KindBundle) in its
// owner's scope; the AMAZON public bundles are the built-in catalogue
// (catalogue.go). A custom bundle is made from an AVAILABLE image the caller
// owns; it is AVAILABLE at once under every built-in timing profile
// (TBundleCreate is 0), otherwise PENDING until a bundle.state timer.

const (
	bundleAvailable = deskplane.BundleAvailable
	bundlePending   = deskplane.BundlePending

	// timerBundleState ends a custom bundle's PENDING state.
	timerBundleState = deskplane.TimerBundleState
)

func bundleKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindBundle, ID: id}
}

func bundleNotFound(id string) error {
	return deskplane.NotFound(id, "The specified bundle %s could not be found.", id)
}

// wireOwner is how DescribeWorkspaceBundles shows an owner: the public
// catalogue answers "Amazon" (what the live service returns; see
// docs/decisions/0012-amazon-catalogue.md), custom bundles the account id.
func wireOwner(owner string) string {
	if owner == deskplane.AmazonOwner {
		return "Amazon"
	}
	return owner
}

func wireBundle(b *deskplane.Bundle) wsapi.WorkspaceBundle {
	out := wsapi.WorkspaceBundle{
		BundleId:        ptr(b.ID),
		Name:            ptr(b.Name),
		Owner:           ptr(wireOwner(b.Owner)),
		ImageId:         ptr(b.ImageID),
		RootStorage:     &wsapi.RootStorage{Capacity: ptr(strconv.Itoa(b.RootStorageGB))},
		UserStorage:     &wsapi.UserStorage{Capacity: ptr(strconv.Itoa(b.UserStorageGB))},
		ComputeType:     &wsapi.ComputeType{Name: wsapi.Compute(b.ComputeType)},
		LastUpdatedTime: smithy.NewTimestamp(b.LastUpdated),
		CreationTime:    smithy.NewTimestamp(b.Created),
		State:           wsapi.WorkspaceBundleState(b.State),
		BundleType:      wsapi.BundleType(b.BundleType),
	}
	if b.Description != "" {
		out.Description = ptr(b.Description)
	}
	return out
}

// ---- storage rules -------------------------------------------------------------

// minRootGB is the smallest root volume of a compute type: the default
// root of a bundle made without RootStorage.
func minRootGB(compute deskplane.Compute) int {
	switch {
	case compute.GPU():
		return 100
	case compute.GeneralPurpose():
		return 175
	}
	return 80
}

// checkVolumes applies the volume combinations of behaviour doc §2.4:
// (80,10), (80,50), (80,100) or (175–2000, 100–2000); Graphics bundles at
// least 100/100; GeneralPurpose bundles at least 175/100; 2000 GB at most.
// The message follows the live service's (TF#39553).
func checkVolumes(compute deskplane.Compute, root, user int) error {
	// A bundle allows exactly the volumes a WorkSpace launched from it may
	// have: the WorkSpaces rules are the one source.
	return deskplane.CheckVolumes(compute, root, user)
}

func parseCapacity(member, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, deskplane.Errorf(deskplane.CodeInvalidParameter, "%s.Capacity %q is not a volume size in GB.", member, v)
	}
	return n, nil
}

// bundleImage returns the image a custom bundle can be made from: an
// AVAILABLE image the caller owns.
func (s *Server) bundleImage(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Image, error) {
	var img deskplane.Image
	ok, err := deskplane.Load(tx, deskplane.Key{Scope: sc, Kind: deskplane.KindImage, ID: id}, &img)
	if err != nil {
		return nil, err
	}
	if ok {
		if img.State != "AVAILABLE" {
			return nil, &deskplane.Error{Code: deskplane.CodeUnavailable, ResourceID: id,
				Message: fmt.Sprintf("The image %s is %s. Wait until it is AVAILABLE, and try again.", id, img.State)}
		}
		return &img, nil
	}
	if _, err := tx.Get(deskplane.Key{Scope: sc, Kind: deskplane.KindImageShare, ID: id}); err == nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s is shared with your account. Copy it into your account with CopyWorkspaceImage, and create the bundle from the copy.", id)
	} else if err != deskplane.ErrNotFound {
		return nil, err
	}
	if _, ok := catalogue.Image(id); ok {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s is an Amazon WorkSpaces public image. A custom bundle needs an image that your account owns.", id)
	}
	return nil, deskplane.NotFound(id, "The specified image %s could not be found.", id)
}

// ---- create ------------------------------------------------------------------------

func (w *wsService) CreateWorkspaceBundle(ctx context.Context, in *wsapi.CreateWorkspaceBundleRequest) (*wsapi.CreateWorkspaceBundleResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	compute := deskplane.Compute(in.ComputeType.Name)
	if compute == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "ComputeType.Name is required.")
	}
	user, err := parseCapacity("UserStorage", deref(in.UserStorage.Capacity))
	if err != nil {
		return nil, err
	}
	root := 0
	if in.RootStorage != nil && in.RootStorage.Capacity != nil {
		if root, err = parseCapacity("RootStorage", *in.RootStorage.Capacity); err != nil {
			return nil, err
		}
	}
	sc := caller(ctx).Scope()
	now := w.now()
	name := deref(in.BundleName)
	var out wsapi.CreateWorkspaceBundleResult
	err = w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		img, err := w.bundleImage(tx, sc, deref(in.ImageId))
		if err != nil {
			return err
		}
		r := root
		if r == 0 {
			r = max(minRootGB(compute), img.RootGB)
		}
		if err := checkVolumes(compute, r, user); err != nil {
			return err
		}
		if r < img.RootGB || user < img.UserGB {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The bundle's volumes (root %d GB, user %d GB) cannot be smaller than those of the image %s (root %d GB, user %d GB).", r, user, img.ID, img.RootGB, img.UserGB)
		}
		count := 0
		err = deskplane.Each(tx, sc, deskplane.KindBundle, 0, func(_ int64, b *deskplane.Bundle) (bool, error) {
			if b.Name == name {
				return false, &deskplane.Error{Code: deskplane.CodeAlreadyExists, ResourceID: b.ID,
					Message: fmt.Sprintf("A bundle named %s already exists in this Region (%s). Bundle names must be unique.", name, b.ID)}
			}
			count++
			return true, nil
		})
		if err != nil {
			return err
		}
		if count >= w.d.Quotas.Bundles {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "You have reached the limit of %d custom bundles in this Region.", w.d.Quotas.Bundles)
		}
		b := deskplane.Bundle{
			ID:              deskplane.NewID("wsb-", 9),
			Name:            name,
			Owner:           sc.Account,
			Description:     deref(in.BundleDescription),
			ImageID:         img.ID,
			RootStorageGB:   r,
			UserStorageGB:   user,
			ComputeType:     compute,
			State:           bundleAvailable,
			BundleType:      string(wsapi.BundleTypeRegular),
			OperatingSystem: img.OperatingSystem,
			Protocols:       slices.Clone(img.Protocols),
			Created:         now,
			LastUpdated:     now,
		}
		if len(b.Protocols) == 0 {
			b.Protocols = []deskplane.Protocol{deskplane.ProtocolPCoIP}
		}
		due := w.after(now, deskplane.TBundleCreate)
		if due.After(now) {
			b.State = bundlePending
			p, _ := json.Marshal(stagePayload{})
			if err := tx.Schedule(deskplane.Timer{Key: bundleKey(sc, b.ID), Name: timerBundleState, Due: due, Payload: p}); err != nil {
				return err
			}
		}
		if err := deskplane.Save(tx, bundleKey(sc, b.ID), b); err != nil {
			return err
		}
		if err := mergeTags(tx, sc, b.ID, in.Tags); err != nil {
			return err
		}
		out.WorkspaceBundle = ptr(wireBundle(&b))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// bundleStateTimer makes a PENDING custom bundle AVAILABLE.
func (s *Server) bundleStateTimer(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var b deskplane.Bundle
	ok, err := deskplane.Load(tx, t.Key, &b)
	if err != nil || !ok || b.State != bundlePending {
		return err
	}
	b.State = bundleAvailable
	f, hit, err := deskplane.TakeTransitionFault(tx, deskplane.KindBundle, t.Key.Scope, b.ID)
	if err != nil {
		return err
	}
	if hit {
		b.State = deskplane.BundleState(f.State)
	}
	b.LastUpdated = t.Due
	return deskplane.Save(tx, t.Key, b)
}

// ---- update and delete -----------------------------------------------------------------

func (w *wsService) UpdateWorkspaceBundle(ctx context.Context, in *wsapi.UpdateWorkspaceBundleRequest) (*wsapi.UpdateWorkspaceBundleResult, error) {
	id, imageID := deref(in.BundleId), deref(in.ImageId)
	if id == "" || imageID == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "UpdateWorkspaceBundle needs both BundleId and ImageId.")
	}
	if _, ok := catalogue.Bundle(id); ok {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Message: fmt.Sprintf("The bundle %s is an Amazon WorkSpaces public bundle; only custom bundles can be updated.", id)}
	}
	sc := caller(ctx).Scope()
	now := w.now()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		var b deskplane.Bundle
		ok, err := deskplane.Load(tx, bundleKey(sc, id), &b)
		if err != nil {
			return err
		}
		if !ok {
			return bundleNotFound(id)
		}
		img, err := w.bundleImage(tx, sc, imageID)
		if err != nil {
			return err
		}
		if b.RootStorageGB < img.RootGB || b.UserStorageGB < img.UserGB {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s (root %d GB, user %d GB) does not fit the bundle's volumes (root %d GB, user %d GB).", img.ID, img.RootGB, img.UserGB, b.RootStorageGB, b.UserStorageGB)
		}
		b.ImageID = img.ID
		b.OperatingSystem = img.OperatingSystem
		if len(img.Protocols) > 0 {
			b.Protocols = slices.Clone(img.Protocols)
		}
		b.LastUpdated = now
		return deskplane.Save(tx, bundleKey(sc, id), b)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateWorkspaceBundleResult{}, nil
}

func (w *wsService) DeleteWorkspaceBundle(ctx context.Context, in *wsapi.DeleteWorkspaceBundleRequest) (*wsapi.DeleteWorkspaceBundleResult, error) {
	id := deref(in.BundleId)
	if id == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "BundleId is required.")
	}
	if _, ok := catalogue.Bundle(id); ok {
		return nil, deskplane.Errorf(deskplane.CodeAccessDenied, "The bundle %s is an Amazon WorkSpaces public bundle and cannot be deleted.", id)
	}
	sc := caller(ctx).Scope()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := tx.Get(bundleKey(sc, id)); err == deskplane.ErrNotFound {
			return bundleNotFound(id)
		} else if err != nil {
			return err
		}
		var user string
		err := deskplane.Each(tx, sc, deskplane.KindWorkspace, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			if ws.BundleID == id && ws.State != "TERMINATED" {
				user = ws.ID
				return false, nil
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		if user != "" {
			return deskplane.Errorf(deskplane.CodeAssociated, "The bundle %s is in use by WorkSpaces (for example %s). Terminate the WorkSpaces created from it, and try again.", id, user)
		}
		if _, err := tx.Delete(bundleKey(sc, id)); err != nil {
			return err
		}
		return deleteTagsOf(tx, sc, id)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteWorkspaceBundleResult{}, nil
}

// ---- describe ------------------------------------------------------------------------------

func (w *wsService) DescribeWorkspaceBundles(ctx context.Context, in *wsapi.DescribeWorkspaceBundlesRequest) (*wsapi.DescribeWorkspaceBundlesResult, error) {
	if in.BundleIds != nil && in.Owner != nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "An invalid number of parameters provided with DescribeWorkspaceBundles. Specify either BundleIds or Owner, not both.")
	}
	sc := caller(ctx).Scope()
	out := &wsapi.DescribeWorkspaceBundlesResult{}
	switch {
	case in.BundleIds != nil:
		err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
			out.Bundles = out.Bundles[:0]
			seen := make(map[string]bool, len(in.BundleIds))
			for _, id := range in.BundleIds {
				if seen[id] {
					continue
				}
				seen[id] = true
				b, err := w.visibleBundle(tx, sc, id)
				if isDomainNotFound(err) {
					continue
				}
				if err != nil {
					return err
				}
				out.Bundles = append(out.Bundles, wireBundle(b))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	case strings.EqualFold(deref(in.Owner), deskplane.AmazonOwner):
		const purpose = "bundles-amazon"
		after, err := paging.Parse(purpose, in.NextToken)
		if err != nil {
			return nil, err
		}
		var p paging.Page[wsapi.WorkspaceBundle]
		for i, b := range catalogue.Bundles() {
			if int64(i+1) <= after {
				continue
			}
			if !p.Add(paging.DefaultSize, int64(i+1), wireBundle(&b)) {
				break
			}
		}
		out.Bundles, out.NextToken = p.Items(), p.Next(purpose)
	case in.Owner == nil || deref(in.Owner) == sc.Account:
		const purpose = "bundles-own"
		after, err := paging.Parse(purpose, in.NextToken)
		if err != nil {
			return nil, err
		}
		var p paging.Page[wsapi.WorkspaceBundle]
		err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
			p = paging.Page[wsapi.WorkspaceBundle]{}
			return deskplane.Each(tx, sc, deskplane.KindBundle, after, func(seq int64, b *deskplane.Bundle) (bool, error) {
				return p.Add(paging.DefaultSize, seq, wireBundle(b)), nil
			})
		})
		if err != nil {
			return nil, err
		}
		out.Bundles, out.NextToken = p.Items(), p.Next(purpose)
	}
	if out.Bundles == nil {
		out.Bundles = []wsapi.WorkspaceBundle{}
	}
	return out, nil
}

// DescribeBundleAssociations lists the resources associated with a bundle.
// The model knows one type, APPLICATION: the applications the bundle's
// image brings (applications.go), associated COMPLETED since the bundle
// was made, as DescribeImageAssociations answers for the image.
func (w *wsService) DescribeBundleAssociations(ctx context.Context, in *wsapi.DescribeBundleAssociationsRequest) (*wsapi.DescribeBundleAssociationsResult, error) {
	sc, id := caller(ctx).Scope(), deref(in.BundleId)
	out := []wsapi.BundleResourceAssociation{}
	err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		out = out[:0]
		b, err := w.visibleBundle(tx, sc, id)
		if err != nil {
			return err
		}
		if !slices.Contains(in.AssociatedResourceTypes, wsapi.BundleAssociatedResourceTypeApplication) {
			return nil
		}
		apps, err := w.bundleApplications(tx, sc, b)
		if err != nil {
			return err
		}
		for _, a := range apps {
			out = append(out, wsapi.BundleResourceAssociation{
				AssociatedResourceId:   ptr(a.id),
				AssociatedResourceType: wsapi.BundleAssociatedResourceTypeApplication,
				BundleId:               ptr(b.ID),
				Created:                smithy.NewTimestamp(b.Created),
				LastUpdatedTime:        smithy.NewTimestamp(b.Created),
				State:                  wsapi.AssociationStateCompleted,
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeBundleAssociationsResult{Associations: out}, nil
}
