package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/httpx"
)

// deadlineRecorder is a ResponseWriter with connection deadlines, which it
// records.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	read, write []time.Time
	wroteAt     int // how many write deadlines were set when the header was written
}

func (d *deadlineRecorder) SetReadDeadline(t time.Time) error { d.read = append(d.read, t); return nil }
func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error {
	d.write = append(d.write, t)
	return nil
}
func (d *deadlineRecorder) WriteHeader(s int) {
	d.wroteAt = len(d.write)
	d.ResponseRecorder.WriteHeader(s)
}

func TestChainSetsBodyAndWriteDeadlines(t *testing.T) {
	h := httpx.New(httpx.Config{Verifier: verifier(t), Limits: httpx.Limits{BodyTimeout: 7 * time.Second, WriteTimeout: 9 * time.Second}}).Handler(&testProtocol{})
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	r := signed(t, "http://x/op/A", `{"a":1}`, "test")
	start := time.Now()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(rec.read) != 1 || rec.read[0].Sub(start) < 6*time.Second || rec.read[0].Sub(start) > 8*time.Second {
		t.Errorf("read deadlines %v, want one 7 s after the start", rec.read)
	}
	if len(rec.write) != 1 || rec.wroteAt != 1 || rec.write[0].Sub(start) < 8*time.Second || rec.write[0].Sub(start) > 10*time.Second {
		t.Errorf("write deadlines %v (set before the header: %d), want one 9 s ahead, set as the answer began", rec.write, rec.wroteAt)
	}
}

func TestWriteTimeoutStartsWithTheAnswer(t *testing.T) {
	var before int
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	h := httpx.WriteTimeout(5 * time.Second)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before = len(rec.write) // a long handler is not bounded
		_, _ = w.Write([]byte("ok"))
	}))
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", strings.NewReader("")))
	if before != 0 || len(rec.write) != 1 || time.Until(rec.write[0]) < 4*time.Second {
		t.Fatalf("deadlines %v, %d before the answer", rec.write, before)
	}
}
