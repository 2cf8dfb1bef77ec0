// Package paging is the pagination of every listing operation: opaque,
// scoped page tokens and pages of results in the store's creation order.
//
// A token is the AES-256-GCM sealing of the store Seq of the last record of
// the previous page, with the caller's account, Region and operation and
// the listing's purpose (the listing, and where it depends on a parameter,
// that parameter) as additional data (docs/decisions/0143-page-tokens.md):
// it says nothing about the store (the Seq is global, so a plain one would
// show other accounts' activity), and a token minted for one account,
// Region, operation or listing, or altered in any bit, is refused with the
// operation's invalid-token error. The key is a record of the store,
// created once (LoadCodec), so tokens survive restarts and work on every
// node sharing the store. Records keep their Seq for life, so a page
// boundary stays put while records are added and removed.
package paging

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/deskplane/deskplane"
)

// DefaultSize is the page size of a listing whose request gives none
// (WorkSpaces pages hold 25).
const DefaultSize = 25

// Codec seals and opens page tokens with one key. Safe for concurrent use.
type Codec struct {
	aead cipher.AEAD
}

// NewCodec returns a codec with a 32-byte key.
func NewCodec(key []byte) (*Codec, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("paging: the key has %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Codec{aead: aead}, nil
}

// KeyRecord is where the token key is kept: outside every account's scope,
// so a reset of an account leaves it alone (the control API's reset of
// everything keeps it too).
func KeyRecord() deskplane.Key {
	return deskplane.Key{Kind: deskplane.KindCounter, ID: "paging-key"}
}

// LoadCodec returns the codec of the key kept in the store, creating the
// key (32 random bytes) the first time. Nodes starting together on one
// store agree on one key: the store's transaction makes one of them create
// it and the others read it.
func LoadCodec(ctx context.Context, s deskplane.Store) (*Codec, error) {
	var key []byte
	err := s.Update(ctx, func(tx deskplane.Tx) error {
		rec, err := tx.Get(KeyRecord())
		if err == nil && len(rec.Data) == 32 {
			key = append(key[:0], rec.Data...)
			return nil
		}
		if err != nil && !errors.Is(err, deskplane.ErrNotFound) {
			return err
		}
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		if _, err := tx.Put(KeyRecord(), fresh); err != nil {
			return err
		}
		key = fresh
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("paging: loading the token key: %w", err)
	}
	return NewCodec(key)
}

type codecKey struct{}

// WithCodec returns ctx carrying c: the server puts its codec in the base
// context of every request.
func WithCodec(ctx context.Context, c *Codec) context.Context {
	return context.WithValue(ctx, codecKey{}, c)
}

// codecFrom returns the codec ctx carries. Without one (a test calling a
// service directly) it is a codec of a fixed key: tokens are still opaque
// and scoped, but not secret.
func codecFrom(ctx context.Context) *Codec {
	if c, ok := ctx.Value(codecKey{}).(*Codec); ok && c != nil {
		return c
	}
	c, _ := NewCodec(make([]byte, 32))
	return c
}

// binding is the additional data a token is sealed with: the version of
// the format, the caller's account, Region and operation, and the purpose.
func binding(ctx context.Context, purpose string) []byte {
	c, _ := deskplane.CallerFrom(ctx)
	b := make([]byte, 0, 64+len(purpose))
	for _, s := range []string{"deskplane-page-1", c.Account, c.Region, c.Operation, purpose} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// Token seals the position after seq for the listing named purpose, for
// the caller ctx carries.
func Token(ctx context.Context, purpose string, seq int64) *string {
	c := codecFrom(ctx)
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+8+c.aead.Overhead())
	_, _ = rand.Read(nonce)
	sealed := c.aead.Seal(nonce, nonce, binary.BigEndian.AppendUint64(nil, uint64(seq)), binding(ctx, purpose))
	t := base64.RawURLEncoding.EncodeToString(sealed)
	return &t
}

// Parse opens a token of the listing named purpose into the Seq the page
// starts after; a nil or empty token starts at the beginning. A token that
// is not one of this listing's for this caller answers CodeInvalidNextToken.
func Parse(ctx context.Context, purpose string, tok *string) (int64, error) {
	if tok == nil || *tok == "" {
		return 0, nil
	}
	c := codecFrom(ctx)
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	if err == nil && len(raw) == c.aead.NonceSize()+8+c.aead.Overhead() {
		ns := c.aead.NonceSize()
		plain, err := c.aead.Open(nil, raw[:ns], raw[ns:], binding(ctx, purpose))
		if err == nil && len(plain) == 8 {
			if seq := int64(binary.BigEndian.Uint64(plain)); seq >= 0 {
				return seq, nil
			}
		}
	}
	shown := *tok
	if len(shown) > 128 {
		shown = shown[:128] + "…"
	}
	return 0, deskplane.Errorf(deskplane.CodeInvalidNextToken, "The NextToken %q is not valid for this request.", shown)
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

// Next returns the token of the next page for the caller ctx carries, or
// nil on the last page.
func (p *Page[T]) Next(ctx context.Context, purpose string) *string {
	if !p.more {
		return nil
	}
	return Token(ctx, purpose, p.lastSeq)
}
