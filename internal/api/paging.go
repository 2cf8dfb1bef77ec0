package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
)

// Pagination tokens are opaque to clients: base64 of "<purpose>:<seq>",
// where seq is the store sequence of the last record of the previous page.
// A token minted for one listing is refused by another.

const defaultPageSize = 25

// pageToken encodes the position after seq for the listing named purpose.
func pageToken(purpose string, seq int64) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(purpose + ":" + strconv.FormatInt(seq, 10)))
	return &t
}

// parsePageToken decodes a token; a nil or empty token starts at the
// beginning.
func parsePageToken(purpose string, tok *string) (int64, error) {
	if tok == nil || *tok == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	if err == nil {
		p, n, ok := strings.Cut(string(raw), ":")
		if ok && p == purpose {
			if seq, err := strconv.ParseInt(n, 10, 64); err == nil && seq >= 0 {
				return seq, nil
			}
		}
	}
	return 0, deskplane.Errorf(deskplane.CodeInvalidParameter, "The NextToken %q is not valid for this request.", *tok)
}

// pageSize returns the requested page size, or the default when none was
// given. The model's range trait has already been checked.
func pageSize(limit *int32) int {
	if limit == nil || *limit <= 0 {
		return defaultPageSize
	}
	return int(*limit)
}

// page collects up to size matching items after afterSeq and says where the
// next page starts.
type page[T any] struct {
	items   []T
	lastSeq int64
	more    bool
}

// add appends v; it returns false once the page is full and one more
// matching item proves there is a next page.
func (p *page[T]) add(size int, seq int64, v T) bool {
	if len(p.items) == size {
		p.more = true
		return false
	}
	p.items = append(p.items, v)
	p.lastSeq = seq
	return true
}

// list returns the page's items, never nil: list outputs are sent as []
// when empty.
func (p *page[T]) list() []T {
	if p.items == nil {
		return []T{}
	}
	return p.items
}

// next returns the token of the next page, or nil on the last page.
func (p *page[T]) next(purpose string) *string {
	if !p.more {
		return nil
	}
	return pageToken(purpose, p.lastSeq)
}
