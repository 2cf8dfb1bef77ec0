package password_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskplane/deskplane/internal/password"
)

// cheap keeps the tests fast; the encoding carries the parameters.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h, err := password.Hash("Corr3ct-Horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q: not the PHC form with the defaults", h)
	}
	if strings.Contains(h, "Corr3ct-Horse") {
		t.Fatal("the hash contains the password")
	}
	for pw, want := range map[string]bool{"Corr3ct-Horse": true, "corr3ct-horse": false, "": false, "Corr3ct-Horse ": false} {
		ok, err := password.Verify(h, pw)
		if err != nil || ok != want {
			t.Errorf("Verify(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if password.NeedsRehash(h) {
		t.Error("a default hash needs a rehash")
	}
}

func TestSaltsDiffer(t *testing.T) {
	a, _ := password.HashWith("same", cheap)
	b, _ := password.HashWith("same", cheap)
	if a == b {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, h := range []string{a, b} {
		if ok, err := password.Verify(h, "same"); !ok || err != nil {
			t.Fatalf("Verify = %v, %v", ok, err)
		}
	}
	if !password.NeedsRehash(a) {
		t.Error("a hash with other parameters does not need a rehash")
	}
}

func TestMalformed(t *testing.T) {
	good, _ := password.HashWith("pw", cheap)
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"",
		"pw",
		"$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$t=1,m=64,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1000,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=0,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5] + "$x",
	} {
		ok, err := password.Verify(h, "pw")
		if ok || !errors.Is(err, password.ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", h, ok, err)
		}
		if !password.NeedsRehash(h) {
			t.Errorf("NeedsRehash(%q) = false", h)
		}
	}
	if _, err := password.HashWith("pw", password.Params{}); err == nil {
		t.Error("HashWith accepted zero parameters")
	}
}
