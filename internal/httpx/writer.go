package httpx

import (
	"net/http"
	"time"
)

// deadliner is what net/http's ResponseWriter offers to bound reads and
// writes of the connection (http.ResponseController uses the same methods).
type deadliner interface {
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// deadlinerOf finds the connection's deadlines under w (nil when none, as
// for an httptest.ResponseRecorder).
func deadlinerOf(w http.ResponseWriter) deadliner {
	for {
		if d, ok := w.(deadliner); ok {
			return d
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
}

// responseWriter records the status and size of the answer in the
// exchange and starts the write deadline when the answer begins.
type responseWriter struct {
	http.ResponseWriter
	ex           *Exchange
	dl           deadliner
	writeTimeout time.Duration
	wroteHeader  bool
}

func (w *responseWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	w.ex.Status = status
	if w.writeTimeout > 0 && w.dl != nil {
		// net/http clears it once the answer is flushed.
		_ = w.dl.SetWriteDeadline(time.Now().Add(w.writeTimeout))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.ex.Bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
