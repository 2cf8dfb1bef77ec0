package console

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/control"
)

// LocalControls are the Controls of this process: the very objects (and
// the same functions) the control API under /_deskplane/ uses.
type LocalControls struct {
	control.Deps
}

var _ Controls = LocalControls{}

func (c LocalControls) state(now time.Time, fired int) ClockState {
	return ClockState{Now: now, Frozen: c.Deps.Clock.Frozen(), Fired: fired}
}

// Clock reads the service clock.
func (c LocalControls) Clock() ClockState { return c.state(c.Deps.Clock.Now(), 0) }

// AdvanceClock moves the clock and fires what falls due.
func (c LocalControls) AdvanceClock(ctx context.Context, by time.Duration) (ClockState, error) {
	n, err := c.Deps.AdvanceClock(ctx, by)
	return c.state(c.Deps.Clock.Now(), n), err
}

// FreezeClock stops the clock.
func (c LocalControls) FreezeClock(ctx context.Context) (ClockState, error) {
	return c.state(c.Deps.Clock.Freeze(), 0), nil
}

// UnfreezeClock lets the clock run again.
func (c LocalControls) UnfreezeClock(ctx context.Context) (ClockState, error) {
	now, err := c.Deps.UnfreezeClock(ctx)
	return c.state(now, 0), err
}

// Timing reads the timing profile.
func (c LocalControls) Timing() TimingState {
	p := c.Deps.Timing.Profile()
	ov := c.Deps.Timing.Overrides()
	st := TimingState{Profile: p.Name, Profiles: deskplane.ProfileNames()}
	for _, t := range deskplane.Transitions() {
		_, o := ov[string(t)]
		st.Durations = append(st.Durations, TransitionTime{Name: string(t), Duration: p.Duration(t), Overridden: o})
	}
	return st
}

// SetTiming changes the timing profile.
func (c LocalControls) SetTiming(profile string, overrides map[string]string) error {
	return c.Deps.Timing.Set(profile, overrides)
}

// Faults lists faults and throttling. Transition faults are records of the
// store: should reading them fail, the page lists none (the interface has
// no error; adding one, or clearing, reports the store's failure).
func (c LocalControls) Faults() FaultState {
	calls, thr := c.Deps.Faults.Snapshot()
	trans, _ := c.Deps.TransitionFaults(context.Background())
	var st FaultState
	for _, f := range calls {
		st.Calls = append(st.Calls, CallFault{ID: f.ID, Operation: f.Operation, Account: f.Account, Region: f.Region,
			Probability: f.Probability, Error: f.Error, Status: f.Status, Message: f.Message, Latency: f.Latency, Count: f.Count})
	}
	for _, f := range trans {
		st.Transitions = append(st.Transitions, TransitionFault{ID: f.ID, Kind: f.Kind, ResourceID: f.ResourceID,
			Account: f.Account, Region: f.Region, State: f.State, ErrorCode: f.ErrorCode, ErrorMessage: f.ErrorMessage, Count: f.Count})
	}
	st.Throttling = Throttling{Enabled: thr.Enabled, Rate: thr.Rate, Burst: thr.Burst}
	return st
}

// AddCallFault registers a call fault.
func (c LocalControls) AddCallFault(f CallFault) (CallFault, error) {
	out, err := c.Deps.Faults.AddCall(control.CallFault{Operation: f.Operation, Account: f.Account, Region: f.Region,
		Probability: f.Probability, Error: f.Error, Status: f.Status, Message: f.Message, Latency: f.Latency, Count: f.Count})
	f.ID = out.ID
	return f, err
}

// AddTransitionFault registers a transition fault.
func (c LocalControls) AddTransitionFault(f TransitionFault) (TransitionFault, error) {
	out, err := c.Deps.AddTransitionFault(context.Background(), control.TransitionFault{Kind: f.Kind, ResourceID: f.ResourceID,
		Account: f.Account, Region: f.Region, State: f.State, ErrorCode: f.ErrorCode, ErrorMessage: f.ErrorMessage, Count: f.Count})
	f.ID, f.Count = out.ID, out.Count
	return f, err
}

// SetThrottling replaces the throttle.
func (c LocalControls) SetThrottling(t Throttling) error {
	return c.Deps.Faults.SetThrottle(control.Throttle{Enabled: t.Enabled, Rate: t.Rate, Burst: t.Burst})
}

// ClearFaults removes every fault and the throttle. The interface has no
// error: should the store fail, the transition faults stay and the page
// lists them.
func (c LocalControls) ClearFaults() { _ = c.Deps.ClearFaults(context.Background()) }

// FaultKinds are the kinds whose transitions take faults.
func (c LocalControls) FaultKinds() []string {
	ks := []string{
		string(deskplane.KindWorkspace), string(deskplane.KindImage), string(deskplane.KindBundle),
		string(deskplane.KindDirectory), string(deskplane.KindDSDirectory), string(deskplane.KindAlias),
		string(deskplane.KindPool), string(deskplane.KindAccount), string(deskplane.KindAppAssoc),
	}
	sort.Strings(ks)
	return ks
}

// ResetAccount deletes the account's state.
func (c LocalControls) ResetAccount(ctx context.Context, account string) error {
	if account == "" {
		return errors.New("name the account to reset") // control.Deps.Reset("") resets every account
	}
	return c.Deps.Reset(ctx, account)
}
