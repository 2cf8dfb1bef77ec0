// Package ds is the Directory Service family: the directories WorkSpaces
// stands on (Simple AD, AWS Managed Microsoft AD, AD Connector, Hybrid AD)
// and everything Directory Service does with them, served through the
// Directory Service API (dsapi.Service, all 80 operations). A directory is
// a directory.DSDirectory record in its owner's scope; its users and groups
// are the Directory Service Data family's (the root's
// SeedDirectoryPrincipals makes a new directory's built-in ones).
//
// Files by sub-family: create.go and directories.go (directories, their
// stages, limits), tags.go, snapshots.go, trusts.go, network.go
// (conditional forwarders, IP routes, log subscriptions, event topics),
// sharing.go, regions.go (Regions and domain controllers), auth.go
// (aliases, SSO, RADIUS, passwords), ldaps.go (certificates, LDAPS, client
// authentication), settings.go (settings, updates, data access), schema.go,
// hybrid.go (Hybrid AD, AD assessments, CA enrollment, computers).
// Decisions: docs/decisions/0010-directory-service.md and 0200–0239.
//
// It follows docs/PATTERNS.md: a Service that embeds env.Env, operations
// with the generated signatures, the domain's records, typed states
// and transition tables (the root and its directory sub-package).
package ds

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the Directory Service operations; internal/service
// composes it into dsapi.Service.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{
		deskplane.TimerDSDirectoryStage: s.onStage,
		deskplane.TimerDSTrust:          s.onTrust,
		deskplane.TimerDSSnapshot:       s.onSnapshot,
		deskplane.TimerDSSchemaExt:      s.onSchema,
		deskplane.TimerDSSetting:        s.onSetting,
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// optional is nil for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func dirKey(sc deskplane.Scope, id string) deskplane.Key {
	return directory.DSDirectories().Key(sc, id)
}

// notFound is Directory Service's answer for an unknown directory.
func notFound(id string) error {
	return deskplane.NotFound(id, "Directory %s does not exist.", id)
}

// missingAsDirectory lists the operations whose model answers an unknown
// directory with DirectoryDoesNotExistException rather than
// EntityDoesNotExistException.
func missingAsDirectory(op string) bool {
	switch op {
	case "AddRegion", "DescribeDirectoryDataAccess", "DescribeRegions", "DescribeSettings", "DescribeUpdateDirectory",
		"DisableDirectoryDataAccess", "EnableDirectoryDataAccess", "RemoveRegion", "UpdateDirectorySetup", "UpdateSettings":
		return true
	}
	return false
}

// missing is the answer for an unknown directory in operation op.
func missing(id, op string) error {
	if op, _, _ = strings.Cut(op, " "); missingAsDirectory(op) {
		return refuse(deskplane.CodeNotFound, directory.ReasonDirectoryNotFound, "Directory %s does not exist.", id)
	}
	return notFound(id)
}

// refuse builds a domain error refined for Directory Service
// (deskplane.Reason…; decision 0200).
func refuse(code deskplane.Code, reason, format string, args ...any) error {
	return &deskplane.Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) error {
	return deskplane.Errorf(deskplane.CodeInvalidParameter, format, args...)
}

// load returns a directory of the caller (a directory shared with the
// caller included).
func load(tx deskplane.Tx, sc deskplane.Scope, id string) (*directory.DSDirectory, error) {
	d, ok, err := directory.DSDirectories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound(id)
	}
	return d, nil
}

// typeName is how messages name a directory type.
func typeName(t string) string {
	switch t {
	case typeMicrosoftAD:
		return "AWS Managed Microsoft AD"
	case typeADConnector:
		return "AD Connector"
	case typeSharedMicrosoftAD:
		return "shared AWS Managed Microsoft AD"
	}
	return "Simple AD"
}

// onlyTypes refuses an operation on a directory of another type
// (UnsupportedOperationException, as Directory Service answers).
func onlyTypes(d *directory.DSDirectory, what string, types ...string) error {
	for _, t := range types {
		if d.Type == t {
			return nil
		}
	}
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = typeName(t)
	}
	return deskplane.Errorf(deskplane.CodeNotSupported, "%s is not supported for %s directory %s; it is supported for %s directories only.",
		what, typeName(d.Type), d.ID, strings.Join(names, " and "))
}

// msOnly refuses an operation AWS documents for AWS Managed Microsoft AD
// only.
func msOnly(d *directory.DSDirectory, what string) error {
	return onlyTypes(d, what, typeMicrosoftAD)
}

// active refuses an operation on a directory that is not Active
// (DirectoryUnavailableException).
func active(d *directory.DSDirectory) error {
	if d.Stage != stageActive {
		return deskplane.Errorf(deskplane.CodeUnavailable, "Directory %s is %s; the operation needs an Active directory.", d.ID, d.Stage)
	}
	return nil
}

// usable loads a directory the operation what may act on: the caller's
// own, Active, of one of the types (all types when none is given).
func usable(tx deskplane.Tx, sc deskplane.Scope, id, what string, types ...string) (*directory.DSDirectory, error) {
	d, ok, err := directory.DSDirectories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, missing(id, what)
	}
	if len(types) > 0 {
		if err := onlyTypes(d, what, types...); err != nil {
			return nil, err
		}
	} else if d.Owner != nil {
		return nil, onlyTypes(d, what, typeSimpleAD, typeMicrosoftAD, typeADConnector)
	}
	if err := active(d); err != nil {
		return nil, err
	}
	return d, nil
}

// change runs fn on a usable directory of the caller and saves it, in one
// transaction.
func (s *Service) change(ctx context.Context, id, what string, types []string, fn func(tx deskplane.Tx, d *directory.DSDirectory) error) error {
	sc := env.Scope(ctx)
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := usable(tx, sc, id, what, types...)
		if err != nil {
			return err
		}
		if err := fn(tx, d); err != nil {
			return err
		}
		return directory.DSDirectories().Put(tx, sc, id, d)
	})
}

// read runs fn on a directory of the caller in a read transaction of
// operation op.
func (s *Service) read(ctx context.Context, op, id string, fn func(tx deskplane.Tx, d *directory.DSDirectory) error) error {
	sc := env.Scope(ctx)
	return s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, ok, err := directory.DSDirectories().Get(tx, sc, id)
		if err != nil {
			return err
		}
		if !ok {
			return missing(id, op)
		}
		return fn(tx, d)
	})
}

var (
	ms       = []string{typeMicrosoftAD}
	allTypes = []string(nil)
)

// ---- pages -------------------------------------------------------------------

// defaultPage is the page size of a listing whose request gives no Limit.
const defaultPage = 100

// pageOf returns the page of items the request's NextToken and Limit
// select, and the next token; a bad token is InvalidNextTokenException.
// Listings kept on a directory record page by position (decision 0203).
func pageOf[T any](ctx context.Context, purpose string, items []T, token *string, limit *int32) ([]T, *string, error) {
	after, err := parseToken(ctx, purpose, token)
	if err != nil {
		return nil, nil, err
	}
	size := defaultPage
	if limit != nil && *limit > 0 {
		size = int(*limit)
	}
	var p paging.Page[T]
	for i := int(after); i < len(items); i++ {
		if !p.Add(size, int64(i+1), items[i]) {
			break
		}
	}
	out := p.Items()
	if out == nil {
		out = []T{}
	}
	return out, p.Next(ctx, purpose), nil
}

func parseToken(ctx context.Context, purpose string, token *string) (int64, error) {
	after, err := paging.Parse(ctx, purpose, token)
	if err != nil {
		return 0, &deskplane.Error{Code: deskplane.CodeInvalidNextToken, Message: "The NextToken value is not valid."}
	}
	return after, nil
}
