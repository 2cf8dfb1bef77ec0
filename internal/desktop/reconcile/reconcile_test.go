package reconcile_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/desktops"
	"github.com/deskplane/deskplane/internal/catalogue"
	"github.com/deskplane/deskplane/internal/desktop/reconcile"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
)

// fakePort is an in-memory deskplane.Desktops that records its calls.
type fakePort struct {
	mu       sync.Mutex
	desktops map[string]*fakeDesktop
	images   map[string]bool
	calls    []string
	fail     map[string]int // call name → failures left
	// held, when set before the reconciler runs, makes each Start hand
	// the test a channel and wait until the test closes it.
	held chan chan struct{}
}

type fakeDesktop struct {
	spec      deskplane.DesktopSpec
	state     deskplane.DesktopState
	snapshots []string
	res       deskplane.DesktopResources
	image     string
}

func newFakePort() *fakePort {
	return &fakePort{desktops: map[string]*fakeDesktop{}, images: map[string]bool{}, fail: map[string]int{}}
}

func (f *fakePort) call(name, id string) error {
	f.calls = append(f.calls, name+" "+id)
	if f.fail[name] > 0 {
		f.fail[name]--
		return fmt.Errorf("%s failed on purpose", name)
	}
	return nil
}

func (f *fakePort) get(id string) (*fakeDesktop, error) {
	d, ok := f.desktops[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", deskplane.ErrDesktopNotFound, id)
	}
	return d, nil
}

func (f *fakePort) Provision(_ context.Context, spec deskplane.DesktopSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("provision", spec.ID); err != nil {
		return err
	}
	if spec.ImageID != "" && !f.images[spec.ImageID] {
		return deskplane.ErrImageNotFound
	}
	if _, ok := f.desktops[spec.ID]; !ok {
		f.desktops[spec.ID] = &fakeDesktop{spec: spec, state: deskplane.DesktopStopped, res: spec.Resources, image: spec.ImageID}
	}
	return nil
}

func (f *fakePort) set(name, id string, s deskplane.DesktopState) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call(name, id); err != nil {
		return err
	}
	d, err := f.get(id)
	if err != nil {
		return err
	}
	d.state = s
	return nil
}

func (f *fakePort) Start(_ context.Context, id string) error {
	if f.held != nil {
		release := make(chan struct{})
		f.held <- release
		<-release
	}
	return f.set("start", id, deskplane.DesktopRunning)
}
func (f *fakePort) Stop(_ context.Context, id string) error {
	return f.set("stop", id, deskplane.DesktopStopped)
}
func (f *fakePort) Reboot(_ context.Context, id string) error {
	return f.set("reboot", id, deskplane.DesktopRunning)
}
func (f *fakePort) Rebuild(_ context.Context, id, img, snap string) error {
	return f.set("rebuild:"+img+":"+snap, id, deskplane.DesktopStopped)
}
func (f *fakePort) Restore(_ context.Context, id, snap string) error {
	return f.set("restore:"+snap, id, deskplane.DesktopStopped)
}
func (f *fakePort) Modify(_ context.Context, id string, res deskplane.DesktopResources) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("modify", id); err != nil {
		return err
	}
	d, err := f.get(id)
	if err != nil {
		return err
	}
	d.res = res
	return nil
}
func (f *fakePort) Terminate(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("terminate", id); err != nil {
		return err
	}
	delete(f.desktops, id)
	return nil
}
func (f *fakePort) Snapshot(_ context.Context, id, name string) (deskplane.DesktopSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("snapshot", id); err != nil {
		return deskplane.DesktopSnapshot{}, err
	}
	d, err := f.get(id)
	if err != nil {
		return deskplane.DesktopSnapshot{}, err
	}
	d.snapshots = append(d.snapshots, name)
	return deskplane.DesktopSnapshot{Name: name}, nil
}
func (f *fakePort) Snapshots(_ context.Context, id string) ([]deskplane.DesktopSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.get(id)
	if err != nil {
		return nil, err
	}
	var out []deskplane.DesktopSnapshot
	for _, n := range d.snapshots {
		out = append(out, deskplane.DesktopSnapshot{Name: n})
	}
	return out, nil
}
func (f *fakePort) DeleteSnapshot(_ context.Context, id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.get(id)
	if err != nil {
		return err
	}
	for i, n := range d.snapshots {
		if n == name {
			d.snapshots = append(d.snapshots[:i], d.snapshots[i+1:]...)
			break
		}
	}
	return nil
}
func (f *fakePort) CaptureImage(_ context.Context, id, img string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.call("capture", id); err != nil {
		return err
	}
	f.images[img] = true
	return nil
}
func (f *fakePort) CopyImage(_ context.Context, src, dst string) error { return nil }
func (f *fakePort) DeleteImage(_ context.Context, img string) error    { return nil }
func (f *fakePort) Status(_ context.Context, id string) (deskplane.DesktopStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, err := f.get(id)
	if err != nil {
		return deskplane.DesktopStatus{}, err
	}
	return deskplane.DesktopStatus{ID: id, State: d.state, ImageID: d.image, Resources: d.res}, nil
}
func (f *fakePort) List(ctx context.Context) ([]deskplane.DesktopStatus, error) {
	f.mu.Lock()
	var ids []string
	for id := range f.desktops {
		ids = append(ids, id)
	}
	f.mu.Unlock()
	var out []deskplane.DesktopStatus
	for _, id := range ids {
		st, err := f.Status(ctx, id)
		if err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

func (f *fakePort) hasImage(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[id]
}

func (f *fakePort) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakePort) state(id string) deskplane.DesktopState {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.desktops[id]; ok {
		return d.state
	}
	return "gone"
}

// rig is a store, an engine with a stand-in of the WorkSpaces family's
// state handler (which waits on desktops.DesktopGate as the family does)
// and a running reconciler.
type rig struct {
	t     *testing.T
	store deskplane.Store
	clock *lifecycle.VirtualClock
	port  *fakePort
	rec   *reconcile.Reconciler
	sc    deskplane.Scope
}

const node = "node-a"

var ends = map[deskplane.WorkspaceState]deskplane.WorkspaceState{
	deskplane.WorkspacePending:     deskplane.WorkspaceAvailable,
	deskplane.WorkspaceStarting:    deskplane.WorkspaceAvailable,
	deskplane.WorkspaceRebooting:   deskplane.WorkspaceAvailable,
	deskplane.WorkspaceRebuilding:  deskplane.WorkspaceAvailable,
	deskplane.WorkspaceRestoring:   deskplane.WorkspaceAvailable,
	deskplane.WorkspaceStopping:    deskplane.WorkspaceStopped,
	deskplane.WorkspaceTerminating: deskplane.WorkspaceTerminated,
}

func newRig(t *testing.T, port *fakePort, raw deskplane.Store) *rig {
	if raw == nil {
		raw = memory.New()
	}
	var wall atomic.Int64 // each look at the wall clock moves it a minute on: back-offs pass at once
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	r := &rig{t: t, clock: clock, port: port, sc: deskplane.Scope{Account: "111111111111", Region: "us-east-1"}}
	r.rec = reconcile.New(nil, port, clock, reconcile.Options{Node: node, Poll: 50 * time.Millisecond, Attempts: 2, Log: slog.New(slog.NewTextHandler(os.Stderr, nil)),
		Wall: func() time.Time { return time.Now().Add(time.Duration(wall.Add(1)) * time.Minute) }})
	engine := lifecycle.New(r.rec.Store(raw), clock, nil, lifecycle.Options{})
	engine.Handle(deskplane.TimerWorkspaceState, func(_ context.Context, tx deskplane.Tx, tm deskplane.Timer) error {
		ws, ok, err := deskplane.Workspaces().Get(tx, tm.Key.Scope, tm.Key.ID)
		if err != nil || !ok || strconv.FormatInt(ws.Generation, 10) != string(tm.Payload) {
			return err
		}
		wait, f, failed, err := desktops.DesktopGate(tx, tm.Key.Scope, ws, true)
		if err != nil || wait {
			return err
		}
		to := ends[ws.State]
		if failed {
			to = deskplane.WorkspaceState(f.State)
			ws.ErrorCode = f.ErrorCode
		}
		if to == "" {
			return nil
		}
		ws.SetState(to, tm.Due)
		return deskplane.Workspaces().Put(tx, tm.Key.Scope, ws.ID, ws)
	})
	r.store = engine.Store()
	r.rec.SetStore(r.store)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.rec.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// enter moves the WorkSpace to state (creating it), as a family would:
// the record and its state timer in one transaction.
func (r *rig) enter(id string, state deskplane.WorkspaceState, edit func(*deskplane.Workspace)) {
	r.t.Helper()
	err := r.store.Update(context.Background(), func(tx deskplane.Tx) error {
		ws, ok, err := deskplane.Workspaces().Get(tx, r.sc, id)
		if err != nil {
			return err
		}
		if !ok {
			ws = &deskplane.Workspace{ID: id, UserName: "alice", BundleID: "wsb-catalogue", Node: node,
				ComputeType: deskplane.ComputeValue, RootVolumeSizeGib: 80, UserVolumeSizeGib: 10}
		}
		if edit != nil {
			edit(ws)
		}
		if state != "" {
			ws.SetState(state, r.clock.Now())
			if err := tx.Schedule(deskplane.Timer{Key: deskplane.Workspaces().Key(r.sc, id), Name: deskplane.TimerWorkspaceState,
				Due: r.clock.Now(), Payload: []byte(strconv.FormatInt(ws.Generation, 10))}); err != nil {
				return err
			}
		}
		return deskplane.Workspaces().Put(tx, r.sc, id, ws)
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) ws(id string) *deskplane.Workspace {
	r.t.Helper()
	var ws *deskplane.Workspace
	err := r.store.View(context.Background(), func(tx deskplane.Tx) error {
		var err error
		ws, _, err = deskplane.Workspaces().Get(tx, r.sc, id)
		return err
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return ws
}

// await waits until the WorkSpace is in state and the reconciler idle.
func (r *rig) await(id string, state deskplane.WorkspaceState) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		if err := r.rec.Idle(ctx); err != nil {
			r.t.Fatalf("%s: waiting for %s: %v (calls %v)", id, state, err, r.port.callList())
		}
		ws := r.ws(id)
		if (ws == nil && state == "") || (ws != nil && ws.State == state) {
			return
		}
		select {
		case <-ctx.Done():
			var now deskplane.WorkspaceState = "(none)"
			if ws != nil {
				now = ws.State
			}
			r.t.Fatalf("%s: still %s, want %s (calls %v)", id, now, state, r.port.callList())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestLifecycleFollowsTheDesktop(t *testing.T) {
	port := newFakePort()
	r := newRig(t, port, nil)
	r.enter("ws-1", deskplane.WorkspacePending, nil)
	r.await("ws-1", deskplane.WorkspaceAvailable)
	if port.state("ws-1") != deskplane.DesktopRunning {
		t.Fatalf("AVAILABLE with a desktop %s", port.state("ws-1"))
	}
	steps := []struct {
		via, to deskplane.WorkspaceState
		desk    deskplane.DesktopState
	}{
		{deskplane.WorkspaceStopping, deskplane.WorkspaceStopped, deskplane.DesktopStopped},
		{deskplane.WorkspaceStarting, deskplane.WorkspaceAvailable, deskplane.DesktopRunning},
		{deskplane.WorkspaceRebooting, deskplane.WorkspaceAvailable, deskplane.DesktopRunning},
		{deskplane.WorkspaceRebuilding, deskplane.WorkspaceAvailable, deskplane.DesktopRunning},
		{deskplane.WorkspaceRestoring, deskplane.WorkspaceAvailable, deskplane.DesktopRunning},
	}
	for _, s := range steps {
		r.enter("ws-1", s.via, nil)
		r.await("ws-1", s.to)
		if got := port.state("ws-1"); got != s.desk {
			t.Errorf("after %s: desktop %s, want %s", s.via, got, s.desk)
		}
	}
	r.enter("ws-1", deskplane.WorkspaceTerminating, nil)
	r.await("ws-1", deskplane.WorkspaceTerminated)
	if port.state("ws-1") != "gone" {
		t.Errorf("terminated WorkSpace has a desktop: %s", port.state("ws-1"))
	}
	// The desktop record goes with the desktop.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.rec.Idle(ctx); err != nil {
		t.Fatal(err)
	}
	_ = r.store.View(ctx, func(tx deskplane.Tx) error {
		n, _ := desktops.DesktopRecords().Count(tx, desktops.NodeScope(node))
		if n != 0 {
			t.Errorf("%d desktop records left", n)
		}
		return nil
	})
}

func TestPendingWaitsForTheDesktop(t *testing.T) {
	port := newFakePort()
	port.fail["start"] = 1 // the first start fails, the retry succeeds
	port.held = make(chan chan struct{})
	r := newRig(t, port, nil)
	r.enter("ws-2", deskplane.WorkspacePending, nil)
	pending := func(when string) {
		t.Helper()
		if ws := r.ws("ws-2"); ws.State != deskplane.WorkspacePending {
			t.Fatalf("state %s %s", ws.State, when)
		}
	}
	next := func() chan struct{} {
		t.Helper()
		select {
		case release := <-port.held:
			return release
		case <-time.After(time.Minute):
			t.Fatal("the reconciler never started the desktop")
			return nil
		}
	}
	first := next()
	pending("while the first start runs")
	close(first) // it fails
	second := next()
	pending("after the first start failed")
	close(second)
	r.await("ws-2", deskplane.WorkspaceAvailable)
}

func TestDesktopFailureEndsInError(t *testing.T) {
	port := newFakePort()
	port.fail["start"] = 10
	r := newRig(t, port, nil)
	r.enter("ws-3", deskplane.WorkspacePending, nil)
	r.await("ws-3", deskplane.WorkspaceError)
	if ws := r.ws("ws-3"); ws.ErrorCode != desktops.DesktopErrorCode {
		t.Errorf("error code %q", ws.ErrorCode)
	}
}

func TestUnhealthyAndOtherNodes(t *testing.T) {
	port := newFakePort()
	r := newRig(t, port, nil)
	r.enter("ws-4", deskplane.WorkspacePending, nil)
	r.await("ws-4", deskplane.WorkspaceAvailable)
	_ = port.set("crash", "ws-4", deskplane.DesktopUnhealthy)
	r.await("ws-4", deskplane.WorkspaceUnhealthy)
	r.enter("ws-4", deskplane.WorkspaceRebooting, nil)
	r.await("ws-4", deskplane.WorkspaceAvailable)

	// Another node's WorkSpace is never acted on here.
	r.enter("ws-5", deskplane.WorkspacePending, func(ws *deskplane.Workspace) { ws.Node = "node-b" })
	time.Sleep(200 * time.Millisecond)
	if ws := r.ws("ws-5"); ws.State != deskplane.WorkspacePending || port.state("ws-5") != "gone" {
		t.Errorf("another node's WorkSpace: %s, desktop %s", ws.State, port.state("ws-5"))
	}
}

func TestModifySnapshotsAndCapture(t *testing.T) {
	port := newFakePort()
	r := newRig(t, port, nil)
	r.enter("ws-6", deskplane.WorkspacePending, nil)
	r.await("ws-6", deskplane.WorkspaceAvailable)
	r.enter("ws-6", "", func(ws *deskplane.Workspace) { ws.UserVolumeSizeGib, ws.ComputeType = 50, deskplane.ComputePower })
	r.await("ws-6", deskplane.WorkspaceAvailable)
	port.mu.Lock()
	res := port.desktops["ws-6"].res
	port.mu.Unlock()
	if res.UserVolumeGiB != 50 || res.CPUs != 4 || res.MemoryMiB != 16*1024 {
		t.Errorf("resources after modify: %+v", res)
	}
	// Four snapshots: three kept, in the record and on the desktop.
	for i := range 4 {
		at := r.clock.Now().Add(time.Duration(i) * time.Hour)
		err := r.store.Update(context.Background(), func(tx deskplane.Tx) error {
			return desktops.RequestDesktopSnapshot(tx, r.sc, r.ws("ws-6"), at, false)
		})
		if err != nil {
			t.Fatal(err)
		}
		r.await("ws-6", deskplane.WorkspaceAvailable)
	}
	ws := r.ws("ws-6")
	if len(ws.RestoreSnapshots) != 3 || len(ws.RebuildSnapshots) != 3 {
		t.Fatalf("snapshots listed: %v %v", ws.RestoreSnapshots, ws.RebuildSnapshots)
	}
	// One more pass prunes the desktop's oldest snapshot.
	err := r.store.Update(context.Background(), func(tx deskplane.Tx) error {
		return desktops.RequestDesktopSnapshot(tx, r.sc, r.ws("ws-6"), r.clock.Now().Add(10*time.Hour), true)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.await("ws-6", deskplane.WorkspaceAvailable)
	snaps, _ := port.Snapshots(context.Background(), "ws-6")
	if len(snaps) > 4 {
		t.Errorf("the desktop keeps %d snapshots", len(snaps))
	}
	ws = r.ws("ws-6")
	if got := ws.RebuildSnapshots[2]; !got.Equal(r.clock.Now().Add(10 * time.Hour)) {
		t.Errorf("user-only snapshot not listed as a rebuild snapshot: %v", ws.RebuildSnapshots)
	}
	r.enter("ws-6", deskplane.WorkspaceSuspended, func(ws *deskplane.Workspace) { ws.ImageCapture = "wsi-1" })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for !port.hasImage("wsi-1") {
		if err := r.rec.Idle(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("image wsi-1 never captured (calls %v)", port.callList())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestComputeTableMatchesTheCatalogue(t *testing.T) {
	for _, s := range catalogue.ComputeSpecs() {
		cpus, mem, ok := desktops.ComputeHardware(s.Compute)
		if !ok || cpus != s.VCPU || mem != s.MemGiB {
			t.Errorf("%s: root %d/%d, catalogue %+v", s.Compute, cpus, mem, s)
		}
	}
}

// A WorkSpace removed without a write the store wraps (an account reset)
// loses its desktop at the next health pass.
func TestResetAccountTerminatesItsDesktops(t *testing.T) {
	port := newFakePort()
	r := newRig(t, port, nil)
	r.enter("ws-7", deskplane.WorkspacePending, nil)
	r.await("ws-7", deskplane.WorkspaceAvailable)
	if err := r.store.Update(context.Background(), func(tx deskplane.Tx) error { return tx.Reset(r.sc.Account) }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // bounds only a failing run
	for port.state("ws-7") != "gone" {
		if time.Now().After(deadline) {
			t.Fatalf("the desktop of a reset account's WorkSpace: %s", port.state("ws-7"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
