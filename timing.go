package deskplane

import (
	"fmt"
	"sort"
	"time"
)

// Transition names one timed step of a resource's lifecycle. A timing
// profile says how long each step takes.
type Transition string

// The timed transitions. Rules measured in hours (cooldowns, snapshot
// intervals, AutoStop) are not transitions: they are fixed by the real
// service and apply under every profile (see Rules).
const (
	TWorkspaceCreate     Transition = "workspace.create"     // PENDING → AVAILABLE
	TWorkspaceStart      Transition = "workspace.start"      // STARTING → AVAILABLE
	TWorkspaceStop       Transition = "workspace.stop"       // STOPPING → STOPPED
	TWorkspaceReboot     Transition = "workspace.reboot"     // REBOOTING → AVAILABLE
	TWorkspaceRebuild    Transition = "workspace.rebuild"    // REBUILDING → AVAILABLE
	TWorkspaceRestore    Transition = "workspace.restore"    // RESTORING → AVAILABLE
	TWorkspaceTerminate  Transition = "workspace.terminate"  // TERMINATING → TERMINATED
	TWorkspaceTerminated Transition = "workspace.terminated" // TERMINATED → gone
	TWorkspaceMigrate    Transition = "workspace.migrate"    // target PENDING → AVAILABLE
	TModifyVolume        Transition = "workspace.modify.volume"
	TModifyCompute       Transition = "workspace.modify.compute"
	TModifyProtocol      Transition = "workspace.modify.protocol"
	TImageCreate         Transition = "image.create" // PENDING → AVAILABLE (source WorkSpace SUSPENDED meanwhile)
	TImageUpdate         Transition = "image.update" // CreateUpdatedWorkspaceImage
	TImageCopy           Transition = "image.copy"
	TImageImport         Transition = "image.import" // BYOL import (twice as long with Office: 90 min, 3 h)
	TBundleCreate        Transition = "bundle.create"
	TDirectoryCreate     Transition = "directory.create"     // Directory Service: Requested → Creating → Active (each step)
	TDirectoryDelete     Transition = "directory.delete"     // Deleting → gone
	TDirectoryRegister   Transition = "directory.register"   // REGISTERING → REGISTERED
	TDirectoryDeregister Transition = "directory.deregister" // DEREGISTERING → DEREGISTERED → gone
	TAccountModify       Transition = "account.modify"       // BYOL enablement
	TAliasCreate         Transition = "alias.create"         // CREATING → CREATED
	TAliasDelete         Transition = "alias.delete"         // DELETING → gone
	TPoolStart           Transition = "pool.start"
	TPoolStop            Transition = "pool.stop"
	TPoolCreate          Transition = "pool.create"
	TPoolTerminate       Transition = "pool.terminate"
	TPoolUpdate          Transition = "pool.update" // UPDATING → the state it left
	TApplicationDeploy   Transition = "application.deploy"
)

// Profile maps transitions to durations. A transition missing from a
// profile takes no time.
type Profile struct {
	Name      string
	Durations map[Transition]time.Duration
}

// Duration returns how long t takes under the profile.
func (p Profile) Duration(t Transition) time.Duration { return p.Durations[t] }

// With returns a copy of p with the given overrides applied.
func (p Profile) With(overrides map[Transition]time.Duration) Profile {
	d := make(map[Transition]time.Duration, len(p.Durations)+len(overrides))
	for k, v := range p.Durations {
		d[k] = v
	}
	for k, v := range overrides {
		d[k] = v
	}
	return Profile{Name: p.Name, Durations: d}
}

// Transitions lists every known transition, sorted.
func Transitions() []Transition {
	ts := make([]Transition, 0, 32)
	for t := range realisticDurations() {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts
}

// realisticDurations are typical real durations (behaviour doc §2.2a);
// where AWS documents only an upper bound we take a typical value below it,
// and where it documents nothing the choice is recorded in
// docs/decisions/0004-timing-profiles.md.
func realisticDurations() map[Transition]time.Duration {
	return map[Transition]time.Duration{
		TWorkspaceCreate:     20 * time.Minute,
		TWorkspaceStart:      90 * time.Second,
		TWorkspaceStop:       2 * time.Minute,
		TWorkspaceReboot:     3 * time.Minute,
		TWorkspaceRebuild:    30 * time.Minute,
		TWorkspaceRestore:    30 * time.Minute,
		TWorkspaceTerminate:  5 * time.Minute,
		TWorkspaceTerminated: time.Minute,
		TWorkspaceMigrate:    time.Hour,
		TModifyVolume:        time.Hour,
		TModifyCompute:       30 * time.Minute,
		TModifyProtocol:      20 * time.Minute,
		TImageCreate:         45 * time.Minute,
		TImageUpdate:         45 * time.Minute,
		TImageCopy:           20 * time.Minute,
		TImageImport:         90 * time.Minute,
		TBundleCreate:        0,
		TDirectoryCreate:     2 * time.Minute,
		TDirectoryDelete:     2 * time.Minute,
		TDirectoryRegister:   3 * time.Minute,
		TDirectoryDeregister: 2 * time.Minute,
		TAccountModify:       3 * time.Hour,
		TDSTrust:             time.Minute,
		TDSSnapshot:          2 * time.Minute,
		TDSSchemaExtension:   time.Minute,
		TDSSetting:           time.Minute,
		TAliasCreate:         time.Minute,
		TAliasDelete:         time.Minute,
		TPoolCreate:          10 * time.Minute,
		TPoolStart:           10 * time.Minute,
		TPoolStop:            5 * time.Minute,
		TPoolTerminate:       5 * time.Minute,
		TPoolUpdate:          5 * time.Minute,
		TApplicationDeploy:   10 * time.Minute,
	}
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string { return []string{"instant", "fast", "realistic"} }

// NamedProfile returns a built-in profile: "instant" (every transition
// completes at once), "fast" (the default: each transitional state lasts
// long enough for a client polling every few hundred milliseconds to see
// it) or "realistic" (typical durations of the real service).
func NamedProfile(name string) (Profile, error) {
	real := realisticDurations()
	d := make(map[Transition]time.Duration, len(real))
	switch name {
	case "instant":
		for t := range real {
			d[t] = 0
		}
	case "fast":
		for t, r := range real {
			switch {
			case r == 0:
				d[t] = 0
			case r >= time.Hour:
				d[t] = 3 * time.Second
			case r >= 10*time.Minute:
				d[t] = 2 * time.Second
			default:
				d[t] = 1500 * time.Millisecond
			}
		}
	case "realistic":
		for t, v := range real {
			d[t] = v
		}
	default:
		return Profile{}, fmt.Errorf("unknown timing profile %q (want one of instant, fast, realistic)", name)
	}
	return Profile{Name: name, Durations: d}, nil
}

// Rules are the service's fixed time rules; they run on the service clock
// under every timing profile and are reached by advancing it.
type Rules struct {
	FirstSnapshotAfter      time.Duration // first snapshot pair after creation
	SnapshotInterval        time.Duration // later snapshots
	VolumeCooldown          time.Duration // per volume, and after launch
	ComputeUpsizeCooldown   time.Duration
	ComputeDownsizeCooldown time.Duration
	RebootStuckAfter        time.Duration // REBOOTING may be rebooted again after this
	AutoStopGrace           time.Duration // added to the AutoStop timeout
}

// DefaultRules are the real service's rules (behaviour doc §2.2, §2.4).
func DefaultRules() Rules {
	return Rules{
		FirstSnapshotAfter:      30 * time.Minute,
		SnapshotInterval:        12 * time.Hour,
		VolumeCooldown:          6 * time.Hour,
		ComputeUpsizeCooldown:   6 * time.Hour,
		ComputeDownsizeCooldown: 30 * 24 * time.Hour,
		RebootStuckAfter:        20 * time.Minute,
		AutoStopGrace:           0,
	}
}
