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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/deskplane/deskplane"
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

// withLock is the preamble of every provider call on one desktop: it
// checks the desktop's id and the call's other names ({kind, name} pairs),
// then runs fn holding the desktop's lock.
func (p *Provider) withLock(id string, fn func() error, names ...[2]string) error {
	if err := checkName("desktop", id); err != nil {
		return err
	}
	for _, n := range names {
		if err := checkName(n[0], n[1]); err != nil {
			return err
		}
	}
	m := p.lockOf(id)
	m.Lock()
	defer m.Unlock()
	return fn()
}

// withDesktop is withLock for a call on a provisioned desktop: fn gets its
// state, and a desktop without one answers ErrDesktopNotFound.
func (p *Provider) withDesktop(id string, fn func(*state) error, names ...[2]string) error {
	return p.withLock(id, func() error {
		s, err := p.load(id)
		if err != nil {
			return err
		}
		return fn(s)
	}, names...)
}

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
