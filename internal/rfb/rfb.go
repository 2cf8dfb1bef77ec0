// Package rfb is a small RFB (VNC) client, protocol version 3.8 (RFC 6143):
// the handshake with security type None or VNC Authentication,
// ClientInit/ServerInit, framebuffer update requests and the Raw and
// CopyRect encodings plus the DesktopSize pseudo-encoding. Tests use it to
// prove that a desktop really serves a screen; the local desktop provider
// uses the handshake as its readiness and health probe.
package rfb

import (
	"bufio"
	"crypto/des"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"net"
	"time"
)

// Security types (RFC 6143 §7.1.2).
const (
	SecurityNone    = 1
	SecurityVncAuth = 2
)

// Encodings (RFC 6143 §7.7).
const (
	EncodingRaw         int32 = 0
	EncodingCopyRect    int32 = 1
	EncodingDesktopSize int32 = -223
)

// Options configure the handshake.
type Options struct {
	// Password is used when the server offers only VNC Authentication.
	Password string
	// Exclusive asks the server to disconnect other clients (ClientInit
	// shared-flag 0). The default is a shared session.
	Exclusive bool
}

// PixelFormat is the server's pixel format (RFC 6143 §7.4).
type PixelFormat struct {
	BitsPerPixel, Depth             uint8
	BigEndian, TrueColour           bool
	RedMax, GreenMax, BlueMax       uint16
	RedShift, GreenShift, BlueShift uint8
}

// Conn is an RFB session after the handshake.
type Conn struct {
	c net.Conn
	r *bufio.Reader
	// Version is the protocol version agreed, e.g. "003.008".
	Version string
	// Width and Height are the framebuffer size (ServerInit, then
	// DesktopSize updates).
	Width, Height int
	// ServerFormat is the server's native pixel format from ServerInit.
	ServerFormat PixelFormat
	// Name is the desktop name from ServerInit.
	Name string
	fb   *image.RGBA
}

// Client performs the RFB handshake on c (protocol version, security,
// ClientInit, ServerInit) and then asks for 32-bit true colour pixels
// and the Raw, CopyRect and DesktopSize encodings.
func Client(c net.Conn, opt Options) (*Conn, error) {
	rc := &Conn{c: c, r: bufio.NewReaderSize(c, 64<<10)}
	if err := rc.handshake(opt); err != nil {
		return nil, err
	}
	if err := rc.setPixelFormat(); err != nil {
		return nil, err
	}
	if err := rc.setEncodings(EncodingRaw, EncodingCopyRect, EncodingDesktopSize); err != nil {
		return nil, err
	}
	rc.fb = image.NewRGBA(image.Rect(0, 0, rc.Width, rc.Height))
	return rc, nil
}

// Dial connects to network/address ("unix" and a socket path, or "tcp"),
// then runs Client; timeout bounds the connection and the handshake.
func Dial(network, address string, opt Options, timeout time.Duration) (*Conn, error) {
	c, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		return nil, err
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	rc, err := Client(c, opt)
	if err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetDeadline(time.Time{})
	return rc, nil
}

// Close closes the connection.
func (rc *Conn) Close() error { return rc.c.Close() }

// SetDeadline sets the read and write deadline of the connection.
func (rc *Conn) SetDeadline(t time.Time) error { return rc.c.SetDeadline(t) }

func (rc *Conn) handshake(opt Options) error {
	var ver [12]byte
	if _, err := io.ReadFull(rc.r, ver[:]); err != nil {
		return fmt.Errorf("rfb: reading the protocol version: %w", err)
	}
	var major, minor int
	if _, err := fmt.Sscanf(string(ver[:]), "RFB %03d.%03d\n", &major, &minor); err != nil || major != 3 {
		return fmt.Errorf("rfb: not an RFB server (greeting %q)", ver[:])
	}
	switch {
	case minor >= 8:
		minor = 8
	case minor == 7:
	default:
		minor = 3
	}
	rc.Version = fmt.Sprintf("003.%03d", minor)
	if _, err := fmt.Fprintf(rc.c, "RFB %s\n", rc.Version); err != nil {
		return err
	}
	var sec uint32
	if minor == 3 {
		// 3.3: the server decides the security type.
		if err := binary.Read(rc.r, binary.BigEndian, &sec); err != nil {
			return err
		}
		if sec == 0 {
			return rc.failure("connection refused")
		}
	} else {
		n, err := rc.r.ReadByte()
		if err != nil {
			return err
		}
		if n == 0 {
			return rc.failure("connection refused")
		}
		types := make([]byte, n)
		if _, err := io.ReadFull(rc.r, types); err != nil {
			return err
		}
		for _, t := range types {
			if t == SecurityNone {
				sec = SecurityNone
				break
			}
			if t == SecurityVncAuth {
				sec = SecurityVncAuth
			}
		}
		if sec == 0 {
			return fmt.Errorf("rfb: no supported security type among %v", types)
		}
		if _, err := rc.c.Write([]byte{byte(sec)}); err != nil {
			return err
		}
	}
	if sec == SecurityVncAuth {
		var challenge [16]byte
		if _, err := io.ReadFull(rc.r, challenge[:]); err != nil {
			return err
		}
		resp, err := vncAuthResponse(opt.Password, challenge)
		if err != nil {
			return err
		}
		if _, err := rc.c.Write(resp[:]); err != nil {
			return err
		}
	}
	if sec == SecurityVncAuth || minor == 8 {
		var result uint32
		if err := binary.Read(rc.r, binary.BigEndian, &result); err != nil {
			return fmt.Errorf("rfb: reading the security result: %w", err)
		}
		if result != 0 {
			if minor == 8 {
				return rc.failure("authentication failed")
			}
			return errors.New("rfb: authentication failed")
		}
	}
	shared := byte(1)
	if opt.Exclusive {
		shared = 0
	}
	if _, err := rc.c.Write([]byte{shared}); err != nil {
		return err
	}
	var si struct {
		W, H uint16
		PF   [16]byte
		N    uint32
	}
	if err := binary.Read(rc.r, binary.BigEndian, &si); err != nil {
		return fmt.Errorf("rfb: reading ServerInit: %w", err)
	}
	if si.N > 1<<16 {
		return fmt.Errorf("rfb: desktop name of %d bytes", si.N)
	}
	name := make([]byte, si.N)
	if _, err := io.ReadFull(rc.r, name); err != nil {
		return err
	}
	rc.Width, rc.Height, rc.Name = int(si.W), int(si.H), string(name)
	rc.ServerFormat = decodePixelFormat(si.PF)
	return nil
}

// failure reads the reason string that follows a refusal (3.8) and returns
// it as an error.
func (rc *Conn) failure(what string) error {
	var n uint32
	if err := binary.Read(rc.r, binary.BigEndian, &n); err != nil || n > 1<<16 {
		return fmt.Errorf("rfb: %s", what)
	}
	reason := make([]byte, n)
	if _, err := io.ReadFull(rc.r, reason); err != nil {
		return fmt.Errorf("rfb: %s", what)
	}
	return fmt.Errorf("rfb: %s: %s", what, reason)
}

// vncAuthResponse encrypts the challenge with DES, keyed by the password's
// first 8 bytes with the bits of each byte reversed (RFC 6143 §7.2.2).
func vncAuthResponse(password string, challenge [16]byte) ([16]byte, error) {
	var key [8]byte
	copy(key[:], password)
	for i, b := range key {
		var r byte
		for j := 0; j < 8; j++ {
			if b&(1<<j) != 0 {
				r |= 1 << (7 - j)
			}
		}
		key[i] = r
	}
	var out [16]byte
	block, err := des.NewCipher(key[:])
	if err != nil {
		return out, err
	}
	block.Encrypt(out[:8], challenge[:8])
	block.Encrypt(out[8:], challenge[8:])
	return out, nil
}

func decodePixelFormat(b [16]byte) PixelFormat {
	return PixelFormat{
		BitsPerPixel: b[0], Depth: b[1], BigEndian: b[2] != 0, TrueColour: b[3] != 0,
		RedMax: binary.BigEndian.Uint16(b[4:]), GreenMax: binary.BigEndian.Uint16(b[6:]), BlueMax: binary.BigEndian.Uint16(b[8:]),
		RedShift: b[10], GreenShift: b[11], BlueShift: b[12],
	}
}

// setPixelFormat asks for 32 bits per pixel, depth 24, little-endian true
// colour with red in bits 16–23, green 8–15, blue 0–7.
func (rc *Conn) setPixelFormat() error {
	msg := make([]byte, 20)
	msg[0] = 0 // SetPixelFormat
	pf := msg[4:]
	pf[0], pf[1], pf[2], pf[3] = 32, 24, 0, 1
	binary.BigEndian.PutUint16(pf[4:], 255)
	binary.BigEndian.PutUint16(pf[6:], 255)
	binary.BigEndian.PutUint16(pf[8:], 255)
	pf[10], pf[11], pf[12] = 16, 8, 0
	_, err := rc.c.Write(msg)
	return err
}

func (rc *Conn) setEncodings(encs ...int32) error {
	msg := make([]byte, 4+4*len(encs))
	msg[0] = 2 // SetEncodings
	binary.BigEndian.PutUint16(msg[2:], uint16(len(encs)))
	for i, e := range encs {
		binary.BigEndian.PutUint32(msg[4+4*i:], uint32(e))
	}
	_, err := rc.c.Write(msg)
	return err
}

// RequestUpdate sends a FramebufferUpdateRequest for the whole screen.
func (rc *Conn) RequestUpdate(incremental bool) error {
	msg := make([]byte, 10)
	msg[0] = 3
	if incremental {
		msg[1] = 1
	}
	binary.BigEndian.PutUint16(msg[6:], uint16(rc.Width))
	binary.BigEndian.PutUint16(msg[8:], uint16(rc.Height))
	_, err := rc.c.Write(msg)
	return err
}

// KeyEvent sends a key press or release (an X keysym).
func (rc *Conn) KeyEvent(down bool, keysym uint32) error {
	msg := make([]byte, 8)
	msg[0] = 4
	if down {
		msg[1] = 1
	}
	binary.BigEndian.PutUint32(msg[4:], keysym)
	_, err := rc.c.Write(msg)
	return err
}

// PointerEvent sends the pointer position and button mask.
func (rc *Conn) PointerEvent(buttons uint8, x, y int) error {
	msg := []byte{5, buttons, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(msg[2:], uint16(x))
	binary.BigEndian.PutUint16(msg[4:], uint16(y))
	_, err := rc.c.Write(msg)
	return err
}

// ReadUpdate reads server messages until one FramebufferUpdate has been
// applied to the framebuffer; bells, colour maps and cut text in between
// are read and ignored.
func (rc *Conn) ReadUpdate() error {
	for {
		t, err := rc.r.ReadByte()
		if err != nil {
			return err
		}
		switch t {
		case 0:
			return rc.readFramebufferUpdate()
		case 1: // SetColourMapEntries
			var h struct {
				Pad   byte
				First uint16
				N     uint16
			}
			if err := binary.Read(rc.r, binary.BigEndian, &h); err != nil {
				return err
			}
			if _, err := rc.r.Discard(int(h.N) * 6); err != nil {
				return err
			}
		case 2: // Bell
		case 3: // ServerCutText
			var h struct {
				Pad [3]byte
				N   uint32
			}
			if err := binary.Read(rc.r, binary.BigEndian, &h); err != nil {
				return err
			}
			if _, err := io.CopyN(io.Discard, rc.r, int64(h.N)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("rfb: unexpected server message type %d", t)
		}
	}
}

func (rc *Conn) readFramebufferUpdate() error {
	var h struct {
		Pad byte
		N   uint16
	}
	if err := binary.Read(rc.r, binary.BigEndian, &h); err != nil {
		return err
	}
	for i := 0; i < int(h.N); i++ {
		var r struct {
			X, Y, W, H uint16
			Enc        int32
		}
		if err := binary.Read(rc.r, binary.BigEndian, &r); err != nil {
			return err
		}
		x, y, w, hh := int(r.X), int(r.Y), int(r.W), int(r.H)
		switch r.Enc {
		case EncodingRaw:
			if x+w > rc.Width || y+hh > rc.Height {
				return fmt.Errorf("rfb: raw rectangle %dx%d+%d+%d outside the %dx%d screen", w, hh, x, y, rc.Width, rc.Height)
			}
			row := make([]byte, 4*w)
			for j := 0; j < hh; j++ {
				if _, err := io.ReadFull(rc.r, row); err != nil {
					return err
				}
				off := rc.fb.PixOffset(x, y+j)
				dst := rc.fb.Pix[off : off+4*w]
				for k := 0; k < w; k++ {
					// little-endian 0x00RRGGBB → B, G, R, pad
					dst[4*k] = row[4*k+2]
					dst[4*k+1] = row[4*k+1]
					dst[4*k+2] = row[4*k]
					dst[4*k+3] = 0xff
				}
			}
		case EncodingCopyRect:
			var src struct{ X, Y uint16 }
			if err := binary.Read(rc.r, binary.BigEndian, &src); err != nil {
				return err
			}
			if x+w > rc.Width || y+hh > rc.Height || int(src.X)+w > rc.Width || int(src.Y)+hh > rc.Height {
				return errors.New("rfb: copy rectangle outside the screen")
			}
			tmp := image.NewRGBA(image.Rect(0, 0, w, hh))
			for j := 0; j < hh; j++ {
				so := rc.fb.PixOffset(int(src.X), int(src.Y)+j)
				copy(tmp.Pix[tmp.PixOffset(0, j):], rc.fb.Pix[so:so+4*w])
			}
			for j := 0; j < hh; j++ {
				do := rc.fb.PixOffset(x, y+j)
				copy(rc.fb.Pix[do:do+4*w], tmp.Pix[tmp.PixOffset(0, j):tmp.PixOffset(0, j)+4*w])
			}
		case EncodingDesktopSize:
			rc.Width, rc.Height = w, hh
			rc.fb = image.NewRGBA(image.Rect(0, 0, w, hh))
		default:
			return fmt.Errorf("rfb: rectangle in encoding %d, which was not requested", r.Enc)
		}
	}
	return nil
}

// Image returns the framebuffer as updates have drawn it so far.
func (rc *Conn) Image() *image.RGBA { return rc.fb }

// Colours counts the distinct colours in the framebuffer, up to limit.
func (rc *Conn) Colours(limit int) int {
	seen := map[[3]byte]bool{}
	p := rc.fb.Pix
	for i := 0; i+3 < len(p); i += 4 {
		seen[[3]byte{p[i], p[i+1], p[i+2]}] = true
		if len(seen) >= limit {
			break
		}
	}
	return len(seen)
}
