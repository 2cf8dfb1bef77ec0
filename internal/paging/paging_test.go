package paging

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/memory"
)

func callerCtx(account, region, op string) context.Context {
	return deskplane.WithCaller(context.Background(), deskplane.Caller{Account: account, Region: region, Operation: op})
}

func TestTokens(t *testing.T) {
	ctx := callerCtx("000000000000", "us-east-1", "DescribeIpGroups")
	tok := Token(ctx, "ipgroups", 42)
	if seq, err := Parse(ctx, "ipgroups", tok); err != nil || seq != 42 {
		t.Fatalf("round trip: %d %v", seq, err)
	}
	if seq, err := Parse(ctx, "ipgroups", nil); err != nil || seq != 0 {
		t.Fatalf("no token: %d %v", seq, err)
	}
	empty := ""
	if seq, err := Parse(ctx, "ipgroups", &empty); err != nil || seq != 0 {
		t.Fatalf("empty token: %d %v", seq, err)
	}
	if again := Token(ctx, "ipgroups", 42); *again == *tok {
		t.Error("two tokens of one position are equal: they would show that position")
	}
	bad := "not base64!"
	raw, _ := base64.RawURLEncoding.DecodeString(*tok)
	raw[len(raw)/2] ^= 1
	tampered := base64.RawURLEncoding.EncodeToString(raw)
	old := base64.RawURLEncoding.EncodeToString([]byte("ipgroups:42")) // the old plain format
	for _, c := range []struct {
		name    string
		ctx     context.Context
		purpose string
		tok     *string
	}{
		{"another listing", ctx, "aliases", tok},
		{"another account", callerCtx("111111111111", "us-east-1", "DescribeIpGroups"), "ipgroups", tok},
		{"another Region", callerCtx("000000000000", "eu-west-1", "DescribeIpGroups"), "ipgroups", tok},
		{"another operation", callerCtx("000000000000", "us-east-1", "DescribeConnectionAliases"), "ipgroups", tok},
		{"not a token", ctx, "ipgroups", &bad},
		{"tampered", ctx, "ipgroups", &tampered},
		{"a plain position", ctx, "ipgroups", &old},
		{"a negative position", ctx, "ipgroups", Token(ctx, "ipgroups", -1)},
	} {
		if _, err := Parse(c.ctx, c.purpose, c.tok); !deskplane.HasCode(err, deskplane.CodeInvalidNextToken) {
			t.Errorf("%s: Parse = %v, want CodeInvalidNextToken", c.name, err)
		}
	}
}

// The key is kept in the store: a second server on the same store (or the
// same server after a restart) opens the first one's tokens; a server on
// another store does not.
func TestCodecKeyInTheStore(t *testing.T) {
	store := memory.New()
	c1, err := LoadCodec(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := LoadCodec(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	other, err := LoadCodec(context.Background(), memory.New())
	if err != nil {
		t.Fatal(err)
	}
	base := callerCtx("000000000000", "us-east-1", "DescribeWorkspaces")
	tok := Token(WithCodec(base, c1), "workspaces", 7)
	if seq, err := Parse(WithCodec(base, c2), "workspaces", tok); err != nil || seq != 7 {
		t.Errorf("another node on the same store: %d %v", seq, err)
	}
	if _, err := Parse(WithCodec(base, other), "workspaces", tok); err == nil {
		t.Error("a server on another store opened the token")
	}
	if _, err := Parse(base, "workspaces", tok); err == nil {
		t.Error("the fixed key opened a token of the store's key")
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
	if items := p.Items(); items == nil || len(items) != 0 || p.Next(context.Background(), "x") != nil {
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
	if seq, err := Parse(context.Background(), "x", p.Next(context.Background(), "x")); err != nil || seq != 11 {
		t.Errorf("next page starts after %d %v, want 11", seq, err)
	}
}
