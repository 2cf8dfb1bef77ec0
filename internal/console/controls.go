package console

import (
	"context"
	"time"
)

// Controls are the test controls the console drives: the service clock,
// the timing profile, faults and throttling, and reset. LocalControls
// implements them on the objects the control API uses; the interface keeps
// the console independent of how faults are kept.
type Controls interface {
	Clock() ClockState
	AdvanceClock(ctx context.Context, by time.Duration) (ClockState, error)
	FreezeClock(ctx context.Context) (ClockState, error)
	UnfreezeClock(ctx context.Context) (ClockState, error)

	Timing() TimingState
	// SetTiming switches the profile (empty keeps it) and replaces the
	// overrides (nil keeps them).
	SetTiming(profile string, overrides map[string]string) error

	Faults() FaultState
	AddCallFault(CallFault) (CallFault, error)
	AddTransitionFault(TransitionFault) (TransitionFault, error)
	SetThrottling(Throttling) error
	ClearFaults()
	// FaultKinds are the resource kinds a transition fault may name.
	FaultKinds() []string

	// ResetAccount deletes every resource of the account.
	ResetAccount(ctx context.Context, account string) error
}

// ClockState is the service clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
	Fired  int       `json:"fired,omitempty"`
}

// TimingState is the timing profile in force.
type TimingState struct {
	Profile   string
	Profiles  []string
	Durations []TransitionTime
}

// TransitionTime is how long one transition takes now.
type TransitionTime struct {
	Name       string
	Duration   time.Duration
	Overridden bool
}

// FaultState lists the faults and the throttle.
type FaultState struct {
	Calls       []CallFault
	Transitions []TransitionFault
	Throttling  Throttling
}

// CallFault makes matching API calls fail or slow down.
type CallFault struct {
	ID          string
	Operation   string
	Account     string
	Region      string
	Probability float64
	Error       string
	Status      int
	Message     string
	Latency     string
	Count       int
}

// TransitionFault makes the next transitions of matching resources end in
// a failure state.
type TransitionFault struct {
	ID           string
	Kind         string
	ResourceID   string
	Account      string
	Region       string
	State        string
	ErrorCode    string
	ErrorMessage string
	Count        int
}

// Throttling is the per-operation token bucket of the real service.
type Throttling struct {
	Enabled bool
	Rate    float64
	Burst   float64
}
