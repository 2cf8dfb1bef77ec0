package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// mountEntry is one line of /proc/self/mountinfo.
type mountEntry struct {
	Point  string
	FSType string
	Source string
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space …).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func mounts() ([]mountEntry, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []mountEntry
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 {
			continue
		}
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+2 >= len(f) {
			continue
		}
		out = append(out, mountEntry{Point: unescapeMount(f[4]), FSType: f[sep+1], Source: unescapeMount(f[sep+2])})
	}
	return out, nil
}

// mountAt returns the entry mounted at point (the topmost), if any.
func mountAt(point string) (mountEntry, bool) {
	ms, _ := mounts()
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Point == point {
			return ms[i], true
		}
	}
	return mountEntry{}, false
}

// mountsUnder lists the mount points at or below dir, deepest first.
func mountsUnder(dir string) []string {
	ms, _ := mounts()
	var out []string
	for _, m := range ms {
		if m.Point == dir || strings.HasPrefix(m.Point, dir+"/") {
			out = append(out, m.Point)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// unmountAll unmounts everything at or below dir, deepest first. A busy
// mount is retried, then detached lazily.
func unmountAll(dir string) error {
	for range 5 {
		points := mountsUnder(dir)
		if len(points) == 0 {
			return nil
		}
		for _, p := range points {
			if err := syscall.Unmount(p, 0); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
				if errors.Is(err, syscall.EBUSY) {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				return fmt.Errorf("unmount %s: %w", p, err)
			}
		}
	}
	for _, p := range mountsUnder(dir) {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			return fmt.Errorf("detach %s: %w", p, err)
		}
	}
	if left := mountsUnder(dir); len(left) > 0 {
		return fmt.Errorf("still mounted: %s", strings.Join(left, ", "))
	}
	return nil
}

// removeTree removes dir and everything in it, after making sure no file
// system is mounted below it: removing through a mount would delete the
// mounted volume's content (or, for an overlay, write whiteouts).
func removeTree(dir string) error {
	if err := unmountAll(dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// tool finds a host tool on PATH or in the system directories (a
// deskplane started with a PATH without /usr/sbin still finds mkfs.ext4).
func tool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := dir + "/" + name
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: not found (PATH, /usr/sbin, /sbin)", name)
}

// command prepares a host tool with a fixed environment.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	path, err := tool(name)
	if err != nil {
		path = name // exec reports the missing tool
	}
	return exec.CommandContext(ctx, path, args...)
}

// run runs a host tool and returns its error with its output.
func run(ctx context.Context, name string, args ...string) error {
	cmd := command(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// output runs a host tool and returns its standard output.
func output(ctx context.Context, name string, args ...string) (string, error) {
	cmd := command(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// mountOverlay mounts an overlay of lower (read-only) and upper/work
// (writable) at point, unless something is mounted there already.
func mountOverlay(point, lower, upper, work string) error {
	if _, ok := mountAt(point); ok {
		return nil
	}
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", point, "overlay", syscall.MS_NOSUID|syscall.MS_NODEV, opts); err != nil {
		return fmt.Errorf("mount overlay on %s (%s): %w", point, opts, err)
	}
	return nil
}

// mountImage loop-mounts the ext4 image file img at point (nosuid,nodev),
// unless something is mounted there already. The loop device is freed when
// the file system is unmounted (mount's autoclear).
func mountImage(ctx context.Context, img, point string) error {
	if _, ok := mountAt(point); ok {
		return nil
	}
	return run(ctx, "mount", "-t", "ext4", "-o", "loop,nosuid,nodev", img, point)
}

// asExit returns the exit status of a failed command.
func asExit(err error) (int, bool) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), true
	}
	return 0, false
}
