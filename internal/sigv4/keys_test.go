package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"hash"
	"testing"
)

func hmacNew(key []byte) hash.Hash { return hmac.New(sha256.New, key) }

func TestHMACMatchesCryptoHMAC(t *testing.T) {
	for _, kl := range []int{0, 1, 32, 63, 64, 65, 200} {
		for _, ml := range []int{0, 1, 55, 64, 150, hmacStackMsg, hmacStackMsg + 1, 5000} {
			key := bytes.Repeat([]byte{byte(kl)}, kl)
			msg := bytes.Repeat([]byte{byte(ml), 'x'}, ml)[:ml]
			m := hmacNew(key)
			m.Write(msg)
			if got := hmacSHA256(key, msg); !bytes.Equal(got[:], m.Sum(nil)) {
				t.Errorf("key %d, msg %d: mismatch", kl, ml)
			}
		}
	}
}

func TestDeriveKey(t *testing.T) {
	// The example of the AWS documentation ("Examples of how to derive a
	// signing key for Signature Version 4").
	got := deriveKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
	if want := "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"; fmt.Sprintf("%x", got) != want {
		t.Fatalf("signing key = %x, want %s", got, want)
	}
	long := string(bytes.Repeat([]byte("s"), 100)) // secret longer than the stack buffer
	want := refSignature(long, "20240101", "us-east-1", "workspaces", "x")
	k := deriveKey(long, "20240101", "us-east-1", "workspaces")
	sig := hmacSHA256(k[:], []byte("x"))
	if fmt.Sprintf("%x", sig) != want {
		t.Fatal("long secret: signing key differs from the reference")
	}
}

func TestKeyCacheIsBounded(t *testing.T) {
	var c keyCache
	first := c.get("secret", "20240101", "region-0", "workspaces")
	for i := range 3 * keyCacheMax {
		c.get("secret", "20240101", fmt.Sprintf("region-%d", i), "workspaces")
		if n := c.len(); n > keyCacheMax {
			t.Fatalf("cache grew to %d entries", n)
		}
	}
	if again := c.get("secret", "20240101", "region-0", "workspaces"); again.key != first.key {
		t.Fatal("recomputed key differs")
	}
}
