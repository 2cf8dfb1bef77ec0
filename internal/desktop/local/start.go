package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/rfb"
)

// Provision and Start: volumes made, mounted and a sandbox launched until
// its X server answers (docs/decisions/0182-local-desktops.md).

// Provision creates the desktop's volumes.
func (p *Provider) Provision(ctx context.Context, spec deskplane.DesktopSpec) error {
	if err := checkName("desktop", spec.ID); err != nil {
		return err
	}
	if spec.ImageID != "" {
		if err := checkName("image", spec.ImageID); err != nil {
			return err
		}
	}
	r := spec.Resources
	if r.RootVolumeGiB <= 0 || r.UserVolumeGiB <= 0 || r.CPUs <= 0 || r.MemoryMiB <= 0 {
		return fmt.Errorf("desktop %s: resources must be positive: %+v", spec.ID, r)
	}
	m := p.lockOf(spec.ID)
	m.Lock()
	defer m.Unlock()
	if _, err := p.load(spec.ID); err == nil {
		return nil
	}
	if spec.ImageID != "" {
		if _, err := os.Stat(p.imageFile(spec.ImageID)); err != nil {
			return fmt.Errorf("%w: %s", deskplane.ErrImageNotFound, spec.ImageID)
		}
	}
	p.mu.Lock()
	uid, err := p.allocUID()
	if err == nil {
		// Reserve the uid: the state file of a desktop being built is
		// written first, in its temporary directory, so allocUID skips it.
		err = os.MkdirAll(p.desktopDir("."+spec.ID), 0o700)
	}
	tmp := p.desktopDir("." + spec.ID)
	s := &state{ID: spec.ID, ImageID: spec.ImageID, UserName: spec.UserName, Login: loginName(spec.UserName),
		Hostname: spec.Hostname, UID: uid, Resources: r}
	if s.Hostname == "" {
		s.Hostname = spec.ID
	}
	if err == nil {
		var b []byte
		b, _ = json.Marshal(s)
		err = writeAtomic(filepath.Join(tmp, "state.json"), b)
	}
	p.mu.Unlock()
	if err != nil {
		return err
	}
	fail := func(err error) error {
		_ = removeTree(tmp)
		return fmt.Errorf("desktop %s: provision: %w", spec.ID, err)
	}
	if err := p.newRoot(ctx, filepath.Join(tmp, "root.img"), spec.ImageID, r.RootVolumeGiB); err != nil {
		return fail(err)
	}
	if err := createVolume(ctx, filepath.Join(tmp, "home.img"), r.UserVolumeGiB, uid, ""); err != nil {
		return fail(err)
	}
	for _, d := range []string{"mnt/root", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o700); err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(tmp, p.desktopDir(spec.ID)); err != nil {
		return fail(err)
	}
	return nil
}

// newRoot makes a root volume at path: from the image's root volume when
// imageID is set (grown to sizeGiB), else an empty system layer.
func (p *Provider) newRoot(ctx context.Context, path, imageID string, sizeGiB int) error {
	if imageID == "" {
		return createVolume(ctx, path, sizeGiB, 0, p.skel)
	}
	src := p.imageFile(imageID)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("%w: %s", deskplane.ErrImageNotFound, imageID)
	}
	if err := copyVolume(ctx, src, path); err != nil {
		return err
	}
	return growVolume(ctx, path, sizeGiB, false)
}

// Start starts the desktop and waits until it answers RFB.
func (p *Provider) Start(ctx context.Context, id string) error {
	return p.withLock(id, func() error { return p.startLocked(ctx, id) })
}

func (p *Provider) startLocked(ctx context.Context, id string) error {
	s, err := p.load(id)
	if err != nil {
		return err
	}
	if s.Init.alive() {
		if err := p.waitReady(ctx, s); err == nil {
			return nil
		}
		// Running but not answering: start it afresh.
		if err := p.stopLocked(ctx, s); err != nil {
			return err
		}
	}
	if err := p.mountAll(ctx, s); err != nil {
		return fmt.Errorf("desktop %s: start: %w", id, err)
	}
	if err := p.launch(ctx, s); err != nil {
		return fmt.Errorf("desktop %s: start: %w", id, err)
	}
	if err := p.waitReady(ctx, s); err != nil {
		return fmt.Errorf("desktop %s: start: %w", id, err)
	}
	return nil
}

// mountAll mounts the root volume, the system overlays and the user volume
// of the desktop (each unless already mounted, so a Start cut short by a
// crash can be repeated).
func (p *Provider) mountAll(ctx context.Context, s *state) error {
	view := p.viewDir(s.ID)
	if err := os.MkdirAll(view, 0o700); err != nil {
		return err
	}
	if err := os.Chown(view, s.UID, s.UID); err != nil {
		return err
	}
	if err := os.Chmod(view, 0o700); err != nil {
		return err
	}
	root := p.rootMount(s.ID)
	if err := os.MkdirAll(root, 0o700); err != nil {
		return err
	}
	if _, mounted := mountAt(root); !mounted {
		if err := growVolume(ctx, p.rootImg(s.ID), s.Resources.RootVolumeGiB, false); err != nil {
			return err
		}
	}
	if err := mountImage(ctx, p.rootImg(s.ID), root); err != nil {
		return err
	}
	for _, d := range userWritable() {
		up := filepath.Join(root, "upper", d)
		if err := os.MkdirAll(up, 0o755); err != nil {
			return err
		}
		if err := os.Chown(up, s.UID, s.UID); err != nil {
			return err
		}
	}
	// Mount points for the host caches bound into every desktop.
	for _, c := range hostCaches() {
		if err := os.MkdirAll(filepath.Join(root, "upper", c), 0o755); err != nil {
			return err
		}
	}
	for _, d := range systemDirs() {
		lower := p.empty
		if d == "usr" || d == "etc" {
			lower = "/" + d
		}
		pt := filepath.Join(view, d)
		if err := os.MkdirAll(pt, 0o755); err != nil {
			return err
		}
		if err := mountOverlay(pt, lower, filepath.Join(root, "upper", d), filepath.Join(root, "work", d)); err != nil {
			return err
		}
	}
	home := p.homeMount(s.ID)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	if _, mounted := mountAt(home); !mounted {
		if err := growVolume(ctx, p.homeImg(s.ID), s.Resources.UserVolumeGiB, false); err != nil {
			return err
		}
	}
	if err := mountImage(ctx, p.homeImg(s.ID), home); err != nil {
		return err
	}
	if err := os.Chown(home, s.UID, s.UID); err != nil {
		return err
	}
	if err := os.Chmod(home, 0o700); err != nil {
		return err
	}
	vnc := filepath.Join(view, "vnc")
	if err := os.MkdirAll(vnc, 0o700); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(vnc, "rfb.sock"))
	if err := os.Chown(vnc, s.UID, s.UID); err != nil {
		return err
	}
	return nil
}

// pipeWith returns the read end of a pipe that holds data.
func pipeWith(data string) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	_, err = io.WriteString(w, data)
	w.Close()
	if err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// launch starts the sandbox and records its identities.
func (p *Provider) launch(ctx context.Context, s *state) error {
	res := s.Resources
	var groups []string
	if p.limits {
		var err error
		if groups, err = p.cg.create(s.ID, res.CPUs, res.MemoryMiB, p.opt.MaxProcesses); err != nil {
			return err
		}
	}
	tmpBytes := int64(res.MemoryMiB) << 19 // half the memory
	args := sandboxArgs(p.viewDir(s.ID), s.Login, s.Hostname, s.ID, p.opt.Geometry, tmpBytes)
	infoR, infoW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer infoR.Close()
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, data := range []string{passwdFile(s.Login), groupFile(s.Login), sessionScript} {
		f, err := pipeWith(data)
		if err != nil {
			infoW.Close()
			return err
		}
		files = append(files, f)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		infoW.Close()
		return err
	}
	cmd := exec.Command(p.bwrap, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Dir = "/"
	cmd.Stderr = errW
	cmd.ExtraFiles = append([]*os.File{infoW}, files...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid:     true,
		Credential: &syscall.Credential{Uid: uint32(s.UID), Gid: uint32(s.UID), Groups: []uint32{}},
	}
	start := cmd.Start
	if len(groups) > 0 {
		err = startIn(groups, p.cg.own(), start)
	} else {
		err = start()
	}
	infoW.Close()
	errW.Close()
	if err != nil {
		errR.Close()
		removeGroups(groups)
		return err
	}
	// Collect bwrap's errors while it sets up; after that the pipe is
	// drained until it closes.
	var stderr bytes.Buffer
	stderrDone := make(chan struct{})
	go func() {
		defer close(stderrDone)
		defer errR.Close()
		buf := make([]byte, 4096)
		for {
			n, err := errR.Read(buf)
			if stderr.Len() < 8192 {
				stderr.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan struct{})
	pid := cmd.Process.Pid
	p.children.Store(pid, exited)
	go func() {
		_ = cmd.Wait()
		close(exited)
		p.children.CompareAndDelete(pid, exited)
	}()
	info, _ := io.ReadAll(infoR)
	var bi struct {
		ChildPID int    `json:"child-pid"`
		PidNS    uint64 `json:"pid-namespace"`
	}
	if err := json.Unmarshal(info, &bi); err != nil || bi.ChildPID == 0 {
		select {
		case <-exited:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		<-stderrDone
		removeGroups(groups)
		return fmt.Errorf("bubblewrap did not start the desktop: %s", strings.TrimSpace(stderr.String()))
	}
	mon, err := identify(cmd.Process.Pid)
	var ini procIdentity
	if err == nil {
		ini, err = identify(bi.ChildPID)
	}
	if err != nil {
		// It died as it started: end what is left of it.
		_ = syscall.Kill(bi.ChildPID, syscall.SIGKILL)
		_ = cmd.Process.Kill()
		<-exited
		<-stderrDone
		removeGroups(groups)
		return fmt.Errorf("the desktop ended as it started: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	s.WantRunning = true
	s.Monitor, s.Init = mon, ini
	s.PidNS = fmt.Sprintf("pid:[%d]", bi.PidNS)
	s.Cgroups = groups
	s.Applied = res
	s.Started = time.Now().UTC()
	return p.save(s)
}

// waitReady waits until the desktop answers the RFB handshake, its
// processes end, or ctx or the start timeout ends.
func (p *Provider) waitReady(ctx context.Context, s *state) error {
	deadline := time.Now().Add(p.opt.StartTimeout)
	sock := p.socketPath(s.ID)
	for {
		if err := probe(sock, time.Second); err == nil {
			return nil
		}
		if !s.Init.alive() {
			return errors.New("the desktop's processes ended before its X server answered")
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the desktop did not answer RFB within %s", p.opt.StartTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// probe runs the RFB handshake on the socket.
func probe(sock string, timeout time.Duration) error {
	c, err := rfb.Dial("unix", sock, rfb.Options{}, timeout)
	if err != nil {
		return err
	}
	return c.Close()
}
