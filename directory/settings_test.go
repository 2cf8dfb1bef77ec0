package directory_test

import (
	"slices"
	"testing"

	"github.com/deskplane/deskplane/directory"
)

func TestDirectoryPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		pw string
		ok bool
	}{
		{"Sup3r-Secret!", true}, {"abcDEF12", true}, {"abcdef12", false}, {"Ab1!", false},
		{"ABCDEFGH-", false}, {"ÄÖÜäöü12", true}, {string(make([]rune, 65)), false},
	} {
		if got := directory.DirectoryPasswordOK(c.pw); got != c.ok {
			t.Errorf("DirectoryPasswordOK(%q) = %v, want %v", c.pw, got, c.ok)
		}
	}
}

func TestDirectorySettingCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range directory.DSSettingCatalogue() {
		if seen[d.Name] || !slices.Contains(d.Allowed, d.Default) || d.Type == "" || d.DataType == "" {
			t.Errorf("setting %+v: duplicate, or its default is not an allowed value", d)
		}
		seen[d.Name] = true
	}
	if !seen["TLS_1_0"] {
		t.Error("the catalogue lacks TLS_1_0, the setting AWS documents")
	}
}
