package api

import (
	"context"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Tags (behaviour doc §8): the rules and the tag records are the root
// package's (deskplane.CheckTags, MergeTags, ReadTags, DeleteTags); this
// file converts the wire shapes and serves CreateTags, DeleteTags and
// DescribeTags.

// domainTags converts request tags to the domain's.
func domainTags(tags []wsapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(tags))
	for i, t := range tags {
		out[i] = deskplane.Tag{Key: deref(t.Key), Value: deref(t.Value)}
	}
	return out
}

// checkTags applies the tag rules to the given tags.
func checkTags(tags []wsapi.Tag) error { return deskplane.CheckTags(domainTags(tags)) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// readTags returns a resource's tags in creation order.
func readTags(tx deskplane.Tx, s deskplane.Scope, resourceID string) ([]deskplane.Tag, error) {
	return deskplane.ReadTags(tx, s, resourceID)
}

// mergeTags adds or overwrites tags on a resource; the resource must exist
// (the caller checks). It enforces the 50-tag limit on the result.
func mergeTags(tx deskplane.Tx, s deskplane.Scope, resourceID string, tags []wsapi.Tag) error {
	return deskplane.MergeTags(tx, s, resourceID, domainTags(tags))
}

// wireTags converts stored tags to the wire shape.
func wireTags(tags []deskplane.Tag) []wsapi.Tag {
	out := make([]wsapi.Tag, len(tags))
	for i, t := range tags {
		out[i] = wsapi.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out
}

// taggable checks that resourceID names a taggable resource the caller owns.
func taggable(tx deskplane.Tx, s deskplane.Scope, resourceID string) error {
	kind, ok := deskplane.KindOfID(resourceID)
	if !ok {
		return deskplane.NotFound(resourceID, "The resource %s could not be found. Tags can be set on WorkSpaces (ws-), registered directories (d-, wsd-), images (wsi-), custom bundles (wsb-), IP access control groups (wsipg-), connection aliases (wsca-) and pools (wspool-).", resourceID)
	}
	_, err := tx.Get(deskplane.Key{Scope: s, Kind: kind, ID: resourceID})
	if err == deskplane.ErrNotFound {
		return deskplane.NotFound(resourceID, "The resource %s could not be found.", resourceID)
	}
	return err
}

func (w *wsService) CreateTags(ctx context.Context, in *wsapi.CreateTagsRequest) (*wsapi.CreateTagsResult, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	s, id := caller(ctx).Scope(), deref(in.ResourceId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := taggable(tx, s, id); err != nil {
			return err
		}
		return mergeTags(tx, s, id, in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateTagsResult{}, nil
}

func (w *wsService) DeleteTags(ctx context.Context, in *wsapi.DeleteTagsRequest) (*wsapi.DeleteTagsResult, error) {
	for _, k := range in.TagKeys {
		if err := deskplane.CheckTagKey(k); err != nil {
			return nil, err
		}
	}
	s, id := caller(ctx).Scope(), deref(in.ResourceId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		if err := taggable(tx, s, id); err != nil {
			return err
		}
		cur, err := readTags(tx, s, id)
		if err != nil {
			return err
		}
		drop := make(map[string]bool, len(in.TagKeys))
		for _, k := range in.TagKeys {
			drop[k] = true
		}
		kept := cur[:0]
		for _, t := range cur {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		if len(kept) == 0 {
			return deskplane.DeleteTags(tx, s, id)
		}
		return deskplane.TagSets().Put(tx, s, id, &deskplane.TagSet{Tags: kept})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteTagsResult{}, nil
}

func (w *wsService) DescribeTags(ctx context.Context, in *wsapi.DescribeTagsRequest) (*wsapi.DescribeTagsResult, error) {
	s, id := caller(ctx).Scope(), deref(in.ResourceId)
	var tags []deskplane.Tag
	err := w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		if err := taggable(tx, s, id); err != nil {
			return err
		}
		var err error
		tags, err = readTags(tx, s, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeTagsResult{TagList: wireTags(tags)}, nil
}

// deleteTagsOf removes a resource's tags when the resource goes away.
func deleteTagsOf(tx deskplane.Tx, s deskplane.Scope, resourceID string) error {
	return deskplane.DeleteTags(tx, s, resourceID)
}
