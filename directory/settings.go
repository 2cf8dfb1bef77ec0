package directory

import (
	"strings"
	"unicode"
)

// DSSettingDef is one setting of an AWS Managed Microsoft AD directory
// (Directory Service DescribeSettings / UpdateSettings).
type DSSettingDef struct {
	Name, Type, DataType, Default string
	Allowed                       []string
}

// AllowedJSON is the setting's allowed values as DescribeSettings shows
// them: a JSON array.
func (d DSSettingDef) AllowedJSON() string {
	return `["` + strings.Join(d.Allowed, `","`) + `"]`
}

// DSSettingCatalogue is the settings of an AWS Managed Microsoft AD
// directory: the Schannel protocols and ciphers and the certificate-based
// authentication settings (docs/decisions/0212-directory-settings.md).
func DSSettingCatalogue() []DSSettingDef {
	onOff := []string{"Enable", "Disable"}
	var c []DSSettingDef
	for _, p := range []string{"PCT_1_0", "SSL_2_0", "SSL_3_0", "TLS_1_0", "TLS_1_1"} {
		def := onOff[0]
		if !strings.HasPrefix(p, "TLS") {
			def = onOff[1]
		}
		c = append(c, DSSettingDef{Name: p, Type: "Protocol", DataType: "Boolean", Default: def, Allowed: onOff})
	}
	for _, p := range []string{"AES_128", "DES_56", "3DES_168", "RC2_40", "RC2_56", "RC2_128", "RC4_40", "RC4_56", "RC4_64", "RC4_128"} {
		def := onOff[1]
		if p == "AES_128" || p == "3DES_168" {
			def = onOff[0]
		}
		c = append(c, DSSettingDef{Name: p, Type: "Cipher", DataType: "Boolean", Default: def, Allowed: onOff})
	}
	return append(c,
		DSSettingDef{Name: "CERTIFICATE_BACKDATING_COMPENSATION", Type: "Certificate-Based Authentication", DataType: "Duration",
			Default: "600", Allowed: []string{"0", "60", "300", "600", "1800", "3600"}},
		DSSettingDef{Name: "CERTIFICATE_STRONG_ENFORCEMENT", Type: "Certificate-Based Authentication", DataType: "Enum",
			Default: "Compatibility", Allowed: []string{"Compatibility", "Full_Enforcement"}})
}

// DirectoryPasswordOK applies the directory password policy: 8 to 64
// characters, from at least three of lower-case letters, upper-case
// letters, digits and other characters (docs/decisions/0209-reset-user-password.md).
func DirectoryPasswordOK(p string) bool {
	classes := 0
	for _, f := range []func(rune) bool{unicode.IsLower, unicode.IsUpper, unicode.IsDigit,
		func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }} {
		if strings.IndexFunc(p, f) >= 0 {
			classes++
		}
	}
	n := len([]rune(p))
	return n >= 8 && n <= 64 && classes >= 3
}
