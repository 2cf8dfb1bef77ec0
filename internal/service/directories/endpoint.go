package directories

import (
	"context"
	"fmt"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The endpoint encryption mode of a registration (MODEL
// ModifyEndpointEncryptionMode; AG fips-encryption;
// docs/decisions/0054-endpoint-encryption.md) is a
// deskplane.EndpointEncryption record beside the registration (id =
// directory id), stamped with the registration's time so that a later
// registration of the same directory id starts at the default,
// STANDARD_TLS.
//
// Rules (AG "Configure FedRAMP authorization or DoD SRG compliance"): FIPS
// 140-2 validated mode exists only in US Regions; the directory must be new
// or all its WorkSpaces already use the mode, so the mode cannot change
// while WorkSpaces exist in the directory.

// endpointEncryptionMode returns the mode in force for a registration.
func endpointEncryptionMode(tx deskplane.Tx, sc deskplane.Scope, d *deskplane.Directory) (wsapi.EndpointEncryptionMode, error) {
	e, ok, err := deskplane.EndpointEncryptions().Get(tx, sc, d.ID)
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

// ModifyEndpointEncryptionMode sets the endpoint encryption mode of a
// REGISTERED directory without WorkSpaces.
func (s *Service) ModifyEndpointEncryptionMode(ctx context.Context, in *wsapi.ModifyEndpointEncryptionModeRequest) (*wsapi.ModifyEndpointEncryptionModeResponse, error) {
	sc, id, mode := env.Scope(ctx), value(in.DirectoryId), in.EndpointEncryptionMode
	if mode == wsapi.EndpointEncryptionModeFipsValidated && !fipsRegion(sc.Region) {
		return nil, &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "FIPS_NOT_SUPPORTED_IN_REGION",
			Message: fmt.Sprintf("FIPS 140-2 validated mode is not available in Region %s. It is available in US Regions with FedRAMP authorization or DoD SRG compliance.", sc.Region)}
	}
	now := s.Now()
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := registration(tx, sc, id)
		if err != nil {
			return err
		}
		if d.State != deskplane.DirectoryRegistered {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Reason: "DIRECTORY_NOT_REGISTERED",
				Message: fmt.Sprintf("The directory %s is %s; its endpoint encryption mode can be changed once it is REGISTERED.", id, d.State)}
		}
		cur, err := endpointEncryptionMode(tx, sc, d)
		if err != nil {
			return err
		}
		if cur == mode {
			return nil
		}
		inUse := ""
		err = deskplane.Workspaces().Each(tx, sc, 0, func(_ int64, ws *deskplane.Workspace) (bool, error) {
			if ws.DirectoryID == id && ws.State != deskplane.WorkspaceTerminated {
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
		return deskplane.EndpointEncryptions().Put(tx, sc, id, &deskplane.EndpointEncryption{
			DirectoryID: id, Mode: string(mode), Registered: d.Registered, Modified: now,
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyEndpointEncryptionModeResponse{}, nil
}
