package local

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deskplane/deskplane"
)

// Status reports the desktop as it is now.
func (p *Provider) Status(ctx context.Context, id string) (deskplane.DesktopStatus, error) {
	if err := checkName("desktop", id); err != nil {
		return deskplane.DesktopStatus{}, err
	}
	s, err := p.load(id)
	if err != nil {
		return deskplane.DesktopStatus{}, err
	}
	return p.status(ctx, s), nil
}

func (p *Provider) status(ctx context.Context, s *state) deskplane.DesktopStatus {
	st := deskplane.DesktopStatus{
		ID: s.ID, ImageID: s.ImageID, UserName: s.UserName, Resources: s.Resources,
		LimitsEnforced: p.limits, VolumesEnforced: true,
		RootVolume: usage(ctx, p.rootImg(s.ID), p.rootMount(s.ID)),
		UserVolume: usage(ctx, p.homeImg(s.ID), p.homeMount(s.ID)),
	}
	alive := s.Init.alive()
	switch {
	case alive:
		st.Applied, st.Started = s.Applied, s.Started
		st.Endpoint = "unix:" + p.socketPath(s.ID)
		if err := probe(p.socketPath(s.ID), 2*time.Second); err != nil {
			st.State, st.Reason = deskplane.DesktopUnhealthy, "the X server does not answer: "+err.Error()
		} else {
			st.State = deskplane.DesktopRunning
		}
	case s.WantRunning:
		st.State, st.Reason = deskplane.DesktopUnhealthy, "the desktop's processes ended (its X server exited)"
	default:
		st.State = deskplane.DesktopStopped
	}
	return st
}

// List reports every desktop of this provider.
func (p *Provider) List(ctx context.Context) ([]deskplane.DesktopStatus, error) {
	ents, err := os.ReadDir(filepath.Join(p.opt.Dir, "desktops"))
	if err != nil {
		return nil, err
	}
	var out []deskplane.DesktopStatus
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		s, err := p.load(e.Name())
		if err != nil {
			continue
		}
		out = append(out, p.status(ctx, s))
	}
	return out, nil
}

// Processes lists the host pids of the desktop's processes: bubblewrap on
// the host and everything in the desktop's pid namespace.
func (p *Provider) Processes(id string) ([]int, error) {
	s, err := p.load(id)
	if err != nil {
		return nil, err
	}
	var out []int
	if s.Monitor.alive() {
		out = append(out, s.Monitor.PID)
	}
	if !s.Init.alive() {
		return out, nil
	}
	return append(out, livePids(pidsInNamespace(s.PidNS))...), nil
}

// Memory sums the resident and proportional set sizes of the desktop's
// processes, in bytes.
func (p *Provider) Memory(id string) (rss, pss int64, err error) {
	pids, err := p.Processes(id)
	if err != nil {
		return 0, 0, err
	}
	for _, pid := range pids {
		r, s := memoryOf(pid)
		rss += r
		pss += s
	}
	return rss, pss, nil
}

// UID returns the host uid of the desktop.
func (p *Provider) UID(id string) (int, error) {
	s, err := p.load(id)
	if err != nil {
		return 0, err
	}
	return s.UID, nil
}

// Cgroups returns the cgroup directories of the running desktop.
func (p *Provider) Cgroups(id string) ([]string, error) {
	s, err := p.load(id)
	if err != nil {
		return nil, err
	}
	return s.Cgroups, nil
}

// HomeDir returns where the running desktop's user volume is mounted on
// the host, and its login name.
func (p *Provider) HomeDir(id string) (dir, login string, err error) {
	s, err := p.load(id)
	if err != nil {
		return "", "", err
	}
	return p.homeMount(id), s.Login, nil
}
