package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What runs inside a desktop, and the bubblewrap command line that builds
// its world (docs/decisions/0182-local-desktops.md):
//
//	/usr /etc /opt /var   overlays: the host's system (or an empty base)
//	                      below, the desktop's root volume above (writable)
//	/bin /lib …           the host's merged-/usr symlinks
//	/home/USER            the user volume
//	/tmp                  a private tmpfs
//	/proc /dev            the desktop's own (new pid namespace, minimal /dev)
//	/run/vnc              the directory of the VNC socket, reached by the
//	                      host as <run dir>/<id>/vnc/rfb.sock
//	/etc/passwd, /etc/group   generated: root, nobody and the user
//
// It runs in new user, pid, network (loopback only), ipc, uts and cgroup
// namespaces, as uid/gid 1000 inside mapped to the desktop's own host uid,
// with no capabilities, no_new_privs, and no further user namespaces.

// hostCaches are caches of the host's system, bound read-only into every
// desktop below its own /var: without the fontconfig cache every desktop
// would rebuild it at start (most of openbox's start-up CPU).
func hostCaches() []string { return []string{"var/cache/fontconfig"} }

// insideUID is the user's uid and gid inside every desktop.
const insideUID = 1000

// systemDirs are the directories of the system layer: each is an overlay
// whose upper layer lives on the root volume.
func systemDirs() []string { return []string{"usr", "etc", "opt", "var"} }

// userWritable are directories of the system layer the desktop's user may
// write (software installed by the user lands on the root volume, and so in
// an image captured from it).
func userWritable() []string { return []string{"opt", "usr/local", "usr/local/bin"} }

// sessionScript is the desktop's session: Xvnc on the Unix socket, then
// openbox, which starts a terminal. When the X server ends the session stays (the
// desktop is then unhealthy until rebooted): a desktop ends only when the
// provider kills its pid 1, so bubblewrap's monitor, which exits as soon as
// the session does, always outlives and reaps the desktop's pid 1.
const sessionScript = `#!/bin/sh
# deskplane desktop session
exec </dev/null >/tmp/.deskplane-session.log 2>&1
Xvnc :0 -rfbunixpath /run/vnc/rfb.sock -rfbunixmode 0600 -rfbport -1 -nolisten tcp \
  -SecurityTypes None -AlwaysShared -desktop "$DESKPLANE_DESKTOP" \
  -geometry "$DESKPLANE_GEOMETRY" -depth 24 &
x=$!
i=0
while [ ! -S /tmp/.X11-unix/X0 ]; do
  kill -0 "$x" 2>/dev/null || exit 1
  i=$((i+1))
  [ "$i" -gt 500 ] && exit 1
  sleep 0.01
done
# Everything but the X server is the first choice of the out-of-memory
# killer when the desktop reaches its memory limit.
echo 500 >/proc/self/oom_score_adj
# openbox starts the terminal once it manages the screen (--startup): a
# terminal started beside it could map its window while openbox was taking
# the screen over, and stay unmanaged and unmapped — a blank desktop
# (docs/decisions/0182-local-desktops.md, "The session").
openbox --sm-disable --startup "xterm -geometry 100x30+40+40 -title '$DESKPLANE_DESKTOP'" &
wait "$x"
exec sleep infinity
`

// loginName turns a WorkSpaces user name into a safe login name.
func loginName(user string) string {
	n := strings.ToLower(user)
	n = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, n)
	if len(n) > 32 {
		n = n[:32]
	}
	if n == "" || n[0] >= '0' && n[0] <= '9' || n[0] == '-' {
		n = "user"
	}
	return n
}

func passwdFile(login string) string {
	return fmt.Sprintf("root:x:0:0:root:/root:/usr/sbin/nologin\n"+
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"+
		"%s:x:%d:%d::/home/%s:/bin/sh\n", login, insideUID, insideUID, login)
}

func groupFile(login string) string {
	return fmt.Sprintf("root:x:0:\nnogroup:x:65534:\n%s:x:%d:\n", login, insideUID)
}

// hostLinks returns the host's top-level symlinks into /usr (merged /usr:
// /bin → usr/bin …) as bubblewrap --symlink arguments, and top-level
// directories that are not links as read-only binds.
func hostLinks() []string {
	var args []string
	for _, d := range []string{"bin", "sbin", "lib", "lib32", "lib64", "libx32"} {
		p := "/" + d
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err == nil {
				args = append(args, "--symlink", target, p)
			}
			continue
		}
		if fi.IsDir() {
			args = append(args, "--ro-bind", p, p)
		}
	}
	return args
}

// sandboxArgs is the bubblewrap command line of a desktop. view is the
// desktop's directory under the run dir; fds 3–6 are the info pipe, the
// passwd and group contents and the session script.
func sandboxArgs(view, login, hostname, name, geometry string, tmpBytes int64) []string {
	home := "/home/" + login
	args := []string{
		"--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
		"--disable-userns", "--new-session",
		"--uid", strconv.Itoa(insideUID), "--gid", strconv.Itoa(insideUID),
		"--hostname", hostname,
		"--info-fd", "3",
	}
	for _, d := range systemDirs() {
		args = append(args, "--bind", filepath.Join(view, d), "/"+d)
	}
	for _, c := range hostCaches() {
		args = append(args, "--ro-bind-try", "/"+c, "/"+c)
	}
	args = append(args, hostLinks()...)
	args = append(args,
		"--proc", "/proc",
		"--dev", "/dev",
		"--size", strconv.FormatInt(tmpBytes, 10), "--tmpfs", "/tmp",
		"--tmpfs", "/run",
		"--bind", filepath.Join(view, "vnc"), "/run/vnc",
		"--bind", filepath.Join(view, "home"), home,
		"--perms", "0644", "--ro-bind-data", "4", "/etc/passwd",
		"--perms", "0644", "--ro-bind-data", "5", "/etc/group",
		"--perms", "0555", "--ro-bind-data", "6", "/run/deskplane-session",
		"--remount-ro", "/run",
		"--clearenv",
		"--setenv", "HOME", home,
		"--setenv", "USER", login,
		"--setenv", "LOGNAME", login,
		"--setenv", "SHELL", "/bin/sh",
		"--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
		"--setenv", "LANG", "C.UTF-8",
		"--setenv", "DISPLAY", ":0",
		"--setenv", "DESKPLANE_DESKTOP", name,
		"--setenv", "DESKPLANE_GEOMETRY", geometry,
		"--chdir", home,
		"--", "/bin/sh", "/run/deskplane-session",
	)
	return args
}
