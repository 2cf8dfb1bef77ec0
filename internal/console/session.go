package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"
)

// Sessions live in the memory of the node that signed the person in
// (docs/decisions/0270-console-sessions.md). Only a correct admin token
// creates one, so unauthenticated requests cannot grow this memory, and
// the number is capped anyway.

const (
	sessionCookie = "deskplane_console"
	signinCookie  = "deskplane_console_signin"
	maxSessions   = 256
)

// session is one signed-in browser.
type session struct {
	csrf    string // the synchronizer token every state-changing form carries
	created time.Time
	seen    time.Time
	flashes []flash
}

// flash is a one-shot message shown on the next page.
type flash struct {
	Kind string // "ok" or "error"
	Text string
}

type sessions struct {
	wall      func() time.Time
	idle, max time.Duration
	limit     int

	mu sync.Mutex
	m  map[[32]byte]*session // by SHA-256 of the cookie value
}

func newSessions(wall func() time.Time, idle, max time.Duration, limit int) *sessions {
	return &sessions{wall: wall, idle: idle, max: max, limit: limit, m: make(map[[32]byte]*session)}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func sessionKey(id string) [32]byte { return sha256.Sum256([]byte(id)) }

// create starts a session and returns its id (the cookie value).
func (s *sessions) create() (string, *session) {
	id := randomToken()
	now := s.wall()
	ses := &session{csrf: randomToken(), created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	for len(s.m) >= s.limit {
		// Evict the session idle longest.
		var oldest [32]byte
		var at time.Time
		first := true
		for k, v := range s.m {
			if first || v.seen.Before(at) {
				oldest, at, first = k, v.seen, false
			}
		}
		delete(s.m, oldest)
	}
	s.m[sessionKey(id)] = ses
	return id, ses
}

func (s *sessions) expired(ses *session, now time.Time) bool {
	return now.Sub(ses.seen) > s.idle || now.Sub(ses.created) > s.max
}

func (s *sessions) sweepLocked(now time.Time) {
	for k, v := range s.m {
		if s.expired(v, now) {
			delete(s.m, k)
		}
	}
}

// get returns the live session with the id and marks it used; an unknown
// or expired id returns nil (and an expired one is forgotten).
func (s *sessions) get(id string) *session {
	if id == "" || len(id) > 100 {
		return nil
	}
	k := sessionKey(id)
	now := s.wall()
	s.mu.Lock()
	defer s.mu.Unlock()
	ses := s.m[k]
	if ses == nil {
		return nil
	}
	if s.expired(ses, now) {
		delete(s.m, k)
		return nil
	}
	ses.seen = now
	return ses
}

// end forgets the session.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, sessionKey(id))
}

// addFlash queues a message for the session's next page.
func (s *sessions) addFlash(ses *session, kind, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ses.flashes) < 10 {
		ses.flashes = append(ses.flashes, flash{Kind: kind, Text: text})
	}
}

// takeFlashes returns and clears the queued messages.
func (s *sessions) takeFlashes(ses *session) []flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := ses.flashes
	ses.flashes = nil
	return f
}

// count is the number of sessions held (for tests).
func (s *sessions) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
