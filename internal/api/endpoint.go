package api

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// ModifyEndpointEncryptionMode (MODEL; AG fips-encryption;
// docs/decisions/0054-endpoint-encryption.md).
//
// The mode is a deskplane.EndpointEncryption record beside the directory's
// registration (KindEndpointEncryption, id = directory id), stamped with the
// registration's time so that a later registration of the same directory id
// starts at the default, STANDARD_TLS. DescribeWorkspaceDirectories reads it
// through endpointEncryptionMode.
//
// Rules (AG "Configure FedRAMP authorization or DoD SRG compliance"): FIPS
// 140-2 validated mode exists only in US Regions; the directory must be new
// or all its WorkSpaces already use the mode, so the mode cannot change
// while WorkSpaces exist in the directory.

func endpointKey(sc deskplane.Scope, directoryID string) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: deskplane.KindEndpointEncryption, ID: directoryID}
}

// endpointEncryptionMode returns the endpoint encryption mode in force for
// a directory registration: STANDARD_TLS unless ModifyEndpointEncryptionMode
// changed it.
func (s *Server) endpointEncryptionMode(tx deskplane.Tx, sc deskplane.Scope, d *deskplane.Directory) (wsapi.EndpointEncryptionMode, error) {
	var e deskplane.EndpointEncryption
	ok, err := deskplane.Load(tx, endpointKey(sc, d.ID), &e)
	if err != nil {
		return "", err
	}
	if !ok || !e.Registered.Equal(d.Registered) {
		return wsapi.EndpointEncryptionModeStandardTls, nil
	}
	return wsapi.EndpointEncryptionMode(e.Mode), nil
}

// fipsRegion reports whether FIPS 140-2 validated endpoint encryption is
// offered in the Region: the US Regions (commercial and GovCloud).
func fipsRegion(region string) bool { return strings.HasPrefix(region, "us-") }

func (w *wsService) ModifyEndpointEncryptionMode(ctx context.Context, in *wsapi.ModifyEndpointEncryptionModeRequest) (*wsapi.ModifyEndpointEncryptionModeResponse, error) {
	sc, id, mode := caller(ctx).Scope(), deref(in.DirectoryId), in.EndpointEncryptionMode
	if mode == wsapi.EndpointEncryptionModeFipsValidated && !fipsRegion(sc.Region) {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "FIPS_NOT_SUPPORTED_IN_REGION",
			Message: fmt.Sprintf("FIPS 140-2 validated mode is not available in Region %s. It is available in US Regions with FedRAMP authorization or DoD SRG compliance.", sc.Region)}
	}
	now := w.now()
	err := w.d.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := w.registeredDirectory(tx, sc, id)
		if err != nil {
			return err
		}
		if d.State != wsDirRegistered {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "DIRECTORY_NOT_REGISTERED",
				Message: fmt.Sprintf("The directory %s is %s; its endpoint encryption mode can be changed once it is REGISTERED.", id, d.State)}
		}
		cur, err := w.endpointEncryptionMode(tx, sc, d)
		if err != nil {
			return err
		}
		if cur == mode {
			return nil
		}
		inUse := ""
		err = deskplane.Each(tx, sc, deskplane.KindWorkspace, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			if ws.DirectoryID == id && ws.State != "TERMINATED" {
				inUse = ws.ID
			}
			return inUse == "", nil
		})
		if err != nil {
			return err
		}
		if inUse != "" {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "WORKSPACES_EXIST",
				Message: fmt.Sprintf("The endpoint encryption mode of directory %s cannot change from %s to %s while it has WorkSpaces (%s uses %s). The directory must be new, or all its WorkSpaces must already use the mode.", id, cur, mode, inUse, cur)}
		}
		return deskplane.Save(tx, endpointKey(sc, id), deskplane.EndpointEncryption{
			DirectoryID: id, Mode: string(mode), Registered: d.Registered, Modified: now,
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyEndpointEncryptionModeResponse{}, nil
}
