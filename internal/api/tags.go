package api

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Tags (behaviour doc §8): at most 50 per resource; keys 1–127 and values
// 0–255 Unicode characters of letters, digits, spaces (Unicode Z: not tabs
// or line breaks) and + - = . _ : / @; keys and values case-sensitive; the
// aws: prefix is reserved; CreateTags on an existing key overwrites it;
// DeleteTags of a missing key is ignored; DescribeTags lists tags in the
// order their keys were first created.

const maxTagsPerResource = 50

type tagRecord struct {
	Tags []tagKV `json:"tags"`
}

type tagKV struct {
	Key   string `json:"k"`
	Value string `json:"v"`
}

func validTagText(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Z, r) || strings.ContainsRune("+-=._:/@", r) {
			continue
		}
		return false
	}
	return true
}

// checkTags applies the tag rules to the given tags.
func checkTags(tags []wsapi.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k, v := deref(t.Key), deref(t.Value)
		if err := checkTagKey(k); err != nil {
			return err
		}
		if !validTagText(v) {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The tag value %q contains characters that are not allowed. Tag values may contain letters, digits, spaces and + - = . _ : / @.", v)
		}
		if len([]rune(v)) > 255 {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The tag value for key %q is longer than 255 characters.", k)
		}
		if seen[k] {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The tag key %q appears more than once in the request.", k)
		}
		seen[k] = true
	}
	if len(tags) > maxTagsPerResource {
		return deskplane.Errorf(deskplane.CodeLimitExceeded, "A resource can have at most %d tags; the request has %d.", maxTagsPerResource, len(tags))
	}
	return nil
}

func checkTagKey(k string) error {
	if k == "" || len([]rune(k)) > 127 {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The tag key %q must be 1 to 127 characters long.", k)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The tag key %q uses the reserved prefix aws:, which cannot be created, edited or deleted.", k)
	}
	if !validTagText(k) {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The tag key %q contains characters that are not allowed. Tag keys may contain letters, digits, spaces and + - = . _ : / @.", k)
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func tagsKey(s deskplane.Scope, resourceID string) deskplane.Key {
	return deskplane.Key{Scope: s, Kind: deskplane.KindTags, ID: resourceID}
}

// readTags returns a resource's tags in creation order.
func readTags(tx deskplane.Tx, s deskplane.Scope, resourceID string) ([]tagKV, error) {
	var r tagRecord
	if _, err := load(tx, tagsKey(s, resourceID), &r); err != nil {
		return nil, err
	}
	return r.Tags, nil
}

// mergeTags adds or overwrites tags on a resource; the resource must exist
// (the caller checks). It enforces the 50-tag limit on the result.
func mergeTags(tx deskplane.Tx, s deskplane.Scope, resourceID string, tags []wsapi.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	cur, err := readTags(tx, s, resourceID)
	if err != nil {
		return err
	}
	for _, t := range tags {
		k, v := deref(t.Key), deref(t.Value)
		replaced := false
		for i := range cur {
			if cur[i].Key == k {
				cur[i].Value, replaced = v, true
				break
			}
		}
		if !replaced {
			cur = append(cur, tagKV{Key: k, Value: v})
		}
	}
	if len(cur) > maxTagsPerResource {
		return deskplane.Errorf(deskplane.CodeLimitExceeded, "The resource %s would have %d tags; a resource can have at most %d.", resourceID, len(cur), maxTagsPerResource)
	}
	return save(tx, tagsKey(s, resourceID), tagRecord{Tags: cur})
}

// wireTags converts stored tags to the wire shape.
func wireTags(tags []tagKV) []wsapi.Tag {
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
		if err := checkTagKey(k); err != nil {
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
			_, err := tx.Delete(tagsKey(s, id))
			return err
		}
		return save(tx, tagsKey(s, id), tagRecord{Tags: kept})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteTagsResult{}, nil
}

func (w *wsService) DescribeTags(ctx context.Context, in *wsapi.DescribeTagsRequest) (*wsapi.DescribeTagsResult, error) {
	s, id := caller(ctx).Scope(), deref(in.ResourceId)
	var tags []tagKV
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
	_, err := tx.Delete(tagsKey(s, resourceID))
	if err != nil {
		return fmt.Errorf("deleting tags of %s: %w", resourceID, err)
	}
	return nil
}
