package api

import (
	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Tag helpers of the families still here: the rules and the tag records
// are the root package's (deskplane.CheckTags, MergeTags, ReadTags,
// DeleteTags); CreateTags, DeleteTags and DescribeTags are served by
// internal/service/tags.

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

// mergeTags adds or overwrites tags on a resource; the resource must exist
// (the caller checks). It enforces the 50-tag limit on the result.
func mergeTags(tx deskplane.Tx, s deskplane.Scope, resourceID string, tags []wsapi.Tag) error {
	return deskplane.MergeTags(tx, s, resourceID, domainTags(tags))
}

// deleteTagsOf removes a resource's tags when the resource goes away.
func deleteTagsOf(tx deskplane.Tx, s deskplane.Scope, resourceID string) error {
	return deskplane.DeleteTags(tx, s, resourceID)
}
