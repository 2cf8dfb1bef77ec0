package deskplane

import (
	"crypto/rand"
	"time"
)

// NewID returns prefix followed by n random lowercase letters and digits,
// the form of real WorkSpaces ids (ws-0d4y2sbl5, wsipg-a1b2c3d4e).
func NewID(prefix string, n int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// NewOrderedID is NewID whose first three characters count t's Unix
// seconds in base 36, modulo 36³ (about 13 hours), and whose other n-3 are
// random: the ids made in the same second share a prefix, so their keys in
// a store's id index land side by side instead of all over it (decision
// 0343). n must be at least 4.
func NewOrderedID(prefix string, n int, t time.Time) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b[3:])
	for i := 3; i < n; i++ {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	sec := t.Unix() % (36 * 36 * 36)
	if sec < 0 {
		sec += 36 * 36 * 36
	}
	for i := 2; i >= 0; i-- {
		b[i] = alphabet[sec%36]
		sec /= 36
	}
	return prefix + string(b)
}

// NewHexID returns prefix followed by n random lowercase hex digits, the
// form of Directory Service ids (d-906732325d) and EC2 ids (sg-…).
func NewHexID(prefix string, n int) string {
	const alphabet = "0123456789abcdef"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[b[i]&0x0f]
	}
	return prefix + string(b)
}
