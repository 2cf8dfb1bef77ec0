package paging

import (
	"testing"

	"github.com/deskplane/deskplane"
)

func TestTokens(t *testing.T) {
	tok := Token("ipgroups", 42)
	if seq, err := Parse("ipgroups", tok); err != nil || seq != 42 {
		t.Fatalf("round trip: %d %v", seq, err)
	}
	if seq, err := Parse("ipgroups", nil); err != nil || seq != 0 {
		t.Fatalf("no token: %d %v", seq, err)
	}
	empty := ""
	if seq, err := Parse("ipgroups", &empty); err != nil || seq != 0 {
		t.Fatalf("empty token: %d %v", seq, err)
	}
	bad := "not base64!"
	for _, c := range []struct {
		purpose string
		tok     *string
	}{
		{"aliases", tok},                    // another listing's token
		{"ipgroups", &bad},                  // not a token at all
		{"ipgroups", Token("ipgroups", -1)}, // a negative position
	} {
		if _, err := Parse(c.purpose, c.tok); !deskplane.HasCode(err, deskplane.CodeInvalidNextToken) {
			t.Errorf("Parse(%s, %s) = %v, want CodeInvalidNextToken", c.purpose, *c.tok, err)
		}
	}
}

func TestPage(t *testing.T) {
	if Size(nil) != DefaultSize {
		t.Error("no limit is the default size")
	}
	zero := int32(0)
	if Size(&zero) != DefaultSize {
		t.Error("a zero limit is the default size")
	}
	var p Page[string]
	if items := p.Items(); items == nil || len(items) != 0 || p.Next("x") != nil {
		t.Fatal("an empty page lists [] and has no next page")
	}
	for i, v := range []string{"a", "b", "c"} {
		more := p.Add(2, int64(10+i), v)
		if want := i < 2; more != want {
			t.Errorf("Add(%s) = %v, want %v", v, more, want)
		}
	}
	if p.Len() != 2 || p.Items()[1] != "b" {
		t.Errorf("items %v", p.Items())
	}
	if seq, err := Parse("x", p.Next("x")); err != nil || seq != 11 {
		t.Errorf("next page starts after %d %v, want 11", seq, err)
	}
}
