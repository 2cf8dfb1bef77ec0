package images_test

import (
	"net/http"
	"testing"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The image and account control routes (internal/control/images.go,
// docs/CONTROL-API.md): what they answer, and that they refuse what they
// cannot apply instead of storing it.
func TestImageControlRoutes(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	id := newImage(t, e, acctA, reg1, "controlled")
	scope := func(extra map[string]any) map[string]any {
		m := map[string]any{"account": acctA, "region": reg1}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	var upd struct {
		ImageID         string `json:"imageId"`
		UpdateAvailable bool   `json:"updateAvailable"`
		Description     string `json:"description"`
	}
	e.Control("POST", "images/"+id+"/updates", scope(map[string]any{"updateAvailable": true}), &upd)
	if upd.ImageID != id || !upd.UpdateAvailable || upd.Description == "" {
		t.Errorf("updates answered %+v, want the default description", upd)
	}
	for _, c := range []struct {
		what, method, path string
		body               any
		want               int
	}{
		{"another account's image", "POST", "images/" + id + "/updates", map[string]any{"account": acctB, "region": reg1, "updateAvailable": true}, http.StatusNotFound},
		{"the image in another Region", "POST", "images/" + id + "/updates", map[string]any{"account": acctA, "region": reg2, "updateAvailable": true}, http.StatusNotFound},
		{"a description outside the model's pattern", "POST", "images/" + id + "/updates", scope(map[string]any{"updateAvailable": true, "description": "new; drivers"}), http.StatusBadRequest},
		{"no account", "POST", "images/" + id + "/updates", map[string]any{"region": reg1}, http.StatusBadRequest},
		{"an account that is not 12 digits", "POST", "account-settings", map[string]any{"account": "12345", "region": reg1}, http.StatusBadRequest},
		{"a bad Region", "POST", "account-settings", map[string]any{"account": acctA, "region": "US East"}, http.StatusBadRequest},
		{"an unknown setting", "POST", "account-settings", scope(map[string]any{"byolEnabled": true}), http.StatusBadRequest},
		{"a malformed AMI id", "PUT", "ec2-images/ami-xyz", scope(nil), http.StatusBadRequest},
		{"an operating system the model lacks", "PUT", "ec2-images/" + ami, scope(map[string]any{"operatingSystem": "WINDOWS_95"}), http.StatusBadRequest},
	} {
		if got := e.ControlStatus(c.method, c.path, c.body); got != c.want {
			t.Errorf("%s: status %d, want %d", c.what, got, c.want)
		}
	}

	var acct struct {
		Account                 string `json:"account"`
		BYOLEligible            bool   `json:"byolEligible"`
		CoreAllowListed         bool   `json:"coreAllowListed"`
		DedicatedTenancySupport string `json:"dedicatedTenancySupport"`
	}
	e.Control("POST", "account-settings", scope(map[string]any{"coreAllowListed": true}), &acct)
	if acct.Account != acctA || !acct.BYOLEligible || !acct.CoreAllowListed || acct.DedicatedTenancySupport != "DISABLED" {
		t.Errorf("account-settings answered %+v", acct)
	}
	// Omitted settings stay as they are.
	e.Control("POST", "account-settings", scope(map[string]any{"byolEligible": false}), &acct)
	if acct.BYOLEligible || !acct.CoreAllowListed {
		t.Errorf("after byolEligible=false: %+v", acct)
	}

	var amiOut struct {
		Exists          bool   `json:"exists"`
		OperatingSystem string `json:"operatingSystem"`
	}
	e.Control("PUT", "ec2-images/"+ami, scope(map[string]any{"exists": false}), &amiOut)
	if amiOut.Exists || amiOut.OperatingSystem != "WINDOWS_10" {
		t.Errorf("ec2-images answered %+v", amiOut)
	}
}
