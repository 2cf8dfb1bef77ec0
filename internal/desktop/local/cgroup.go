package local

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Compute limits are cgroup v1 controllers: memory (memory.limit_in_bytes),
// cpu (CFS quota: CPUs × period) and pids (pids.max). Each desktop gets a
// group in each, below the groups deskplane itself runs in, named
// deskplane-<provider>/<desktop id>. Hosts without the v1 controllers
// (cgroup v2 only) run desktops without limits and report it
// (docs/decisions/0182-local-desktops.md).

// cgroupSet is where a provider makes its desktops' groups: one parent
// directory per v1 controller.
type cgroupSet struct {
	memory, cpu, pids string // parent directories; "" when unavailable
}

// own returns the groups deskplane itself runs in: the parents of the
// provider's directories.
func (s cgroupSet) own() []string {
	return []string{filepath.Dir(s.memory), filepath.Dir(s.cpu), filepath.Dir(s.pids)}
}

// detectCgroups finds the v1 memory, cpu and pids hierarchies and the
// groups this process is in, and returns parent directories named
// deskplane-<name> below them. ok is false when a controller is missing or
// the parents cannot be made.
func detectCgroups(name string) (cgroupSet, bool) {
	ms, err := mounts()
	if err != nil {
		return cgroupSet{}, false
	}
	own := map[string]string{} // controller → group path of this process
	// The calling thread's groups: another thread may be in a desktop's
	// groups for the moment it forks (startIn).
	b, err := os.ReadFile("/proc/thread-self/cgroup")
	if err != nil {
		return cgroupSet{}, false
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 || parts[1] == "" {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	find := func(controller string) string {
		for _, m := range ms {
			if m.FSType != "cgroup" {
				continue
			}
			base := filepath.Base(m.Point)
			for _, c := range strings.Split(base, ",") {
				if c == controller {
					g, ok := own[controller]
					if !ok {
						return ""
					}
					dir := filepath.Join(m.Point, g, "deskplane-"+name)
					if err := os.MkdirAll(dir, 0o755); err != nil {
						return ""
					}
					return dir
				}
			}
		}
		return ""
	}
	s := cgroupSet{memory: find("memory"), cpu: find("cpu"), pids: find("pids")}
	if s.memory == "" || s.cpu == "" || s.pids == "" {
		return cgroupSet{}, false
	}
	return s, true
}

// create makes the desktop's groups with its limits and returns their
// directories.
func (s cgroupSet) create(id string, cpus, memMiB, maxPids int) ([]string, error) {
	mem, cpu, pids := filepath.Join(s.memory, id), filepath.Join(s.cpu, id), filepath.Join(s.pids, id)
	for _, d := range []string{mem, cpu, pids} {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
	}
	write := func(dir, file, v string) error {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(v), 0); err != nil {
			return fmt.Errorf("cgroup %s/%s = %s: %w", dir, file, v, err)
		}
		return nil
	}
	const period = 100000
	if err := write(cpu, "cpu.cfs_period_us", strconv.Itoa(period)); err != nil {
		return nil, err
	}
	if err := write(cpu, "cpu.cfs_quota_us", strconv.Itoa(cpus*period)); err != nil {
		// EINVAL: a group above has a smaller quota, which then limits
		// the desktop instead.
		if !errors.Is(err, syscall.EINVAL) {
			return nil, err
		}
	}
	if err := write(mem, "memory.limit_in_bytes", strconv.FormatInt(int64(memMiB)<<20, 10)); err != nil {
		return nil, err
	}
	if err := write(pids, "pids.max", strconv.Itoa(maxPids)); err != nil {
		return nil, err
	}
	return []string{mem, cpu, pids}, nil
}

// removeGroups removes the desktop's groups once their processes are gone.
func removeGroups(dirs []string) {
	for _, d := range dirs {
		for i := 0; i < 50; i++ {
			err := syscall.Rmdir(d)
			if err == nil || errors.Is(err, syscall.ENOENT) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// startIn runs start on a locked OS thread that was first moved into the
// groups dirs: in cgroup v1 a forked child inherits the groups of the
// forking thread, so the desktop is limited from its first instruction,
// with no window in which it could fork outside its groups. The thread is
// then moved back into home (deskplane's own groups) and unlocked; if that
// fails it stays locked, so it ends with the goroutine instead of returning
// to the Go scheduler in the desktop's groups.
func startIn(dirs, home []string, start func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		tid := []byte(strconv.Itoa(syscall.Gettid()))
		join := func(groups []string) error {
			for _, d := range groups {
				if err := os.WriteFile(filepath.Join(d, "tasks"), tid, 0); err != nil {
					return fmt.Errorf("join cgroup %s: %w", d, err)
				}
			}
			return nil
		}
		err := join(dirs)
		if err == nil {
			err = start()
		}
		if join(home) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}
