package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

var subnets = []string{"subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

func ok(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// pemCertificate makes a self-signed certificate for cn.
func pemCertificate(t *testing.T, cn string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ok(t, "key", err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: time.Now().AddDate(20, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	ok(t, "certificate", err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestCertificatesLDAPSAndClientAuthentication(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	e.SetTiming("realistic")
	ds := e.DS(apptest.AccountA)
	out, err := ds.CreateMicrosoftAD(e.Ctx(), &directoryservice.CreateMicrosoftADInput{Name: aws.String("corp.example.com"), Password: aws.String("Sup3r-Secret!"),
		VpcSettings: &dstypes.DirectoryVpcSettings{VpcId: aws.String("vpc-0123456789abcdef0"), SubnetIds: subnets}})
	ok(t, "CreateMicrosoftAD", err)
	id := out.DirectoryId
	e.Advance(4 * time.Minute)

	_, err = ds.RegisterCertificate(e.Ctx(), &directoryservice.RegisterCertificateInput{DirectoryId: id, CertificateData: aws.String("not a certificate")})
	wantCode(t, "garbage", err, "InvalidCertificateException")
	_, err = ds.RegisterCertificate(e.Ctx(), &directoryservice.RegisterCertificateInput{DirectoryId: aws.String("d-0000000000"), CertificateData: aws.String(pemCertificate(t, "x"))})
	wantCode(t, "unknown directory", err, "DirectoryDoesNotExistException")
	_, err = ds.EnableLDAPS(e.Ctx(), &directoryservice.EnableLDAPSInput{DirectoryId: id, Type: dstypes.LDAPSTypeClient})
	wantCode(t, "LDAPS without a certificate", err, "NoAvailableCertificateException")

	ldapsCert := pemCertificate(t, "ldaps.corp.example.com")
	reg, err := ds.RegisterCertificate(e.Ctx(), &directoryservice.RegisterCertificateInput{DirectoryId: id, CertificateData: aws.String(ldapsCert)})
	ok(t, "RegisterCertificate", err)
	_, err = ds.RegisterCertificate(e.Ctx(), &directoryservice.RegisterCertificateInput{DirectoryId: id, CertificateData: aws.String(ldapsCert)})
	wantCode(t, "twice", err, "CertificateAlreadyExistsException")
	desc, err := ds.DescribeCertificate(e.Ctx(), &directoryservice.DescribeCertificateInput{DirectoryId: id, CertificateId: reg.CertificateId})
	ok(t, "DescribeCertificate", err)
	if aws.ToString(desc.Certificate.CommonName) != "ldaps.corp.example.com" || desc.Certificate.Type != dstypes.CertificateTypeClientLdaps ||
		desc.Certificate.State != dstypes.CertificateStateRegistered {
		t.Errorf("certificate: %+v", desc.Certificate)
	}
	_, err = ds.DescribeCertificate(e.Ctx(), &directoryservice.DescribeCertificateInput{DirectoryId: id, CertificateId: aws.String("c-0000000000")})
	wantCode(t, "unknown certificate", err, "CertificateDoesNotExistException")

	ok(t, "EnableLDAPS", func() error {
		_, err := ds.EnableLDAPS(e.Ctx(), &directoryservice.EnableLDAPSInput{DirectoryId: id, Type: dstypes.LDAPSTypeClient})
		return err
	}())
	_, err = ds.EnableLDAPS(e.Ctx(), &directoryservice.EnableLDAPSInput{DirectoryId: id, Type: dstypes.LDAPSTypeClient})
	wantCode(t, "enable twice", err, "InvalidLDAPSStatusException")
	e.Advance(time.Minute)
	set, err := ds.DescribeLDAPSSettings(e.Ctx(), &directoryservice.DescribeLDAPSSettingsInput{DirectoryId: id})
	ok(t, "DescribeLDAPSSettings", err)
	if len(set.LDAPSSettingsInfo) != 1 || set.LDAPSSettingsInfo[0].LDAPSStatus != dstypes.LDAPSStatusEnabled {
		t.Errorf("LDAPS: %+v", set.LDAPSSettingsInfo)
	}
	_, err = ds.DeregisterCertificate(e.Ctx(), &directoryservice.DeregisterCertificateInput{DirectoryId: id, CertificateId: reg.CertificateId})
	wantCode(t, "deregister the certificate LDAPS uses", err, "CertificateInUseException")
	_, err = ds.DisableLDAPS(e.Ctx(), &directoryservice.DisableLDAPSInput{DirectoryId: id, Type: dstypes.LDAPSTypeClient})
	ok(t, "DisableLDAPS", err)
	_, err = ds.DisableLDAPS(e.Ctx(), &directoryservice.DisableLDAPSInput{DirectoryId: id, Type: dstypes.LDAPSTypeClient})
	wantCode(t, "disable twice", err, "InvalidLDAPSStatusException")
	_, err = ds.DeregisterCertificate(e.Ctx(), &directoryservice.DeregisterCertificateInput{DirectoryId: id, CertificateId: reg.CertificateId})
	ok(t, "DeregisterCertificate", err)

	// Client authentication.
	_, err = ds.EnableClientAuthentication(e.Ctx(), &directoryservice.EnableClientAuthenticationInput{DirectoryId: id, Type: dstypes.ClientAuthenticationTypeSmartCard})
	wantCode(t, "smart card without a certificate", err, "NoAvailableCertificateException")
	_, err = ds.RegisterCertificate(e.Ctx(), &directoryservice.RegisterCertificateInput{DirectoryId: id, CertificateData: aws.String(pemCertificate(t, "ca.corp.example.com")),
		Type: dstypes.CertificateTypeClientCertAuth, ClientCertAuthSettings: &dstypes.ClientCertAuthSettings{OCSPUrl: aws.String("https://ocsp.example.com")}})
	ok(t, "RegisterCertificate ClientCertAuth", err)
	_, err = ds.EnableClientAuthentication(e.Ctx(), &directoryservice.EnableClientAuthenticationInput{DirectoryId: id, Type: dstypes.ClientAuthenticationTypeSmartCard})
	ok(t, "EnableClientAuthentication", err)
	_, err = ds.EnableClientAuthentication(e.Ctx(), &directoryservice.EnableClientAuthenticationInput{DirectoryId: id, Type: dstypes.ClientAuthenticationTypeSmartCard})
	wantCode(t, "enable twice", err, "InvalidClientAuthStatusException")
	ca, err := ds.DescribeClientAuthenticationSettings(e.Ctx(), &directoryservice.DescribeClientAuthenticationSettingsInput{DirectoryId: id})
	ok(t, "DescribeClientAuthenticationSettings", err)
	if len(ca.ClientAuthenticationSettingsInfo) != 2 || ca.ClientAuthenticationSettingsInfo[0].Status != dstypes.ClientAuthenticationStatusEnabled {
		t.Errorf("client authentication: %+v", ca.ClientAuthenticationSettingsInfo)
	}
	_, err = ds.DisableClientAuthentication(e.Ctx(), &directoryservice.DisableClientAuthenticationInput{DirectoryId: id, Type: dstypes.ClientAuthenticationTypeSmartCard})
	ok(t, "DisableClientAuthentication", err)
	list, err := ds.ListCertificates(e.Ctx(), &directoryservice.ListCertificatesInput{DirectoryId: id})
	ok(t, "ListCertificates", err)
	if len(list.CertificatesInfo) != 1 || list.CertificatesInfo[0].Type != dstypes.CertificateTypeClientCertAuth {
		t.Errorf("certificates: %+v", list.CertificatesInfo)
	}

	// CA enrollment policy.
	arn := aws.String("arn:aws:pca-connector-ad:us-east-1:000000000000:connector/1234abcd-12ab-34cd-56ef-1234567890ab")
	_, err = ds.EnableCAEnrollmentPolicy(e.Ctx(), &directoryservice.EnableCAEnrollmentPolicyInput{DirectoryId: id, PcaConnectorArn: arn})
	ok(t, "EnableCAEnrollmentPolicy", err)
	_, err = ds.EnableCAEnrollmentPolicy(e.Ctx(), &directoryservice.EnableCAEnrollmentPolicyInput{DirectoryId: id, PcaConnectorArn: arn})
	wantCode(t, "enable while InProgress", err, "EnableAlreadyInProgressException")
	e.Advance(time.Minute)
	pol, err := ds.DescribeCAEnrollmentPolicy(e.Ctx(), &directoryservice.DescribeCAEnrollmentPolicyInput{DirectoryId: id})
	ok(t, "DescribeCAEnrollmentPolicy", err)
	if pol.CaEnrollmentPolicyStatus != dstypes.CaEnrollmentPolicyStatusSuccess {
		t.Errorf("CA enrollment: %s", pol.CaEnrollmentPolicyStatus)
	}
	_, err = ds.DisableCAEnrollmentPolicy(e.Ctx(), &directoryservice.DisableCAEnrollmentPolicyInput{DirectoryId: id})
	ok(t, "DisableCAEnrollmentPolicy", err)
	e.Advance(time.Minute)
	_, err = ds.DisableCAEnrollmentPolicy(e.Ctx(), &directoryservice.DisableCAEnrollmentPolicyInput{DirectoryId: id})
	wantCode(t, "disable twice", err, "EntityDoesNotExistException")
}
