package deskplane

import (
	"fmt"
	"slices"
	"strings"
)

// Action names what a client, another resource or the lifecycle engine
// does to a resource: "stop", "delete", "associate-ip-groups".
type Action string

// The actions of the transition tables. An action means the same thing in
// every table that has it.
const (
	ActionCreate               Action = "create"
	ActionDelete               Action = "delete"
	ActionStart                Action = "start"
	ActionStop                 Action = "stop"
	ActionReboot               Action = "reboot"
	ActionRebuild              Action = "rebuild"
	ActionRestore              Action = "restore"
	ActionTerminate            Action = "terminate"
	ActionMigrate              Action = "migrate"
	ActionModify               Action = "modify"
	ActionModifyProtocol       Action = "modify-protocol"
	ActionUpdate               Action = "update"
	ActionCopy                 Action = "copy"
	ActionShare                Action = "share"
	ActionCaptureImage         Action = "capture-image"
	ActionEnterMaintenance     Action = "enter-maintenance"
	ActionExitMaintenance      Action = "exit-maintenance"
	ActionRegister             Action = "register"
	ActionDeregister           Action = "deregister"
	ActionAssociate            Action = "associate"
	ActionDisassociate         Action = "disassociate"
	ActionAssociateIPGroups    Action = "associate-ip-groups"
	ActionDisassociateIPGroups Action = "disassociate-ip-groups"
	ActionAssociateAlias       Action = "associate-alias"
	ActionCreateWorkspaces     Action = "create-workspaces"
	ActionCreateBundle         Action = "create-bundle"
	ActionCreatePool           Action = "create-pool"
	ActionManageUsers          Action = "manage-users"
	ActionDeploy               Action = "deploy"
	ActionDeployUninstall      Action = "deploy-uninstall"
	ActionManageApplications   Action = "manage-applications"
	ActionRetain               Action = "retain"    // an application on its way out is associated again
	ActionWithdraw             Action = "withdraw"  // an application never installed is disassociated
	ActionActivate             Action = "activate"  // lifecycle: the second step of a creation
	ActionInstall              Action = "install"   // lifecycle: a deployed installation runs
	ActionUninstall            Action = "uninstall" // lifecycle: a deployed removal runs
)

// TransitionRow is one row of a transition table: an action, the states it
// is allowed from, the transitional state it puts the resource in, the
// state it ends in, the timing-profile step between the two, and the timers
// of the resource it cancels.
type TransitionRow[S ~string] struct {
	Action Action
	// From lists the states the action is allowed from. It is empty for
	// the creation of a resource and for the lifecycle's own steps, which
	// no client asks for.
	From []S
	// Via is the transitional state the resource is in while the action
	// runs; empty when the action takes effect at once (then the resource
	// is in To when the call returns, or keeps its state when To is empty
	// too).
	Via S
	// To is the state the action ends in; empty when Gone or Resumes.
	To S
	// Gone says the resource is deleted when the action ends.
	Gone bool
	// Resumes says the resource returns to the state it left when the
	// action ends (a pool's UPDATING).
	Resumes bool
	// Timing is the step of the timing profile that takes the resource
	// from Via to To; empty when there is no Via.
	Timing Transition
	// Cancels lists the resource's timers the action cancels.
	Cancels []string
	// Verb says what the action does to the resource, as a past
	// participle that completes "can be …": "stopped", "associated with a
	// directory". The refusal message is built from it.
	Verb string
	// Refusal is the domain error code of the refusal when the resource is
	// in a state the action is not allowed from; zero means
	// CodeInvalidState (CodeInternal is never a refusal). Reason is the
	// refusal's Reason, for codes whose wire error carries one.
	Refusal Code
	Reason  string
}

// TransitionTable is the transition table of one kind of resource.
type TransitionTable[S ~string] struct {
	// Resource is the resource as messages name it: "WorkSpace",
	// "connection alias".
	Resource string
	Rows     []TransitionRow[S]
}

// Row returns the row of an action.
func (t TransitionTable[S]) Row(a Action) (TransitionRow[S], bool) {
	for _, r := range t.Rows {
		if r.Action == a {
			return r, true
		}
	}
	return TransitionRow[S]{}, false
}

// Allows reports whether the action is allowed from state cur.
func (t TransitionTable[S]) Allows(a Action, cur S) bool {
	r, ok := t.Row(a)
	return ok && (len(r.From) == 0 || slices.Contains(r.From, cur))
}

// Check returns the row of action a when the resource id, in state cur,
// allows it, and otherwise the domain error that refuses it. The error's
// message is built from the row (never written by hand), for example
// "The connection alias wsca-1a2b3c4d5 is DELETING; only a CREATED
// connection alias can be deleted." An action missing from the table is a
// fault of deskplane (CodeInternal).
func (t TransitionTable[S]) Check(a Action, id string, cur S) (TransitionRow[S], error) {
	r, ok := t.Row(a)
	if !ok {
		return r, Errorf(CodeInternal, "the %s transition table has no action %q", t.Resource, a)
	}
	if len(r.From) == 0 || slices.Contains(r.From, cur) {
		return r, nil
	}
	code := r.Refusal
	if code == CodeInternal {
		code = CodeInvalidState
	}
	return r, &Error{Code: code, Reason: r.Reason, ResourceID: refusedID(code, id), Message: t.refusal(r, id, cur)}
}

// refusedID is the ResourceID a refusal carries: the wire errors of
// CodeNotFound and CodeUnavailable name the resource.
func refusedID(c Code, id string) string {
	if c == CodeUnavailable || c == CodeNotFound {
		return id
	}
	return ""
}

// refusal is the message of a refused action.
func (t TransitionTable[S]) refusal(r TransitionRow[S], id string, cur S) string {
	return fmt.Sprintf("The %s %s is %s; only %s %s can be %s.", t.Resource, id, cur, statesPhrase(r.From), t.Resource, r.Verb)
}

// statesPhrase lists states as a phrase with its article: "a CREATED",
// "an AVAILABLE, STOPPED or ERROR".
func statesPhrase[S ~string](states []S) string {
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	list := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		list = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	article := "a"
	if list != "" && strings.ContainsRune("AEIOUaeiou", rune(list[0])) {
		article = "an"
	}
	return article + " " + list
}

// Ending returns the row whose transitional state is via: the row a
// lifecycle timer completes when it finds the resource in via.
func (t TransitionTable[S]) Ending(via S) (TransitionRow[S], bool) {
	if via == "" {
		return TransitionRow[S]{}, false
	}
	for _, r := range t.Rows {
		if r.Via == via {
			return r, true
		}
	}
	return TransitionRow[S]{}, false
}

// Transitional reports whether s is the transitional state of a row: a
// resource in it is waiting for the lifecycle engine.
func (t TransitionTable[S]) Transitional(s S) bool {
	_, ok := t.Ending(s)
	return ok
}
