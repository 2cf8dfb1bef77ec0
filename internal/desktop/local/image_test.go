package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/deskplane/deskplane"
)

// TestImageCarriesTheSystemLayerOnly writes into desktop A's system layer
// and home, captures an image, launches B from it: B has A's software, not
// A's home, and the software belongs to root, not to A's uid.
func TestImageCarriesTheSystemLayerOnly(t *testing.T) {
	e := newEnv(t)
	e.launch("ws-imga", "")
	e.sh("ws-imga", "mkdir -p /opt/tool /usr/local/bin && echo tool-v1 > /opt/tool/version && "+
		"printf '#!/bin/sh\\necho hello from the image\\n' > /usr/local/bin/hello && chmod 755 /usr/local/bin/hello && "+
		"echo alice-private > ~/secret")
	if err := e.p.CaptureImage(e.ctx(), "ws-imga", "wsi-captured1"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.CaptureImage(e.ctx(), "ws-imga", "wsi-captured1"); err != nil {
		t.Fatalf("repeated capture: %v", err)
	}
	// Only the root volume is in the store.
	ents, err := os.ReadDir(filepath.Join(e.dir, "images", "wsi-captured1"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 2 || names[0] != "meta.json" || names[1] != "root.img" {
		t.Fatalf("image store holds %v", names)
	}

	e.launch("ws-imgb", "wsi-captured1")
	if got := e.sh("ws-imgb", "cat /opt/tool/version; hello; test -e ~/secret && echo LEAKED || echo no-secret"); got != "tool-v1\nhello from the image\nno-secret" {
		t.Fatalf("in B: %q", got)
	}
	// The software is root's (nobody, 65534, inside: root is not mapped),
	// not A's uid, and B may still install next to it.
	if got := e.sh("ws-imgb", "stat -c %u /opt/tool/version /usr/local/bin/hello; stat -c %u /opt; touch /opt/b-own && echo ok"); got != "65534\n65534\n1000\nok" {
		t.Fatalf("ownership in B: %q", got)
	}
	if st := e.status("ws-imgb"); st.ImageID != "wsi-captured1" {
		t.Fatalf("B's image %q", st.ImageID)
	}

	// A copy of the image carries the content; deleting an image leaves
	// the desktops launched from it alone.
	if err := e.p.CopyImage(e.ctx(), "wsi-captured1", "wsi-copy1"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.DeleteImage(e.ctx(), "wsi-captured1"); err != nil {
		t.Fatal(err)
	}
	e.launch("ws-imgc", "wsi-copy1")
	if got := e.sh("ws-imgc", "cat /opt/tool/version"); got != "tool-v1" {
		t.Fatalf("in C: %q", got)
	}
	if got := e.sh("ws-imgb", "cat /opt/tool/version"); got != "tool-v1" {
		t.Fatalf("B after the image was deleted: %q", got)
	}
	if err := e.p.CopyImage(e.ctx(), "wsi-captured1", "wsi-copy2"); !errors.Is(err, deskplane.ErrImageNotFound) {
		t.Fatalf("copying a deleted image: %v", err)
	}

	// Rebuilding A from the copy replaces A's system layer with the
	// image's, and keeps nothing of A's home without a snapshot.
	e.sh("ws-imga", "echo changed > /opt/tool/version")
	if err := e.p.Rebuild(e.ctx(), "ws-imga", "wsi-copy1", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Start(e.ctx(), "ws-imga"); err != nil {
		t.Fatal(err)
	}
	if got := e.sh("ws-imga", "cat /opt/tool/version; test -e ~/secret && echo kept || echo no-secret"); got != "tool-v1\nno-secret" {
		t.Fatalf("A after rebuild: %q", got)
	}
}
