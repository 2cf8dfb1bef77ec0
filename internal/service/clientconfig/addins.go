package clientconfig

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Amazon Connect client add-ins (MODEL CreateConnectClientAddIn and
// friends; docs/decisions/0051-connect-client-add-ins.md).
//
// An add-in is a deskplane.ConnectAddIn record (KindAddIn, id = its UUID)
// in the owner's scope. "You can create only one Amazon Connect client
// add-in within a directory" (MODEL), so a second one in the same directory
// registration — whatever its name — is ResourceAlreadyExistsException. An
// add-in belongs to the directory registration it was made in: after the
// directory is deregistered (and registered again) it is gone.

// newUUID returns a random (version 4) UUID in the model's AmazonUuid form,
// ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func addInNotFound(id, directoryID string) error {
	return deskplane.NotFound(id, "The Amazon Connect client add-in %s could not be found in directory %s.", id, directoryID)
}

// directoryAddIns calls fn for each add-in of the directory's current
// registration, in creation order, until it returns false.
func directoryAddIns(tx deskplane.Tx, sc deskplane.Scope, d *deskplane.Directory, afterSeq int64, fn func(seq int64, a *deskplane.ConnectAddIn) bool) error {
	return deskplane.AddIns().Each(tx, sc, afterSeq, func(seq int64, a *deskplane.ConnectAddIn) (bool, error) {
		if a.DirectoryID != d.ID || !a.Registered.Equal(d.Registered) {
			return true, nil
		}
		return fn(seq, a), nil
	})
}

// ownAddIn loads an add-in of the directory's current registration.
func ownAddIn(tx deskplane.Tx, sc deskplane.Scope, directoryID, id string) (*deskplane.ConnectAddIn, error) {
	d, err := registration(tx, sc, directoryID)
	if err != nil {
		return nil, err
	}
	a, ok, err := deskplane.AddIns().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok || a.DirectoryID != directoryID || !a.Registered.Equal(d.Registered) {
		return nil, addInNotFound(id, directoryID)
	}
	return a, nil
}

// CreateConnectClientAddIn adds the one add-in a REGISTERED directory may have.
func (s *Service) CreateConnectClientAddIn(ctx context.Context, in *wsapi.CreateConnectClientAddInRequest) (*wsapi.CreateConnectClientAddInResult, error) {
	sc, dirID := env.Scope(ctx), value(in.ResourceId)
	name, url := value(in.Name), value(in.URL)
	now := s.Now()
	id := newUUID()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := registration(tx, sc, dirID)
		if err != nil {
			return err
		}
		if d.State != deskplane.DirectoryRegistered {
			return &deskplane.Error{Code: deskplane.CodeResourceCreationFailed,
				Message: fmt.Sprintf("The Amazon Connect client add-in could not be created: the directory %s is %s. Try again when it is REGISTERED.", dirID, d.State)}
		}
		// The directory's add-in, if it has one; add-ins of an earlier
		// registration of the directory id are dropped on the way.
		var existing *deskplane.ConnectAddIn
		var stale []string
		err = deskplane.AddIns().Each(tx, sc, 0, func(_ int64, a *deskplane.ConnectAddIn) (bool, error) {
			switch {
			case a.DirectoryID != dirID:
			case !a.Registered.Equal(d.Registered):
				stale = append(stale, a.ID)
			case existing == nil:
				existing = a
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, sid := range stale {
			if _, err := deskplane.AddIns().Delete(tx, sc, sid); err != nil {
				return err
			}
		}
		if existing != nil {
			return &deskplane.Error{Code: deskplane.CodeAlreadyExists, ResourceID: existing.ID,
				Message: fmt.Sprintf("The directory %s already has the Amazon Connect client add-in %q (%s). You can create only one Amazon Connect client add-in within a directory.", dirID, existing.Name, existing.ID)}
		}
		return deskplane.AddIns().Put(tx, sc, id, &deskplane.ConnectAddIn{
			ID: id, DirectoryID: dirID, Name: name, URL: url, Created: now, Registered: d.Registered,
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateConnectClientAddInResult{AddInId: new(id)}, nil
}

// DescribeConnectClientAddIns lists the add-ins of a directory's registration.
func (s *Service) DescribeConnectClientAddIns(ctx context.Context, in *wsapi.DescribeConnectClientAddInsRequest) (*wsapi.DescribeConnectClientAddInsResult, error) {
	sc, dirID := env.Scope(ctx), value(in.ResourceId)
	purpose := "addins/" + dirID
	after, err := paging.Parse(ctx, purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ConnectClientAddIn]
	err = s.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ConnectClientAddIn]{}
		d, err := registration(tx, sc, dirID)
		if err != nil {
			return err
		}
		return directoryAddIns(tx, sc, d, after, func(seq int64, a *deskplane.ConnectAddIn) bool {
			return p.Add(size, seq, wsapi.ConnectClientAddIn{
				AddInId: new(a.ID), ResourceId: new(a.DirectoryID), Name: new(a.Name), URL: new(a.URL),
			})
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeConnectClientAddInsResult{AddIns: p.Items(), NextToken: p.Next(ctx, purpose)}
	return out, nil
}

// UpdateConnectClientAddIn renames an add-in or changes its URL.
func (s *Service) UpdateConnectClientAddIn(ctx context.Context, in *wsapi.UpdateConnectClientAddInRequest) (*wsapi.UpdateConnectClientAddInResult, error) {
	sc, dirID, id := env.Scope(ctx), value(in.ResourceId), value(in.AddInId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := ownAddIn(tx, sc, dirID, id)
		if err != nil {
			return err
		}
		if in.Name != nil {
			a.Name = *in.Name
		}
		if in.URL != nil {
			a.URL = *in.URL
		}
		return deskplane.AddIns().Put(tx, sc, id, a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateConnectClientAddInResult{}, nil
}

// DeleteConnectClientAddIn removes an add-in.
func (s *Service) DeleteConnectClientAddIn(ctx context.Context, in *wsapi.DeleteConnectClientAddInRequest) (*wsapi.DeleteConnectClientAddInResult, error) {
	sc, dirID, id := env.Scope(ctx), value(in.ResourceId), value(in.AddInId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := ownAddIn(tx, sc, dirID, id); err != nil {
			return err
		}
		_, err := deskplane.AddIns().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteConnectClientAddInResult{}, nil
}
