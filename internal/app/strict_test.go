package app_test

import (
	"io"
	"strings"
	"testing"

	"github.com/deskplane/deskplane/internal/app"
)

// TestStrictSetting: -strict and DESKPLANE_STRICT, off by default
// (docs/decisions/0293-strict-mode.md).
func TestStrictSetting(t *testing.T) {
	none := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want bool
	}{
		{nil, nil, false},
		{[]string{"-strict"}, nil, true},
		{nil, map[string]string{"DESKPLANE_STRICT": "true"}, true},
		{[]string{"-strict=false"}, map[string]string{"DESKPLANE_STRICT": "true"}, false},
	} {
		getenv := none
		if tc.env != nil {
			getenv = func(k string) string { return tc.env[k] }
		}
		c, err := app.Parse(tc.args, getenv, io.Discard)
		if err != nil || c.Strict != tc.want {
			t.Errorf("%v %v: Strict %v, %v; want %v", tc.args, tc.env, c.Strict, err, tc.want)
		}
	}
	_, err := app.Parse(nil, func(k string) string { return map[string]string{"DESKPLANE_STRICT": "very"}[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "DESKPLANE_STRICT") {
		t.Fatalf("DESKPLANE_STRICT=very: %v", err)
	}
}
