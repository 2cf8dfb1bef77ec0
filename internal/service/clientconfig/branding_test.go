package clientconfig_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

func TestBrandingImportDescribeDelete(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xDirectory(t, e, apptest.AccountA)

	imp, err := c.ImportClientBranding(e.Ctx(), &workspaces.ImportClientBrandingInput{
		ResourceId: aws.String(dir),
		DeviceTypeWindows: &types.DefaultImportClientBrandingAttributes{
			Logo:         xPNG(2048, 1),
			SupportEmail: aws.String("help@example.com"),
			LoginMessage: map[string]string{"en_US": "<b>Welcome</b> to Example Corp"},
		},
		DeviceTypeIos: &types.IosImportClientBrandingAttributes{
			Logo: xPNG(100, 2), Logo2x: xPNG(200, 3), Logo3x: xPNG(300, 4),
			SupportLink:        aws.String("https://help.example.com/"),
			ForgotPasswordLink: aws.String("https://id.example.com/reset"),
		},
	})
	if err != nil {
		t.Fatalf("ImportClientBranding: %v", err)
	}
	win, ios := imp.DeviceTypeWindows, imp.DeviceTypeIos
	if win == nil || ios == nil || imp.DeviceTypeOsx != nil || imp.DeviceTypeAndroid != nil || imp.DeviceTypeLinux != nil || imp.DeviceTypeWeb != nil {
		t.Fatalf("ImportClientBranding answered %+v", imp)
	}
	if aws.ToString(win.SupportEmail) != "help@example.com" || win.SupportLink != nil || win.LoginMessage["en_US"] != "<b>Welcome</b> to Example Corp" ||
		!strings.HasPrefix(aws.ToString(win.LogoUrl), "https://") || len(aws.ToString(win.LogoUrl)) > 200 {
		t.Errorf("Windows branding %+v (LogoUrl %q)", win, aws.ToString(win.LogoUrl))
	}
	if aws.ToString(ios.SupportLink) != "https://help.example.com/" || aws.ToString(ios.ForgotPasswordLink) != "https://id.example.com/reset" ||
		ios.LogoUrl == nil || ios.Logo2xUrl == nil || ios.Logo3xUrl == nil || *ios.LogoUrl == *ios.Logo2xUrl || ios.SupportEmail != nil {
		t.Errorf("iOS branding %+v", ios)
	}

	// Describe reads back exactly what was imported; the logos are kept.
	desc, err := c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.DeviceTypeWindows.LogoUrl) != aws.ToString(win.LogoUrl) || aws.ToString(desc.DeviceTypeIos.Logo3xUrl) != aws.ToString(ios.Logo3xUrl) ||
		desc.DeviceTypeWindows.LoginMessage["en_US"] != "<b>Welcome</b> to Example Corp" || desc.DeviceTypeWeb != nil {
		t.Errorf("DescribeClientBranding %+v", desc)
	}
	var stored deskplane.Branding
	if !xLoad(t, e, deskplane.Key{Scope: deskplane.Scope{Account: apptest.AccountA, Region: apptest.Region}, Kind: deskplane.KindBranding, ID: dir}, &stored) ||
		!bytes.Equal(stored.Platforms["DeviceTypeIos"].Logo2x, xPNG(200, 3)) {
		t.Errorf("stored branding %+v", stored.Platforms["DeviceTypeIos"])
	}

	// A new import of a platform replaces it and keeps the others.
	imp, err = c.ImportClientBranding(e.Ctx(), &workspaces.ImportClientBrandingInput{
		ResourceId:        aws.String(dir),
		DeviceTypeWindows: &types.DefaultImportClientBrandingAttributes{Logo: xPNG(2048, 9)},
		DeviceTypeWeb:     &types.DefaultImportClientBrandingAttributes{SupportLink: aws.String("http://help.example.com/web")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if imp.DeviceTypeIos != nil || aws.ToString(imp.DeviceTypeWindows.LogoUrl) == aws.ToString(win.LogoUrl) || imp.DeviceTypeWindows.SupportEmail != nil {
		t.Errorf("second import answered %+v", imp)
	}
	desc, _ = c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String(dir)})
	if desc.DeviceTypeIos == nil || desc.DeviceTypeWeb == nil || desc.DeviceTypeWindows.SupportEmail != nil || desc.DeviceTypeWindows.LoginMessage != nil {
		t.Errorf("after the second import %+v", desc)
	}

	// Delete removes the platforms named; platforms without branding are fine.
	if _, err := c.DeleteClientBranding(e.Ctx(), &workspaces.DeleteClientBrandingInput{
		ResourceId: aws.String(dir), Platforms: []types.ClientDeviceType{types.ClientDeviceTypeDeviceTypeWindows, types.ClientDeviceTypeDeviceTypeLinux},
	}); err != nil {
		t.Fatal(err)
	}
	desc, _ = c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String(dir)})
	if desc.DeviceTypeWindows != nil || desc.DeviceTypeIos == nil || desc.DeviceTypeWeb == nil {
		t.Errorf("after deleting Windows %+v", desc)
	}
	if _, err := c.DeleteClientBranding(e.Ctx(), &workspaces.DeleteClientBrandingInput{
		ResourceId: aws.String(dir), Platforms: []types.ClientDeviceType{types.ClientDeviceTypeDeviceTypeIos, types.ClientDeviceTypeDeviceTypeWeb},
	}); err != nil {
		t.Fatal(err)
	}
	desc, _ = c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String(dir)})
	if desc.DeviceTypeIos != nil || desc.DeviceTypeWeb != nil {
		t.Errorf("after deleting everything %+v", desc)
	}

	// Branding belongs to the registration: a directory registered again
	// starts with the default branding.
	if _, err := c.ImportClientBranding(e.Ctx(), &workspaces.ImportClientBrandingInput{
		ResourceId: aws.String(dir), DeviceTypeOsx: &types.DefaultImportClientBrandingAttributes{SupportEmail: aws.String("mac@example.com")},
	}); err != nil {
		t.Fatal(err)
	}
	xDeregister(t, e, apptest.AccountA, dir)
	_, err = c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String(dir)})
	xWant(t, "branding of a deregistered directory", err, "ResourceNotFoundException")
	xRegister(t, e, apptest.AccountA, dir)
	desc, err = c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String(dir)})
	if err != nil || desc.DeviceTypeOsx != nil {
		t.Errorf("branding after registering again: %+v, %v", desc, err)
	}
}

func TestBrandingErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	dir := xDirectory(t, e, apptest.AccountA)
	imp := func(in *workspaces.ImportClientBrandingInput) error {
		if in.ResourceId == nil {
			in.ResourceId = aws.String(dir)
		}
		_, err := c.ImportClientBranding(e.Ctx(), in)
		return err
	}
	ok := &types.DefaultImportClientBrandingAttributes{SupportEmail: aws.String("help@example.com")}
	xWant(t, "unknown directory", imp(&workspaces.ImportClientBrandingInput{ResourceId: aws.String("d-0123456789"), DeviceTypeWindows: ok}), "ResourceNotFoundException")
	xWant(t, "another account's directory", func() error {
		_, err := e.WS(apptest.AccountB).ImportClientBranding(e.Ctx(), &workspaces.ImportClientBrandingInput{ResourceId: aws.String(dir), DeviceTypeWindows: ok})
		return err
	}(), "ResourceNotFoundException")
	xWant(t, "no platform", imp(&workspaces.ImportClientBrandingInput{}), "InvalidParameterValuesException")
	xWant(t, "empty platform", imp(&workspaces.ImportClientBrandingInput{DeviceTypeLinux: &types.DefaultImportClientBrandingAttributes{}}), "InvalidParameterValuesException")
	xWant(t, "email and link", imp(&workspaces.ImportClientBrandingInput{DeviceTypeAndroid: &types.DefaultImportClientBrandingAttributes{
		SupportEmail: aws.String("help@example.com"), SupportLink: aws.String("https://help.example.com")}}), "InvalidParameterValuesException")
	xWant(t, "not a PNG", imp(&workspaces.ImportClientBrandingInput{DeviceTypeIos: &types.IosImportClientBrandingAttributes{
		Logo: xPNG(10, 1), Logo3x: []byte("GIF89a....")}}), "InvalidParameterValuesException")
	xWant(t, "locale", imp(&workspaces.ImportClientBrandingInput{DeviceTypeWeb: &types.DefaultImportClientBrandingAttributes{
		LoginMessage: map[string]string{"fr_FR": "Bonjour"}}}), "InvalidParameterValuesException")
	// Model constraints: the logo size, the e-mail pattern, the locale form.
	xWant(t, "logo over 1.5 MB", imp(&workspaces.ImportClientBrandingInput{DeviceTypeWeb: &types.DefaultImportClientBrandingAttributes{
		Logo: xPNG(1500001, 1)}}), "ValidationException")
	xWant(t, "bad e-mail", imp(&workspaces.ImportClientBrandingInput{DeviceTypeWeb: &types.DefaultImportClientBrandingAttributes{
		SupportEmail: aws.String("not-an-email")}}), "ValidationException")
	xWant(t, "bad locale form", imp(&workspaces.ImportClientBrandingInput{DeviceTypeWeb: &types.DefaultImportClientBrandingAttributes{
		LoginMessage: map[string]string{"english": "Hi"}}}), "ValidationException")
	// More than 6 MB of logos in one request.
	big := func(fill byte) *types.DefaultImportClientBrandingAttributes {
		return &types.DefaultImportClientBrandingAttributes{Logo: xPNG(1500000, fill)}
	}
	xWant(t, "over 6 MB", imp(&workspaces.ImportClientBrandingInput{
		DeviceTypeWindows: big(1), DeviceTypeOsx: big(2), DeviceTypeAndroid: big(3), DeviceTypeLinux: big(4), DeviceTypeWeb: big(5)}), "ResourceLimitExceededException")
	if err := imp(&workspaces.ImportClientBrandingInput{DeviceTypeWindows: big(1), DeviceTypeOsx: big(2), DeviceTypeAndroid: big(3), DeviceTypeLinux: big(4)}); err != nil {
		t.Errorf("6 MB of logos: %v", err)
	}

	_, err := c.DescribeClientBranding(e.Ctx(), &workspaces.DescribeClientBrandingInput{ResourceId: aws.String("d-0123456789")})
	xWant(t, "describe unknown directory", err, "ResourceNotFoundException")
	_, err = c.DeleteClientBranding(e.Ctx(), &workspaces.DeleteClientBrandingInput{ResourceId: aws.String("wsd-abcdefghi"), Platforms: []types.ClientDeviceType{types.ClientDeviceTypeDeviceTypeWeb}})
	xWant(t, "delete unknown directory", err, "ResourceNotFoundException")
	_, err = c.DeleteClientBranding(e.Ctx(), &workspaces.DeleteClientBrandingInput{ResourceId: aws.String(dir), Platforms: []types.ClientDeviceType{"DeviceTypeAmiga"}})
	xWant(t, "unknown platform", err, "ValidationException")
}
