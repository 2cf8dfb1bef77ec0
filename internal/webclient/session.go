package webclient

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"time"

	"github.com/deskplane/deskplane/internal/service/webaccess"
)

// Sessions live in the memory of the node that signed the user in
// (docs/decisions/0252-web-client-sessions.md). Only a correct password
// creates one, and their number is capped anyway.

const (
	sessionCookie = "deskplane_client"
	regCookie     = "deskplane_client_reg"    // the registration code, as the real client remembers it
	preCookie     = "deskplane_client_signin" // login-CSRF token of the register and sign-in forms
	maxSessions   = 1024
	maxTickets    = 4096
	ticketLife    = time.Minute
)

// session is one signed-in browser.
type session struct {
	id      webaccess.Identity
	csrf    string
	created time.Time
	seen    time.Time
	flash   string
}

type sessions struct {
	wall      func() time.Time
	idle, max time.Duration

	mu      sync.Mutex
	m       map[[32]byte]*session
	tickets map[[32]byte]ticket
}

// ticket lets one WebSocket open the desktop of one WorkSpace for one
// session, once, within ticketLife.
type ticket struct {
	session   [32]byte
	workspace string
	expires   time.Time
}

func newSessions(wall func() time.Time, idle, max time.Duration) *sessions {
	return &sessions{wall: wall, idle: idle, max: max, m: make(map[[32]byte]*session), tickets: make(map[[32]byte]ticket)}
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashKey(id string) [32]byte { return sha256.Sum256([]byte(id)) }

func (s *sessions) create(id webaccess.Identity) string {
	tok := randomToken()
	now := s.wall()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	for len(s.m) >= maxSessions {
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
	s.m[hashKey(tok)] = &session{id: id, csrf: randomToken(), created: now, seen: now}
	return tok
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
	for k, t := range s.tickets {
		if now.After(t.expires) {
			delete(s.tickets, k)
		}
	}
}

// get returns a copy of the live session with the cookie value tok, and
// marks it used.
func (s *sessions) get(tok string) (session, bool) {
	if tok == "" || len(tok) > 100 {
		return session{}, false
	}
	k := hashKey(tok)
	now := s.wall()
	s.mu.Lock()
	defer s.mu.Unlock()
	ses := s.m[k]
	if ses == nil {
		return session{}, false
	}
	if s.expired(ses, now) {
		delete(s.m, k)
		return session{}, false
	}
	ses.seen = now
	return *ses, true
}

// alive reports whether the session still exists (and keeps it alive: an
// open desktop is use).
func (s *sessions) alive(k [32]byte) bool {
	now := s.wall()
	s.mu.Lock()
	defer s.mu.Unlock()
	ses := s.m[k]
	if ses == nil || now.Sub(ses.created) > s.max {
		delete(s.m, k)
		return false
	}
	ses.seen = now
	return true
}

func (s *sessions) end(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, hashKey(tok))
}

func (s *sessions) setFlash(tok, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ses := s.m[hashKey(tok)]; ses != nil {
		ses.flash = msg
	}
}

func (s *sessions) takeFlash(tok string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ses := s.m[hashKey(tok)]
	if ses == nil {
		return ""
	}
	f := ses.flash
	ses.flash = ""
	return f
}

// issue mints a ticket for the session's WebSocket to the WorkSpace.
func (s *sessions) issue(tok, workspace string) string {
	t := randomToken()
	now := s.wall()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	if len(s.tickets) >= maxTickets {
		for k := range s.tickets {
			delete(s.tickets, k)
			break
		}
	}
	s.tickets[hashKey(t)] = ticket{session: hashKey(tok), workspace: workspace, expires: now.Add(ticketLife)}
	return t
}

// redeem uses up a ticket: it must have been issued to this session for
// this WorkSpace and not have expired or been used.
func (s *sessions) redeem(tok, workspace, t string) bool {
	if t == "" || len(t) > 100 {
		return false
	}
	k := hashKey(t)
	now := s.wall()
	s.mu.Lock()
	defer s.mu.Unlock()
	tk, ok := s.tickets[k]
	delete(s.tickets, k)
	return ok && tk.session == hashKey(tok) && tk.workspace == workspace && !now.After(tk.expires)
}
