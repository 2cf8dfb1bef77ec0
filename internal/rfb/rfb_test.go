package rfb_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/rfb"
)

// xvnc starts a real Xvnc on a Unix socket in a temporary directory, with
// the given extra arguments, and returns the socket path.
func xvnc(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("Xvnc")
	if err != nil {
		msg := "the RFB client tests need Xvnc: apt-get install -y tigervnc-standalone-server"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so they must run)")
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "rfb.sock")
	// A display number unlikely to be in use; Xvnc refuses a taken one.
	display := fmt.Sprintf(":%d", 100+os.Getpid()%800)
	cmd := exec.Command(bin, append([]string{display, "-rfbunixpath", sock, "-rfbport", "-1", "-nolisten", "tcp",
		"-geometry", "640x480", "-depth", "24", "-desktop", "rfb-test"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM, so Xvnc removes its lock file and X socket in /tmp.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
		if time.Now().After(deadline) {
			t.Fatalf("Xvnc did not start: %s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHandshakeNoneAndRawUpdate(t *testing.T) {
	sock := xvnc(t, "-SecurityTypes", "None", "-retro")
	c, err := rfb.Dial("unix", sock, rfb.Options{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Version != "003.008" || c.Width != 640 || c.Height != 480 || c.Name != "rfb-test" {
		t.Fatalf("ServerInit: %s %dx%d %q", c.Version, c.Width, c.Height, c.Name)
	}
	if pf := c.ServerFormat; pf.BitsPerPixel != 32 || pf.Depth != 24 || !pf.TrueColour {
		t.Fatalf("server pixel format %+v", pf)
	}
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if err := c.RequestUpdate(false); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadUpdate(); err != nil {
		t.Fatal(err)
	}
	// With -retro, the root window is the classic two-colour weave: a full update
	// has both colours, and every pixel is opaque.
	if n := c.Colours(8); n < 2 {
		t.Fatalf("full update shows %d colours", n)
	}
	img := c.Image()
	if img.Bounds().Dx() != 640 || img.Bounds().Dy() != 480 {
		t.Fatalf("image %v", img.Bounds())
	}
	// Input events are accepted (the connection stays usable).
	if err := c.PointerEvent(0, 10, 10); err != nil {
		t.Fatal(err)
	}
	if err := c.KeyEvent(true, 0x61); err != nil {
		t.Fatal(err)
	}
	if err := c.KeyEvent(false, 0x61); err != nil {
		t.Fatal(err)
	}
	if err := c.RequestUpdate(false); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadUpdate(); err != nil {
		t.Fatal(err)
	}
}

func TestHandshakeVncAuth(t *testing.T) {
	if _, err := exec.LookPath("vncpasswd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("vncpasswd is missing: apt-get install -y tigervnc-tools")
		}
		t.Skip("vncpasswd is missing: apt-get install -y tigervnc-tools")
	}
	pw := filepath.Join(t.TempDir(), "passwd")
	cmd := exec.Command("vncpasswd", "-f")
	cmd.Stdin = strings.NewReader("s3cret-pw\ns3cret-pw\n")
	enc, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pw, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	sock := xvnc(t, "-SecurityTypes", "VncAuth", "-PasswordFile", pw)
	// The right password (only its first 8 bytes count in VNC auth).
	c, err := rfb.Dial("unix", sock, rfb.Options{Password: "s3cret-pw"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.Width != 640 {
		t.Fatalf("width %d", c.Width)
	}
	c.Close()
	// A wrong one is refused with the server's reason.
	_, err = rfb.Dial("unix", sock, rfb.Options{Password: "wrong"}, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestNotAnRFBServer(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	ln, err := netListenUnix(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = c.Write([]byte("HTTP/1.1 400\r\n"))
			c.Close()
		}
	}()
	if _, err := rfb.Dial("unix", sock, rfb.Options{}, 2*time.Second); err == nil || !strings.Contains(err.Error(), "not an RFB server") {
		t.Fatalf("non-RFB peer: %v", err)
	}
}

func netListenUnix(path string) (net.Listener, error) { return net.Listen("unix", path) }

// TestCopyRectAndDesktopSize talks to a scripted server that sends a Raw
// rectangle and a CopyRect of it, then a DesktopSize change: encodings a
// desktop sends only in some situations (moving windows, resizing).
func TestCopyRectAndDesktopSize(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	be := binary.BigEndian
	rect := func(msg []byte, x, y, w, h uint16, enc int32) []byte {
		var r [12]byte
		be.PutUint16(r[0:], x)
		be.PutUint16(r[2:], y)
		be.PutUint16(r[4:], w)
		be.PutUint16(r[6:], h)
		be.PutUint32(r[8:], uint32(enc))
		return append(msg, r[:]...)
	}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 64)
		c.Write([]byte("RFB 003.008\n"))
		io.ReadFull(c, buf[:12])
		c.Write([]byte{1, 1}) // one security type: None
		io.ReadFull(c, buf[:1])
		c.Write([]byte{0, 0, 0, 0}) // SecurityResult: OK
		io.ReadFull(c, buf[:1])     // ClientInit
		c.Write([]byte{0, 4, 0, 2, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0, 0, 0, 0, 1, 'x'})
		io.ReadFull(c, buf[:20]) // SetPixelFormat
		io.ReadFull(c, buf[:4])  // SetEncodings
		io.ReadFull(c, buf[:4*int(be.Uint16(buf[2:]))])
		io.ReadFull(c, buf[:10]) // FramebufferUpdateRequest
		// A bell, then an update: Raw 2x1 at (0,0), red and green
		// (little-endian 0x00RRGGBB), and a CopyRect of it to (2,1).
		msg := []byte{2, 0, 0, 0, 2}
		msg = rect(msg, 0, 0, 2, 1, 0)
		msg = append(msg, 0, 0, 0xff, 0, 0, 0xff, 0, 0)
		msg = rect(msg, 2, 1, 2, 1, 1)
		msg = append(msg, 0, 0, 0, 0)
		c.Write(msg)
		io.ReadFull(c, buf[:10])
		c.Write(rect([]byte{0, 0, 0, 1}, 0, 0, 8, 6, -223))
		io.ReadFull(c, buf[:10])
	}()
	c, err := rfb.Dial("unix", sock, rfb.Options{}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if err := c.RequestUpdate(false); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadUpdate(); err != nil {
		t.Fatal(err)
	}
	img := c.Image()
	for _, p := range []struct{ x, y, r, g int }{{0, 0, 255, 0}, {1, 0, 0, 255}, {2, 1, 255, 0}, {3, 1, 0, 255}, {0, 1, 0, 0}} {
		px := img.RGBAAt(p.x, p.y)
		if int(px.R) != p.r || int(px.G) != p.g || px.B != 0 {
			t.Errorf("pixel (%d,%d) = %v", p.x, p.y, px)
		}
	}
	if err := c.RequestUpdate(true); err != nil {
		t.Fatal(err)
	}
	if err := c.ReadUpdate(); err != nil {
		t.Fatal(err)
	}
	if c.Width != 8 || c.Height != 6 || c.Image().Bounds().Dx() != 8 {
		t.Fatalf("after DesktopSize: %dx%d", c.Width, c.Height)
	}
}
