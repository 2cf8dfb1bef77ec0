// Package iam is the part of AWS Identity and Access Management that
// WorkSpaces and its Terraform configurations use: roles with their tags,
// trust policies, attached managed policies and inline policies; customer
// managed policies and the AWS managed policies WorkSpaces names; GetUser
// for the account root. It evaluates no permissions
// (docs/decisions/0291-iam.md).
//
// IAM is global per account: every operation works on the caller's
// account in identity.IAMScope, whatever Region the request is signed for;
// ARNs carry the partition of that Region.
package iam

import (
	"context"
	"crypto/rand"
	"net/url"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/iamapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Service serves the IAM operations deskplane implements; internal/service
// composes it with iamapi.Unimplemented.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// The quotas of IAM that deskplane applies (IAM's defaults).
const (
	maxRolesPerAccount    = 1000
	maxPoliciesPerAccount = 1500
	maxAttachedPerRole    = 10
	maxTagsPerEntity      = 50
	maxPolicyVersions     = 5
	defaultMaxSession     = 3600
	defaultMaxItems       = 100
)

// who is the caller's account and partition.
type who struct {
	account, partition string
	temporary          bool
}

func caller(ctx context.Context) who {
	c := env.Caller(ctx)
	return who{account: c.Account, partition: deskplane.Partition(c.Region), temporary: c.Temporary}
}

func (w who) scope() deskplane.Scope { return identity.IAMScope(w.account) }

// value returns what p points at, or the zero value for nil.
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

func timestamp(t time.Time) *smithy.Timestamp { return smithy.NewTimestamp(t.UTC()) }

// newID returns an IAM unique id: a prefix (AROA for roles, ANPA for
// policies) and 17 random upper-case letters and digits.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 17)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// encodeDocument URL-encodes a policy document as IAM answers it
// (RFC 3986: everything but letters, digits and -_.~ is %XX).
func encodeDocument(doc string) *string {
	s := strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
	return &s
}

// ---- tags ---------------------------------------------------------------

func domainTags(in []iamapi.Tag) []deskplane.Tag {
	out := make([]deskplane.Tag, len(in))
	for i, t := range in {
		out[i] = deskplane.Tag{Key: value(t.Key), Value: value(t.Value)}
	}
	return out
}

func wireTags(in []deskplane.Tag) []iamapi.Tag {
	if len(in) == 0 {
		return nil
	}
	out := make([]iamapi.Tag, len(in))
	for i, t := range in {
		out[i] = iamapi.Tag{Key: new(t.Key), Value: new(t.Value)}
	}
	return out
}

// checkTags applies IAM's rules to the tags of a request: keys unique
// regardless of case, none starting with aws:.
func checkTags(tags []deskplane.Tag) error {
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if strings.HasPrefix(k, "aws:") {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS use: %q.", t.Key)
		}
		if seen[k] {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

// mergeTags sets the tags on an entity's list (a key already there, in any
// case, has its value replaced) and applies the per-entity quota.
func mergeTags(have, add []deskplane.Tag) ([]deskplane.Tag, error) {
	out := append([]deskplane.Tag(nil), have...)
next:
	for _, t := range add {
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i].Value = t.Value
				continue next
			}
		}
		out = append(out, t)
	}
	if len(out) > maxTagsPerEntity {
		return nil, deskplane.Errorf(deskplane.CodeLimitExceeded, "Cannot exceed quota for TagsPerEntity: %d.", maxTagsPerEntity)
	}
	return out, nil
}

// removeTags drops the keys (in any case) from an entity's tags; keys it
// does not have are ignored.
func removeTags(have []deskplane.Tag, keys []string) []deskplane.Tag {
	out := have[:0:0]
	for _, t := range have {
		drop := false
		for _, k := range keys {
			drop = drop || strings.EqualFold(t.Key, k)
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// ---- pages --------------------------------------------------------------

// maxItems is the page size of a listing: MaxItems, or IAM's 100.
func maxItems(n *int32) int {
	if n == nil || *n <= 0 {
		return defaultMaxItems
	}
	return int(*n)
}

// marker decodes the Marker of a listing: where the page starts.
func marker(ctx context.Context, purpose string, m *string) (int64, error) {
	pos, err := paging.Parse(ctx, purpose, m)
	if err != nil {
		return 0, deskplane.Errorf(deskplane.CodeValidation, "Invalid Marker: %q is not a Marker this listing answered.", value(m))
	}
	return pos, nil
}

// slicePage pages a list held in a record: positions are 1-based indexes.
// It returns the items of the page, whether there are more, and the
// Marker of the next page.
func slicePage[T any](ctx context.Context, purpose string, items []T, m *string, max *int32) (page []T, truncated bool, next *string, err error) {
	start, err := marker(ctx, purpose, m)
	if err != nil {
		return nil, false, nil, err
	}
	if start > int64(len(items)) {
		start = int64(len(items))
	}
	end := start + int64(maxItems(max))
	if end >= int64(len(items)) {
		return items[start:], false, nil, nil
	}
	return items[start:end], true, paging.Token(ctx, purpose, end), nil
}

// ---- users --------------------------------------------------------------

// GetUser answers for the account root only: deskplane has no IAM users
// (docs/decisions/0291-iam.md). Without a UserName, credentials of the
// account (the configured keys, GetSessionToken sessions) are the root
// user; the credentials of an assumed role are not a user at all.
func (s *Service) GetUser(ctx context.Context, in *iamapi.GetUserRequest) (*iamapi.GetUserResponse, error) {
	w := caller(ctx)
	if name := value(in.UserName); name != "" {
		return nil, deskplane.NotFound(name, "The user with name %s cannot be found.", name)
	}
	role, err := s.callerIsRole(ctx, w)
	if err != nil {
		return nil, err
	}
	if role {
		return nil, deskplane.Errorf(deskplane.CodeValidation, "Must specify userName when calling with non-User credentials")
	}
	now := s.Now()
	var created time.Time
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		k := deskplane.Key{Scope: w.scope(), Kind: identity.KindIAMAccount, ID: identity.IAMAccountID}
		var a identity.IAMAccount
		found, err := deskplane.Load(tx, k, &a)
		if err != nil {
			return err
		}
		if !found {
			a.Created = now
			if err := deskplane.Save(tx, k, &a); err != nil {
				return err
			}
		}
		created = a.Created
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &iamapi.GetUserResponse{User: &iamapi.User{
		UserId:     new(w.account),
		Arn:        new("arn:" + w.partition + ":iam::" + w.account + ":root"),
		CreateDate: timestamp(created),
	}}, nil
}

// callerIsRole reports whether the caller signed with the temporary
// credentials of an assumed role.
func (s *Service) callerIsRole(ctx context.Context, w who) (bool, error) {
	if !w.temporary {
		return false, nil
	}
	key := env.Caller(ctx).AccessKey
	var role bool
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		sess, found, err := identity.Sessions().Get(tx, deskplane.GlobalScope(), key)
		role = found && sess.RoleName != ""
		return err
	})
	return role, err
}
