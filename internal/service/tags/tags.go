// Package tags is the tags family of the WorkSpaces API: CreateTags,
// DeleteTags and DescribeTags on any taggable resource of the caller
// (behaviour doc §8). The tag rules and the tag records are the root
// package's (deskplane.CheckTags, MergeTags, ReadTags, DeleteTags), shared
// with every family that tags a resource at creation; this family only
// serves the three operations on them.
package tags

import (
	"context"
	"errors"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Service serves the tags operations of the WorkSpaces API. It implements
// part of wsapi.Service; internal/service composes it with the other
// families.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// value returns what p points at, or the zero value for nil.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// domainTags converts request tags to the domain's.
func domainTags(in []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}

// wireTags converts stored tags to the wire shape.
func wireTags(in []deskplane.Tag) []wsapi.Tag {
	out := make([]wsapi.Tag, len(in))
	for i, t := range in {
		out[i] = wsapi.Tag{Key: new(t.Key), Value: new(t.Value)}
	}
	return out
}

// taggable checks that resourceID names a taggable resource the caller owns.
func taggable(tx deskplane.Tx, sc deskplane.Scope, resourceID string) error {
	kind, ok := deskplane.KindOfID(resourceID)
	if !ok {
		return deskplane.NotFound(resourceID, "The resource %s could not be found. Tags can be set on WorkSpaces (ws-), registered directories (d-, wsd-), images (wsi-), custom bundles (wsb-), IP access control groups (wsipg-), connection aliases (wsca-) and pools (wspool-).", resourceID)
	}
	_, err := tx.Get(deskplane.Key{Scope: sc, Kind: kind, ID: resourceID})
	if errors.Is(err, deskplane.ErrNotFound) {
		return deskplane.NotFound(resourceID, "The resource %s could not be found.", resourceID)
	}
	return err
}

// CreateTags adds or overwrites tags on a resource, up to 50 in all.
func (s *Service) CreateTags(ctx context.Context, in *wsapi.CreateTagsRequest) (*wsapi.CreateTagsResult, error) {
	add := domainTags(in.Tags)
	if err := deskplane.CheckTags(add); err != nil {
		return nil, err
	}
	sc, id := env.Scope(ctx), value(in.ResourceId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := taggable(tx, sc, id); err != nil {
			return err
		}
		return deskplane.MergeTags(tx, sc, id, add)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateTagsResult{}, nil
}

// DeleteTags removes the named keys from a resource's tags; a key the
// resource does not have is ignored.
func (s *Service) DeleteTags(ctx context.Context, in *wsapi.DeleteTagsRequest) (*wsapi.DeleteTagsResult, error) {
	for _, k := range in.TagKeys {
		if err := deskplane.CheckTagKey(k); err != nil {
			return nil, err
		}
	}
	sc, id := env.Scope(ctx), value(in.ResourceId)
	drop := make(map[string]bool, len(in.TagKeys))
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := taggable(tx, sc, id); err != nil {
			return err
		}
		cur, err := deskplane.ReadTags(tx, sc, id)
		if err != nil {
			return err
		}
		var kept []deskplane.Tag
		for _, t := range cur {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		if len(kept) == 0 {
			return deskplane.DeleteTags(tx, sc, id)
		}
		return deskplane.TagSets().Put(tx, sc, id, &deskplane.TagSet{Tags: kept})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteTagsResult{}, nil
}

// DescribeTags lists a resource's tags in the order they were first set.
func (s *Service) DescribeTags(ctx context.Context, in *wsapi.DescribeTagsRequest) (*wsapi.DescribeTagsResult, error) {
	sc, id := env.Scope(ctx), value(in.ResourceId)
	var tags []deskplane.Tag
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		if err := taggable(tx, sc, id); err != nil {
			return err
		}
		var err error
		tags, err = deskplane.ReadTags(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeTagsResult{TagList: wireTags(tags)}, nil
}
