package local_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/rfb"
)

// drawsWithin connects to a desktop's VNC socket and waits until its
// framebuffer shows more than two colours (the terminal's window on the
// black root window), or the deadline passes. Each read may take until
// the deadline: an incremental update comes only when the screen changes,
// and on a loaded machine (CI's -race run beside other suites) a first
// update has taken longer than five seconds.
func drawsWithin(endpoint string, deadline time.Time) error {
	sock, ok := strings.CutPrefix(endpoint, "unix:")
	if !ok {
		return fmt.Errorf("endpoint %q is not a Unix socket", endpoint)
	}
	c, err := rfb.Dial("unix", sock, rfb.Options{}, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	incremental := false
	for {
		_ = c.SetDeadline(deadline)
		if err := c.RequestUpdate(incremental); err != nil {
			return err
		}
		if err := c.ReadUpdate(); err != nil {
			return err
		}
		incremental = true
		if n := c.Colours(16); n > 2 {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("the screen still shows %d colours", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestConcurrentDesktopsDraw starts several desktops at once (the load
// under which their sessions once came up blank: docs/decisions/0182-local-desktops.md)
// and checks that every one draws its terminal.
func TestConcurrentDesktopsDraw(t *testing.T) {
	e := newEnv(t)
	const n = 6
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range ids {
		ids[i] = fmt.Sprintf("ws-draw%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := e.ctx()
			if err := e.p.Provision(ctx, deskplane.DesktopSpec{ID: ids[i], UserName: "Alice.Smith", Resources: small()}); err != nil {
				errs[i] = err
				return
			}
			if err := e.p.Start(ctx, ids[i]); err != nil {
				errs[i] = err
				return
			}
			st, err := e.p.Status(ctx, ids[i])
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = drawsWithin(st.Endpoint, time.Now().Add(2*time.Minute))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			out, _ := e.p.Exec(e.ctx(), ids[i], nil, "/bin/sh", "-c",
				"cat /tmp/.deskplane-session.log; ps -eo pid,stat,args; command -v xwininfo >/dev/null && xwininfo -root -tree")
			t.Errorf("%s draws nothing: %v\ninside:\n%s", ids[i], err, out)
		}
	}
}
