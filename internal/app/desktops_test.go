package app_test

import (
	"io"
	"strings"
	"testing"

	"github.com/deskplane/deskplane/internal/app"
)

func TestDesktopSettings(t *testing.T) {
	env := func(string) string { return "" }
	c, err := app.Parse(nil, env, io.Discard)
	if err != nil || c.Desktops != app.DesktopsNone || c.NodeName == "" {
		t.Fatalf("defaults: desktops %q, node %q, err %v", c.Desktops, c.NodeName, err)
	}
	if got := c.DesktopDirectory(); !strings.HasSuffix(got, "/desktops") {
		t.Errorf("desktop directory %q", got)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-desktops", "kubernetes"}, `-desktops "kubernetes": want none or local`},
		{[]string{"-node-name", "a b"}, `-node-name "a b"`},
		{[]string{"-node-name", ""}, `-node-name ""`},
		{[]string{"-desktop-uids", "0"}, `-desktop-uids 0`},
	} {
		_, err := app.Parse(tc.args, env, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	c, err = app.Parse([]string{"-desktops", "local", "-node-name", "n1", "-desktop-dir", "/srv/d"}, env, io.Discard)
	if err != nil || c.Desktops != app.DesktopsLocal || c.NodeName != "n1" || c.DesktopDirectory() != "/srv/d" {
		t.Errorf("local: %+v %v", c, err)
	}
	_, err = app.Parse(nil, func(k string) string {
		if k == "DESKPLANE_DESKTOPS" {
			return "vm"
		}
		return ""
	}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DESKPLANE_DESKTOPS") {
		t.Errorf("from the environment: %v", err)
	}
}
