package deskplane

import "crypto/rand"

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
