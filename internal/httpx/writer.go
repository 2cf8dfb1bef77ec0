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

// WriteTimeout bounds the writing of the answers of routes outside the
// chain (/health, /metrics, the control API): the deadline starts when
// the answer begins, so a long-running handler is not cut short, but a
// client that does not read cannot hold the connection.
func WriteTimeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&deadlineWriter{ResponseWriter: w, dl: deadlinerOf(w), d: d}, r)
		})
	}
}

type deadlineWriter struct {
	http.ResponseWriter
	dl      deadliner
	d       time.Duration
	started bool
}

func (w *deadlineWriter) start() {
	if !w.started {
		w.started = true
		if w.dl != nil {
			_ = w.dl.SetWriteDeadline(time.Now().Add(w.d))
		}
	}
}

func (w *deadlineWriter) WriteHeader(status int) {
	w.start()
	w.ResponseWriter.WriteHeader(status)
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
