package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/apptest"
)

// Helpers shared by the branding, add-in, application, pool and endpoint
// tests (prefix x): directories made through the real Directory Service
// and WorkSpaces APIs, records read straight from the store, and control
// calls whose failures the test wants to see.

// xDirectory creates a Simple AD directory in which every user exists,
// waits for it to be Active, registers it with WorkSpaces and waits for
// REGISTERED.
func xDirectory(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.DS(account).CreateDirectory(e.Ctx(), &directoryservice.CreateDirectoryInput{
		Name:     aws.String("corp.example.com"),
		Password: aws.String("Passw0rd!"),
		Size:     dstypes.DirectorySizeSmall,
		VpcSettings: &dstypes.DirectoryVpcSettings{
			VpcId:     aws.String("vpc-" + xHex(17)),
			SubnetIds: []string{"subnet-" + xHex(17), "subnet-" + xHex(17)},
		},
		Tags: []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}},
	})
	if err != nil {
		t.Fatalf("CreateDirectory: %v", err)
	}
	e.Advance(time.Hour)
	xRegister(t, e, account, aws.ToString(out.DirectoryId))
	return aws.ToString(out.DirectoryId)
}

// xRegister registers a directory and waits for REGISTERED.
func xRegister(t *testing.T, e *apptest.Env, account, id string) {
	t.Helper()
	if _, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatalf("RegisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
}

// xDeregister deregisters a directory and waits until it is gone.
func xDeregister(t *testing.T, e *apptest.Env, account, id string) {
	t.Helper()
	if _, err := e.WS(account).DeregisterWorkspaceDirectory(e.Ctx(), &workspaces.DeregisterWorkspaceDirectoryInput{DirectoryId: aws.String(id)}); err != nil {
		t.Fatalf("DeregisterWorkspaceDirectory: %v", err)
	}
	e.Advance(time.Hour)
}

// xPoolDirectory registers a WorkSpaces Pools directory (wsd-) and waits
// for REGISTERED.
func xPoolDirectory(t *testing.T, e *apptest.Env, account string) string {
	t.Helper()
	out, err := e.WS(account).RegisterWorkspaceDirectory(e.Ctx(), &workspaces.RegisterWorkspaceDirectoryInput{
		WorkspaceType:                 types.WorkspaceTypePools,
		WorkspaceDirectoryName:        aws.String("pools-" + xHex(6)),
		WorkspaceDirectoryDescription: aws.String("Pools directory"),
		UserIdentityType:              types.UserIdentityTypeCustomerManaged,
		SubnetIds:                     []string{"subnet-" + xHex(17), "subnet-" + xHex(17)},
	})
	if err != nil {
		t.Fatalf("RegisterWorkspaceDirectory (POOLS): %v", err)
	}
	e.Advance(time.Hour)
	return aws.ToString(out.DirectoryId)
}

// xLoad reads a record of the store into v; it reports whether there is one.
func xLoad(t *testing.T, e *apptest.Env, key deskplane.Key, v any) bool {
	t.Helper()
	found := false
	err := e.App.Store.View(context.Background(), func(tx deskplane.Tx) error {
		rec, err := tx.Get(key)
		if err == deskplane.ErrNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return json.Unmarshal(rec.Data, v)
	})
	if err != nil {
		t.Fatalf("reading %v: %v", key, err)
	}
	return found
}

// xWant fails the test unless err is the wire error code.
func xWant(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Errorf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

// xReason checks the reason member of an OperationNotSupportedException.
func xReason(t *testing.T, err error, reason string) {
	t.Helper()
	var ons *types.OperationNotSupportedException
	if !errors.As(err, &ons) {
		t.Errorf("error %v is not an OperationNotSupportedException", err)
		return
	}
	if aws.ToString(ons.Reason) != reason {
		t.Errorf("reason %q, want %q", aws.ToString(ons.Reason), reason)
	}
}

// xControl calls the control API and returns the status and body (where
// apptest's Control fails the test on any status but 2xx).
func xControl(t *testing.T, e *apptest.Env, method, path string, in any) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, e.URL+"/_deskplane/"+strings.TrimPrefix(path, "/"), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.App.AdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// xHex returns n random lowercase hex digits.
func xHex(n int) string {
	const hex = "0123456789abcdef"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = hex[b[i]&0x0f]
	}
	return string(b)
}

// xPNG is n bytes that start as a PNG file does.
func xPNG(n int, fill byte) []byte {
	b := bytes.Repeat([]byte{fill}, n)
	copy(b, "\x89PNG\r\n\x1a\n")
	return b
}

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
