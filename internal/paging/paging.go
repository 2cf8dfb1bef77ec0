// Package paging is the pagination of every listing operation: opaque
// page tokens and pages of results in the store's creation order.
//
// A token is base64 of "<purpose>:<seq>", where seq is the store Seq of
// the last record of the previous page and purpose names the listing (and,
// where the listing depends on a parameter, that parameter): a token
// minted for one listing is refused by another. Records keep their Seq for
// life, so a page boundary stays put while records are added and removed.
package paging

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
)

// DefaultSize is the page size of a listing whose request gives none
// (WorkSpaces pages hold 25).
const DefaultSize = 25

// Token encodes the position after seq for the listing named purpose.
func Token(purpose string, seq int64) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(purpose + ":" + strconv.FormatInt(seq, 10)))
	return &t
}

// Parse decodes a token of the listing named purpose into the Seq the page
// starts after; a nil or empty token starts at the beginning. A token that
// is not one of this listing's answers CodeInvalidNextToken.
func Parse(purpose string, tok *string) (int64, error) {
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
	return 0, deskplane.Errorf(deskplane.CodeInvalidNextToken, "The NextToken %q is not valid for this request.", *tok)
}

// Size returns the requested page size, or DefaultSize when none was
// given. The model's range trait has been checked by the dispatcher.
func Size(limit *int32) int {
	if limit == nil || *limit <= 0 {
		return DefaultSize
	}
	return int(*limit)
}

// Page collects up to a page of matching items after the start of a
// listing and says where the next page starts.
type Page[T any] struct {
	items   []T
	lastSeq int64
	more    bool
}

// Add appends v, found at store Seq seq; it returns false once the page
// holds size items and one more matching item proves there is a next page
// (the caller stops listing then).
func (p *Page[T]) Add(size int, seq int64, v T) bool {
	if len(p.items) == size {
		p.more = true
		return false
	}
	p.items = append(p.items, v)
	p.lastSeq = seq
	return true
}

// Len is how many items the page holds.
func (p *Page[T]) Len() int { return len(p.items) }

// SetMore records that there is a next page (for a listing that knows it
// without calling Add once more).
func (p *Page[T]) SetMore() { p.more = true }

// Items returns the page's items, never nil: list outputs are sent as []
// when empty.
func (p *Page[T]) Items() []T {
	if p.items == nil {
		return []T{}
	}
	return p.items
}

// Next returns the token of the next page, or nil on the last page.
func (p *Page[T]) Next(purpose string) *string {
	if !p.more {
		return nil
	}
	return Token(purpose, p.lastSeq)
}
