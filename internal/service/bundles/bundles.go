// Package bundles is the bundles family of the WorkSpaces API: the AMAZON
// public bundles (internal/catalogue) and custom bundles made from an
// image the caller owns (behaviour doc §4.1;
// docs/decisions/0012-amazon-catalogue.md, 0013-custom-bundles.md).
//
// A custom bundle is a deskplane.Bundle record in its owner's scope that
// follows deskplane.BundleTable: AVAILABLE at once under every built-in
// timing profile (bundle.create is 0), otherwise PENDING until a
// bundle.state timer. The family reads images, another family's records,
// through the root package (deskplane.Images, ImageShares) and checks the
// use of an image against deskplane.ImageTable; the applications a
// bundle brings are the applications family's (DescribeBundleAssociations).
package bundles

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the bundles family's WorkSpaces operations. It implements
// part of wsapi.Service; internal/service composes it with the other
// families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{deskplane.TimerBundleState: s.onBundleState}
}

// value returns what p points at, or the zero value for nil.
// account returns the scope's account settings (the zero settings when
// it has none).
func account(tx deskplane.Tx, sc deskplane.Scope) (deskplane.Account, error) {
	var a deskplane.Account
	_, err := deskplane.Load(tx, deskplane.AccountKey(sc), &a)
	return a, err
}

func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// tags converts a request's tags to the domain's.
func tags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
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
	return wsapi.WorkspaceBundle{
		BundleId:        new(b.ID),
		Name:            new(b.Name),
		Owner:           new(wireOwner(b.Owner)),
		Description:     optional(b.Description),
		ImageId:         new(b.ImageID),
		RootStorage:     &wsapi.RootStorage{Capacity: new(strconv.Itoa(b.RootStorageGB))},
		UserStorage:     &wsapi.UserStorage{Capacity: new(strconv.Itoa(b.UserStorageGB))},
		ComputeType:     &wsapi.ComputeType{Name: wsapi.Compute(b.ComputeType)},
		LastUpdatedTime: smithy.NewTimestamp(b.LastUpdated),
		CreationTime:    smithy.NewTimestamp(b.Created),
		State:           wsapi.WorkspaceBundleState(b.State),
		BundleType:      wsapi.BundleType(b.BundleType),
	}
}

// ---- storage rules ---------------------------------------------------------------

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

func parseCapacity(member, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0, deskplane.Errorf(deskplane.CodeInvalidParameter, "%s.Capacity %q is not a volume size in GB.", member, v)
	}
	return n, nil
}

// bundleImage returns the image a custom bundle can be made from: an
// image the caller owns that ImageTable lets be used for a bundle.
func bundleImage(tx deskplane.Tx, sc deskplane.Scope, id string) (*deskplane.Image, error) {
	img, ok, err := deskplane.Images().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if ok {
		if _, err := deskplane.ImageTable().Check(deskplane.ActionCreateBundle, id, img.State); err != nil {
			return nil, err
		}
		return img, nil
	}
	if _, shared, err := deskplane.ImageShares().Get(tx, sc, id); err != nil {
		return nil, err
	} else if shared {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s is shared with your account. Copy it into your account with CopyWorkspaceImage, and create the bundle from the copy.", id)
	}
	if _, ok := catalogue.Image(id); ok {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The image %s is an Amazon WorkSpaces public image. A custom bundle needs an image that your account owns.", id)
	}
	return nil, deskplane.ImageNotFound(id)
}

// ---- create ----------------------------------------------------------------------

// bundlePayload is carried by the bundle.state timer: the generation the
// bundle's PENDING state was entered at.
type bundlePayload struct {
	Gen int64 `json:"gen"`
}

func (s *Service) CreateWorkspaceBundle(ctx context.Context, in *wsapi.CreateWorkspaceBundleRequest) (*wsapi.CreateWorkspaceBundleResult, error) {
	tags := tags(in.Tags)
	if err := deskplane.CheckTags(tags); err != nil {
		return nil, err
	}
	var compute deskplane.Compute
	if in.ComputeType != nil {
		compute = deskplane.Compute(in.ComputeType.Name)
	}
	if compute == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "ComputeType.Name is required.")
	}
	var userCapacity string
	if in.UserStorage != nil {
		userCapacity = value(in.UserStorage.Capacity)
	}
	user, err := parseCapacity("UserStorage", userCapacity)
	if err != nil {
		return nil, err
	}
	root := 0
	if in.RootStorage != nil && in.RootStorage.Capacity != nil {
		if root, err = parseCapacity("RootStorage", *in.RootStorage.Capacity); err != nil {
			return nil, err
		}
	}
	table := deskplane.BundleTable()
	row, err := table.Check(deskplane.ActionCreate, "", "")
	if err != nil {
		return nil, err
	}
	sc, name := env.Scope(ctx), value(in.BundleName)
	now := s.Now()
	id := deskplane.NewID("wsb-", 9)
	var out wsapi.CreateWorkspaceBundleResult
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		img, err := bundleImage(tx, sc, value(in.ImageId))
		if err != nil {
			return err
		}
		r := root
		if r == 0 {
			r = max(minRootGB(compute), img.RootGB)
		}
		// A bundle allows exactly the volumes a WorkSpace launched from
		// it may have: the WorkSpaces rules are the one source.
		if err := deskplane.CheckVolumes(compute, r, user); err != nil {
			return err
		}
		if r < img.RootGB || user < img.UserGB {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The bundle's volumes (root %d GB, user %d GB) cannot be smaller than those of the image %s (root %d GB, user %d GB).", r, user, img.ID, img.RootGB, img.UserGB)
		}
		count := 0
		err = deskplane.Bundles().Each(tx, sc, 0, func(_ int64, b *deskplane.Bundle) (bool, error) {
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
		if count >= s.Quotas.Bundles {
			return deskplane.Errorf(deskplane.CodeLimitExceeded, "You have reached the limit of %d custom bundles in this Region.", s.Quotas.Bundles)
		}
		b := deskplane.Bundle{
			ID:              id,
			Name:            name,
			Owner:           sc.Account,
			Description:     value(in.BundleDescription),
			ImageID:         img.ID,
			RootStorageGB:   r,
			UserStorageGB:   user,
			ComputeType:     compute,
			BundleType:      string(wsapi.BundleTypeRegular),
			OperatingSystem: img.OperatingSystem,
			Protocols:       slices.Clone(img.Protocols),
			Created:         now,
		}
		if len(b.Protocols) == 0 {
			b.Protocols = []deskplane.Protocol{deskplane.ProtocolPCoIP}
		}
		if err := s.enter(tx, sc, &b, row, now); err != nil {
			return err
		}
		if err := deskplane.MergeTags(tx, sc, b.ID, tags); err != nil {
			return err
		}
		out.WorkspaceBundle = new(wireBundle(&b))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// enter stores a new bundle in the transitional state of its creation row
// and schedules the end of it; a step the timing profile makes take no
// time ends at once (the built-in profiles: AVAILABLE when the call
// returns).
func (s *Service) enter(tx deskplane.Tx, sc deskplane.Scope, b *deskplane.Bundle, row deskplane.TransitionRow[deskplane.BundleState], now time.Time) error {
	due := s.After(now, row.Timing)
	if !due.After(now) {
		b.SetState(row.To, now)
		return deskplane.Bundles().Put(tx, sc, b.ID, b)
	}
	b.SetState(row.Via, now)
	p, err := json.Marshal(bundlePayload{Gen: b.Generation})
	if err != nil {
		return err
	}
	if err := tx.Schedule(deskplane.Timer{Key: deskplane.Bundles().Key(sc, b.ID), Name: deskplane.TimerBundleState, Due: due, Payload: p}); err != nil {
		return err
	}
	return deskplane.Bundles().Put(tx, sc, b.ID, b)
}

// onBundleState ends a custom bundle's PENDING state as BundleTable says
// (AVAILABLE), or in the state of an injected transition fault (kind
// "bundle").
func (s *Service) onBundleState(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var p bundlePayload
	if err := json.Unmarshal(t.Payload, &p); err != nil {
		return lifecycle.Permanent(fmt.Errorf("%s timer of %s: %w", deskplane.TimerBundleState, t.Key.ID, err))
	}
	sc := t.Key.Scope
	b, ok, err := deskplane.Bundles().Get(tx, sc, t.Key.ID)
	if err != nil || !ok || b.Generation != p.Gen {
		return err
	}
	row, ok := deskplane.BundleTable().Ending(b.State)
	if !ok {
		return nil
	}
	f, faulted, err := deskplane.TakeTransitionFault(tx, deskplane.KindBundle, sc, b.ID)
	if err != nil {
		return err
	}
	if faulted {
		b.SetState(deskplane.BundleState(f.State), t.Due)
	} else {
		b.SetState(row.To, t.Due)
	}
	return deskplane.Bundles().Put(tx, sc, b.ID, b)
}

// ---- update and delete -----------------------------------------------------------

func (s *Service) UpdateWorkspaceBundle(ctx context.Context, in *wsapi.UpdateWorkspaceBundleRequest) (*wsapi.UpdateWorkspaceBundleResult, error) {
	id, imageID := value(in.BundleId), value(in.ImageId)
	if id == "" || imageID == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "UpdateWorkspaceBundle needs both BundleId and ImageId.")
	}
	if _, ok := catalogue.Bundle(id); ok {
		return nil, deskplane.Errorf(deskplane.CodeNotSupported, "The bundle %s is an Amazon WorkSpaces public bundle; only custom bundles can be updated.", id)
	}
	sc := env.Scope(ctx)
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		b, ok, err := deskplane.Bundles().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return deskplane.BundleNotFound(id)
		}
		img, err := bundleImage(tx, sc, imageID)
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
		return deskplane.Bundles().Put(tx, sc, id, b)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateWorkspaceBundleResult{}, nil
}

func (s *Service) DeleteWorkspaceBundle(ctx context.Context, in *wsapi.DeleteWorkspaceBundleRequest) (*wsapi.DeleteWorkspaceBundleResult, error) {
	id := value(in.BundleId)
	if id == "" {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "BundleId is required.")
	}
	if _, ok := catalogue.Bundle(id); ok {
		return nil, deskplane.Errorf(deskplane.CodeAccessDenied, "The bundle %s is an Amazon WorkSpaces public bundle and cannot be deleted.", id)
	}
	sc := env.Scope(ctx)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, ok, err := deskplane.Bundles().Get(tx, sc, id); err != nil {
			return err
		} else if !ok {
			return deskplane.BundleNotFound(id)
		}
		var user string
		err := deskplane.Workspaces().Each(tx, sc, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			if ws.BundleID == id && ws.State != deskplane.WorkspaceTerminated {
				user = ws.ID
			}
			return user == "", nil
		})
		if err != nil {
			return err
		}
		if user != "" {
			return deskplane.Errorf(deskplane.CodeAssociated, "The bundle %s is in use by WorkSpaces (for example %s). Terminate the WorkSpaces created from it, and try again.", id, user)
		}
		if _, err := deskplane.Bundles().Delete(tx, sc, id); err != nil {
			return err
		}
		return deskplane.DeleteTags(tx, sc, id)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteWorkspaceBundleResult{}, nil
}

// ---- describe ----------------------------------------------------------------------

func (s *Service) DescribeWorkspaceBundles(ctx context.Context, in *wsapi.DescribeWorkspaceBundlesRequest) (*wsapi.DescribeWorkspaceBundlesResult, error) {
	if in.BundleIds != nil && in.Owner != nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "An invalid number of parameters provided with DescribeWorkspaceBundles. Specify either BundleIds or Owner, not both.")
	}
	sc := env.Scope(ctx)
	out := &wsapi.DescribeWorkspaceBundlesResult{}
	switch {
	case in.BundleIds != nil:
		now := s.Now()
		err := s.Store.View(ctx, func(tx deskplane.Tx) error {
			out.Bundles = out.Bundles[:0]
			// Eventual consistency on demand: the caller's own bundles
			// created within the account's DescribeDelay are not shown
			// yet (docs/decisions/0325-eventual-consistency-on-demand.md).
			acct, err := account(tx, sc)
			if err != nil {
				return err
			}
			seen := make(map[string]bool, len(in.BundleIds))
			for _, id := range in.BundleIds {
				if seen[id] {
					continue
				}
				seen[id] = true
				b, ok, err := catalogue.LookupBundle(tx, sc, id)
				if err != nil {
					return err
				}
				if ok && !(b.Owner == sc.Account && acct.NotYetDescribed(b.Created, now)) {
					out.Bundles = append(out.Bundles, wireBundle(b))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	case strings.EqualFold(value(in.Owner), deskplane.AmazonOwner):
		const purpose = "bundles-amazon"
		after, err := paging.Parse(ctx, purpose, in.NextToken)
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
		out.Bundles, out.NextToken = p.Items(), p.Next(ctx, purpose)
	case in.Owner == nil || value(in.Owner) == sc.Account:
		const purpose = "bundles-own"
		after, err := paging.Parse(ctx, purpose, in.NextToken)
		if err != nil {
			return nil, err
		}
		var p paging.Page[wsapi.WorkspaceBundle]
		now := s.Now()
		err = s.Store.View(ctx, func(tx deskplane.Tx) error {
			p = paging.Page[wsapi.WorkspaceBundle]{}
			acct, err := account(tx, sc)
			if err != nil {
				return err
			}
			return deskplane.Bundles().Each(tx, sc, after, func(seq int64, b *deskplane.Bundle) (bool, error) {
				if acct.NotYetDescribed(b.Created, now) {
					return true, nil // not shown yet (decision 0325)
				}
				return p.Add(paging.DefaultSize, seq, wireBundle(b)), nil
			})
		})
		if err != nil {
			return nil, err
		}
		out.Bundles, out.NextToken = p.Items(), p.Next(ctx, purpose)
	}
	if out.Bundles == nil {
		out.Bundles = []wsapi.WorkspaceBundle{}
	}
	return out, nil
}
