package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/paging"
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

func addInKey(sc deskplane.Scope, id string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindAddIn, ID: id}
}

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
func (s *Server) directoryAddIns(tx deskplane.Tx, sc deskplane.Scope, d *deskplane.Directory, afterSeq int64, fn func(seq int64, a *deskplane.ConnectAddIn) bool) error {
	return deskplane.Each(tx, sc, deskplane.KindAddIn, afterSeq, func(seq int64, a *deskplane.ConnectAddIn) (bool, error) {
		if a.DirectoryID != d.ID || !a.Registered.Equal(d.Registered) {
			return true, nil
		}
		return fn(seq, a), nil
	})
}

// ownAddIn loads an add-in of the directory's current registration.
func (s *Server) ownAddIn(tx deskplane.Tx, sc deskplane.Scope, directoryID, id string) (*deskplane.ConnectAddIn, error) {
	d, err := s.registeredDirectory(tx, sc, directoryID)
	if err != nil {
		return nil, err
	}
	var a deskplane.ConnectAddIn
	ok, err := deskplane.Load(tx, addInKey(sc, id), &a)
	if err != nil {
		return nil, err
	}
	if !ok || a.DirectoryID != directoryID || !a.Registered.Equal(d.Registered) {
		return nil, addInNotFound(id, directoryID)
	}
	return &a, nil
}

func (w *wsService) CreateConnectClientAddIn(ctx context.Context, in *wsapi.CreateConnectClientAddInRequest) (*wsapi.CreateConnectClientAddInResult, error) {
	sc, dirID := caller(ctx).Scope(), deref(in.ResourceId)
	name, url := deref(in.Name), deref(in.URL)
	now := w.now()
	id := newUUID()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := w.registeredDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		if d.State != wsDirRegistered {
			return &deskplane.Error{Code: deskplane.CodeResourceCreationFailed,
				Message: fmt.Sprintf("The Amazon Connect client add-in could not be created: the directory %s is %s. Try again when it is REGISTERED.", dirID, d.State)}
		}
		// The directory's add-in, if it has one; add-ins of an earlier
		// registration of the directory id are dropped on the way.
		var existing *deskplane.ConnectAddIn
		var stale []string
		err = deskplane.Each(tx, sc, deskplane.KindAddIn, 0, func(_ int64, a *deskplane.ConnectAddIn) (bool, error) {
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
			if _, err := tx.Delete(addInKey(sc, sid)); err != nil {
				return err
			}
		}
		if existing != nil {
			return &deskplane.Error{Code: deskplane.CodeAlreadyExists, ResourceID: existing.ID,
				Message: fmt.Sprintf("The directory %s already has the Amazon Connect client add-in %q (%s). You can create only one Amazon Connect client add-in within a directory.", dirID, existing.Name, existing.ID)}
		}
		return deskplane.Save(tx, addInKey(sc, id), deskplane.ConnectAddIn{
			ID: id, DirectoryID: dirID, Name: name, URL: url, Created: now, Registered: d.Registered,
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.CreateConnectClientAddInResult{AddInId: ptr(id)}, nil
}

func (w *wsService) DescribeConnectClientAddIns(ctx context.Context, in *wsapi.DescribeConnectClientAddInsRequest) (*wsapi.DescribeConnectClientAddInsResult, error) {
	sc, dirID := caller(ctx).Scope(), deref(in.ResourceId)
	purpose := "addins/" + dirID
	after, err := paging.Parse(purpose, in.NextToken)
	if err != nil {
		return nil, err
	}
	size := paging.Size(in.MaxResults)
	var p paging.Page[wsapi.ConnectClientAddIn]
	err = w.d.Store.View(ctx, func(tx deskplane.Tx) error {
		p = paging.Page[wsapi.ConnectClientAddIn]{}
		d, err := w.registeredDirectory(tx, sc, dirID)
		if err != nil {
			return err
		}
		return w.directoryAddIns(tx, sc, d, after, func(seq int64, a *deskplane.ConnectAddIn) bool {
			return p.Add(size, seq, wsapi.ConnectClientAddIn{
				AddInId: ptr(a.ID), ResourceId: ptr(a.DirectoryID), Name: ptr(a.Name), URL: ptr(a.URL),
			})
		})
	})
	if err != nil {
		return nil, err
	}
	out := &wsapi.DescribeConnectClientAddInsResult{AddIns: p.Items(), NextToken: p.Next(purpose)}
	return out, nil
}

func (w *wsService) UpdateConnectClientAddIn(ctx context.Context, in *wsapi.UpdateConnectClientAddInRequest) (*wsapi.UpdateConnectClientAddInResult, error) {
	sc, dirID, id := caller(ctx).Scope(), deref(in.ResourceId), deref(in.AddInId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		a, err := w.ownAddIn(tx, sc, dirID, id)
		if err != nil {
			return err
		}
		if in.Name != nil {
			a.Name = *in.Name
		}
		if in.URL != nil {
			a.URL = *in.URL
		}
		return deskplane.Save(tx, addInKey(sc, id), a)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.UpdateConnectClientAddInResult{}, nil
}

func (w *wsService) DeleteConnectClientAddIn(ctx context.Context, in *wsapi.DeleteConnectClientAddInRequest) (*wsapi.DeleteConnectClientAddInResult, error) {
	sc, dirID, id := caller(ctx).Scope(), deref(in.ResourceId), deref(in.AddInId)
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := w.ownAddIn(tx, sc, dirID, id); err != nil {
			return err
		}
		_, err := tx.Delete(addInKey(sc, id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteConnectClientAddInResult{}, nil
}
