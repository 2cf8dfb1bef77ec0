package directories

import (
	"context"
	"fmt"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// The settings the Modify* operations write are kept as the wire JSON of
// their shapes, written with the defaults at registration, so that each
// describe reads back exactly what was written (behaviour doc §4.2;
// docs/decisions/0011-workspaces-directories.md). The client properties
// are internal/service/clientconfig's.

func defaultCreationProperties(enableWorkDocs, pools bool) wsapi.DefaultWorkspaceCreationProperties {
	p := wsapi.DefaultWorkspaceCreationProperties{
		EnableWorkDocs:       new(enableWorkDocs),
		EnableInternetAccess: new(false),
	}
	if !pools {
		p.UserEnabledAsLocalAdministrator = new(true)
		p.EnableMaintenanceMode = new(true)
	}
	return p
}

func defaultSelfservice(enabled bool) wsapi.SelfservicePermissions {
	v := wsapi.ReconnectEnumDisabled
	if enabled {
		v = wsapi.ReconnectEnumEnabled
	}
	return wsapi.SelfservicePermissions{
		RestartWorkspace:   wsapi.ReconnectEnumEnabled,
		IncreaseVolumeSize: v,
		ChangeComputeType:  v,
		SwitchRunningMode:  v,
		RebuildWorkspace:   v,
	}
}

func defaultAccessProperties() wsapi.WorkspaceAccessProperties {
	allow, deny := wsapi.AccessPropertyValueAllow, wsapi.AccessPropertyValueDeny
	return wsapi.WorkspaceAccessProperties{
		DeviceTypeWindows:              allow,
		DeviceTypeOsx:                  allow,
		DeviceTypeWeb:                  deny,
		DeviceTypeIos:                  allow,
		DeviceTypeAndroid:              allow,
		DeviceTypeChromeOs:             allow,
		DeviceTypeZeroClient:           allow,
		DeviceTypeLinux:                deny,
		DeviceTypeWorkSpacesThinClient: deny,
	}
}

const defaultRelayStateName = "RelayState"

func defaultSaml() wsapi.SamlProperties {
	return wsapi.SamlProperties{
		Status:                  wsapi.SamlStatusEnumDisabled,
		UserAccessUrl:           new(""),
		RelayStateParameterName: new(defaultRelayStateName),
	}
}

func defaultCertAuth() wsapi.CertificateBasedAuthProperties {
	return wsapi.CertificateBasedAuthProperties{Status: wsapi.CertificateBasedAuthStatusEnumDisabled}
}

// initialSettings writes the default settings of a new registration.
func initialSettings(d *deskplane.Directory, pools bool) error {
	var err error
	keep := func(dst *[]byte, v any) {
		if err == nil {
			*dst, err = document(v)
		}
	}
	keep(&d.CreationProperties, defaultCreationProperties(d.EnableWorkDocs, pools))
	if !pools {
		keep(&d.SelfservicePerms, defaultSelfservice(d.EnableSelfService))
	}
	keep(&d.AccessProperties, defaultAccessProperties())
	keep(&d.SamlProperties, defaultSaml())
	keep(&d.CertAuthProperties, defaultCertAuth())
	return err
}

// modify runs fn on the caller's registration of a directory and saves it.
func (s *Service) modify(ctx context.Context, id string, fn func(*deskplane.Directory) error) error {
	sc := env.Scope(ctx)
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.Directories().Modify(tx, sc, id, func() error { return deskplane.DirectoryNotFound(id) }, fn)
	})
}

// setIfGiven copies a member that was given.
func setIfGiven[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}

func setEnumIfGiven[T ~string](dst *T, src T) {
	if src != "" {
		*dst = src
	}
}

// ModifyWorkspaceCreationProperties changes the members of the
// directory's default WorkSpace creation properties it gives.
func (s *Service) ModifyWorkspaceCreationProperties(ctx context.Context, in *wsapi.ModifyWorkspaceCreationPropertiesRequest) (*wsapi.ModifyWorkspaceCreationPropertiesResult, error) {
	p := in.WorkspaceCreationProperties
	err := s.modify(ctx, value(in.ResourceId), func(d *deskplane.Directory) error {
		cur := settings(d.CreationProperties, defaultCreationProperties(false, false))
		setIfGiven(&cur.EnableWorkDocs, p.EnableWorkDocs)
		setIfGiven(&cur.EnableInternetAccess, p.EnableInternetAccess)
		setIfGiven(&cur.DefaultOu, p.DefaultOu)
		setIfGiven(&cur.CustomSecurityGroupId, p.CustomSecurityGroupId)
		setIfGiven(&cur.UserEnabledAsLocalAdministrator, p.UserEnabledAsLocalAdministrator)
		setIfGiven(&cur.EnableMaintenanceMode, p.EnableMaintenanceMode)
		setIfGiven(&cur.InstanceIamRoleArn, p.InstanceIamRoleArn)
		var err error
		d.CreationProperties, err = document(cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyWorkspaceCreationPropertiesResult{}, nil
}

// ModifySelfservicePermissions changes the self-service permissions it
// gives; a pools directory has none.
func (s *Service) ModifySelfservicePermissions(ctx context.Context, in *wsapi.ModifySelfservicePermissionsRequest) (*wsapi.ModifySelfservicePermissionsResult, error) {
	p := in.SelfservicePermissions
	err := s.modify(ctx, value(in.ResourceId), func(d *deskplane.Directory) error {
		if d.WorkspaceType == string(wsapi.WorkspaceTypePools) {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Message: fmt.Sprintf("Self-service permissions are not supported for the WorkSpaces Pools directory %s.", d.ID)}
		}
		cur := settings(d.SelfservicePerms, defaultSelfservice(false))
		setEnumIfGiven(&cur.RestartWorkspace, p.RestartWorkspace)
		setEnumIfGiven(&cur.IncreaseVolumeSize, p.IncreaseVolumeSize)
		setEnumIfGiven(&cur.ChangeComputeType, p.ChangeComputeType)
		setEnumIfGiven(&cur.SwitchRunningMode, p.SwitchRunningMode)
		setEnumIfGiven(&cur.RebuildWorkspace, p.RebuildWorkspace)
		var err error
		d.SelfservicePerms, err = document(cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifySelfservicePermissionsResult{}, nil
}

// ModifyWorkspaceAccessProperties changes the device types it gives.
func (s *Service) ModifyWorkspaceAccessProperties(ctx context.Context, in *wsapi.ModifyWorkspaceAccessPropertiesRequest) (*wsapi.ModifyWorkspaceAccessPropertiesResult, error) {
	p := in.WorkspaceAccessProperties
	err := s.modify(ctx, value(in.ResourceId), func(d *deskplane.Directory) error {
		cur := settings(d.AccessProperties, defaultAccessProperties())
		setEnumIfGiven(&cur.DeviceTypeWindows, p.DeviceTypeWindows)
		setEnumIfGiven(&cur.DeviceTypeOsx, p.DeviceTypeOsx)
		setEnumIfGiven(&cur.DeviceTypeWeb, p.DeviceTypeWeb)
		setEnumIfGiven(&cur.DeviceTypeIos, p.DeviceTypeIos)
		setEnumIfGiven(&cur.DeviceTypeAndroid, p.DeviceTypeAndroid)
		setEnumIfGiven(&cur.DeviceTypeChromeOs, p.DeviceTypeChromeOs)
		setEnumIfGiven(&cur.DeviceTypeZeroClient, p.DeviceTypeZeroClient)
		setEnumIfGiven(&cur.DeviceTypeLinux, p.DeviceTypeLinux)
		setEnumIfGiven(&cur.DeviceTypeWorkSpacesThinClient, p.DeviceTypeWorkSpacesThinClient)
		var err error
		d.AccessProperties, err = document(cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyWorkspaceAccessPropertiesResult{}, nil
}

// ModifySamlProperties changes or deletes SAML 2.0 properties; SAML cannot
// be on without a user access URL, nor off while certificate-based
// authentication is on.
func (s *Service) ModifySamlProperties(ctx context.Context, in *wsapi.ModifySamlPropertiesRequest) (*wsapi.ModifySamlPropertiesResult, error) {
	p := in.SamlProperties
	if p == nil {
		p = &wsapi.SamlProperties{}
	}
	for _, del := range in.PropertiesToDelete {
		if (del == wsapi.DeletableSamlPropertySamlPropertiesUserAccessUrl && p.UserAccessUrl != nil) ||
			(del == wsapi.DeletableSamlPropertySamlPropertiesRelayStateParameterName && p.RelayStateParameterName != nil) {
			return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The property %s cannot be both set and deleted in one request.", del)
		}
	}
	err := s.modify(ctx, value(in.ResourceId), func(d *deskplane.Directory) error {
		cur := settings(d.SamlProperties, defaultSaml())
		setEnumIfGiven(&cur.Status, p.Status)
		setIfGiven(&cur.UserAccessUrl, p.UserAccessUrl)
		setIfGiven(&cur.RelayStateParameterName, p.RelayStateParameterName)
		for _, del := range in.PropertiesToDelete {
			switch del {
			case wsapi.DeletableSamlPropertySamlPropertiesUserAccessUrl:
				cur.UserAccessUrl = new("")
			case wsapi.DeletableSamlPropertySamlPropertiesRelayStateParameterName:
				cur.RelayStateParameterName = new(defaultRelayStateName)
			}
		}
		if cur.Status != wsapi.SamlStatusEnumDisabled && value(cur.UserAccessUrl) == "" {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "SAML 2.0 authentication cannot be %s without a user access URL. Specify SamlProperties.UserAccessUrl, and try again.", cur.Status)
		}
		if cur.Status == wsapi.SamlStatusEnumDisabled &&
			settings(d.CertAuthProperties, defaultCertAuth()).Status == wsapi.CertificateBasedAuthStatusEnumEnabled {
			return &deskplane.Error{Code: deskplane.CodeNotSupported, Message: "SAML 2.0 authentication cannot be disabled while certificate-based authentication is enabled. Disable certificate-based authentication first."}
		}
		var err error
		d.SamlProperties, err = document(cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifySamlPropertiesResult{}, nil
}

// ModifyCertificateBasedAuthProperties changes certificate-based
// authentication, which needs a certificate authority and SAML 2.0.
func (s *Service) ModifyCertificateBasedAuthProperties(ctx context.Context, in *wsapi.ModifyCertificateBasedAuthPropertiesRequest) (*wsapi.ModifyCertificateBasedAuthPropertiesResult, error) {
	p := in.CertificateBasedAuthProperties
	if p == nil {
		p = &wsapi.CertificateBasedAuthProperties{}
	}
	caArn := wsapi.DeletableCertificateBasedAuthPropertyCertificateBasedAuthPropertiesCertificateAuthorityArn
	deleteCA := slices.Contains(in.PropertiesToDelete, caArn)
	if deleteCA && p.CertificateAuthorityArn != nil {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "The property %s cannot be both set and deleted in one request.", caArn)
	}
	err := s.modify(ctx, value(in.ResourceId), func(d *deskplane.Directory) error {
		cur := settings(d.CertAuthProperties, defaultCertAuth())
		setEnumIfGiven(&cur.Status, p.Status)
		setIfGiven(&cur.CertificateAuthorityArn, p.CertificateAuthorityArn)
		if deleteCA {
			cur.CertificateAuthorityArn = nil
		}
		if cur.Status == wsapi.CertificateBasedAuthStatusEnumEnabled {
			if value(cur.CertificateAuthorityArn) == "" {
				return deskplane.Errorf(deskplane.CodeInvalidParameter, "Certificate-based authentication cannot be enabled without a CertificateAuthorityArn.")
			}
			if settings(d.SamlProperties, defaultSaml()).Status == wsapi.SamlStatusEnumDisabled {
				return &deskplane.Error{Code: deskplane.CodeNotSupported, Message: "Certificate-based authentication needs SAML 2.0 authentication. Enable SAML 2.0 for the directory with ModifySamlProperties first."}
			}
		}
		var err error
		d.CertAuthProperties, err = document(cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyCertificateBasedAuthPropertiesResult{}, nil
}

// ModifyStreamingProperties changes the streaming properties it gives.
func (s *Service) ModifyStreamingProperties(ctx context.Context, in *wsapi.ModifyStreamingPropertiesRequest) (*wsapi.ModifyStreamingPropertiesResult, error) {
	p := in.StreamingProperties
	err := s.modify(ctx, value(in.ResourceId), func(d *deskplane.Directory) error {
		if p == nil {
			return nil
		}
		cur := settings(d.StreamingProperties, wsapi.StreamingProperties{})
		setEnumIfGiven(&cur.StreamingExperiencePreferredProtocol, p.StreamingExperiencePreferredProtocol)
		if p.UserSettings != nil {
			cur.UserSettings = p.UserSettings
		}
		if p.StorageConnectors != nil {
			cur.StorageConnectors = p.StorageConnectors
		}
		setIfGiven(&cur.GlobalAccelerator, p.GlobalAccelerator)
		var err error
		d.StreamingProperties, err = document(cur)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyStreamingPropertiesResult{}, nil
}
