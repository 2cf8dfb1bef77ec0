package control

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/paging"
)

// Prefix is the path prefix of the control API.
const Prefix = "/_deskplane/"

// Deps are what the control API acts on.
type Deps struct {
	Token  string
	Store  deskplane.Store
	Clock  *lifecycle.VirtualClock
	Engine *lifecycle.Engine
	Timing *Timing
	Faults *Faults
	// Routes lets the service layer add its own control routes (for
	// example making an image update available); patterns are relative to
	// the mux and must start with Prefix.
	Routes func(mux *http.ServeMux)
}

// NewHandler returns the control API. Every route requires the admin token
// in "Authorization: Bearer <token>" or "X-Deskplane-Token: <token>".
func NewHandler(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Prefix+"reset", d.reset)
	mux.HandleFunc("GET "+Prefix+"clock", d.clock)
	mux.HandleFunc("POST "+Prefix+"clock/advance", d.advance)
	mux.HandleFunc("POST "+Prefix+"clock/freeze", d.freeze)
	mux.HandleFunc("POST "+Prefix+"clock/unfreeze", d.unfreeze)
	mux.HandleFunc("GET "+Prefix+"timing", d.getTiming)
	mux.HandleFunc("PUT "+Prefix+"timing", d.putTiming)
	mux.HandleFunc("GET "+Prefix+"faults", d.listFaults)
	mux.HandleFunc("DELETE "+Prefix+"faults", d.clearFaults)
	mux.HandleFunc("POST "+Prefix+"faults/calls", d.addCallFault)
	mux.HandleFunc("POST "+Prefix+"faults/transitions", d.addTransitionFault)
	mux.HandleFunc("PUT "+Prefix+"throttling", d.putThrottle)
	mux.HandleFunc("POST "+Prefix+"timers/run", d.runTimers)
	if d.Routes != nil {
		d.Routes(mux)
	}
	mux.HandleFunc(Prefix, func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, fmt.Errorf("no control route %s %s; see README.md, section Control API", r.Method, r.URL.Path))
	})
	return d.authorize(mux)
}

func (d Deps) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get("X-Deskplane-Token")
		if got == "" {
			got, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		if d.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(d.Token)) != 1 {
			WriteError(w, http.StatusUnauthorized, errors.New("the control API needs the admin token (Authorization: Bearer <token>); deskplane prints it at start"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// WriteJSON answers v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteError answers {"error": message}.
func WriteError(w http.ResponseWriter, status int, err error) {
	if lw, ok := w.(*loggedWriter); ok {
		lw.msg = err.Error()
	}
	WriteJSON(w, status, map[string]string{"error": err.Error()})
}

// Logged logs every control-API call: method, path, status, how long it
// took, and the error message of a failure (WARN for 4xx, ERROR for 5xx).
// Never the token nor any other header: the token is a credential.
func Logged(log *slog.Logger, next http.Handler) http.Handler {
	if log == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lw := &loggedWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(lw, r)
		level := slog.LevelInfo
		switch {
		case lw.status >= 500:
			level = slog.LevelError
		case lw.status >= 400:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", lw.status),
			slog.Duration("took", time.Since(start)),
		}
		if lw.msg != "" {
			attrs = append(attrs, slog.String("error", lw.msg))
		}
		log.LogAttrs(r.Context(), level, "control", attrs...)
	})
}

// loggedWriter records the status and error message of a control call.
type loggedWriter struct {
	http.ResponseWriter
	status int
	msg    string
}

func (w *loggedWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *loggedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Decode reads a JSON body into v; an empty body leaves v as it is.
func Decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("bad JSON body: %w", err)
	}
	return nil
}

// ResetOptions say what a reset deletes. A reset of one account deletes
// that account's state only. A reset of everything also puts the clock
// back on the wall clock, restores the timing profile the server started
// with and removes every fault and the throttling, unless Keep* says
// otherwise (docs/CONTROL-API.md).
type ResetOptions struct {
	Account    string `json:"account"`
	KeepClock  bool   `json:"keepClock,omitempty"`
	KeepTiming bool   `json:"keepTiming,omitempty"`
	KeepFaults bool   `json:"keepFaults,omitempty"`
}

// Reset deletes all state of one account, or of every account when
// account is empty (with the clock, timing and faults: ResetWith). The
// HTTP route and the console call it.
func (d Deps) Reset(ctx context.Context, account string) error {
	return d.ResetWith(ctx, ResetOptions{Account: account})
}

// ResetWith resets as o says. An account that is not 12 digits is refused.
func (d Deps) ResetWith(ctx context.Context, o ResetOptions) error {
	if o.Account != "" {
		if !deskplane.ValidAccountID(o.Account) {
			return fmt.Errorf("account %q is not a 12-digit account id", o.Account)
		}
		return d.Store.Update(ctx, func(tx deskplane.Tx) error { return deskplane.ResetAccount(tx, o.Account) })
	}
	err := d.Store.Update(ctx, func(tx deskplane.Tx) error {
		var faults []TransitionFault
		if o.KeepFaults {
			var err error
			if faults, err = deskplane.ListTransitionFaults(tx); err != nil {
				return err
			}
		}
		// The page-token key outlives resets: other nodes hold it.
		key, err := tx.Get(paging.KeyRecord())
		if err != nil && !errors.Is(err, deskplane.ErrNotFound) {
			return err
		}
		if err := tx.Reset(""); err != nil {
			return err
		}
		if len(key.Data) > 0 {
			if _, err := tx.Put(paging.KeyRecord(), key.Data); err != nil {
				return err
			}
		}
		for _, f := range faults {
			if err := deskplane.TransitionFaults().Put(tx, deskplane.GlobalScope(), f.ID, &f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !o.KeepFaults {
		d.Faults.Clear()
	}
	if !o.KeepTiming {
		d.Timing.Reset()
	}
	if !o.KeepClock {
		d.Clock.Reset()
	}
	return lifecycle.SaveClock(ctx, d.Store, d.Clock) // Reset of everything took the saved clock too
}

func (d Deps) reset(w http.ResponseWriter, r *http.Request) {
	var in ResetOptions
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if in.Account != "" && !deskplane.ValidAccountID(in.Account) {
		WriteError(w, http.StatusBadRequest, fmt.Errorf("account %q is not a 12-digit account id", in.Account))
		return
	}
	if err := d.ResetWith(r.Context(), in); err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"reset": true, "account": in.Account})
}

type clockState struct {
	Now     time.Time `json:"now"`
	NowUnix float64   `json:"nowUnix"`
	Frozen  bool      `json:"frozen"`
	Fired   int       `json:"fired,omitempty"`
}

func (d Deps) state(now time.Time, fired int) clockState {
	return clockState{Now: now, NowUnix: float64(now.UnixMilli()) / 1000, Frozen: d.Clock.Frozen(), Fired: fired}
}

func (d Deps) clock(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, d.state(d.Clock.Now(), 0))
}

// advance moves the clock and fires every timer that became due, in due
// order, before answering.
func (d Deps) advance(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Duration string  `json:"duration"`
		Seconds  float64 `json:"seconds"`
	}
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	by := time.Duration(in.Seconds * float64(time.Second))
	if in.Duration != "" {
		v, err := time.ParseDuration(in.Duration)
		if err != nil {
			WriteError(w, http.StatusBadRequest, fmt.Errorf("duration %q is not a Go duration such as 90m or 6h", in.Duration))
			return
		}
		by = v
	}
	if by < 0 {
		WriteError(w, http.StatusBadRequest, errors.New("the clock only moves forward"))
		return
	}
	fired, err := d.AdvanceClock(r.Context(), by)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, d.state(d.Clock.Now(), fired))
}

// AdvanceClock moves the clock forward by `by` (not negative), fires every
// timer that falls due, in due order, records the clock in the store and
// says how many timers fired. The HTTP route and the console call it.
func (d Deps) AdvanceClock(ctx context.Context, by time.Duration) (int, error) {
	fired, err := d.advanceBy(ctx, by)
	if err == nil {
		err = lifecycle.SaveClock(ctx, d.Store, d.Clock)
	}
	return fired, err
}

// advanceBy walks the clock forward timer by timer, so that a handler that
// reads the clock sees the time of its own event and chains of timers (an
// AutoStop after a start, snapshots every 12 hours) unfold in order.
func (d Deps) advanceBy(ctx context.Context, by time.Duration) (int, error) {
	target := d.Clock.Now().Add(by)
	fired := 0
	for {
		var next time.Time
		var ok bool
		if err := d.Store.View(ctx, func(tx deskplane.Tx) error {
			var err error
			next, ok, err = tx.NextDue()
			return err
		}); err != nil {
			return fired, err
		}
		now := d.Clock.Now()
		if !ok || next.After(target) {
			if target.After(now) {
				d.Clock.Advance(target.Sub(now))
			}
			n, err := d.Engine.RunDue(context.WithoutCancel(ctx))
			return fired + n, err
		}
		if next.After(now) {
			d.Clock.Advance(next.Sub(now))
		}
		n, err := d.Engine.RunDue(context.WithoutCancel(ctx))
		fired += n
		if err != nil {
			return fired, err
		}
	}
}

func (d Deps) freeze(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, d.state(d.Clock.Freeze(), 0))
}

// UnfreezeClock lets a frozen clock follow the wall clock again from where
// it stands, records it and wakes the engine. The HTTP route and the
// console call it.
func (d Deps) UnfreezeClock(ctx context.Context) (time.Time, error) {
	now := d.Clock.Unfreeze()
	if err := lifecycle.SaveClock(ctx, d.Store, d.Clock); err != nil {
		return now, err
	}
	d.Engine.Wake()
	return now, nil
}

func (d Deps) unfreeze(w http.ResponseWriter, r *http.Request) {
	now, err := d.UnfreezeClock(r.Context())
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, d.state(now, 0))
}

type timingState struct {
	Profile   string            `json:"profile"`
	Overrides map[string]string `json:"overrides"`
	Durations map[string]string `json:"durations"`
}

func (d Deps) timingState() timingState {
	p := d.Timing.Profile()
	ds := make(map[string]string, len(p.Durations))
	for k, v := range p.Durations {
		ds[string(k)] = v.String()
	}
	return timingState{Profile: p.Name, Overrides: d.Timing.Overrides(), Durations: ds}
}

func (d Deps) getTiming(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, d.timingState())
}

func (d Deps) putTiming(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Profile   string            `json:"profile"`
		Overrides map[string]string `json:"overrides"`
	}
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if err := d.Timing.Set(in.Profile, in.Overrides); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	WriteJSON(w, http.StatusOK, d.timingState())
}

// TransitionFaults lists the transition faults, which the store keeps.
func (d Deps) TransitionFaults(ctx context.Context) ([]TransitionFault, error) {
	trans := []TransitionFault{}
	err := d.Store.View(ctx, func(tx deskplane.Tx) error {
		fs, err := deskplane.ListTransitionFaults(tx)
		trans = append(trans[:0], fs...)
		return err
	})
	return trans, err
}

// AddTransitionFault stores a transition fault after validating it (an
// invalid one answers its validation error and nothing is stored). The
// HTTP route and the console call it.
func (d Deps) AddTransitionFault(ctx context.Context, in TransitionFault) (TransitionFault, error) {
	if err := in.Validate(); err != nil {
		return TransitionFault{}, err
	}
	var out TransitionFault
	err := d.Store.Update(ctx, func(tx deskplane.Tx) error {
		var err error
		out, err = deskplane.AddTransitionFault(tx, in)
		return err
	})
	return out, err
}

// ClearFaults removes every call fault and transition fault and turns
// throttling off. The HTTP route and the console call it.
func (d Deps) ClearFaults(ctx context.Context) error {
	d.Faults.Clear()
	return d.Store.Update(ctx, deskplane.ClearTransitionFaults)
}

func (d Deps) listFaults(w http.ResponseWriter, r *http.Request) {
	calls, thr := d.Faults.Snapshot()
	trans, err := d.TransitionFaults(r.Context())
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	type shownTransition struct {
		TransitionFault
		Remaining int `json:"remaining"`
	}
	shown := make([]shownTransition, len(trans))
	for i, f := range trans {
		shown[i] = shownTransition{f, max(f.Count, 1) - f.Hits}
	}
	WriteJSON(w, http.StatusOK, map[string]any{"calls": calls, "transitions": shown, "throttling": thr})
}

func (d Deps) clearFaults(w http.ResponseWriter, r *http.Request) {
	if err := d.ClearFaults(r.Context()); err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, map[string]any{"cleared": true})
}

func (d Deps) addCallFault(w http.ResponseWriter, r *http.Request) {
	var in CallFault
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	out, err := d.Faults.AddCall(in)
	if err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	WriteJSON(w, http.StatusCreated, out)
}

func (d Deps) addTransitionFault(w http.ResponseWriter, r *http.Request) {
	var in TransitionFault
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if err := in.Validate(); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	out, err := d.AddTransitionFault(r.Context(), in)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusCreated, out)
}

func (d Deps) putThrottle(w http.ResponseWriter, r *http.Request) {
	in := Throttle{Rate: 2, Burst: 5}
	if err := Decode(r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	if err := d.Faults.SetThrottle(in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	WriteJSON(w, http.StatusOK, in)
}

func (d Deps) runTimers(w http.ResponseWriter, r *http.Request) {
	n, err := d.Engine.RunDue(context.WithoutCancel(r.Context()))
	if err != nil {
		WriteError(w, http.StatusInternalServerError, err)
		return
	}
	WriteJSON(w, http.StatusOK, d.state(d.Clock.Now(), n))
}
