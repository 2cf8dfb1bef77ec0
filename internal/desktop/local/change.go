package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/deskplane/deskplane"
)

// Stop, Reboot, Rebuild, Restore, Modify and Terminate
// (docs/decisions/0182-local-desktops.md).

// Stop ends the desktop's processes and unmounts its volumes.
func (p *Provider) Stop(ctx context.Context, id string) error {
	return p.withDesktop(id, func(s *state) error { return p.stopLocked(ctx, s) })
}

func (p *Provider) stopLocked(ctx context.Context, s *state) error {
	p.kill(s)
	if err := unmountAll(p.viewDir(s.ID)); err != nil {
		return fmt.Errorf("desktop %s: stop: %w", s.ID, err)
	}
	if err := unmountAll(p.rootMount(s.ID)); err != nil {
		return fmt.Errorf("desktop %s: stop: %w", s.ID, err)
	}
	removeGroups(s.Cgroups)
	s.WantRunning = false
	s.Monitor, s.Init, s.PidNS, s.Cgroups, s.Started = procIdentity{}, procIdentity{}, "", nil, time.Time{}
	return p.save(s)
}

// kill ends every process of the desktop: SIGTERM to all of them but its
// pid 1 and the session, so applications can end cleanly; then, once they
// are gone or after the grace period, SIGKILL to the desktop's pid 1, which
// makes the kernel kill everything left in its pid namespace. bubblewrap's
// monitor reaps pid 1 and exits; a monitor this process started is reaped
// before kill returns.
func (p *Provider) kill(s *state) {
	ns := s.PidNS
	if s.Init.alive() && pidNamespace(s.Init.PID) == ns {
		spare := map[int]bool{s.Init.PID: true}
		for _, c := range children(s.Init.PID) {
			spare[c] = true // the session
		}
		others := func() []int {
			var out []int
			for _, pid := range livePids(pidsInNamespace(ns)) {
				if !spare[pid] {
					out = append(out, pid)
				}
			}
			return out
		}
		for _, pid := range others() {
			_ = syscall.Kill(pid, syscall.SIGTERM)
		}
		waitGone(p.opt.StopGrace, func() bool { return len(others()) == 0 })
		s.Init.kill(syscall.SIGKILL)
	}
	waitGone(5*time.Second, func() bool { return !s.Init.alive() && len(livePids(pidsInNamespace(ns))) == 0 })
	waitGone(5*time.Second, func() bool { return !s.Monitor.alive() })
	s.Monitor.kill(syscall.SIGKILL)
	waitGone(5*time.Second, func() bool { return !s.Monitor.alive() })
	if v, ok := p.children.Load(s.Monitor.PID); ok {
		select {
		case <-v.(chan struct{}):
		case <-time.After(5 * time.Second):
		}
	}
}

func livePids(pids []int) []int {
	var out []int
	for _, pid := range pids {
		if !zombieOrGone(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// Reboot stops and starts the desktop.
func (p *Provider) Reboot(ctx context.Context, id string) error {
	return p.withDesktop(id, func(s *state) error {
		if err := p.stopLocked(ctx, s); err != nil {
			return err
		}
		return p.startLocked(ctx, id)
	})
}

// Rebuild recreates the root volume from imageID and the user volume from
// a snapshot (or empty), and leaves the desktop stopped.
func (p *Provider) Rebuild(ctx context.Context, id, imageID, userSnapshot string) error {
	var names [][2]string
	if imageID != "" {
		names = append(names, [2]string{"image", imageID})
	}
	if userSnapshot != "" {
		names = append(names, [2]string{"snapshot", userSnapshot})
	}
	return p.withDesktop(id, func(s *state) error { return p.rebuild(ctx, s, imageID, userSnapshot) }, names...)
}

func (p *Provider) rebuild(ctx context.Context, s *state, imageID, userSnapshot string) error {
	id := s.ID
	if userSnapshot != "" {
		if _, err := os.Stat(filepath.Join(p.snapDir(id, userSnapshot), "home.img")); err != nil {
			return fmt.Errorf("%w: %s of %s", deskplane.ErrSnapshotNotFound, userSnapshot, id)
		}
	}
	if imageID != "" {
		if _, err := os.Stat(p.imageFile(imageID)); err != nil {
			return fmt.Errorf("%w: %s", deskplane.ErrImageNotFound, imageID)
		}
	}
	if err := p.stopLocked(ctx, s); err != nil {
		return err
	}
	rootNew := p.rootImg(id) + ".new"
	if err := p.newRoot(ctx, rootNew, imageID, s.Resources.RootVolumeGiB); err != nil {
		return fmt.Errorf("desktop %s: rebuild: %w", id, err)
	}
	homeNew := p.homeImg(id) + ".new"
	var err error
	if userSnapshot == "" {
		err = createVolume(ctx, homeNew, s.Resources.UserVolumeGiB, s.UID, "")
	} else {
		err = p.volumeFrom(ctx, filepath.Join(p.snapDir(id, userSnapshot), "home.img"), homeNew, s.Resources.UserVolumeGiB)
	}
	if err != nil {
		return fmt.Errorf("desktop %s: rebuild: %w", id, err)
	}
	if err := os.Rename(rootNew, p.rootImg(id)); err != nil {
		return err
	}
	if err := os.Rename(homeNew, p.homeImg(id)); err != nil {
		return err
	}
	s.ImageID = imageID
	return p.save(s)
}

// volumeFrom copies a snapshot's volume to dst and grows it to sizeGiB.
func (p *Provider) volumeFrom(ctx context.Context, src, dst string, sizeGiB int) error {
	if err := copyVolume(ctx, src, dst); err != nil {
		return err
	}
	return growVolume(ctx, dst, sizeGiB, false)
}

// Restore restores both volumes from a snapshot and leaves the desktop
// stopped.
func (p *Provider) Restore(ctx context.Context, id, snapshot string) error {
	return p.withDesktop(id, func(s *state) error { return p.restore(ctx, s, snapshot) }, [2]string{"snapshot", snapshot})
}

func (p *Provider) restore(ctx context.Context, s *state, snapshot string) error {
	id := s.ID
	dir := p.snapDir(id, snapshot)
	if _, err := os.Stat(filepath.Join(dir, "meta.json")); err != nil {
		return fmt.Errorf("%w: %s of %s", deskplane.ErrSnapshotNotFound, snapshot, id)
	}
	if err := p.stopLocked(ctx, s); err != nil {
		return err
	}
	for _, v := range []struct {
		src, dst string
		size     int
	}{
		{filepath.Join(dir, "root.img"), p.rootImg(id), s.Resources.RootVolumeGiB},
		{filepath.Join(dir, "home.img"), p.homeImg(id), s.Resources.UserVolumeGiB},
	} {
		if err := p.volumeFrom(ctx, v.src, v.dst+".new", v.size); err != nil {
			return fmt.Errorf("desktop %s: restore: %w", id, err)
		}
	}
	if err := os.Rename(p.rootImg(id)+".new", p.rootImg(id)); err != nil {
		return err
	}
	return os.Rename(p.homeImg(id)+".new", p.homeImg(id))
}

// Modify grows volumes now and records the compute for the next start.
func (p *Provider) Modify(ctx context.Context, id string, res deskplane.DesktopResources) error {
	if res.RootVolumeGiB <= 0 || res.UserVolumeGiB <= 0 || res.CPUs <= 0 || res.MemoryMiB <= 0 {
		return fmt.Errorf("desktop %s: resources must be positive: %+v", id, res)
	}
	return p.withDesktop(id, func(s *state) error { return p.modify(ctx, s, res) })
}

func (p *Provider) modify(ctx context.Context, s *state, res deskplane.DesktopResources) error {
	id := s.ID
	for _, v := range []struct {
		img, point string
		size       int
	}{
		{p.rootImg(id), p.rootMount(id), res.RootVolumeGiB},
		{p.homeImg(id), p.homeMount(id), res.UserVolumeGiB},
	} {
		cur, err := volumeSize(v.img)
		if err != nil {
			return err
		}
		if int64(v.size)*gib < cur {
			return fmt.Errorf("%w: %s is %d GiB, asked %d GiB", deskplane.ErrVolumeShrink, filepath.Base(v.img), cur/gib, v.size)
		}
	}
	for _, v := range []struct {
		img, point string
		size       int
	}{
		{p.rootImg(id), p.rootMount(id), res.RootVolumeGiB},
		{p.homeImg(id), p.homeMount(id), res.UserVolumeGiB},
	} {
		_, mounted := mountAt(v.point)
		var err error
		switch {
		case mounted && p.onlineGrow:
			err = growMounted(ctx, v.img, v.point, v.size)
		case mounted:
			// No CAP_SYS_RESOURCE for an online resize: the volume
			// grows when the desktop next starts (mountAll).
		default:
			err = growVolume(ctx, v.img, v.size, true)
		}
		if err != nil {
			return fmt.Errorf("desktop %s: grow %s: %w", id, filepath.Base(v.img), err)
		}
	}
	s.Resources = res
	return p.save(s)
}

// Terminate removes everything of the desktop.
func (p *Provider) Terminate(ctx context.Context, id string) error {
	return p.withLock(id, func() error { return p.terminate(ctx, id) })
}

func (p *Provider) terminate(ctx context.Context, id string) error {
	s, err := p.load(id)
	if errors.Is(err, deskplane.ErrDesktopNotFound) {
		// Leftovers of a Provision or Terminate cut short.
		_ = removeTree(p.desktopDir("." + id))
		return removeTree(p.viewDir(id))
	}
	if err != nil {
		return err
	}
	if err := p.stopLocked(ctx, s); err != nil {
		return err
	}
	// Move the directory away first, so a crash part-way leaves no
	// half-removed desktop that still looks provisioned.
	gone := p.desktopDir("." + id)
	_ = removeTree(gone)
	if err := os.Rename(p.desktopDir(id), gone); err != nil {
		return err
	}
	if err := removeTree(gone); err != nil {
		return err
	}
	if err := removeTree(p.viewDir(id)); err != nil {
		return err
	}
	p.mu.Lock()
	delete(p.locks, id)
	p.mu.Unlock()
	return nil
}
