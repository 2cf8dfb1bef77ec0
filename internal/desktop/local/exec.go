package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Exec runs argv inside the running desktop, as its user, in all of its
// namespaces and cgroups, and returns what it wrote to standard output and
// standard error. It is how tests act from inside a desktop (the attacker's
// side of the isolation tests) and how an operator can look inside one.
// env adds variables to the desktop user's environment.
//
// nsenter joins the namespaces of the desktop's session process as root
// and becomes the user (uid 1000 inside); setpriv then sets no_new_privs,
// as bubblewrap does for the session, so the command has no capability and
// cannot gain one.
func (p *Provider) Exec(ctx context.Context, id string, env []string, argv ...string) ([]byte, error) {
	if err := checkName("desktop", id); err != nil {
		return nil, err
	}
	if len(argv) == 0 {
		return nil, errors.New("exec: no command")
	}
	s, err := p.load(id)
	if err != nil {
		return nil, err
	}
	if !s.Init.alive() {
		return nil, fmt.Errorf("desktop %s is not running", id)
	}
	kids := children(s.Init.PID)
	if len(kids) == 0 {
		return nil, fmt.Errorf("desktop %s has no session", id)
	}
	target := strconv.Itoa(kids[0])
	args := []string{"-t", target, "-U", "-m", "-p", "-n", "-i", "-u", "-C",
		"-S", strconv.Itoa(insideUID), "-G", strconv.Itoa(insideUID),
		"--", "/usr/bin/setpriv", "--no-new-privs", "--",
		"/bin/sh", "-c", `cd "$HOME" 2>/dev/null; exec "$@"`, "sh"}
	args = append(args, argv...)
	cmd := command(ctx, "nsenter", args...)
	home := "/home/" + s.Login
	cmd.Env = append([]string{"HOME=" + home, "USER=" + s.Login, "LOGNAME=" + s.Login,
		"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "DISPLAY=:0"}, env...)
	cmd.Dir = "/"
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := cmd.Start
	if p.limits && len(s.Cgroups) > 0 {
		err = startIn(s.Cgroups, p.cg.own(), start)
	} else {
		err = start()
	}
	if err != nil {
		return nil, err
	}
	err = cmd.Wait()
	return out.Bytes(), err
}
