package console

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane/internal/wsapi"
)

// The WorkSpaces table pages and filters on the server. DescribeWorkspaces
// filters by one of directory or bundle; the other filters (state, running
// mode, compute, a search text) are applied here to the pages the service
// returns, and the position is a cursor: the service's NextToken of the
// page holding the next row, and how many rows of that page were already
// looked at. A request looks at no more than scanBudget WorkSpaces; beyond
// that the page ends early with a link to search on
// (docs/decisions/0271-console-workspaces-table.md).

const (
	apiPage     = 25 // DescribeWorkspaces' largest page (model range)
	scanBudget  = 20000
	defaultRows = 50
	liveMaxIDs  = 200
)

func pageSizes() []int { return []int{25, 50, 100, 200} }

// wsFilter is the table's query.
type wsFilter struct {
	Directory, Bundle, State, Mode, Compute, Search string
	Size                                            int
	Cursor                                          string
}

func readFilter(v url.Values) wsFilter {
	f := wsFilter{
		Directory: strings.TrimSpace(v.Get("directory")),
		Bundle:    strings.TrimSpace(v.Get("bundle")),
		State:     v.Get("state"),
		Mode:      v.Get("mode"),
		Compute:   v.Get("compute"),
		Search:    strings.TrimSpace(v.Get("q")),
		Cursor:    v.Get("cursor"),
		Size:      defaultRows,
	}
	if n, err := strconv.Atoi(v.Get("size")); err == nil && slices.Contains(pageSizes(), n) {
		f.Size = n
	}
	return f
}

// query is the filter as URL parameters (cursor left out).
func (f wsFilter) query() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"directory": f.Directory, "bundle": f.Bundle, "state": f.State,
		"mode": f.Mode, "compute": f.Compute, "q": f.Search} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if f.Size != defaultRows {
		v.Set("size", strconv.Itoa(f.Size))
	}
	return v
}

// match applies the filters DescribeWorkspaces did not.
func (f wsFilter) match(w *wsapi.Workspace) bool {
	if f.Directory != "" && str(w.DirectoryId) != f.Directory {
		return false
	}
	if f.Bundle != "" && str(w.BundleId) != f.Bundle {
		return false
	}
	if f.State != "" && string(w.State) != f.State {
		return false
	}
	var mode, compute string
	if p := w.WorkspaceProperties; p != nil {
		mode, compute = string(p.RunningMode), string(p.ComputeTypeName)
	}
	if f.Mode != "" && mode != f.Mode {
		return false
	}
	if f.Compute != "" && compute != f.Compute {
		return false
	}
	if f.Search != "" {
		needle := strings.ToLower(f.Search)
		hit := false
		for _, s := range []*string{w.WorkspaceId, w.UserName, w.WorkspaceName, w.IpAddress, w.ComputerName} {
			if s != nil && strings.Contains(strings.ToLower(*s), needle) {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	return true
}

// cursor is a position in the listing.
type cursor struct {
	Token string `json:"t,omitempty"` // NextToken of the service page to read
	Skip  int    `json:"s,omitempty"` // rows of that page already looked at
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	if s == "" {
		return c, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 || json.Unmarshal(b, &c) != nil || c.Skip < 0 || c.Skip >= apiPage {
		return cursor{}, false
	}
	return c, true
}

// wsRow is one line of the table.
type wsRow struct {
	ID, Name, State, User, Directory, Bundle, Compute, Mode, IP, Connection, Error string
	Desktop                                                                        bool
	ConnectURL                                                                     string
}

func rowOf(w *wsapi.Workspace) wsRow {
	r := wsRow{ID: str(w.WorkspaceId), Name: str(w.WorkspaceName), State: string(w.State), User: str(w.UserName),
		Directory: str(w.DirectoryId), Bundle: str(w.BundleId), IP: str(w.IpAddress), Error: str(w.ErrorMessage)}
	if p := w.WorkspaceProperties; p != nil {
		r.Compute, r.Mode = string(p.ComputeTypeName), string(p.RunningMode)
	}
	return r
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// listing is one page of the table.
type listing struct {
	Rows    []wsRow
	Next    string // cursor of the next page, "" on the last
	Scanned int
	Partial bool // the scan budget ended the page early
}

// listWorkspaces reads one page of the table through DescribeWorkspaces.
func (h *Handler) listWorkspaces(q *req, f wsFilter) (listing, error) {
	var out listing
	cur, ok := decodeCursor(f.Cursor)
	if !ok {
		return out, &apiError{Code: "InvalidParameterValuesException", Message: "The page address is not valid; start again from the first page."}
	}
	in := &wsapi.DescribeWorkspacesRequest{Limit: ptr(int32(apiPage))}
	switch {
	case f.Directory != "":
		in.DirectoryId = ptr(f.Directory)
	case f.Bundle != "":
		in.BundleId = ptr(f.Bundle)
	}
	token, skip := cur.Token, cur.Skip
	for {
		in.NextToken = nil
		if token != "" {
			in.NextToken = ptr(token)
		}
		page, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaces, in)
		if err != nil {
			return out, err
		}
		for i := skip; i < len(page.Workspaces); i++ {
			w := &page.Workspaces[i]
			out.Scanned++
			if !f.match(w) {
				continue
			}
			if len(out.Rows) == f.Size {
				out.Scanned--
				out.Next = cursor{Token: token, Skip: i}.encode()
				return out, nil
			}
			out.Rows = append(out.Rows, rowOf(w))
		}
		skip = 0
		if page.NextToken == nil || *page.NextToken == "" {
			return out, nil
		}
		token = *page.NextToken
		if out.Scanned >= scanBudget {
			out.Next, out.Partial = cursor{Token: token}.encode(), true
			return out, nil
		}
	}
}

// connections fills the connection state of the rows.
func (h *Handler) connections(q *req, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for chunk := range slices.Chunk(ids, apiPage) {
		res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspacesConnectionStatus,
			&wsapi.DescribeWorkspacesConnectionStatusRequest{WorkspaceIds: chunk})
		if err != nil {
			return out, err
		}
		for _, c := range res.WorkspacesConnectionStatus {
			out[str(c.WorkspaceId)] = string(c.ConnectionState)
		}
	}
	return out, nil
}

type option struct {
	Value, Label string
}

// workspacesData is what the table page shows.
type workspacesData struct {
	F                              wsFilter
	L                              listing
	Error                          string
	NextURL, FirstURL, ThisURL     string
	Directories                    []option
	States, Modes, Computes        []string
	Sizes                          []int
	BulkActions                    []option
	Filtered                       bool
	Desktops                       bool
	CreateURL                      string
	LiveURL                        string
	FilterAction, ClearFiltersLink string
}

func (h *Handler) workspacesPage(q *req) {
	f := readFilter(q.r.URL.Query())
	d := workspacesData{F: f, Sizes: pageSizes(), Desktops: h.d.Desktops != nil,
		States: enumStrings(wsapi.WorkspaceState("").Values()), Modes: enumStrings(wsapi.RunningMode("").Values()),
		Computes: enumStrings(wsapi.Compute("").Values()), BulkActions: bulkOptions(),
		CreateURL: q.sc.Base() + "/workspaces/new", LiveURL: q.sc.Base() + "/workspaces/live",
		FilterAction: q.sc.Base() + "/workspaces", ClearFiltersLink: q.sc.Base() + "/workspaces"}
	qs := f.query()
	d.Filtered = len(qs) > 0 && !(len(qs) == 1 && qs.Has("size"))
	d.ThisURL = q.r.URL.RequestURI()
	if f.Cursor != "" {
		d.FirstURL = q.sc.Base() + "/workspaces?" + qs.Encode()
	}
	status := http.StatusOK
	l, err := h.listWorkspaces(q, f)
	if err != nil {
		d.Error, status = errText(err), http.StatusBadRequest
	}
	if l.Next != "" {
		nq := f.query()
		nq.Set("cursor", l.Next)
		d.NextURL = q.sc.Base() + "/workspaces?" + nq.Encode()
	}
	ids := make([]string, len(l.Rows))
	for i, r := range l.Rows {
		ids[i] = r.ID
	}
	conn, err := h.connections(q, ids)
	if err != nil && d.Error == "" {
		d.Error = errText(err)
	}
	desk := h.desktopsOf(q, ids)
	for i := range l.Rows {
		l.Rows[i].Connection = conn[l.Rows[i].ID]
		if u, ok := desk[l.Rows[i].ID]; ok {
			l.Rows[i].Desktop, l.Rows[i].ConnectURL = true, u
		}
	}
	d.L = l
	d.Directories = h.directoryOptions(q)
	h.show(q, status, "workspaces", "WorkSpaces", "workspaces", d)
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// directoryOptions lists the registered directories for filters and the
// create form.
func (h *Handler) directoryOptions(q *req) []option {
	var out []option
	in := &wsapi.DescribeWorkspaceDirectoriesRequest{}
	for range 20 { // at most 50 registrations per account and Region; pages of 25
		res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceDirectories, in)
		if err != nil {
			return out
		}
		for _, d := range res.Directories {
			label := str(d.DirectoryId) + " — " + str(d.DirectoryName)
			if d.State != wsapi.WorkspaceDirectoryStateRegistered {
				label += " (" + string(d.State) + ")"
			}
			out = append(out, option{Value: str(d.DirectoryId), Label: label})
		}
		if res.NextToken == nil || *res.NextToken == "" {
			break
		}
		in.NextToken = res.NextToken
	}
	return out
}

// liveRow is a row's state for the page's script.
type liveRow struct {
	ID         string `json:"id"`
	State      string `json:"state"`
	Class      string `json:"class"`
	IP         string `json:"ip"`
	Compute    string `json:"compute"`
	Mode       string `json:"mode"`
	Connection string `json:"connection"`
	Error      string `json:"error"`
	Desktop    bool   `json:"desktop"`
	ConnectURL string `json:"connectUrl,omitempty"`
}

// workspacesLive answers the current state of the WorkSpaces a page shows
// (ids=ws-…,ws-…), polled while the page is open; WorkSpaces that are gone
// are listed in "gone".
func (h *Handler) workspacesLive(q *req) {
	var ids []string
	seen := map[string]bool{}
	for _, id := range strings.Split(q.r.URL.Query().Get("ids"), ",") {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > liveMaxIDs {
		writeJSON(q.w, http.StatusBadRequest, map[string]string{"error": "at most 200 WorkSpaces at a time"})
		return
	}
	rows := make([]liveRow, 0, len(ids))
	found := map[string]bool{}
	for chunk := range slices.Chunk(ids, apiPage) {
		res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaces, &wsapi.DescribeWorkspacesRequest{WorkspaceIds: chunk})
		if err != nil {
			writeJSON(q.w, http.StatusBadRequest, map[string]string{"error": errText(err)})
			return
		}
		for i := range res.Workspaces {
			r := rowOf(&res.Workspaces[i])
			found[r.ID] = true
			rows = append(rows, liveRow{ID: r.ID, State: r.State, Class: stateClass(r.State), IP: r.IP,
				Compute: r.Compute, Mode: r.Mode, Error: r.Error})
		}
	}
	var present []string
	for _, r := range rows {
		present = append(present, r.ID)
	}
	conn, _ := h.connections(q, present)
	desk := h.desktopsOf(q, present)
	for i := range rows {
		rows[i].Connection = conn[rows[i].ID]
		if u, ok := desk[rows[i].ID]; ok {
			rows[i].Desktop, rows[i].ConnectURL = true, u
		}
	}
	gone := []string{}
	for _, id := range ids {
		if !found[id] {
			gone = append(gone, id)
		}
	}
	out := map[string]any{"workspaces": rows, "gone": gone}
	if h.d.Controls != nil {
		out["clock"] = h.d.Controls.Clock()
	}
	writeJSON(q.w, http.StatusOK, out)
}

// workspaceData is the detail page.
type workspaceData struct {
	W          wsapi.Workspace
	Row        wsRow
	Snapshots  *wsapi.DescribeWorkspaceSnapshotsResult
	Tags       []wsapi.Tag
	Bundle     *wsapi.WorkspaceBundle
	Problems   []string
	Modes      []string
	Computes   []string
	Actions    []option
	Desktops   bool
	URL        string
	LiveURL    string
	ThumbURL   string
	ConnectURL string
}

func (h *Handler) workspacePage(q *req) {
	id := q.r.PathValue("id")
	w, err := h.describeWorkspace(q, id)
	if err != nil {
		h.errorPage(q.w, q.r, http.StatusBadRequest, errText(err))
		return
	}
	if w == nil {
		h.notFound(q.w, q.r, "There is no WorkSpace "+id+" in account "+q.sc.Account+", Region "+q.sc.Region+" (a terminated WorkSpace disappears after a while).")
		return
	}
	d := workspaceData{W: *w, Row: rowOf(w), Desktops: h.d.Desktops != nil,
		Modes: enumStrings(wsapi.RunningMode("").Values()), Computes: enumStrings(wsapi.Compute("").Values()),
		Actions: singleActions(), URL: q.sc.Base() + "/workspaces/" + id, LiveURL: q.sc.Base() + "/workspaces/live"}
	if conn, err := h.connections(q, []string{id}); err == nil {
		d.Row.Connection = conn[id]
	} else {
		d.Problems = append(d.Problems, errText(err))
	}
	if snap, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceSnapshots, &wsapi.DescribeWorkspaceSnapshotsRequest{WorkspaceId: ptr(id)}); err == nil {
		d.Snapshots = snap
	} else {
		d.Problems = append(d.Problems, "Snapshots: "+errText(err))
	}
	if tags, err := ws(h, q, h.d.WorkSpaces.DescribeTags, &wsapi.DescribeTagsRequest{ResourceId: ptr(id)}); err == nil {
		d.Tags = tags.TagList
	} else {
		d.Problems = append(d.Problems, "Tags: "+errText(err))
	}
	if b := str(w.BundleId); b != "" {
		if res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceBundles, &wsapi.DescribeWorkspaceBundlesRequest{BundleIds: []string{b}}); err == nil && len(res.Bundles) > 0 {
			d.Bundle = &res.Bundles[0]
		}
	}
	if u, ok := h.desktopsOf(q, []string{id})[id]; ok {
		d.Row.Desktop, d.ConnectURL = true, u
		d.ThumbURL = d.URL + "/thumbnail"
	}
	h.show(q, http.StatusOK, "workspace", "WorkSpace "+id, "workspaces", d)
}

// describeWorkspace returns the WorkSpace, or nil when there is none.
func (h *Handler) describeWorkspace(q *req, id string) (*wsapi.Workspace, error) {
	res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaces, &wsapi.DescribeWorkspacesRequest{WorkspaceIds: []string{id}})
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == "ValidationException" {
			return nil, nil // not a WorkSpace id at all
		}
		return nil, err
	}
	if len(res.Workspaces) == 0 {
		return nil, nil
	}
	return &res.Workspaces[0], nil
}
