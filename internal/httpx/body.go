package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Limits bound what a request may cost before and while it is served. The
// zero value of each field takes its default.
type Limits struct {
	// MaxBody is the largest request body accepted (default 16 MiB: the
	// largest WorkSpaces input is ImportClientBranding with its logos, each
	// at most 1.5 MB of base64 text on the wire per platform).
	MaxBody int64
	// BodyTimeout is how long the whole body may take to arrive once the
	// handler starts reading it (default 30 s).
	BodyTimeout time.Duration
	// WriteTimeout is how long writing the answer may take (default 30 s).
	WriteTimeout time.Duration
	// BodyBudget is how many bytes the bodies being read or served may
	// hold together (default 256 MiB, at least MaxBody). A body reserves
	// memory as its bytes arrive, never its announced Content-Length
	// ahead of them; when the budget is spent, a request waits for room
	// until its body deadline, then is answered 503 ServiceUnavailable.
	BodyBudget int64
}

// Defaults of Limits.
const (
	DefaultMaxBody      = 16 << 20
	DefaultBodyTimeout  = 30 * time.Second
	DefaultWriteTimeout = 30 * time.Second
	DefaultBodyBudget   = 256 << 20
)

// firstChunk is the most a body reserves before its bytes arrive; larger
// bodies grow their buffer (doubling) as they are read.
const firstChunk = 32 << 10

func (l Limits) withDefaults() Limits {
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = DefaultBodyTimeout
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = DefaultWriteTimeout
	}
	if l.BodyBudget <= 0 {
		l.BodyBudget = DefaultBodyBudget
	}
	if l.BodyBudget < l.MaxBody {
		l.BodyBudget = l.MaxBody
	}
	return l
}

// TooLarge is the answer to a body over the limit.
func TooLarge(max int64) *Error {
	return &Error{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge,
		Message: fmt.Sprintf("The request body is larger than the %d bytes deskplane accepts.", max)}
}

// Unavailable is the answer when the server cannot take a request now (no
// room for its body, or shutting down): 503, which the SDKs retry.
func Unavailable() *Error {
	return &Error{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable,
		Message: "The request has failed due to a temporary failure of the server."}
}

// RequestTimeout is the answer to a body that did not arrive in time.
func RequestTimeout() *Error {
	return &Error{Code: "RequestTimeoutException", Status: http.StatusRequestTimeout,
		Message: "Your socket connection to the server was not read from or written to within the timeout period."}
}

// bodies tracks the bodies in flight: the memory budget, and the reads to
// cut short at shutdown.
type bodies struct {
	limits   Limits
	budget   *semaphore.Weighted
	n        atomic.Int64
	reserved atomic.Int64

	mu       sync.Mutex
	reading  bodyRead // sentinel of the circular list of reads in progress
	aborting bool
}

// bodyRead is one read in progress, in the bodies' list (it lives in the
// exchange's allocation).
type bodyRead struct {
	dl         deadliner
	prev, next *bodyRead
}

func newBodies(l Limits) *bodies {
	b := &bodies{limits: l, budget: semaphore.NewWeighted(l.BodyBudget)}
	b.reading.prev, b.reading.next = &b.reading, &b.reading
	return b
}

func (b *bodies) inFlight() (int, int64) { return int(b.n.Load()), b.reserved.Load() }

// abortAll fails every read in progress and every read to come.
func (b *bodies) abortAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.aborting = true
	past := time.Unix(1, 0)
	for br := b.reading.next; br != &b.reading; br = br.next {
		_ = br.dl.SetReadDeadline(past)
	}
}

// start registers a read; it reports false when the server is shutting
// down.
func (b *bodies) start(br *bodyRead) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.aborting {
		return false
	}
	if br.dl != nil {
		br.prev, br.next = b.reading.prev, &b.reading
		br.prev.next, b.reading.prev = br, br
	}
	return true
}

func (b *bodies) done(br *bodyRead) {
	if br.dl == nil {
		return
	}
	b.mu.Lock()
	br.prev.next, br.next.prev = br.next, br.prev
	br.prev, br.next = nil, nil
	b.mu.Unlock()
}

func (b *bodies) aborted() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.aborting
}

// reserve takes n bytes of the budget, waiting until deadline at most.
func (b *bodies) reserve(ctx context.Context, n int64, deadline time.Time) error {
	if n <= 0 || b.budget.TryAcquire(n) {
		b.reserved.Add(n)
		return nil
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if err := b.budget.Acquire(ctx, n); err != nil {
		return Unavailable()
	}
	b.reserved.Add(n)
	return nil
}

func (b *bodies) release(n int64) {
	if n > 0 {
		b.reserved.Add(-n)
		b.budget.Release(n)
	}
}

// Body reads the whole request body into the exchange within the limits
// and holds its memory against the budget until the request is answered;
// it also starts the write deadline of the answer.
func (c *Chain) Body() func(http.Handler) http.Handler {
	b := c.bodies
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ex := FromContext(r.Context())
			ex.rw.writeTimeout = b.limits.WriteTimeout
			b.n.Add(1)
			defer b.n.Add(-1)
			body, held, err := b.read(r, &ex.read)
			defer b.release(held)
			if err != nil {
				if ce, ok := err.(*Error); ok && ce.Status != http.StatusBadRequest {
					// The rest of the body is not wanted: do not let
					// net/http wait for it.
					w.Header().Set("Connection", "close")
				}
				Fail(w, r, ex, err)
				return
			}
			ex.Body = body
			next.ServeHTTP(w, r)
		})
	}
}

// read reads r's body, growing its buffer as bytes arrive, under the read
// deadline. It returns the bytes reserved from the budget (to release)
// and a *Error on failure.
func (b *bodies) read(r *http.Request, br *bodyRead) (body []byte, held int64, err error) {
	cl, max := r.ContentLength, b.limits.MaxBody
	if cl > max {
		return nil, 0, TooLarge(max)
	}
	if cl == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil, 0, nil
	}
	if !b.start(br) {
		return nil, 0, Unavailable()
	}
	defer b.done(br)
	deadline := time.Now().Add(b.limits.BodyTimeout)
	if br.dl != nil {
		_ = br.dl.SetReadDeadline(deadline)
	}
	size := min(int64(firstChunk), max)
	if cl > 0 && cl < size {
		size = cl
	}
	if err := b.reserve(r.Context(), size, deadline); err != nil {
		return nil, 0, err
	}
	held = size
	buf := make([]byte, 0, size)
	for {
		if int64(len(buf)) == int64(cap(buf)) {
			if cl >= 0 && int64(len(buf)) == cl || int64(len(buf)) == max {
				// All announced bytes (or the limit) are in: anything
				// but EOF now is too much. The read also lets net/http
				// see the end of the body and stop the read deadline.
				var one [1]byte
				n, rerr := r.Body.Read(one[:])
				if n > 0 {
					return nil, held, TooLarge(max)
				}
				if rerr == nil || errors.Is(rerr, io.EOF) {
					return buf, held, nil
				}
				return nil, held, b.readError(rerr)
			}
			grow := min(2*int64(cap(buf)), max)
			if cl >= 0 {
				grow = min(grow, cl)
			}
			if err := b.reserve(r.Context(), grow-held, deadline); err != nil {
				return nil, held, err
			}
			held = grow
			nb := make([]byte, len(buf), grow)
			copy(nb, buf)
			buf = nb
		}
		n, rerr := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(rerr, io.EOF) {
			return buf, held, nil
		}
		if rerr != nil {
			return nil, held, b.readError(rerr)
		}
	}
}

func (b *bodies) readError(err error) error {
	switch {
	case b.aborted():
		return Unavailable()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return RequestTimeout()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return TooLarge(b.limits.MaxBody)
	}
	return &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: "The request body could not be read: " + err.Error()}
}
