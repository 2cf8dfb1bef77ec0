package deskplane

import (
	"fmt"
	"slices"
	"strings"
)

// Transition faults are injected failures of the lifecycle (control API
// POST /_deskplane/faults/transitions): the next transitions of matching
// resources end in the fault's state, with its error code and message,
// instead of the state they would reach.
//
// They are records of the store (KindTransitionFault, in GlobalScope), not
// memory of the node that received them, so that taking one is part of the
// timer handler's transaction: when Store.Update runs the handler twice (a
// rolled-back attempt, then the committed one) the rolled-back attempt's
// take is rolled back with it, and the committed attempt takes the fault.
// Being in the store, a fault also reaches every node that shares it.
// docs/decisions/0103-transition-faults-in-the-store.md.

// TransitionFault makes the next transitions of matching resources end in
// State. Empty match fields match every resource.
type TransitionFault struct {
	ID           string `json:"id"`
	Kind         string `json:"kind,omitempty"` // a record kind: workspace, image, directory…; empty = any
	ResourceID   string `json:"resourceId,omitempty"`
	Account      string `json:"account,omitempty"`
	Region       string `json:"region,omitempty"`
	State        string `json:"state"` // the state the transition ends in (a state of Kind's resource)
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	Count        int    `json:"count,omitempty"` // how many transitions it hits; 0 = 1
	Hits         int    `json:"hits,omitempty"`  // how many it has hit
}

// TransitionFaults are the transition fault records, in GlobalScope, keyed
// by fault id, in the order they were added.
func TransitionFaults() Records[TransitionFault] {
	return Records[TransitionFault]{KindTransitionFault}
}

func (f *TransitionFault) matches(kind Kind, s Scope, id string) bool {
	match := func(want, got string) bool { return want == "" || want == got }
	return match(f.Kind, string(kind)) && match(f.ResourceID, id) && match(f.Account, s.Account) && match(f.Region, s.Region)
}

// TransitionFaultKinds are the record kinds whose transitions take
// transition faults (their timer handlers call TakeTransitionFault).
func TransitionFaultKinds() []Kind {
	return []Kind{KindAccount, KindAlias, KindAppAssoc, KindBundle, KindDirectory, KindDSAssessment, KindDSDirectory, KindDSSchemaExt, KindDSSnapshot, KindDSTrust, KindImage, KindPool, KindWorkspace}
}

// Validate checks a transition fault a client asks for: a fault that could
// never match (an unknown kind, an account id that is not one) is refused.
func (f TransitionFault) Validate() error {
	if f.State == "" {
		return fmt.Errorf("a transition fault needs the state the transition ends in, such as ERROR")
	}
	if f.Count < 0 {
		return fmt.Errorf("count must not be negative")
	}
	if kinds := TransitionFaultKinds(); f.Kind != "" && !slices.Contains(kinds, Kind(f.Kind)) {
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k)
		}
		return fmt.Errorf("kind %q takes no transition faults; the kinds are %s", f.Kind, strings.Join(names, ", "))
	}
	if f.Account != "" && !ValidAccountID(f.Account) {
		return fmt.Errorf("account %q is not a 12-digit account id", f.Account)
	}
	return nil
}

// AddTransitionFault validates f, gives it an id and stores it.
func AddTransitionFault(tx Tx, f TransitionFault) (TransitionFault, error) {
	if err := f.Validate(); err != nil {
		return TransitionFault{}, err
	}
	if f.Count == 0 {
		f.Count = 1
	}
	f.ID, f.Hits = NewID("transition-", 10), 0
	return f, TransitionFaults().Put(tx, GlobalScope(), f.ID, &f)
}

// ListTransitionFaults returns the transition faults in the order they
// were added.
func ListTransitionFaults(tx Tx) ([]TransitionFault, error) {
	var out []TransitionFault
	err := TransitionFaults().Each(tx, GlobalScope(), 0, func(_ int64, f *TransitionFault) (bool, error) {
		out = append(out, *f)
		return true, nil
	})
	return out, err
}

// ClearTransitionFaults deletes every transition fault.
func ClearTransitionFaults(tx Tx) error {
	faults, err := ListTransitionFaults(tx)
	if err != nil {
		return err
	}
	for _, f := range faults {
		if _, err := TransitionFaults().Delete(tx, GlobalScope(), f.ID); err != nil {
			return err
		}
	}
	return nil
}

// TakeTransitionFault consumes, in tx, the first transition fault that
// matches a transition of the resource id of kind in scope s: the
// transition must end in the returned fault's State, with its error code
// and message. A fault is deleted once it has hit Count transitions.
// Timer handlers call it inside their transaction and nowhere else.
func TakeTransitionFault(tx Tx, kind Kind, s Scope, id string) (TransitionFault, bool, error) {
	var hit *TransitionFault
	err := TransitionFaults().Each(tx, GlobalScope(), 0, func(_ int64, f *TransitionFault) (bool, error) {
		if f.matches(kind, s, id) {
			hit = f
		}
		return hit == nil, nil
	})
	if err != nil || hit == nil {
		return TransitionFault{}, false, err
	}
	hit.Hits++
	if hit.Hits >= max(hit.Count, 1) {
		_, err = TransitionFaults().Delete(tx, GlobalScope(), hit.ID)
	} else {
		err = TransitionFaults().Put(tx, GlobalScope(), hit.ID, hit)
	}
	if err != nil {
		return TransitionFault{}, false, err
	}
	return *hit, true, nil
}
