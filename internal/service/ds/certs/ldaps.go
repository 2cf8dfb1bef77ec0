package certs

import (
	"context"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// Client-side LDAPS, client authentication and the CA enrollment policy
// (decision 0216).

// ldapsOf is a directory's LDAPS status; never enabled is Disabled.
func ldapsOf(d *directory.DSDirectory) directory.DSLDAPSStatus {
	if d.LDAPS == "" {
		return directory.LDAPSDisabled
	}
	return d.LDAPS
}

func (s *Service) EnableLDAPS(ctx context.Context, in *dsapi.EnableLDAPSRequest) (*dsapi.EnableLDAPSResult, error) {
	sc := env.Scope(ctx)
	err := s.change(ctx, deref(in.DirectoryId), "EnableLDAPS", msOnly, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		row, err := directory.DSLDAPSTable().Check(directory.ActionEnable, d.ID, ldapsOf(d))
		if err != nil {
			return err
		}
		ok, err := hasCertificate(tx, sc, d.ID, dsapi.CertificateTypeClientLdaps)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(deskplane.CodeInvalidState, directory.ReasonNoCertificate,
				"Directory %s has no registered ClientLDAPS certificate; register one with RegisterCertificate first.", d.ID)
		}
		d.LDAPS, d.LDAPSChanged = row.Via, s.Now()
		return s.scheduleSetting(tx, sc, d.ID, directory.DSItemLDAPS)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.EnableLDAPSResult{}, nil
}

func (s *Service) DisableLDAPS(ctx context.Context, in *dsapi.DisableLDAPSRequest) (*dsapi.DisableLDAPSResult, error) {
	err := s.change(ctx, deref(in.DirectoryId), "DisableLDAPS", msOnly, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		row, err := directory.DSLDAPSTable().Check(directory.ActionDisable, d.ID, ldapsOf(d))
		if err != nil {
			return err
		}
		d.LDAPS, d.LDAPSChanged = row.To, s.Now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DisableLDAPSResult{}, nil
}

func (s *Service) DescribeLDAPSSettings(ctx context.Context, in *dsapi.DescribeLDAPSSettingsRequest) (*dsapi.DescribeLDAPSSettingsResult, error) {
	sc := env.Scope(ctx)
	var all []dsapi.LDAPSSettingInfo
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, err := usable(tx, sc, deref(in.DirectoryId), "DescribeLDAPSSettings", msOnly...)
		if err != nil {
			return err
		}
		info := dsapi.LDAPSSettingInfo{LDAPSStatus: dsapi.LDAPSStatus(ldapsOf(d))}
		if !d.LDAPSChanged.IsZero() {
			info.LastUpdatedDateTime = smithy.NewTimestamp(d.LDAPSChanged)
		}
		all = []dsapi.LDAPSSettingInfo{info}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-ldaps", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeLDAPSSettingsResult{LDAPSSettingsInfo: page, NextToken: next}, nil
}

// ---- client authentication -------------------------------------------------

var clientAuthTypes = []string{typeMicrosoftAD, typeADConnector}

func (s *Service) EnableClientAuthentication(ctx context.Context, in *dsapi.EnableClientAuthenticationRequest) (*dsapi.EnableClientAuthenticationResult, error) {
	sc, typ := env.Scope(ctx), string(in.Type)
	err := s.change(ctx, deref(in.DirectoryId), "EnableClientAuthentication", clientAuthTypes, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		if _, on := d.ClientAuth[typ]; on {
			return refuse(deskplane.CodeInvalidState, directory.ReasonInvalidClientAuth, "Client authentication %s is already enabled for directory %s.", typ, d.ID)
		}
		ok, err := hasCertificate(tx, sc, d.ID, dsapi.CertificateTypeClientCertAuth)
		if err != nil {
			return err
		}
		if !ok {
			return refuse(deskplane.CodeInvalidState, directory.ReasonNoCertificate,
				"Directory %s has no registered ClientCertAuth certificate; register one with RegisterCertificate first.", d.ID)
		}
		if d.ClientAuth == nil {
			d.ClientAuth = map[string]time.Time{}
		}
		d.ClientAuth[typ] = s.Now()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.EnableClientAuthenticationResult{}, nil
}

func (s *Service) DisableClientAuthentication(ctx context.Context, in *dsapi.DisableClientAuthenticationRequest) (*dsapi.DisableClientAuthenticationResult, error) {
	typ := string(in.Type)
	err := s.change(ctx, deref(in.DirectoryId), "DisableClientAuthentication", clientAuthTypes, func(_ deskplane.Tx, d *directory.DSDirectory) error {
		if _, on := d.ClientAuth[typ]; !on {
			return refuse(deskplane.CodeInvalidState, directory.ReasonInvalidClientAuth, "Client authentication %s is not enabled for directory %s.", typ, d.ID)
		}
		delete(d.ClientAuth, typ)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DisableClientAuthenticationResult{}, nil
}

func (s *Service) DescribeClientAuthenticationSettings(ctx context.Context, in *dsapi.DescribeClientAuthenticationSettingsRequest) (*dsapi.DescribeClientAuthenticationSettingsResult, error) {
	sc := env.Scope(ctx)
	var all []dsapi.ClientAuthenticationSettingInfo
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, err := usable(tx, sc, deref(in.DirectoryId), "DescribeClientAuthenticationSettings", clientAuthTypes...)
		if err != nil {
			return err
		}
		all = all[:0]
		for _, t := range dsapi.ClientAuthenticationType("").Values() {
			if in.Type != "" && in.Type != t {
				continue
			}
			info := dsapi.ClientAuthenticationSettingInfo{Type: t, Status: dsapi.ClientAuthenticationStatusDisabled}
			if ca, on := d.ClientAuth[string(t)]; on {
				info.Status, info.LastUpdatedDateTime = dsapi.ClientAuthenticationStatusEnabled, smithy.NewTimestamp(ca)
			}
			all = append(all, info)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-clientauth", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.DescribeClientAuthenticationSettingsResult{ClientAuthenticationSettingsInfo: page, NextToken: next}, nil
}

// ---- CA enrollment policy ------------------------------------------------------

func (s *Service) EnableCAEnrollmentPolicy(ctx context.Context, in *dsapi.EnableCAEnrollmentPolicyRequest) (*dsapi.EnableCAEnrollmentPolicyResult, error) {
	sc := env.Scope(ctx)
	err := s.change(ctx, deref(in.DirectoryId), "EnableCAEnrollmentPolicy", msOnly, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		switch dsapi.CaEnrollmentPolicyStatus(d.CAEnrollment) {
		case dsapi.CaEnrollmentPolicyStatusInProgress:
			return refuse(deskplane.CodeInProgress, directory.ReasonEnableInProgress, "The CA enrollment policy of directory %s is being enabled.", d.ID)
		case dsapi.CaEnrollmentPolicyStatusSuccess, dsapi.CaEnrollmentPolicyStatusImpaired:
			return deskplane.Errorf(deskplane.CodeAlreadyExists, "Directory %s already has a CA enrollment policy (%s).", d.ID, d.PcaConnector)
		case dsapi.CaEnrollmentPolicyStatusDisabling:
			return refuse(deskplane.CodeInProgress, directory.ReasonDisableInProgress, "The CA enrollment policy of directory %s is being disabled.", d.ID)
		}
		d.CAEnrollment, d.PcaConnector, d.CAChanged = string(dsapi.CaEnrollmentPolicyStatusInProgress), deref(in.PcaConnectorArn), s.Now()
		return s.scheduleSetting(tx, sc, d.ID, directory.DSItemCA)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.EnableCAEnrollmentPolicyResult{}, nil
}

func (s *Service) DisableCAEnrollmentPolicy(ctx context.Context, in *dsapi.DisableCAEnrollmentPolicyRequest) (*dsapi.DisableCAEnrollmentPolicyResult, error) {
	sc := env.Scope(ctx)
	err := s.change(ctx, deref(in.DirectoryId), "DisableCAEnrollmentPolicy", msOnly, func(tx deskplane.Tx, d *directory.DSDirectory) error {
		switch dsapi.CaEnrollmentPolicyStatus(d.CAEnrollment) {
		case "", dsapi.CaEnrollmentPolicyStatusDisabled:
			return deskplane.NotFound(d.ID, "Directory %s has no CA enrollment policy.", d.ID)
		case dsapi.CaEnrollmentPolicyStatusDisabling:
			return refuse(deskplane.CodeInProgress, directory.ReasonDisableInProgress, "The CA enrollment policy of directory %s is already being disabled.", d.ID)
		}
		d.CAEnrollment, d.CAChanged = string(dsapi.CaEnrollmentPolicyStatusDisabling), s.Now()
		return s.scheduleSetting(tx, sc, d.ID, directory.DSItemCA)
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DisableCAEnrollmentPolicyResult{}, nil
}

func (s *Service) DescribeCAEnrollmentPolicy(ctx context.Context, in *dsapi.DescribeCAEnrollmentPolicyRequest) (*dsapi.DescribeCAEnrollmentPolicyResult, error) {
	sc, id := env.Scope(ctx), deref(in.DirectoryId)
	out := &dsapi.DescribeCAEnrollmentPolicyResult{DirectoryId: &id}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		d, err := usable(tx, sc, id, "DescribeCAEnrollmentPolicy", msOnly...)
		if err != nil {
			return err
		}
		out.CaEnrollmentPolicyStatus = dsapi.CaEnrollmentPolicyStatus(d.CAEnrollment)
		if d.CAEnrollment == "" {
			out.CaEnrollmentPolicyStatus = dsapi.CaEnrollmentPolicyStatusDisabled
		}
		out.PcaConnectorArn = optional(d.PcaConnector)
		if !d.CAChanged.IsZero() {
			out.LastUpdatedDateTime = smithy.NewTimestamp(d.CAChanged)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
