package ds

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
)

// ---- tags ----------------------------------------------------------------------

// checkDSTags applies Directory Service's tag rules to tags being added.
func checkDSTags(tags []dsapi.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := deref(t.Key)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "Tag keys that begin with aws: are reserved for AWS use: %s.", k)
		}
		if seen[k] {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "Duplicate tag key %s in the request.", k)
		}
		seen[k] = true
	}
	if len(tags) > maxTags {
		return dsTagLimit()
	}
	return nil
}

func dsTagLimit() error {
	return &deskplane.Error{Code: deskplane.CodeTagLimitExceeded,
		Message: fmt.Sprintf("A directory can have at most %d tags.", maxTags)}
}

// addDSTags adds or overwrites tags and applies the any-user tag.
func addDSTags(d *directory.DSDirectory, tags []dsapi.Tag) error {
	for _, t := range tags {
		k, v := deref(t.Key), deref(t.Value)
		i := slices.IndexFunc(d.Tags, func(x directory.DSTag) bool { return x.Key == k })
		if i >= 0 {
			d.Tags[i].Value = v
		} else {
			d.Tags = append(d.Tags, directory.DSTag{Key: k, Value: v})
		}
		if k == anyUserTag {
			d.AnyUser = strings.EqualFold(strings.TrimSpace(v), "true")
		}
	}
	if len(d.Tags) > maxTags {
		return dsTagLimit()
	}
	return nil
}

// ---- Directory Service tags --------------------------------------------------------

// updateDSDirectory runs fn on a directory of the caller and saves it.
func (s *Service) updateDSDirectory(ctx context.Context, id string, fn func(*directory.DSDirectory) error) error {
	sc := env.Scope(ctx)
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.Modify(tx, dirKey(sc, id), func() error { return notFound(id) }, fn)
	})
}

func (s *Service) AddTagsToResource(ctx context.Context, in *dsapi.AddTagsToResourceRequest) (*dsapi.AddTagsToResourceResult, error) {
	if err := checkDSTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.updateDSDirectory(ctx, deref(in.ResourceId), func(dir *directory.DSDirectory) error {
		return addDSTags(dir, in.Tags)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.AddTagsToResourceResult{}, nil
}

func (s *Service) RemoveTagsFromResource(ctx context.Context, in *dsapi.RemoveTagsFromResourceRequest) (*dsapi.RemoveTagsFromResourceResult, error) {
	err := s.updateDSDirectory(ctx, deref(in.ResourceId), func(dir *directory.DSDirectory) error {
		dir.Tags = slices.DeleteFunc(dir.Tags, func(t directory.DSTag) bool { return slices.Contains(in.TagKeys, t.Key) })
		if slices.Contains(in.TagKeys, anyUserTag) {
			dir.AnyUser = false
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RemoveTagsFromResourceResult{}, nil
}

func (s *Service) ListTagsForResource(ctx context.Context, in *dsapi.ListTagsForResourceRequest) (*dsapi.ListTagsForResourceResult, error) {
	var all []dsapi.Tag
	err := s.read(ctx, "ListTagsForResource", deref(in.ResourceId), func(_ deskplane.Tx, d *directory.DSDirectory) error {
		all = all[:0]
		for _, t := range d.Tags {
			all = append(all, dsapi.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-tags", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.ListTagsForResourceResult{Tags: page, NextToken: next}, nil
}
