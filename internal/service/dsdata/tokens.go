package dsdata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/directory"
)

// Client tokens (docs/decisions/0245-directory-data-client-tokens.md). A
// write that carries a ClientToken (the SDKs and the CLI fill one in) is
// remembered for 8 hours after it succeeds: the same token with the same
// parameters answers what the first call answered without doing it again,
// and with other parameters (another operation included) answers
// ConflictException. Each use that succeeds starts the 8 hours again. The
// token is a record of the caller's scope, written in the same transaction
// as the change, with a timer that forgets it.

// tokenWindow is how long a client token is remembered.
const tokenWindow = 8 * time.Hour

// clientToken identifies a request that carries a ClientToken: the token,
// the operation and a digest of its other parameters.
type clientToken struct {
	id, op, digest string
}

// newClientToken describes the request in (with its ClientToken member
// already cleared) of operation op; a request without a token gets none.
func newClientToken(op string, token *string, in any) clientToken {
	if token == nil || *token == "" {
		return clientToken{}
	}
	b, err := json.Marshal(in)
	if err != nil {
		// Request shapes always encode; a failure would make every call
		// with this token look different, which answers ConflictException.
		b = []byte(err.Error())
	}
	sum := sha256.Sum256(append([]byte(op+"\n"), b...))
	return clientToken{id: *token, op: op, digest: hex.EncodeToString(sum[:])}
}

// tokenRecord is a remembered client token.
type tokenRecord struct {
	Operation string          `json:"op"`
	Digest    string          `json:"digest"`
	Result    json.RawMessage `json:"result,omitempty"`
	Expires   time.Time       `json:"expires"`
}

func (t clientToken) key(sc deskplane.Scope) deskplane.Key {
	return deskplane.Key{Scope: sc, Kind: directory.KindDataToken, ID: t.id}
}

// replay looks the token up: done is true when it was used for this very
// request within its window (out then holds the first answer, and the
// window starts again); a use for another request is a ConflictException.
func (s *Service) replay(tx deskplane.Tx, sc deskplane.Scope, t clientToken, now time.Time, out any) (done bool, err error) {
	if t.id == "" {
		return false, nil
	}
	var rec tokenRecord
	found, err := deskplane.Load(tx, t.key(sc), &rec)
	if err != nil || !found || !now.Before(rec.Expires) {
		return false, err
	}
	if rec.Operation != t.op || rec.Digest != t.digest {
		return false, deskplane.Errorf(deskplane.CodeConflict,
			"The client token %s was used within the last 8 hours for a %s request with other parameters; use a new token for a new request.",
			t.id, rec.Operation)
	}
	if len(rec.Result) > 0 {
		if err := json.Unmarshal(rec.Result, out); err != nil {
			return false, err
		}
	}
	return true, s.remember(tx, sc, t, now, out)
}

// remember records the token of a request that succeeded with out.
func (s *Service) remember(tx deskplane.Tx, sc deskplane.Scope, t clientToken, now time.Time, out any) error {
	if t.id == "" {
		return nil
	}
	res, err := json.Marshal(out)
	if err != nil {
		return err
	}
	rec := tokenRecord{Operation: t.op, Digest: t.digest, Result: res, Expires: now.Add(tokenWindow)}
	if err := deskplane.Save(tx, t.key(sc), rec); err != nil {
		return err
	}
	return tx.Schedule(deskplane.Timer{Key: t.key(sc), Name: deskplane.TimerDataToken, Due: rec.Expires})
}

// onTokenExpired forgets a client token whose window has ended.
func (s *Service) onTokenExpired(_ context.Context, tx deskplane.Tx, t deskplane.Timer) error {
	var rec tokenRecord
	found, err := deskplane.Load(tx, t.Key, &rec)
	if err != nil || !found || rec.Expires.After(t.Due) {
		return err
	}
	_, err = tx.Delete(t.Key)
	return err
}
