// Package local implements deskplane.Desktops with real Linux desktops on
// this host: TigerVNC's Xvnc, openbox and xterm in a bubblewrap sandbox per
// desktop, each under its own unprivileged uid, with ext4 volumes in image
// files, cgroup v1 limits, snapshots and images as file copies
// (docs/decisions/0182-local-desktops.md).
//
// It needs root (loop and overlay mounts, a uid per desktop, cgroups) and
// the Debian packages tigervnc-standalone-server, openbox, xterm and
// bubblewrap, plus e2fsprogs and util-linux (always installed).
//
// Desktops outlive the process that started them: each runs in its own
// session, and a provider opened on the same directory later adopts them
// (docs/decisions/0183-desktops-survive-restarts.md).
package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/rfb"
)

// Options configure a Provider.
type Options struct {
	// Dir holds the volumes, snapshots, images and state of the desktops
	// (deskplane puts it in its data directory). It is made 0700.
	Dir string
	// RunDir holds each desktop's sandbox view: its mount points and VNC
	// socket directory. Its parents must be searchable by other users (the
	// desktops' uids); default /run/deskplane/<hash of Dir>.
	RunDir string
	// UIDBase and UIDCount are the host uids given to desktops, one each.
	// No other provider on the host may use the same range (New refuses a
	// range in use). Default 1500000 and 100000.
	UIDBase, UIDCount int
	// Geometry is the screen size; default 1280x800.
	Geometry string
	// StartTimeout bounds how long Start waits for the RFB handshake;
	// default 30 s.
	StartTimeout time.Duration
	// StopGrace is how long Stop lets the desktop's processes end after
	// SIGTERM before killing them; default 2 s.
	StopGrace time.Duration
	// MaxProcesses is each desktop's pids.max; default 1024.
	MaxProcesses int
	// Bwrap, Xvnc, Openbox, Xterm override the tool paths (default: found
	// on PATH). Only Bwrap is run from the host; the others are checked on
	// the host because its /usr is the base system layer.
	Bwrap, Xvnc, Openbox, Xterm string
}

// Provider is the local deskplane.Desktops.
type Provider struct {
	opt    Options
	name   string // short hash of Dir: names run dir and cgroups
	bwrap  string
	cg     cgroupSet
	limits bool
	// onlineGrow: the process holds CAP_SYS_RESOURCE, which ext4 needs
	// to grow a mounted file system.
	onlineGrow bool
	empty      string // empty lower layer for /opt and /var
	skel       string // skeleton of a new root volume
	lock       *os.File
	uidLock    *os.File

	mu    sync.Mutex // guards locks and uid allocation
	locks map[string]*sync.Mutex

	// children are the sandboxes this process started: their exit is
	// reaped by a goroutine, which closes the channel.
	children sync.Map // monitor pid → chan struct{}
}

var _ deskplane.Desktops = (*Provider)(nil)

// Missing reports which of the host tools the provider needs are absent,
// as Debian package names, and whether the process lacks root. Tests use
// it to skip with a clear message.
func Missing() []string {
	var out []string
	for _, t := range []struct{ bin, pkg string }{
		{"Xvnc", "tigervnc-standalone-server"},
		{"openbox", "openbox"},
		{"xterm", "xterm"},
		{"bwrap", "bubblewrap"},
		{"mkfs.ext4", "e2fsprogs"},
		{"resize2fs", "e2fsprogs"},
		{"fsfreeze", "util-linux"},
		{"nsenter", "util-linux"},
		{"setpriv", "util-linux"},
		{"losetup", "mount"},
	} {
		if _, err := tool(t.bin); err != nil {
			out = append(out, t.pkg+" ("+t.bin+")")
		}
	}
	if os.Geteuid() != 0 {
		out = append(out, "root (loop and overlay mounts, a uid per desktop)")
	}
	return out
}

// New opens (or creates) the provider's directories and adopts the
// desktops a previous process left running.
func New(opt Options) (*Provider, error) {
	if opt.Dir == "" {
		return nil, errors.New("local desktops: no directory")
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("local desktops need root: loop and overlay mounts, a uid per desktop, cgroups")
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	opt.Dir = dir
	sum := sha256.Sum256([]byte(dir))
	p := &Provider{opt: opt, name: hex.EncodeToString(sum[:6]), locks: map[string]*sync.Mutex{}}
	if p.opt.RunDir == "" {
		p.opt.RunDir = filepath.Join("/run/deskplane", p.name)
	}
	if p.opt.UIDBase == 0 {
		p.opt.UIDBase = 1500000
	}
	if p.opt.UIDCount == 0 {
		p.opt.UIDCount = 100000
	}
	if p.opt.Geometry == "" {
		p.opt.Geometry = "1280x800"
	}
	if p.opt.StartTimeout == 0 {
		p.opt.StartTimeout = 30 * time.Second
	}
	if p.opt.StopGrace == 0 {
		p.opt.StopGrace = 2 * time.Second
	}
	if p.opt.MaxProcesses == 0 {
		p.opt.MaxProcesses = 1024
	}
	tools := map[string]*string{"bwrap": &p.opt.Bwrap, "Xvnc": &p.opt.Xvnc, "openbox": &p.opt.Openbox, "xterm": &p.opt.Xterm}
	for name, path := range tools {
		if *path == "" {
			found, err := tool(name)
			if err != nil {
				return nil, fmt.Errorf("local desktops need %s: %w (see README, Real desktops)", name, err)
			}
			*path = found
		}
	}
	p.bwrap = p.opt.Bwrap
	for _, d := range []string{dir, filepath.Join(dir, "desktops"), filepath.Join(dir, "images"), filepath.Join(dir, "base")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(uidLockDir, 0o711); err != nil {
		return nil, err
	}
	if p.lock, err = flock(filepath.Join(dir, "lock")); err != nil {
		return nil, fmt.Errorf("local desktops: %s is in use by another process: %w", dir, err)
	}
	uidLock := filepath.Join(uidLockDir, fmt.Sprintf("uids-%d.lock", p.opt.UIDBase))
	if p.uidLock, err = flock(uidLock); err != nil {
		p.lock.Close()
		return nil, fmt.Errorf("local desktops: uids from %d are in use by another provider: %w", p.opt.UIDBase, err)
	}
	if err := p.makeRunDir(); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.makeBase(); err != nil {
		p.Close()
		return nil, err
	}
	p.cg, p.limits = detectCgroups(p.name)
	p.onlineGrow = hasCapability(capSysResource)
	p.recover()
	return p, nil
}

// Close releases the provider's locks. Desktops keep running: a provider
// opened on the same directory adopts them.
func (p *Provider) Close() error {
	// The provider's parent cgroups go when no desktop is left in them
	// (rmdir fails on a group with children, which is what we want).
	if p.limits {
		for _, d := range []string{p.cg.memory, p.cg.cpu, p.cg.pids} {
			_ = syscall.Rmdir(d)
		}
	}
	if p.uidLock != nil {
		p.uidLock.Close()
	}
	if p.lock != nil {
		return p.lock.Close()
	}
	return nil
}

// GrowsOnline says whether a running desktop's volumes grow at once
// (ext4 online resize needs CAP_SYS_RESOURCE); otherwise they grow at its
// next start.
func (p *Provider) GrowsOnline() bool { return p.onlineGrow }

// LimitsEnforced says whether CPU, memory and process limits are applied.
func (p *Provider) LimitsEnforced() bool { return p.limits }

// RunDir is where the desktops' views and sockets are.
func (p *Provider) RunDir() string { return p.opt.RunDir }

func flock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// makeRunDir creates the run dir 0711 and checks that the desktops' uids
// can pass through its parents.
func (p *Provider) makeRunDir() error {
	rd, err := filepath.Abs(p.opt.RunDir)
	if err != nil {
		return err
	}
	p.opt.RunDir = rd
	if err := os.MkdirAll(rd, 0o711); err != nil {
		return err
	}
	for _, d := range []string{uidLockDir, rd} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o711); err != nil {
			return err
		}
	}
	for d := filepath.Dir(rd); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("local desktops: run dir %s: %s is not searchable by other users, so desktops could not reach their mounts", rd, d)
		}
		if d == "/" {
			return nil
		}
	}
}

// uidLockDir holds one lock file per uid range in use on the host.
const uidLockDir = "/run/deskplane"

// makeBase prepares the empty lower layer and the skeleton of new root
// volumes: an upper and a work directory per system directory, the
// user-writable ones, and /var/tmp.
func (p *Provider) makeBase() error {
	p.empty = filepath.Join(p.opt.Dir, "base", "empty")
	p.skel = filepath.Join(p.opt.Dir, "base", "skel")
	if err := os.MkdirAll(p.empty, 0o755); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(p.skel, "upper", "var", "tmp")); err == nil {
		return nil
	}
	tmp := p.skel + ".new"
	_ = os.RemoveAll(tmp)
	for _, d := range systemDirs() {
		for _, layer := range []string{"upper", "work"} {
			if err := os.MkdirAll(filepath.Join(tmp, layer, d), 0o755); err != nil {
				return err
			}
		}
	}
	for _, d := range userWritable() {
		if err := os.MkdirAll(filepath.Join(tmp, "upper", d), 0o755); err != nil {
			return err
		}
	}
	vt := filepath.Join(tmp, "upper", "var", "tmp")
	if err := os.MkdirAll(vt, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(vt, 0o1777|os.ModeSticky); err != nil {
		return err
	}
	_ = os.RemoveAll(p.skel)
	return os.Rename(tmp, p.skel)
}

// --- desktop state ---

// state is what the provider keeps about a desktop, in
// <Dir>/desktops/<id>/state.json.
type state struct {
	ID        string                     `json:"id"`
	ImageID   string                     `json:"imageId,omitempty"`
	UserName  string                     `json:"userName"`
	Login     string                     `json:"login"`
	Hostname  string                     `json:"hostname"`
	UID       int                        `json:"uid"`
	Resources deskplane.DesktopResources `json:"resources"`
	// WantRunning is set by Start and cleared by Stop: a desktop that
	// should run but whose processes are gone is unhealthy.
	WantRunning bool                       `json:"wantRunning"`
	Monitor     procIdentity               `json:"monitor"` // bwrap on the host
	Init        procIdentity               `json:"init"`    // pid 1 of the desktop
	PidNS       string                     `json:"pidns,omitempty"`
	Cgroups     []string                   `json:"cgroups,omitempty"`
	Applied     deskplane.DesktopResources `json:"applied"`
	Started     time.Time                  `json:"started,omitzero"`
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkName(kind, s string) error {
	if !idRE.MatchString(s) {
		return fmt.Errorf("%w: %s %q", deskplane.ErrInvalidDesktopID, kind, s)
	}
	return nil
}

func (p *Provider) desktopDir(id string) string { return filepath.Join(p.opt.Dir, "desktops", id) }
func (p *Provider) viewDir(id string) string    { return filepath.Join(p.opt.RunDir, id) }
func (p *Provider) imageDir(id string) string   { return filepath.Join(p.opt.Dir, "images", id) }
func (p *Provider) rootMount(id string) string  { return filepath.Join(p.desktopDir(id), "mnt", "root") }
func (p *Provider) rootImg(id string) string    { return filepath.Join(p.desktopDir(id), "root.img") }
func (p *Provider) homeImg(id string) string    { return filepath.Join(p.desktopDir(id), "home.img") }
func (p *Provider) homeMount(id string) string  { return filepath.Join(p.viewDir(id), "home") }
func (p *Provider) snapDir(id, n string) string {
	return filepath.Join(p.desktopDir(id), "snapshots", n)
}
func (p *Provider) socketPath(id string) string {
	return filepath.Join(p.viewDir(id), "vnc", "rfb.sock")
}
func (p *Provider) statePath(id string) string  { return filepath.Join(p.desktopDir(id), "state.json") }
func (p *Provider) imageFile(img string) string { return filepath.Join(p.imageDir(img), "root.img") }
func (p *Provider) lockOf(id string) *sync.Mutex {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lockLocked(id)
}

func (p *Provider) lockLocked(id string) *sync.Mutex {
	m, ok := p.locks[id]
	if !ok {
		m = &sync.Mutex{}
		p.locks[id] = m
	}
	return m
}

// Socket returns the path of the desktop's VNC socket.
func (p *Provider) Socket(id string) string { return p.socketPath(id) }

func (p *Provider) load(id string) (*state, error) {
	b, err := os.ReadFile(p.statePath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", deskplane.ErrDesktopNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("desktop %s: state: %w", id, err)
	}
	return &s, nil
}

// save writes the state atomically (temporary file, fsync, rename).
func (p *Provider) save(s *state) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(p.statePath(s.ID), b)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// allocUID picks the lowest uid of the range no desktop of this provider
// holds. Called with p.mu held.
func (p *Provider) allocUID() (int, error) {
	used := map[int]bool{}
	ents, _ := os.ReadDir(filepath.Join(p.opt.Dir, "desktops"))
	for _, e := range ents {
		if s, err := p.load(e.Name()); err == nil {
			used[s.UID] = true
		}
	}
	for u := p.opt.UIDBase; u < p.opt.UIDBase+p.opt.UIDCount; u++ {
		if !used[u] {
			return u, nil
		}
	}
	return 0, fmt.Errorf("local desktops: all %d uids from %d are in use", p.opt.UIDCount, p.opt.UIDBase)
}

// recover runs when the provider opens: it thaws file systems a crash may
// have left frozen during a snapshot or capture, and removes half-made
// copies. Running desktops need nothing: they are found by their recorded
// identities.
func (p *Provider) recover() {
	ents, _ := os.ReadDir(filepath.Join(p.opt.Dir, "desktops"))
	for _, e := range ents {
		id := e.Name()
		if strings.HasPrefix(id, ".") {
			_ = removeTree(filepath.Join(p.opt.Dir, "desktops", id))
			continue
		}
		for _, pt := range []string{p.rootMount(id), p.homeMount(id)} {
			if _, ok := mountAt(pt); ok {
				_ = run(context.Background(), "fsfreeze", "-u", pt)
			}
		}
		tmps, _ := filepath.Glob(filepath.Join(p.desktopDir(id), "snapshots", ".*"))
		for _, t := range tmps {
			_ = removeTree(t)
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(p.opt.Dir, "images", ".*"))
	for _, t := range tmps {
		_ = removeTree(t)
	}
}

// --- the port ---

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
	if err := checkName("desktop", id); err != nil {
		return err
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	return p.startLocked(ctx, id)
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

// Stop ends the desktop's processes and unmounts its volumes.
func (p *Provider) Stop(ctx context.Context, id string) error {
	if err := checkName("desktop", id); err != nil {
		return err
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	s, err := p.load(id)
	if err != nil {
		return err
	}
	return p.stopLocked(ctx, s)
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
	if err := checkName("desktop", id); err != nil {
		return err
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	s, err := p.load(id)
	if err != nil {
		return err
	}
	if err := p.stopLocked(ctx, s); err != nil {
		return err
	}
	return p.startLocked(ctx, id)
}

// Rebuild recreates the root volume from imageID and the user volume from
// a snapshot (or empty), and leaves the desktop stopped.
func (p *Provider) Rebuild(ctx context.Context, id, imageID, userSnapshot string) error {
	if err := checkName("desktop", id); err != nil {
		return err
	}
	if imageID != "" {
		if err := checkName("image", imageID); err != nil {
			return err
		}
	}
	if userSnapshot != "" {
		if err := checkName("snapshot", userSnapshot); err != nil {
			return err
		}
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	s, err := p.load(id)
	if err != nil {
		return err
	}
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
	if err := checkName("desktop", id); err != nil {
		return err
	}
	if err := checkName("snapshot", snapshot); err != nil {
		return err
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	s, err := p.load(id)
	if err != nil {
		return err
	}
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
	if err := checkName("desktop", id); err != nil {
		return err
	}
	if res.RootVolumeGiB <= 0 || res.UserVolumeGiB <= 0 || res.CPUs <= 0 || res.MemoryMiB <= 0 {
		return fmt.Errorf("desktop %s: resources must be positive: %+v", id, res)
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	s, err := p.load(id)
	if err != nil {
		return err
	}
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
	if err := checkName("desktop", id); err != nil {
		return err
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
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
