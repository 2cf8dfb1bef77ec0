package local_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/rfb"
)

// screenOf connects to the desktop's VNC socket, checks the handshake and
// ServerInit, and waits for a framebuffer update with more than one colour
// (the terminal window on the desktop).
func screenOf(t *testing.T, e *env, id string) *rfb.Conn {
	t.Helper()
	st := e.wantState(id, deskplane.DesktopRunning)
	sock, ok := strings.CutPrefix(st.Endpoint, "unix:")
	if !ok {
		t.Fatalf("endpoint %q is not a Unix socket", st.Endpoint)
	}
	c, err := rfb.Dial("unix", sock, rfb.Options{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if c.Version != "003.008" || c.Width != 1280 || c.Height != 800 || c.Name != id {
		t.Fatalf("ServerInit: version %s, %dx%d, name %q", c.Version, c.Width, c.Height, c.Name)
	}
	// Generous: it bounds only a failing run (see drawsWithin).
	deadline := time.Now().Add(2 * time.Minute)
	incremental := false
	for {
		_ = c.SetDeadline(deadline)
		if err := c.RequestUpdate(incremental); err != nil {
			t.Fatal(err)
		}
		if err := c.ReadUpdate(); err != nil {
			t.Fatal(err)
		}
		incremental = true
		if c.Colours(16) > 2 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen still shows %d colours", c.Colours(16))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestStartServesAScreen(t *testing.T) {
	e := newEnv(t)
	if err := e.p.Provision(e.ctx(), deskplane.DesktopSpec{ID: "ws-screen1", UserName: "Alice.Smith", Resources: small()}); err != nil {
		t.Fatal(err)
	}
	st := e.wantState("ws-screen1", deskplane.DesktopStopped)
	if st.RootVolume.SizeBytes != 2<<30 || st.UserVolume.SizeBytes != 1<<30 || !st.VolumesEnforced {
		t.Fatalf("volumes %+v %+v", st.RootVolume, st.UserVolume)
	}
	if st.Endpoint != "" {
		t.Fatalf("stopped desktop has endpoint %q", st.Endpoint)
	}
	if err := e.p.Start(e.ctx(), "ws-screen1"); err != nil {
		t.Fatal(err)
	}
	screenOf(t, e, "ws-screen1")
	if got := e.sh("ws-screen1", "id -un; id -u; hostname; echo $HOME; pwd"); got != "alice_smith\n1000\nws-screen1\n/home/alice_smith\n/home/alice_smith" {
		t.Fatalf("inside: %q", got)
	}
	// Xvnc, openbox and xterm run as the desktop's own host uid.
	uid, _ := e.p.UID("ws-screen1")
	pids, _ := e.p.Processes("ws-screen1")
	seen := map[string]bool{}
	for _, pid := range pids {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		seen[strings.TrimSpace(string(comm))] = true
		if u := hostUID(t, pid); u != uid {
			t.Errorf("process %d (%s) runs as host uid %d, want %d", pid, comm, u, uid)
		}
	}
	for _, want := range []string{"bwrap", "Xvnc", "openbox", "xterm"} {
		if !seen[want] {
			t.Errorf("no %s among the desktop's processes %v", want, seen)
		}
	}
}

func hostUID(t *testing.T, pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			u, _ := strconv.Atoi(f[1])
			return u
		}
	}
	return -1
}

func TestStopKeepsVolumesAndStartRestores(t *testing.T) {
	e := newEnv(t)
	e.launch("ws-stop1", "")
	e.sh("ws-stop1", "echo kept > ~/note && mkdir -p /opt/app && echo sys > /opt/app/file")
	pids, _ := e.p.Processes("ws-stop1")
	if err := e.p.Stop(e.ctx(), "ws-stop1"); err != nil {
		t.Fatal(err)
	}
	st := e.wantState("ws-stop1", deskplane.DesktopStopped)
	if st.Endpoint != "" || !st.Started.IsZero() {
		t.Fatalf("stopped: %+v", st)
	}
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			if s, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); !strings.Contains(string(s), ") Z") {
				t.Errorf("process %d still runs after Stop", pid)
			}
		}
	}
	checkNoMounts(t, e.p.RunDir())
	checkNoMounts(t, e.dir)
	if err := e.p.Stop(e.ctx(), "ws-stop1"); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := e.p.Start(e.ctx(), "ws-stop1"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Start(e.ctx(), "ws-stop1"); err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if got := e.sh("ws-stop1", "cat ~/note /opt/app/file"); got != "kept\nsys" {
		t.Fatalf("after restart: %q", got)
	}
	if err := e.p.Reboot(e.ctx(), "ws-stop1"); err != nil {
		t.Fatal(err)
	}
	screenOf(t, e, "ws-stop1")
	if got := e.sh("ws-stop1", "cat ~/note"); got != "kept" {
		t.Fatalf("after reboot: %q", got)
	}
}

// killXvnc kills the desktop's X server from the host.
func killXvnc(t *testing.T, e *env, id string) {
	t.Helper()
	pids, _ := e.p.Processes(id)
	for _, pid := range pids {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if strings.TrimSpace(string(comm)) == "Xvnc" {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no Xvnc among %v", pids)
}

func TestUnhealthyWhenXServerDiesAndRebootRepairs(t *testing.T) {
	e := newEnv(t)
	e.launch("ws-health1", "")
	killXvnc(t, e, "ws-health1")
	deadline := time.Now().Add(time.Minute)
	for e.status("ws-health1").State != deskplane.DesktopUnhealthy {
		if time.Now().After(deadline) {
			t.Fatalf("still %s after the X server died", e.status("ws-health1").State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st := e.status("ws-health1"); st.Reason == "" {
		t.Fatal("unhealthy without a reason")
	}
	if err := e.p.Reboot(e.ctx(), "ws-health1"); err != nil {
		t.Fatal(err)
	}
	screenOf(t, e, "ws-health1")
}

func TestSnapshotRestoreRebuild(t *testing.T) {
	e := newEnv(t)
	id := "ws-snap1"
	e.launch(id, "")
	e.sh(id, "echo v1 > ~/doc && mkdir /opt/tool && echo t1 > /opt/tool/v")
	snap, err := e.p.Snapshot(e.ctx(), id, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Name != "s1" || snap.Created.IsZero() || snap.Bytes <= 0 {
		t.Fatalf("snapshot %+v", snap)
	}
	again, err := e.p.Snapshot(e.ctx(), id, "s1")
	if err != nil || again.Created != snap.Created {
		t.Fatalf("repeated snapshot: %+v %v", again, err)
	}
	e.sh(id, "echo v2 > ~/doc && echo t2 > /opt/tool/v && echo new > ~/later")
	if _, err := e.p.Snapshot(e.ctx(), id, "s2"); err != nil {
		t.Fatal(err)
	}
	list, err := e.p.Snapshots(e.ctx(), id)
	if err != nil || len(list) != 2 || list[0].Name != "s1" || list[1].Name != "s2" {
		t.Fatalf("snapshots %+v %v", list, err)
	}
	e.sh(id, "echo v3 > ~/doc && echo t3 > /opt/tool/v")

	// Restore: both volumes from s1.
	if err := e.p.Restore(e.ctx(), id, "s1"); err != nil {
		t.Fatal(err)
	}
	e.wantState(id, deskplane.DesktopStopped)
	if err := e.p.Start(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if got := e.sh(id, "cat ~/doc /opt/tool/v; ls ~"); got != "v1\nt1\ndoc\nlost+found\nprobe" && got != "v1\nt1\ndoc\nlost+found" {
		t.Fatalf("after restore: %q", got)
	}

	// Rebuild: the root volume from the image (the base system: no
	// /opt/tool), the user volume from s2.
	if err := e.p.Rebuild(e.ctx(), id, "", "s2"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Start(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if got := e.sh(id, "cat ~/doc ~/later; ls /opt"); got != "v2\nnew" {
		t.Fatalf("after rebuild: %q", got)
	}
	if err := e.p.Restore(e.ctx(), id, "nope"); !errors.Is(err, deskplane.ErrSnapshotNotFound) {
		t.Fatalf("restore from a missing snapshot: %v", err)
	}
	if err := e.p.DeleteSnapshot(e.ctx(), id, "s1"); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.p.Snapshots(e.ctx(), id); len(list) != 1 || list[0].Name != "s2" {
		t.Fatalf("after delete: %+v", list)
	}
}

func TestVolumesAreSizedGrowAndNeverShrink(t *testing.T) {
	e := newEnv(t)
	id := "ws-vol1"
	e.launch(id, "")
	probe := e.installProbe(id)
	// The 1 GiB user volume is full before 1.2 GiB are written.
	r := e.probe(id, probe, "fill", "big", "1200")
	if r.OK || r.Errno != int(syscall.ENOSPC) {
		t.Fatalf("filling the 1 GiB user volume: %+v", r)
	}
	e.sh(id, "rm -f ~/big")
	res := small()
	res.UserVolumeGiB = 3
	res.CPUs = 1
	if err := e.p.Modify(e.ctx(), id, res); err != nil {
		t.Fatal(err)
	}
	// Grown online: the running desktop sees a bigger home.
	if !e.p.GrowsOnline() {
		// Without CAP_SYS_RESOURCE (as on the machine these tests were
		// written on) the volume grows at the next start.
		t.Log("this process lacks CAP_SYS_RESOURCE: the volume grows at the next start")
		if err := e.p.Reboot(e.ctx(), id); err != nil {
			t.Fatal(err)
		}
	}
	r = e.probe(id, probe, "statfs", ".")
	if size, _ := strconv.ParseInt(r.Output[1], 10, 64); size < 2<<30 {
		t.Fatalf("home is %d bytes after growing to 3 GiB", size)
	}
	if r := e.probe(id, probe, "fill", "big", "1200"); !r.OK {
		t.Fatalf("1.2 GiB in the grown volume: %+v", r)
	}
	st := e.status(id)
	if st.UserVolume.SizeBytes != 3<<30 || st.UserVolume.UsedBytes < 1200<<20 {
		t.Fatalf("user volume %+v", st.UserVolume)
	}
	// Compute applies at the next start.
	if e.p.GrowsOnline() && (st.Applied.CPUs != 2 || st.Resources.CPUs != 1) {
		t.Fatalf("before restart: applied %+v, configured %+v", st.Applied, st.Resources)
	}
	if err := e.p.Reboot(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if st := e.status(id); st.Applied.CPUs != 1 {
		t.Fatalf("after reboot: applied %+v", st.Applied)
	}
	res.UserVolumeGiB = 2
	if err := e.p.Modify(e.ctx(), id, res); !errors.Is(err, deskplane.ErrVolumeShrink) {
		t.Fatalf("shrinking: %v", err)
	}
	// Growing a stopped desktop's root volume.
	if err := e.p.Stop(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	res.UserVolumeGiB, res.RootVolumeGiB = 3, 4
	if err := e.p.Modify(e.ctx(), id, res); err != nil {
		t.Fatal(err)
	}
	if st := e.status(id); st.RootVolume.SizeBytes != 4<<30 {
		t.Fatalf("root volume %+v", st.RootVolume)
	}
	if err := e.p.Start(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if got := e.sh(id, "df -k /usr | tail -1 | awk '{print $2}'"); got == "" {
		t.Fatal("no df")
	}
}

func TestComputeLimits(t *testing.T) {
	e := newEnv(t)
	if !e.p.LimitsEnforced() {
		t.Skip("this host has no cgroup v1 memory, cpu and pids controllers; limits are reported as not enforced")
	}
	id := "ws-limit1"
	res := deskplane.DesktopResources{ComputeType: "VALUE", CPUs: 1, MemoryMiB: 384, RootVolumeGiB: 2, UserVolumeGiB: 1}
	if err := e.p.Provision(e.ctx(), deskplane.DesktopSpec{ID: id, UserName: "bob", Resources: res}); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Start(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	if st := e.status(id); !st.LimitsEnforced || st.Applied.MemoryMiB != 384 {
		t.Fatalf("status %+v", st)
	}
	groups, _ := e.p.Cgroups(id)
	read := func(dir, file string) string {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	var mem, cpu, pids string
	for _, g := range groups {
		switch {
		case strings.Contains(g, "/memory/"):
			mem = g
		case strings.Contains(g, "/cpu/"):
			cpu = g
		case strings.Contains(g, "/pids/"):
			pids = g
		}
	}
	if read(mem, "memory.limit_in_bytes") != strconv.Itoa(384<<20) || read(cpu, "cpu.cfs_quota_us") != "100000" || read(pids, "pids.max") != "1024" {
		t.Fatalf("limits: %s %s %s", read(mem, "memory.limit_in_bytes"), read(cpu, "cpu.cfs_quota_us"), read(pids, "pids.max"))
	}
	// Every process of the desktop is in its groups.
	procs := read(mem, "cgroup.procs")
	all, _ := e.p.Processes(id)
	for _, pid := range all {
		if !strings.Contains("\n"+procs+"\n", "\n"+strconv.Itoa(pid)+"\n") {
			t.Errorf("process %d is not in the memory group (%s)", pid, procs)
		}
	}
	probe := e.installProbe(id)
	// From inside: more memory than the limit gets the process killed.
	_, err := e.p.Exec(e.ctx(), id, []string{"DESKPLANE_DESKTOP_PROBE=1"}, probe, "alloc", "600")
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("allocating 600 MiB under a 384 MiB limit: %v", err)
	}
	// From inside: four busy threads on one vCPU get at most one CPU
	// second per second (GOMAXPROCS lets Go run them all). On an idle
	// machine they would get two; when other work keeps the machine busy
	// they get less, and the bound still holds.
	out, err := e.p.Exec(e.ctx(), id, []string{"DESKPLANE_DESKTOP_PROBE=1", "GOMAXPROCS=4"}, probe, "spin", "1500", "4")
	var r probeResult
	if err != nil || json.Unmarshal(out, &r) != nil || !r.OK {
		t.Fatal(err, string(out))
	}
	ratio, _ := strconv.ParseFloat(r.Output[0], 64)
	t.Logf("CPU seconds per second with 1 vCPU: %.2f; %s", ratio, strings.ReplaceAll(read(cpu, "cpu.stat"), "\n", ", "))
	if ratio > 1.15 {
		t.Fatalf("a 1-vCPU desktop used %.2f CPU seconds per second", ratio)
	}
	// The desktop still runs after its process was killed.
	e.wantState(id, deskplane.DesktopRunning)
}

func TestTerminateLeavesNothing(t *testing.T) {
	e := newEnv(t)
	id := "ws-term1"
	e.launch(id, "")
	if _, err := e.p.Snapshot(e.ctx(), id, "s1"); err != nil {
		t.Fatal(err)
	}
	pids, _ := e.p.Processes(id)
	groups, _ := e.p.Cgroups(id)
	uid, _ := e.p.UID(id)
	if err := e.p.Terminate(e.ctx(), id); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if u := hostUID(t, pid); u == uid {
			st, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			t.Errorf("process %d of the desktop survived: %s", pid, st)
		}
	}
	checkNoMounts(t, e.dir)
	checkNoMounts(t, e.p.RunDir())
	for _, p := range append([]string{filepath.Join(e.dir, "desktops", id), filepath.Join(e.p.RunDir(), id)}, groups...) {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left behind (%v)", p, err)
		}
	}
	if _, err := e.p.Status(e.ctx(), id); !errors.Is(err, deskplane.ErrDesktopNotFound) {
		t.Fatalf("status after terminate: %v", err)
	}
	if err := e.p.Terminate(e.ctx(), id); err != nil {
		t.Fatalf("second terminate: %v", err)
	}
	if err := e.p.Start(e.ctx(), id); !errors.Is(err, deskplane.ErrDesktopNotFound) {
		t.Fatalf("start after terminate: %v", err)
	}
}

func TestProvisionIsIdempotentAndChecksInput(t *testing.T) {
	e := newEnv(t)
	spec := deskplane.DesktopSpec{ID: "ws-idem1", UserName: "u", Resources: small()}
	for range 2 {
		if err := e.p.Provision(e.ctx(), spec); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden", strings.Repeat("x", 65)} {
		if err := e.p.Provision(e.ctx(), deskplane.DesktopSpec{ID: bad, Resources: small()}); !errors.Is(err, deskplane.ErrInvalidDesktopID) {
			t.Errorf("id %q: %v", bad, err)
		}
	}
	if err := e.p.Provision(e.ctx(), deskplane.DesktopSpec{ID: "ws-idem2", ImageID: "wsi-missing", Resources: small()}); !errors.Is(err, deskplane.ErrImageNotFound) {
		t.Fatalf("missing image: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "desktops", "ws-idem2")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed provision left its directory")
	}
	bad := small()
	bad.MemoryMiB = 0
	if err := e.p.Provision(e.ctx(), deskplane.DesktopSpec{ID: "ws-idem3", Resources: bad}); err == nil {
		t.Fatal("zero memory accepted")
	}
	if _, err := e.p.Status(e.ctx(), "ws-none"); !errors.Is(err, deskplane.ErrDesktopNotFound) {
		t.Fatalf("unknown desktop: %v", err)
	}
}
