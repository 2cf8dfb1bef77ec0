// Package sts is the part of the AWS Security Token Service that
// configurations of WorkSpaces use: GetCallerIdentity, and temporary
// credentials from GetSessionToken and AssumeRole, which deskplane then
// accepts until they expire (docs/decisions/0292-sts-temporary-credentials.md).
//
// A temporary credential is a identity.Session record in GlobalScope,
// keyed by its access key (ASIA…). Its secret is not stored: it is an HMAC
// of the session key (one KindSessionKey record, created with the first
// credential) over the access key and a random nonce that only the session
// token carries; the record keeps the SHA-256 of the token. A reader of
// the store therefore holds neither the secret nor the token, and every
// node sharing the store derives the same secret from a presented token.
// Session resolves a presented key and token for the signature verifier
// (internal/sigv4, through internal/app).
package sts

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/identity"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/service/env"
)

// Service serves the STS operations deskplane implements; internal/service
// composes it with stsapi.Unimplemented.
type Service struct {
	env.Env
}

// New returns the family's service on e.
func New(e env.Env) *Service { return &Service{Env: e} }

// Timers returns the family's lifecycle timer handlers by timer name.
func (s *Service) Timers() map[string]lifecycle.Handler {
	return map[string]lifecycle.Handler{identity.TimerSessionGone: s.onSessionGone}
}

// Retention is how long a temporary credential's record outlives its
// expiry, so that its key is answered ExpiredToken rather than
// InvalidClientTokenId for a day.
const Retention = 24 * time.Hour

// onSessionGone deletes an expired credential's record.
func (s *Service) onSessionGone(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	_, err := tx.Delete(t.Key)
	return err
}

// The answers of Session that refuse a credential.
var (
	ErrInvalidToken = errors.New("sts: the session token is not valid for the access key")
	ErrExpiredToken = errors.New("sts: the temporary credentials have expired")
)

// Credential is a temporary credential resolved for a request.
type Credential struct {
	AccessKeyID, SecretAccessKey, Account string
}

const tokenVersion = 1

// newToken returns a session token: a version byte and a 32-byte nonce,
// base64url.
func newToken() (token string, nonce []byte) {
	b := make([]byte, 33)
	b[0] = tokenVersion
	_, _ = rand.Read(b[1:])
	return base64.RawURLEncoding.EncodeToString(b), b[1:]
}

// tokenNonce reads the nonce of a token.
func tokenNonce(token string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 33 || b[0] != tokenVersion {
		return nil, false
	}
	return b[1:], true
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// secret derives the secret access key of a temporary credential: 40
// characters, as AWS's.
func secret(key []byte, accessKeyID string, nonce []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("deskplane sts secret\x00"))
	m.Write([]byte(accessKeyID))
	m.Write([]byte{0})
	m.Write(nonce)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))[:40]
}

// newAccessKeyID returns a temporary access key id: ASIA and 16
// upper-case letters and digits.
func newAccessKeyID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "ASIA" + string(b)
}

func keyRecord() deskplane.Key {
	return deskplane.Key{Scope: deskplane.GlobalScope(), Kind: identity.KindSessionKey, ID: identity.SessionKeyID}
}

// loadKey reads the session key in tx; nil when none was ever created.
func loadKey(tx deskplane.Tx) ([]byte, error) {
	var k identity.SessionKey
	found, err := deskplane.Load(tx, keyRecord(), &k)
	if err != nil || !found {
		return nil, err
	}
	return k.Key, nil
}

// ensureKey reads the session key in tx, creating it when there is none
// yet. The key is read in every transaction that needs it, never cached:
// a control-API reset of every account removes it, and another node may
// then have created the next one.
func ensureKey(tx deskplane.Tx) ([]byte, error) {
	key, err := loadKey(tx)
	if err != nil || key != nil {
		return key, err
	}
	key = make([]byte, 32)
	_, _ = rand.Read(key)
	return key, deskplane.Save(tx, keyRecord(), &identity.SessionKey{Key: key})
}

// issue writes a new temporary credential in tx and returns it with its
// token: sess carries the identity, account and expiry. It schedules the
// record's deletion Retention after the expiry.
func issue(tx deskplane.Tx, key []byte, sess identity.Session) (Credential, string, error) {
	token, nonce := newToken()
	sess.AccessKeyID = newAccessKeyID()
	sess.TokenHash = tokenHash(token)
	sessions := identity.Sessions()
	if err := sessions.Put(tx, deskplane.GlobalScope(), sess.AccessKeyID, &sess); err != nil {
		return Credential{}, "", err
	}
	err := tx.Schedule(deskplane.Timer{
		Key:  sessions.Key(deskplane.GlobalScope(), sess.AccessKeyID),
		Name: identity.TimerSessionGone,
		Due:  sess.Expires.Add(Retention),
	})
	return Credential{AccessKeyID: sess.AccessKeyID, SecretAccessKey: secret(key, sess.AccessKeyID, nonce), Account: sess.Account}, token, err
}

// Session resolves a temporary access key presented with a session token,
// for the signature verifier: ErrInvalidToken when there is no such key,
// the token is not its token (compared as SHA-256 hashes, in constant
// time) or the role it assumed is gone; ErrExpiredToken when it expired by
// the service clock.
func (s *Service) Session(ctx context.Context, accessKeyID, token string) (Credential, error) {
	nonce, ok := tokenNonce(token)
	if !ok {
		return Credential{}, ErrInvalidToken
	}
	now := s.Now()
	var out Credential
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		sess, found, err := identity.Sessions().Get(tx, deskplane.GlobalScope(), accessKeyID)
		if err != nil {
			return err
		}
		if !found || subtle.ConstantTimeCompare(sess.TokenHash, tokenHash(token)) != 1 {
			return ErrInvalidToken
		}
		if sess.RoleName != "" {
			r, found, err := identity.Roles().Get(tx, identity.IAMScope(sess.Account), identity.RoleKey(sess.RoleName))
			if err != nil {
				return err
			}
			if !found || r.ID != sess.RoleID {
				return ErrInvalidToken
			}
		}
		if !now.Before(sess.Expires) {
			return ErrExpiredToken
		}
		key, err := loadKey(tx)
		if err != nil {
			return err
		}
		if key == nil {
			return ErrInvalidToken
		}
		out = Credential{AccessKeyID: sess.AccessKeyID, SecretAccessKey: secret(key, sess.AccessKeyID, nonce), Account: sess.Account}
		return nil
	})
	if err != nil {
		return Credential{}, err
	}
	return out, nil
}
