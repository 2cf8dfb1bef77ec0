// Package certs is the certificate half of the Directory Service family
// (internal/service/ds): certificates registered with an AWS Managed
// Microsoft AD directory, client-side LDAPS, client (smart card)
// authentication and the CA enrollment policy — 13 operations of
// dsapi.Service, composed beside the ds family by internal/service.
// Decisions: docs/decisions/0215-certificates-and-ldaps.md, 0216.
//
// The LDAPS and CA enrollment transitions are ended by the ds family's
// handler of deskplane.TimerDSSetting (a timer keyed by the directory key
// plus "#ldaps" or "#ca", decision 0201), which this package schedules.
package certs

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the certificate operations of Directory Service.
type Service struct {
	env.Env
}

// New returns the service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const (
	typeMicrosoftAD = string(dsapi.DirectoryTypeMicrosoftAd)
	typeADConnector = string(dsapi.DirectoryTypeAdConnector)
)

func typeName(t string) string {
	switch t {
	case typeMicrosoftAD:
		return "AWS Managed Microsoft AD"
	case typeADConnector:
		return "AD Connector"
	case string(dsapi.DirectoryTypeSharedMicrosoftAd):
		return "shared AWS Managed Microsoft AD"
	}
	return "Simple AD"
}

// usable loads a directory of the caller for the operation what: Active
// and of one of the types (UnsupportedOperationException otherwise, as in
// the ds family).
func usable(tx deskplane.Tx, sc deskplane.Scope, id, what string, types ...string) (*directory.DSDirectory, error) {
	d, ok, err := directory.DSDirectories().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, directoryNotFound(id)
	}
	if !typeIn(d.Type, types) {
		names := make([]string, len(types))
		for i, t := range types {
			names[i] = typeName(t)
		}
		return nil, deskplane.Errorf(deskplane.CodeNotSupported, "%s is not supported for %s directory %s; it is supported for %s directories only.",
			what, typeName(d.Type), d.ID, strings.Join(names, " and "))
	}
	if d.Stage != deskplane.DSDirectoryActive {
		return nil, deskplane.Errorf(deskplane.CodeUnavailable, "Directory %s is %s; the operation needs an Active directory.", d.ID, d.Stage)
	}
	return d, nil
}

func typeIn(t string, types []string) bool {
	for _, x := range types {
		if x == t {
			return true
		}
	}
	return false
}

// change runs fn on a usable directory and saves it.
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

func refuse(code deskplane.Code, reason, format string, args ...any) error {
	return &deskplane.Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// scheduleSetting sets the ds family's settings timer of an item.
func (s *Service) scheduleSetting(tx deskplane.Tx, sc deskplane.Scope, dirID, item string) error {
	return tx.Schedule(deskplane.Timer{Key: deskplane.Key{Scope: sc, Kind: deskplane.KindDSDirectory, ID: dirID + "#" + item},
		Name: deskplane.TimerDSSetting, Due: s.After(s.Now(), deskplane.TDSSetting)})
}

// pageOf pages items by position (decision 0203).
func pageOf[T any](ctx context.Context, purpose string, items []T, token *string, limit *int32) ([]T, *string, error) {
	after, err := paging.Parse(ctx, purpose, token)
	if err != nil {
		return nil, nil, &deskplane.Error{Code: deskplane.CodeInvalidNextToken, Message: "The NextToken value is not valid."}
	}
	size := 100
	if limit != nil && *limit > 0 {
		size = int(*limit)
	}
	var p paging.Page[T]
	for i := int(after); i < len(items); i++ {
		if !p.Add(size, int64(i+1), items[i]) {
			break
		}
	}
	return p.Items(), p.Next(ctx, purpose), nil
}

// directoryNotFound: every operation of this package answers an unknown
// directory with DirectoryDoesNotExistException (the model's errors).
func directoryNotFound(id string) error {
	return refuse(deskplane.CodeNotFound, directory.ReasonDirectoryNotFound, "Directory %s does not exist.", id)
}
