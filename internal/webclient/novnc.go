package webclient

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"time"
)

// noVNC serves the noVNC modules the desktop page imports from the host's
// package: only .js files below core/ and vendor/, read through an
// os.Root so that no path leaves the directory, without listings.
type noVNC struct {
	dir string
}

func (n *noVNC) serve(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, Prefix+"novnc/")
	clean := path.Clean("/" + rel)[1:]
	if clean != rel || path.Ext(clean) != ".js" || !(strings.HasPrefix(clean, "core/") || strings.HasPrefix(clean, "vendor/")) {
		http.NotFound(w, r)
		return
	}
	root, err := os.OpenRoot(n.dir)
	if err != nil {
		http.Error(w, "noVNC is not installed at "+n.dir+" (apt-get install novnc, or set -novnc-dir).", http.StatusNotFound)
		return
	}
	defer root.Close()
	f, err := root.Open(clean)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "noVNC could not be read.", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(".js"))
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, clean, st.ModTime().Truncate(time.Second), f)
}

// Available reports whether noVNC's entry module is where the web client
// looks for it.
func Available(dir string) bool {
	if dir == "" {
		dir = DefaultNoVNCDir
	}
	st, err := os.Stat(path.Join(dir, "core", "rfb.js"))
	return err == nil && !st.IsDir()
}
