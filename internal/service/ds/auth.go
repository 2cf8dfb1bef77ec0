package ds

import (
	"context"
	"slices"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/password"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Aliases and single sign-on, RADIUS, and user passwords (decision 0208).

var (
	radiusTypes = []string{typeMicrosoftAD, typeADConnector}
	ssoTypes    = []string{typeSimpleAD, typeMicrosoftAD, typeADConnector}
)

func (s *Service) CreateAlias(ctx context.Context, in *dsapi.CreateAliasRequest) (*dsapi.CreateAliasResult, error) {
	sc, id, alias := env.Scope(ctx), deref(in.DirectoryId), strings.ToLower(deref(in.Alias))
	if strings.HasPrefix(alias, "d-") {
		return nil, invalid("The alias %s is not valid: an alias cannot begin with d-.", alias)
	}
	err := s.change(ctx, id, "CreateAlias", ssoTypes, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if d.AliasCreated {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has the alias %s; an alias cannot be changed.", id, d.Alias)
		}
		var owner directory.DSShareOwner
		taken, err := deskplane.Load(tx, directory.DSAliasKey(alias), &owner)
		if err != nil {
			return err
		}
		if taken {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "The alias %s is already in use.", alias)
		}
		if err := deskplane.Save(tx, directory.DSAliasKey(alias), directory.DSShareOwner{Account: sc.Account, DirectoryID: id}); err != nil {
			return err
		}
		d.Alias, d.AccessURL, d.AliasCreated = alias, alias+".awsapps.com", true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.CreateAliasResult{DirectoryId: &id, Alias: &alias}, nil
}

// checkSsoCredentials checks the optional UserName and Password of
// EnableSso and DisableSso: both or neither, and when given, a user of the
// directory with that password (the AD Connector's service account by
// name) — AuthenticationFailedException otherwise (decision 0208).
func (s *Service) checkSsoCredentials(ctx context.Context, dirID string, user, pass *string) error {
	if (user == nil) != (pass == nil) {
		return invalid("UserName and Password must be given together.")
	}
	if user == nil {
		return nil
	}
	sc := env.Scope(ctx)
	var hash string
	known := false
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, ok, err := directory.DSDirectories().Get(tx, sc, dirID)
		if err != nil || !ok {
			return err
		}
		if d.Type == typeADConnector {
			known = strings.EqualFold(d.CustomerUser, *user)
			return nil
		}
		var u directory.User
		found, err := deskplane.Load(tx, directory.UserKey(sc, dirID, *user), &u)
		hash, known = u.PasswordHash, found && u.PasswordHash != ""
		return err
	})
	if err != nil {
		return err
	}
	if known && hash != "" {
		known, err = password.Verify(hash, *pass)
		if err != nil {
			return err
		}
	}
	if !known {
		return refuse(deskplane.CodeAccessDenied, directory.ReasonAuthenticationFailed, "The user name or password given for directory %s is not correct.", dirID)
	}
	return nil
}

func (s *Service) EnableSso(ctx context.Context, in *dsapi.EnableSsoRequest) (*dsapi.EnableSsoResult, error) {
	if err := s.checkSsoCredentials(ctx, deref(in.DirectoryId), in.UserName, in.Password); err != nil {
		return nil, err
	}
	err := s.change(ctx, deref(in.DirectoryId), "EnableSso", ssoTypes, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if !d.AliasCreated {
			return deskplane.Errorf(deskplane.CodeInvalidState, "Directory %s has no alias; create an access URL with CreateAlias before enabling single sign-on.", d.ID)
		}
		d.SSO = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.EnableSsoResult{}, nil
}

func (s *Service) DisableSso(ctx context.Context, in *dsapi.DisableSsoRequest) (*dsapi.DisableSsoResult, error) {
	if err := s.checkSsoCredentials(ctx, deref(in.DirectoryId), in.UserName, in.Password); err != nil {
		return nil, err
	}
	err := s.change(ctx, deref(in.DirectoryId), "DisableSso", ssoTypes, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		d.SSO = false
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DisableSsoResult{}, nil
}

// ---- RADIUS --------------------------------------------------------------------

// radiusOf converts and checks RadiusSettings.
func radiusOf(r *dsapi.RadiusSettings) (*directory.DSRadius, error) {
	if r == nil || (len(r.RadiusServers) == 0 && len(r.RadiusServersIpv6) == 0) {
		return nil, invalid("RadiusSettings must name at least one RADIUS server in RadiusServers or RadiusServersIpv6.")
	}
	if r.RadiusPort == nil || r.RadiusTimeout == nil || deref(r.SharedSecret) == "" || r.AuthenticationProtocol == "" {
		return nil, invalid("RadiusSettings must give RadiusPort, RadiusTimeout, SharedSecret and AuthenticationProtocol.")
	}
	return &directory.DSRadius{Servers: slices.Clone(r.RadiusServers), ServersV6: slices.Clone(r.RadiusServersIpv6),
		Port: deref(r.RadiusPort), Timeout: deref(r.RadiusTimeout), Retries: deref(r.RadiusRetries), SharedSecret: deref(r.SharedSecret),
		Protocol: string(r.AuthenticationProtocol), DisplayLabel: deref(r.DisplayLabel), UseSameUsername: deref(r.UseSameUsername)}, nil
}

// wireRadius is a directory's RadiusSettings; the shared secret is never
// returned (decision 0208).
func wireRadius(r *directory.DSRadius) *dsapi.RadiusSettings {
	if r == nil {
		return nil
	}
	return &dsapi.RadiusSettings{RadiusServers: slices.Clone(r.Servers), RadiusServersIpv6: slices.Clone(r.ServersV6),
		RadiusPort: ptr(r.Port), RadiusTimeout: ptr(r.Timeout), RadiusRetries: ptr(r.Retries),
		AuthenticationProtocol: dsapi.RadiusAuthenticationProtocol(r.Protocol), DisplayLabel: optional(r.DisplayLabel),
		UseSameUsername: ptr(r.UseSameUsername)}
}

func (s *Service) EnableRadius(ctx context.Context, in *dsapi.EnableRadiusRequest) (*dsapi.EnableRadiusResult, error) {
	r, err := radiusOf(in.RadiusSettings)
	if err != nil {
		return nil, err
	}
	sc, now := env.Scope(ctx), s.Now()
	err = s.change(ctx, deref(in.DirectoryId), "EnableRadius", radiusTypes, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if d.Radius != nil {
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "RADIUS is already enabled for directory %s; change it with UpdateRadius.", d.ID)
		}
		row, _ := directory.DSRadiusTable().Row(directory.ActionEnable)
		d.Radius, d.RadiusStatus = r, row.Via
		return s.scheduleSetting(tx, sc, d.ID, itemRadius, now, row.Timing)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.EnableRadiusResult{}, nil
}

func (s *Service) UpdateRadius(ctx context.Context, in *dsapi.UpdateRadiusRequest) (*dsapi.UpdateRadiusResult, error) {
	r, err := radiusOf(in.RadiusSettings)
	if err != nil {
		return nil, err
	}
	sc, now := env.Scope(ctx), s.Now()
	err = s.change(ctx, deref(in.DirectoryId), "UpdateRadius", radiusTypes, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if d.Radius == nil {
			return deskplane.Errorf(deskplane.CodeInvalidState, "RADIUS is not enabled for directory %s; enable it with EnableRadius.", d.ID)
		}
		row, err := directory.DSRadiusTable().Check(deskplane.ActionUpdate, d.ID, d.RadiusStatus)
		if err != nil {
			return err
		}
		d.Radius, d.RadiusStatus = r, row.Via
		return s.scheduleSetting(tx, sc, d.ID, itemRadius, now, row.Timing)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.UpdateRadiusResult{}, nil
}

func (s *Service) DisableRadius(ctx context.Context, in *dsapi.DisableRadiusRequest) (*dsapi.DisableRadiusResult, error) {
	err := s.change(ctx, deref(in.DirectoryId), "DisableRadius", radiusTypes, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		d.Radius, d.RadiusStatus = nil, ""
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DisableRadiusResult{}, nil
}

// ---- passwords --------------------------------------------------------------------

// checkPassword applies the directory password policy.
func checkPassword(p string) error {
	if !directory.DirectoryPasswordOK(p) {
		return refuse(deskplane.CodeInvalidParameter, directory.ReasonInvalidPassword,
			"The new password does not meet the directory's password policy: 8 to 64 characters, from at least three of lower-case letters, upper-case letters, digits and special characters.")
	}
	return nil
}

func (s *Service) ResetUserPassword(ctx context.Context, in *dsapi.ResetUserPasswordRequest) (*dsapi.ResetUserPasswordResult, error) {
	pw, user := deref(in.NewPassword), deref(in.UserName)
	if err := checkPassword(pw); err != nil {
		return nil, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, err
	}
	sc, now := env.Scope(ctx), s.Now()
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		d, err := usable(tx, sc, deref(in.DirectoryId), "ResetUserPassword", typeSimpleAD, typeMicrosoftAD)
		if err != nil {
			return err
		}
		err = directory.SetUserPassword(tx, sc, d.ID, user, hash, now)
		if deskplane.HasCode(err, deskplane.CodeNotFound) {
			return refuse(deskplane.CodeNotFound, directory.ReasonUserNotFound, "The user %s does not exist in directory %s.", user, d.ID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.ResetUserPasswordResult{}, nil
}
