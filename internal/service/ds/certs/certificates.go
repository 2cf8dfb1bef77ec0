package certs

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"slices"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
)

// maxCertificates is how many certificates of one type a directory may
// have registered (decision 0215).
const maxCertificates = 5

var msOnly = []string{typeMicrosoftAD}

// parseCertificate reads a PEM certificate.
func parseCertificate(data string) (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(data))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, refuse(deskplane.CodeInvalidParameter, directory.ReasonInvalidCertificate, "CertificateData is not a PEM-encoded certificate.")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, refuse(deskplane.CodeInvalidParameter, directory.ReasonInvalidCertificate, "CertificateData is not a valid X.509 certificate: %v.", err)
	}
	return c, nil
}

// certificatesOf lists a directory's certificates.
func certificatesOf(tx deskplane.Tx, sc deskplane.Scope, dirID string) ([]*directory.DSCertificate, error) {
	var out []*directory.DSCertificate
	err := directory.DSCertificates().Each(tx, sc, 0, func(_ int64, c *directory.DSCertificate) (bool, error) {
		if c.DirectoryID == dirID {
			out = append(out, c)
		}
		return true, nil
	})
	return out, err
}

func (s *Service) RegisterCertificate(ctx context.Context, in *dsapi.RegisterCertificateRequest) (*dsapi.RegisterCertificateResult, error) {
	cert, err := parseCertificate(deref(in.CertificateData))
	if err != nil {
		return nil, err
	}
	sc, dirID, now := env.Scope(ctx), deref(in.DirectoryId), s.Now()
	if now.After(cert.NotAfter) {
		return nil, refuse(deskplane.CodeInvalidParameter, directory.ReasonInvalidCertificate, "The certificate expired on %s.", cert.NotAfter.Format("2006-01-02"))
	}
	typ := in.Type
	if typ == "" {
		typ = dsapi.CertificateTypeClientLdaps
	}
	ocsp := ""
	if in.ClientCertAuthSettings != nil {
		ocsp = deref(in.ClientCertAuthSettings.OCSPUrl)
	}
	sum := sha256.Sum256(cert.Raw)
	fp := hex.EncodeToString(sum[:])
	id := deskplane.NewHexID("c-", 10)
	err = s.Store.Update(ctx, func(tx deskplane.Tx) error {
		if _, err := usable(tx, sc, dirID, "RegisterCertificate", msOnly...); err != nil {
			return err
		}
		all, err := certificatesOf(tx, sc, dirID)
		if err != nil {
			return err
		}
		n := 0
		for _, c := range all {
			if c.Fingerprint == fp {
				return refuse(deskplane.CodeAlreadyExists, directory.ReasonCertificateExists, "The certificate is already registered with directory %s as %s.", dirID, c.ID)
			}
			if c.Type == string(typ) {
				n++
			}
		}
		if n >= maxCertificates {
			return refuse(deskplane.CodeLimitExceeded, directory.ReasonCertificateLimit, "Directory %s already has %d %s certificates, the limit.", dirID, n, typ)
		}
		return directory.DSCertificates().Put(tx, sc, id, &directory.DSCertificate{ID: id, DirectoryID: dirID, Type: string(typ),
			State: string(dsapi.CertificateStateRegistered), CommonName: cert.Subject.CommonName, Registered: now, Expires: cert.NotAfter,
			OCSPURL: ocsp, Fingerprint: fp})
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.RegisterCertificateResult{CertificateId: &id}, nil
}

// certificate loads a certificate of a directory.
func certificate(tx deskplane.Tx, sc deskplane.Scope, dirID, id string) (*directory.DSCertificate, error) {
	if _, ok, err := directory.DSDirectories().Get(tx, sc, dirID); err != nil {
		return nil, err
	} else if !ok {
		return nil, directoryNotFound(dirID)
	}
	c, ok, err := directory.DSCertificates().Get(tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !ok || c.DirectoryID != dirID {
		return nil, refuse(deskplane.CodeNotFound, directory.ReasonCertificateNotFound, "Certificate %s is not registered with directory %s.", id, dirID)
	}
	return c, nil
}

func (s *Service) DescribeCertificate(ctx context.Context, in *dsapi.DescribeCertificateRequest) (*dsapi.DescribeCertificateResult, error) {
	sc := env.Scope(ctx)
	out := &dsapi.DescribeCertificateResult{}
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		c, err := certificate(tx, sc, deref(in.DirectoryId), deref(in.CertificateId))
		if err != nil {
			return err
		}
		out.Certificate = &dsapi.Certificate{CertificateId: ptr(c.ID), State: dsapi.CertificateState(c.State), CommonName: ptr(c.CommonName),
			RegisteredDateTime: smithy.NewTimestamp(c.Registered), ExpiryDateTime: smithy.NewTimestamp(c.Expires), Type: dsapi.CertificateType(c.Type)}
		if c.OCSPURL != "" {
			out.Certificate.ClientCertAuthSettings = &dsapi.ClientCertAuthSettings{OCSPUrl: ptr(c.OCSPURL)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) ListCertificates(ctx context.Context, in *dsapi.ListCertificatesRequest) (*dsapi.ListCertificatesResult, error) {
	sc, dirID := env.Scope(ctx), deref(in.DirectoryId)
	var all []dsapi.CertificateInfo
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		if _, err := usable(tx, sc, dirID, "ListCertificates", msOnly...); err != nil {
			return err
		}
		certs, err := certificatesOf(tx, sc, dirID)
		all = all[:0]
		for _, c := range certs {
			all = append(all, dsapi.CertificateInfo{CertificateId: ptr(c.ID), CommonName: ptr(c.CommonName), State: dsapi.CertificateState(c.State),
				ExpiryDateTime: smithy.NewTimestamp(c.Expires), Type: dsapi.CertificateType(c.Type)})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(ctx, "ds-certificates", all, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	return &dsapi.ListCertificatesResult{CertificatesInfo: page, NextToken: next}, nil
}

func (s *Service) DeregisterCertificate(ctx context.Context, in *dsapi.DeregisterCertificateRequest) (*dsapi.DeregisterCertificateResult, error) {
	sc, dirID, id := env.Scope(ctx), deref(in.DirectoryId), deref(in.CertificateId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		c, err := certificate(tx, sc, dirID, id)
		if err != nil {
			return err
		}
		d, err := usable(tx, sc, dirID, "DeregisterCertificate", msOnly...)
		if err != nil {
			return err
		}
		all, err := certificatesOf(tx, sc, dirID)
		if err != nil {
			return err
		}
		others := slices.ContainsFunc(all, func(o *directory.DSCertificate) bool { return o.ID != id && o.Type == c.Type })
		inUse := (c.Type == string(dsapi.CertificateTypeClientLdaps) && d.LDAPS != "" && d.LDAPS != directory.LDAPSDisabled) ||
			(c.Type == string(dsapi.CertificateTypeClientCertAuth) && len(d.ClientAuth) > 0)
		if inUse && !others {
			return refuse(deskplane.CodeInvalidState, directory.ReasonCertificateInUse,
				"Certificate %s is the last %s certificate of directory %s, which uses it; disable %s first.", id, c.Type, dirID, useOf(c.Type))
		}
		_, err = directory.DSCertificates().Delete(tx, sc, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &dsapi.DeregisterCertificateResult{}, nil
}

func useOf(typ string) string {
	if typ == string(dsapi.CertificateTypeClientLdaps) {
		return "LDAPS"
	}
	return "client authentication"
}

// hasCertificate reports whether a directory has a Registered certificate
// of a type.
func hasCertificate(tx deskplane.Tx, sc deskplane.Scope, dirID string, typ dsapi.CertificateType) (bool, error) {
	all, err := certificatesOf(tx, sc, dirID)
	return slices.ContainsFunc(all, func(c *directory.DSCertificate) bool {
		return c.Type == string(typ) && c.State == string(dsapi.CertificateStateRegistered)
	}), err
}
