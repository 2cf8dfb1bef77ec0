package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

const (
	hmacBlock = sha256.BlockSize // 64
	// hmacStackMsg is the longest message hmacSHA256 hashes without
	// touching the heap; a string to sign is ~150 bytes.
	hmacStackMsg = 448
)

// hmacSHA256 is HMAC-SHA256 (RFC 2104) computed with sha256.Sum256 over
// stack buffers, so that the verification hot path does not allocate the
// two digests crypto/hmac.New would. Messages longer than hmacStackMsg fall
// back to crypto/hmac.
func hmacSHA256(key, msg []byte) [sha256.Size]byte {
	if len(msg) > hmacStackMsg {
		// The copies keep key and msg from escaping (hash.Hash is an
		// interface), which would move every caller's buffers to the heap.
		m := hmac.New(sha256.New, bytes.Clone(key))
		m.Write(bytes.Clone(msg))
		var out [sha256.Size]byte
		m.Sum(out[:0])
		return out
	}
	var k [hmacBlock]byte
	if len(key) > hmacBlock {
		sum := sha256.Sum256(key)
		copy(k[:], sum[:])
	} else {
		copy(k[:], key)
	}
	var inner [hmacBlock + hmacStackMsg]byte
	for i := range hmacBlock {
		inner[i] = k[i] ^ 0x36
	}
	n := hmacBlock + copy(inner[hmacBlock:], msg)
	innerSum := sha256.Sum256(inner[:n])

	var outer [hmacBlock + sha256.Size]byte
	for i := range hmacBlock {
		outer[i] = k[i] ^ 0x5c
	}
	copy(outer[hmacBlock:], innerSum[:])
	return sha256.Sum256(outer[:])
}

// hmacString is hmacSHA256 with a string message, copied to the stack.
func hmacString(key []byte, msg string) [sha256.Size]byte {
	var buf [128]byte
	if len(msg) <= len(buf) {
		n := copy(buf[:], msg)
		return hmacSHA256(key, buf[:n])
	}
	return hmacSHA256(key, []byte(msg))
}

// deriveKey computes the SigV4 signing key
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func deriveKey(secret, date, region, service string) [sha256.Size]byte {
	var buf [4 + 60]byte
	var kSecret []byte
	if 4+len(secret) <= len(buf) {
		kSecret = append(append(buf[:0], "AWS4"...), secret...)
	} else {
		kSecret = []byte("AWS4" + secret)
	}
	k := hmacString(kSecret, date)
	k = hmacString(k[:], region)
	k = hmacString(k[:], service)
	return hmacString(k[:], scopeTerminator)
}

// keyCacheMax bounds the derived-key cache. A key is valid for one
// (secret, day, region, service); a busy emulator sees a handful per day.
const keyCacheMax = 1024

type keyCacheKey struct{ secret, date, region, service string }

// cachedKey is a derived key with the cache's own copies of its region and
// service, which Verify hands out in Identity so that identities never
// point into (and keep alive) request headers.
type cachedKey struct {
	key             [sha256.Size]byte
	region, service string
}

// keyCache remembers derived signing keys so that a verification costs one
// HMAC instead of five. It is safe for concurrent use.
type keyCache struct {
	mu sync.RWMutex
	m  map[keyCacheKey]cachedKey
}

func (c *keyCache) get(secret, date, region, service string) cachedKey {
	k := keyCacheKey{secret, date, region, service}
	c.mu.RLock()
	ck, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return ck
	}
	// The scope strings point into the request's Authorization header;
	// the cache keeps copies.
	region, service = strings.Clone(region), strings.Clone(service)
	ck = cachedKey{key: deriveKey(secret, date, region, service), region: region, service: service}
	k = keyCacheKey{secret, strings.Clone(date), region, service}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[keyCacheKey]cachedKey)
	}
	if len(c.m) >= keyCacheMax {
		// Evict about half, in map order (effectively random). Entries
		// are cheap to recompute; this only bounds memory against
		// requests with ever-new regions or services.
		n := len(c.m) / 2
		for old := range c.m {
			delete(c.m, old)
			if n--; n == 0 {
				break
			}
		}
	}
	c.m[k] = ck
	c.mu.Unlock()
	return ck
}

func (c *keyCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
