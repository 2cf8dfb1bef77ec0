// Package dsdata is the Directory Service Data family: the users, groups
// and group memberships of a Directory Service directory, served through
// the Directory Service Data API (dsdataapi.Service) — users.go, groups.go,
// members.go, with the attribute catalogue in attributes.go, search in
// search.go and client tokens in tokens.go. A user made here is a user
// WorkSpaces can be created for (directory.UserKey). Decisions:
// docs/decisions/0014-directory-users.md and 0240–0245.
//
// It follows docs/PATTERNS.md: a Service that embeds env.Env, operations
// with the generated signatures, wire shapes converted at the edge, and the
// root package's records (directory.Users, Groups, GroupMembers). It reads
// the Directory Service directory (directory.DSDirectory, the ds family's
// record) through the root only; the ds family seeds a new directory's
// built-in users and groups with directory.SeedDirectoryPrincipals.
package dsdata

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the Directory Service Data operations. It implements
// dsdataapi.Service; internal/service composes it.
type Service struct {
	env.Env
}

var _ dsdataapi.Service = (*Service)(nil)

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{
		deskplane.TimerDataToken: s.onTokenExpired,
	}
}

// pageSize is the page size of a listing whose request gives no
// MaxResults: the model's maximum (decision 0242).
const pageSize = 250

// size returns the requested page size, or pageSize.
func size(maxResults *int32) int {
	if maxResults == nil || *maxResults <= 0 {
		return pageSize
	}
	return int(*maxResults)
}

// parseToken decodes a NextToken of the listing named purpose; a token that
// is not one of its answers is a ValidationException INVALID_NEXT_TOKEN.
func parseToken(ctx context.Context, purpose string, tok *string) (int64, error) {
	after, err := paging.Parse(ctx, purpose, tok)
	if err != nil {
		return 0, validation(dsdataapi.ValidationExceptionReasonInvalidNextToken,
			"The NextToken is not valid for this request; pass the NextToken of the previous page of the same listing.")
	}
	return after, nil
}

// dataDirectory returns the directory a call acts on, after the checks every
// Directory Service Data operation makes (decision 0241): the directory
// exists in the caller's account and Region, is not a directory shared
// with the caller, is Active, and its data access is not disabled.
func dataDirectory(tx deskplane.Tx, sc deskplane.Scope, id string) (*directory.DSDirectory, error) {
	dir, ok, err := directory.DSDirectories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, accessDenied(dsdataapi.AccessDeniedReasonDirectoryAuth,
			"The directory %s does not exist in your account in this Region, or you may not use its data.", id)
	}
	if string(dir.Type) == string(dsapi.DirectoryTypeSharedMicrosoftAd) {
		return nil, validation(dsdataapi.ValidationExceptionReasonInvalidDirectoryType,
			"The directory %s is shared with your account; only its owner can use its data.", id)
	}
	if _, err := deskplane.DSDirectoryTable().Check(deskplane.ActionManageUsers, id, dir.Stage); err != nil {
		return nil, err
	}
	if !dir.DataAccessAllowed() {
		return nil, accessDenied(dsdataapi.AccessDeniedReasonDataDisabled,
			"Directory Service Data access to directory %s is %s; enable it with EnableDirectoryDataAccess.", id, dir.DataAccess)
	}
	return dir, nil
}

// checkRealm checks a request's Realm (or MemberRealm, named by member):
// absent, or the directory's domain, case-insensitively and with or
// without a final dot (decision 0243).
func checkRealm(dir *directory.DSDirectory, member string, realm *string) error {
	if realm == nil || sameRealm(*realm, dir.Name) {
		return nil
	}
	return validation(dsdataapi.ValidationExceptionReasonInvalidRealm,
		"The %s %s is not the domain of directory %s (%s) and the directory has no trusted realm of that name.", member, *realm, dir.ID, dir.Name)
}

func sameRealm(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// userPrincipalName is a user's UPN: name@DOMAIN, the realm upper-cased.
func userPrincipalName(dir *directory.DSDirectory, name string) string {
	return name + "@" + strings.ToUpper(dir.Name)
}

// ---- errors ------------------------------------------------------------------

func validation(reason dsdataapi.ValidationExceptionReason, format string, args ...any) error {
	return &deskplane.Error{Code: deskplane.CodeValidation, Reason: string(reason), Message: fmt.Sprintf(format, args...)}
}

func accessDenied(reason dsdataapi.AccessDeniedReason, format string, args ...any) error {
	return &deskplane.Error{Code: deskplane.CodeAccessDenied, Reason: string(reason), Message: fmt.Sprintf(format, args...)}
}

// outsideOU refuses a change to an object outside the OU the customer
// controls (Managed Microsoft AD's AWS Reserved and default containers).
func outsideOU(dir *directory.DSDirectory, what, name string) error {
	return accessDenied(dsdataapi.AccessDeniedReasonDirectoryAuth,
		"The %s %s is outside your organizational unit (%s) in directory %s; you can read it but not change it.",
		what, name, dir.DefaultContainer(), dir.ID)
}

// unsupported refuses what Active Directory refuses to do to an object.
func unsupported(format string, args ...any) error {
	return validation(dsdataapi.ValidationExceptionReasonLdapUnsupportedOperation, format, args...)
}

func userNotFound(dir *directory.DSDirectory, name string) error {
	return deskplane.NotFound(name, "The user %s does not exist in directory %s.", name, dir.ID)
}

func groupNotFound(dir *directory.DSDirectory, name string) error {
	return deskplane.NotFound(name, "The group %s does not exist in directory %s.", name, dir.ID)
}

// ---- small helpers -------------------------------------------------------------

// value returns what p points at, or the zero value for nil: optional
// members of a request.
func value[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// optional returns nil for "", so that an absent member stays absent in
// an answer.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
