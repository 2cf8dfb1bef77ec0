package clientconfig

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Client branding (MODEL ImportClientBranding, DescribeClientBranding,
// DeleteClientBranding; docs/decisions/0050-client-branding.md).
//
// The branding of a registered directory is one deskplane.Branding record
// (KindBranding, id = directory id) holding, per platform, exactly what was
// imported: an import replaces the platforms it names and keeps the others;
// a delete removes the platforms it names. Logos are kept as the imported
// PNG bytes; the wire shows them as a LogoUrl that changes with the bytes.

// maxBrandingImport is the most logo data one ImportClientBranding takes
// ("You can import up to 6 MB of data with each request", MODEL).
const maxBrandingImport = 6 << 20

// pngSignature starts every PNG file; the model accepts logos "converted
// from a .png file" only.
const pngSignature = "\x89PNG\r\n\x1a\n"

// loginMessageLocale is the only LoginMessage key the service supports
// (MODEL DefaultImportClientBrandingAttributes.LoginMessage).
const loginMessageLocale = "en_US"

// importedPlatform is one platform of an ImportClientBranding request in
// the domain's terms.
type importedPlatform struct {
	name  wsapi.ClientDeviceType
	attrs deskplane.BrandingAttributes
}

// brandingPlatforms collects the platforms an import names, in the model's
// order.
func brandingPlatforms(in *wsapi.ImportClientBrandingRequest) []importedPlatform {
	var out []importedPlatform
	add := func(name wsapi.ClientDeviceType, a *wsapi.DefaultImportClientBrandingAttributes) {
		if a == nil {
			return
		}
		out = append(out, importedPlatform{name, deskplane.BrandingAttributes{
			Logo: a.Logo, SupportEmail: value(a.SupportEmail), SupportLink: value(a.SupportLink),
			ForgotPasswordLink: value(a.ForgotPasswordLink), LoginMessage: a.LoginMessage,
		}})
	}
	add(wsapi.ClientDeviceTypeDeviceTypeWindows, in.DeviceTypeWindows)
	add(wsapi.ClientDeviceTypeDeviceTypeOsx, in.DeviceTypeOsx)
	add(wsapi.ClientDeviceTypeDeviceTypeAndroid, in.DeviceTypeAndroid)
	if a := in.DeviceTypeIos; a != nil {
		out = append(out, importedPlatform{wsapi.ClientDeviceTypeDeviceTypeIos, deskplane.BrandingAttributes{
			Logo: a.Logo, Logo2x: a.Logo2x, Logo3x: a.Logo3x, SupportEmail: value(a.SupportEmail),
			SupportLink: value(a.SupportLink), ForgotPasswordLink: value(a.ForgotPasswordLink), LoginMessage: a.LoginMessage,
		}})
	}
	add(wsapi.ClientDeviceTypeDeviceTypeLinux, in.DeviceTypeLinux)
	add(wsapi.ClientDeviceTypeDeviceTypeWeb, in.DeviceTypeWeb)
	return out
}

// checkBrandingPlatform applies the documented rules to one platform.
func checkBrandingPlatform(p importedPlatform) error {
	a := p.attrs
	if len(a.Logo) == 0 && len(a.Logo2x) == 0 && len(a.Logo3x) == 0 && a.SupportEmail == "" && a.SupportLink == "" &&
		a.ForgotPasswordLink == "" && len(a.LoginMessage) == 0 {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The client branding for %s has no attributes. Specify a logo, a support email or link, a forgotten password link or a login message.", p.name)
	}
	if a.SupportEmail != "" && a.SupportLink != "" {
		return deskplane.Errorf(deskplane.CodeInvalidParameter, "The client branding for %s specifies both SupportEmail and SupportLink. They are mutually exclusive: specify one of them per platform type.", p.name)
	}
	for _, logo := range []struct {
		member string
		b      []byte
	}{{"Logo", a.Logo}, {"Logo2x", a.Logo2x}, {"Logo3x", a.Logo3x}} {
		if len(logo.b) > 0 && !bytes.HasPrefix(logo.b, []byte(pngSignature)) {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The %s of the client branding for %s is not a PNG image. The only image format accepted is a binary data object converted from a .png file.", logo.member, p.name)
		}
	}
	for locale := range a.LoginMessage {
		if locale != loginMessageLocale {
			return deskplane.Errorf(deskplane.CodeInvalidParameter, "The LoginMessage of the client branding for %s has the locale %q. The only locale supported is %s.", p.name, locale, loginMessageLocale)
		}
	}
	return nil
}

// logoURL is where a logo can be fetched: it names the account, directory,
// platform and the logo's content, so it changes when the logo does.
func logoURL(sc deskplane.Scope, directoryID string, platform wsapi.ClientDeviceType, file string, logo []byte) *string {
	if len(logo) == 0 {
		return nil
	}
	sum := sha256.Sum256(logo)
	return new("https://workspaces-client-branding-" + sc.Region + ".s3." + sc.Region + ".amazonaws.com/" +
		sc.Account + "/" + directoryID + "/" + string(platform) + "/" + hex.EncodeToString(sum[:8]) + "/" + file)
}

// wireBranding converts the branding to the wire (ImportClientBranding's
// result has the same members); only, when not nil, limits it to those
// platforms.
func wireBranding(sc deskplane.Scope, b *deskplane.Branding, only map[wsapi.ClientDeviceType]bool) wsapi.DescribeClientBrandingResult {
	var out wsapi.DescribeClientBrandingResult
	for name, a := range b.Platforms {
		p := wsapi.ClientDeviceType(name)
		if only != nil && !only[p] {
			continue
		}
		def := &wsapi.DefaultClientBrandingAttributes{
			LogoUrl:            logoURL(sc, b.DirectoryID, p, "logo.png", a.Logo),
			SupportEmail:       optional(a.SupportEmail),
			SupportLink:        optional(a.SupportLink),
			ForgotPasswordLink: optional(a.ForgotPasswordLink),
			LoginMessage:       a.LoginMessage,
		}
		switch p {
		case wsapi.ClientDeviceTypeDeviceTypeWindows:
			out.DeviceTypeWindows = def
		case wsapi.ClientDeviceTypeDeviceTypeOsx:
			out.DeviceTypeOsx = def
		case wsapi.ClientDeviceTypeDeviceTypeAndroid:
			out.DeviceTypeAndroid = def
		case wsapi.ClientDeviceTypeDeviceTypeLinux:
			out.DeviceTypeLinux = def
		case wsapi.ClientDeviceTypeDeviceTypeWeb:
			out.DeviceTypeWeb = def
		case wsapi.ClientDeviceTypeDeviceTypeIos:
			out.DeviceTypeIos = &wsapi.IosClientBrandingAttributes{
				LogoUrl:            def.LogoUrl,
				Logo2xUrl:          logoURL(sc, b.DirectoryID, p, "logo@2x.png", a.Logo2x),
				Logo3xUrl:          logoURL(sc, b.DirectoryID, p, "logo@3x.png", a.Logo3x),
				SupportEmail:       def.SupportEmail,
				SupportLink:        def.SupportLink,
				ForgotPasswordLink: def.ForgotPasswordLink,
				LoginMessage:       def.LoginMessage,
			}
		}
	}
	return out
}

// loadBranding returns the branding of a directory registration of the
// caller: an empty one when none was imported (or it belonged to an
// earlier registration of the same directory id). The directory must be
// registered (ResourceNotFoundException otherwise).
func loadBranding(tx deskplane.Tx, sc deskplane.Scope, directoryID string) (*deskplane.Branding, error) {
	d, err := registration(tx, sc, directoryID)
	if err != nil {
		return nil, err
	}
	b, ok, err := deskplane.Brandings().Get(tx, sc, directoryID)
	if err != nil {
		return nil, err
	}
	if !ok || !b.Registered.Equal(d.Registered) {
		b = &deskplane.Branding{DirectoryID: directoryID, Registered: d.Registered}
	}
	if b.Platforms == nil {
		b.Platforms = make(map[string]deskplane.BrandingAttributes)
	}
	return b, nil
}

// ImportClientBranding replaces the branding of the platforms it names and keeps the others.
func (s *Service) ImportClientBranding(ctx context.Context, in *wsapi.ImportClientBrandingRequest) (*wsapi.ImportClientBrandingResult, error) {
	platforms := brandingPlatforms(in)
	if len(platforms) == 0 {
		return nil, deskplane.Errorf(deskplane.CodeInvalidParameter, "Specify the client branding of at least one platform type (DeviceTypeWindows, DeviceTypeOsx, DeviceTypeAndroid, DeviceTypeIos, DeviceTypeLinux or DeviceTypeWeb).")
	}
	size := 0
	for _, p := range platforms {
		if err := checkBrandingPlatform(p); err != nil {
			return nil, err
		}
		size += len(p.attrs.Logo) + len(p.attrs.Logo2x) + len(p.attrs.Logo3x)
	}
	if size > maxBrandingImport {
		return nil, deskplane.Errorf(deskplane.CodeLimitExceeded, "The request imports %d bytes of logos. You can import up to 6 MB of data with each request; import the client branding of different platform types in separate requests.", size)
	}
	sc, id := env.Scope(ctx), value(in.ResourceId)
	now := s.Now()
	var out wsapi.DescribeClientBrandingResult
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		b, err := loadBranding(tx, sc, id)
		if err != nil {
			return err
		}
		only := make(map[wsapi.ClientDeviceType]bool, len(platforms))
		for _, p := range platforms {
			p.attrs.Imported = now
			b.Platforms[string(p.name)] = p.attrs
			only[p.name] = true
		}
		if err := deskplane.Brandings().Put(tx, sc, id, b); err != nil {
			return err
		}
		out = wireBranding(sc, b, only)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ImportClientBrandingResult{
		DeviceTypeWindows: out.DeviceTypeWindows,
		DeviceTypeOsx:     out.DeviceTypeOsx,
		DeviceTypeAndroid: out.DeviceTypeAndroid,
		DeviceTypeIos:     out.DeviceTypeIos,
		DeviceTypeLinux:   out.DeviceTypeLinux,
		DeviceTypeWeb:     out.DeviceTypeWeb,
	}, nil
}

// DescribeClientBranding answers the branding of every platform that has one.
func (s *Service) DescribeClientBranding(ctx context.Context, in *wsapi.DescribeClientBrandingRequest) (*wsapi.DescribeClientBrandingResult, error) {
	sc, id := env.Scope(ctx), value(in.ResourceId)
	var out wsapi.DescribeClientBrandingResult
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		b, err := loadBranding(tx, sc, id)
		if err != nil {
			return err
		}
		out = wireBranding(sc, b, nil)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteClientBranding removes the branding of the platforms it names.
func (s *Service) DeleteClientBranding(ctx context.Context, in *wsapi.DeleteClientBrandingRequest) (*wsapi.DeleteClientBrandingResult, error) {
	sc, id := env.Scope(ctx), value(in.ResourceId)
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		b, err := loadBranding(tx, sc, id)
		if err != nil {
			return err
		}
		for _, p := range in.Platforms {
			delete(b.Platforms, string(p))
		}
		if len(b.Platforms) == 0 {
			_, err := deskplane.Brandings().Delete(tx, sc, id)
			return err
		}
		return deskplane.Brandings().Put(tx, sc, id, b)
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DeleteClientBrandingResult{}, nil
}
