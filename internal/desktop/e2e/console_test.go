package e2e_test

import (
	"bytes"
	"html"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskplane/deskplane/internal/apptest"
)

var preRE = regexp.MustCompile(`name="pre" value="([^"]+)"`)

// The console shows a running desktop's screen as a thumbnail.
func TestConsoleShowsTheDesktop(t *testing.T) {
	d := startDesktops(t, apptest.Options{})
	dir := d.RegisteredDirectory(apptest.AccountA)
	id := d.launch(apptest.AccountA, dir, d.AmazonBundle(), "alice")
	d.screen(id) // the terminal is drawn

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		resp, err := c.Get(d.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	_, form := get("/console/signin")
	m := preRE.FindSubmatch(form)
	if m == nil {
		t.Fatalf("no sign-in form: %s", form)
	}
	resp, err := c.PostForm(d.URL+"/console/signin", url.Values{"pre": {html.UnescapeString(string(m[1]))}, "token": {"admin"}, "next": {"/console/"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	scope := "/console/" + apptest.AccountA + "/" + apptest.Region
	resp, body := get(scope + "/workspaces/" + id + "/thumbnail?w=320")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("thumbnail: %s %s: %.200s", resp.Status, resp.Header.Get("Content-Type"), body)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	colours := map[[4]uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 4 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 4 {
			r, g, b, a := img.At(x, y).RGBA()
			colours[[4]uint32{r, g, b, a}] = true
		}
	}
	if bounds.Dx() != 320 || len(colours) < 2 {
		t.Errorf("thumbnail %v with %d colours", bounds, len(colours))
	}
	_, page := get(scope + "/workspaces")
	if !strings.Contains(string(page), "thumbnail") {
		t.Errorf("the WorkSpaces page shows no thumbnail of the running desktop")
	}

	// /metrics counts the node's desktops by state (at the health pass).
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, metrics := get("/metrics")
		if strings.Contains(string(metrics), "\ndeskplane_desktops_running 1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics does not count the running desktop")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
