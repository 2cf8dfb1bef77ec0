package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane/internal/wsapi"
)

// Actions on WorkSpaces. Every action that changes a WorkSpace asks first:
// the form posts without confirm=yes, the console answers a page that says
// what will happen and posts the same values again with confirm=yes.

// confirmData is the confirmation page.
type confirmData struct {
	Question string
	Details  []string
	Action   string // the form's address
	Button   string
	Danger   bool
	Fields   []option // the values posted again
	Cancel   string
}

// confirm renders the confirmation of the posted form.
func (h *Handler) confirm(q *req, title string, d confirmData) {
	for k, vs := range q.r.PostForm {
		if k == "csrf" || k == "confirm" {
			continue
		}
		for _, v := range vs {
			d.Fields = append(d.Fields, option{Value: v, Label: k})
		}
	}
	slices.SortStableFunc(d.Fields, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	d.Action = q.r.URL.Path
	nav := ""
	for _, n := range []string{"workspaces", "directories", "images", "controls"} {
		if strings.Contains(d.Action, "/"+n) {
			nav = n
			break
		}
	}
	h.show(q, http.StatusOK, "confirm", title, nav, d)
}

func confirmed(q *req) bool { return q.r.PostForm.Get("confirm") == "yes" }

// wsAction describes a lifecycle action.
type wsAction struct {
	name, title, question string
	danger                bool
	batch                 func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error)
}

func lifecycleActions() []wsAction {
	return []wsAction{
		{name: "start", title: "Start", question: "Start %s? A STOPPED WorkSpace goes STARTING, then AVAILABLE.", batch: func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error) {
			in := &wsapi.StartWorkspacesRequest{}
			for _, id := range ids {
				in.StartWorkspaceRequests = append(in.StartWorkspaceRequests, wsapi.StartRequest{WorkspaceId: ptr(id)})
			}
			out, err := ws(h, q, h.d.WorkSpaces.StartWorkspaces, in)
			if err != nil {
				return nil, err
			}
			return out.FailedRequests, nil
		}},
		{name: "stop", title: "Stop", question: "Stop %s? It goes STOPPING, then STOPPED; its volumes are kept.", batch: func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error) {
			in := &wsapi.StopWorkspacesRequest{}
			for _, id := range ids {
				in.StopWorkspaceRequests = append(in.StopWorkspaceRequests, wsapi.StopRequest{WorkspaceId: ptr(id)})
			}
			out, err := ws(h, q, h.d.WorkSpaces.StopWorkspaces, in)
			if err != nil {
				return nil, err
			}
			return out.FailedRequests, nil
		}},
		{name: "reboot", title: "Reboot", question: "Reboot %s? It goes REBOOTING, then AVAILABLE.", batch: func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error) {
			in := &wsapi.RebootWorkspacesRequest{}
			for _, id := range ids {
				in.RebootWorkspaceRequests = append(in.RebootWorkspaceRequests, wsapi.RebootRequest{WorkspaceId: ptr(id)})
			}
			out, err := ws(h, q, h.d.WorkSpaces.RebootWorkspaces, in)
			if err != nil {
				return nil, err
			}
			return out.FailedRequests, nil
		}},
		{name: "rebuild", title: "Rebuild", danger: true, question: "Rebuild %s? The root volume is recreated from the image and the user volume from the latest snapshot; newer data on it is lost.", batch: func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error) {
			in := &wsapi.RebuildWorkspacesRequest{}
			for _, id := range ids {
				in.RebuildWorkspaceRequests = append(in.RebuildWorkspaceRequests, wsapi.RebuildRequest{WorkspaceId: ptr(id)})
			}
			out, err := ws(h, q, h.d.WorkSpaces.RebuildWorkspaces, in)
			if err != nil {
				return nil, err
			}
			return out.FailedRequests, nil
		}},
		{name: "restore", title: "Restore", danger: true, question: "Restore %s? Both volumes are restored from the latest snapshots; newer data is lost.", batch: func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error) {
			var failed []wsapi.FailedWorkspaceChangeRequest
			for _, id := range ids { // RestoreWorkspace takes one WorkSpace
				if _, err := ws(h, q, h.d.WorkSpaces.RestoreWorkspace, &wsapi.RestoreWorkspaceRequest{WorkspaceId: ptr(id)}); err != nil {
					var ae *apiError
					if !errors.As(err, &ae) {
						return nil, err
					}
					failed = append(failed, wsapi.FailedWorkspaceChangeRequest{WorkspaceId: ptr(id), ErrorCode: ptr(ae.Code), ErrorMessage: ptr(ae.Message)})
				}
			}
			return failed, nil
		}},
		{name: "terminate", title: "Terminate", danger: true, question: "Terminate %s? The WorkSpace and its volumes are deleted for good.", batch: func(h *Handler, q *req, ids []string) ([]wsapi.FailedWorkspaceChangeRequest, error) {
			in := &wsapi.TerminateWorkspacesRequest{}
			for _, id := range ids {
				in.TerminateWorkspaceRequests = append(in.TerminateWorkspaceRequests, wsapi.TerminateRequest{WorkspaceId: ptr(id)})
			}
			out, err := ws(h, q, h.d.WorkSpaces.TerminateWorkspaces, in)
			if err != nil {
				return nil, err
			}
			return out.FailedRequests, nil
		}},
	}
}

func findAction(name string) (wsAction, bool) {
	for _, a := range lifecycleActions() {
		if a.name == name {
			return a, true
		}
	}
	return wsAction{}, false
}

func singleActions() []option {
	var out []option
	for _, a := range lifecycleActions() {
		out = append(out, option{Value: a.name, Label: a.title})
	}
	return out
}

func bulkOptions() []option {
	var out []option
	for _, a := range lifecycleActions() {
		if a.name != "restore" {
			out = append(out, option{Value: a.name, Label: a.title})
		}
	}
	return out
}

// runBatch runs a lifecycle action on the WorkSpaces, 25 per call, and
// reports the outcome as flash messages.
func (h *Handler) runBatch(q *req, a wsAction, ids []string) (ok int, problems []string) {
	for chunk := range slices.Chunk(ids, apiPage) {
		failed, err := a.batch(h, q, chunk)
		if err != nil {
			problems = append(problems, errText(err))
			continue
		}
		bad := map[string]bool{}
		for _, f := range failed {
			bad[str(f.WorkspaceId)] = true
			problems = append(problems, fmt.Sprintf("%s: %s: %s", str(f.WorkspaceId), str(f.ErrorCode), str(f.ErrorMessage)))
		}
		ok += len(chunk) - len(bad)
	}
	return ok, problems
}

func (h *Handler) flashOutcome(q *req, verb string, ok int, problems []string) {
	if ok > 0 {
		h.sessions.addFlash(q.ses, "ok", fmt.Sprintf("%s: %d WorkSpace(s) accepted.", verb, ok))
	}
	for _, p := range problems {
		h.sessions.addFlash(q.ses, "error", verb+" failed: "+p)
	}
}

// workspaceAction runs an action on one WorkSpace.
func (h *Handler) workspaceAction(q *req) {
	id, name := q.r.PathValue("id"), q.r.PathValue("action")
	back := q.sc.Base() + "/workspaces/" + url.PathEscape(id)
	if a, ok := findAction(name); ok {
		if !confirmed(q) {
			h.confirm(q, a.title+" WorkSpace", confirmData{Question: fmt.Sprintf(a.question, id), Button: a.title,
				Danger: a.danger, Cancel: back})
			return
		}
		n, problems := h.runBatch(q, a, []string{id})
		h.flashOutcome(q, a.title, n, problems)
		h.redirect(q, back, "", "")
		return
	}
	f := q.r.PostForm
	switch name {
	case "mode":
		props := &wsapi.WorkspaceProperties{RunningMode: wsapi.RunningMode(f.Get("mode"))}
		if t := strings.TrimSpace(f.Get("timeout")); t != "" && props.RunningMode == wsapi.RunningModeAutoStop {
			n, err := strconv.ParseInt(t, 10, 32)
			if err != nil {
				h.redirect(q, back, "error", "The AutoStop time must be a whole number of minutes.")
				return
			}
			props.RunningModeAutoStopTimeoutInMinutes = ptr(int32(n))
		}
		if !confirmed(q) {
			h.confirm(q, "Change running mode", confirmData{Question: fmt.Sprintf("Change the running mode of %s to %s?", id, props.RunningMode), Button: "Change running mode", Cancel: back})
			return
		}
		_, err := ws(h, q, h.d.WorkSpaces.ModifyWorkspaceProperties, &wsapi.ModifyWorkspacePropertiesRequest{WorkspaceId: ptr(id), WorkspaceProperties: props})
		h.afterCall(q, back, err, "Running mode change accepted.")
	case "compute":
		props := &wsapi.WorkspaceProperties{ComputeTypeName: wsapi.Compute(f.Get("compute"))}
		if !confirmed(q) {
			h.confirm(q, "Change compute type", confirmData{Question: fmt.Sprintf("Change the compute type of %s to %s? The WorkSpace is modified while it stays usable.", id, props.ComputeTypeName), Button: "Change compute type", Cancel: back})
			return
		}
		_, err := ws(h, q, h.d.WorkSpaces.ModifyWorkspaceProperties, &wsapi.ModifyWorkspacePropertiesRequest{WorkspaceId: ptr(id), WorkspaceProperties: props})
		h.afterCall(q, back, err, "Compute type change accepted.")
	case "image":
		in := &wsapi.CreateWorkspaceImageRequest{WorkspaceId: ptr(id), Name: optional(f.Get("name")), Description: optional(f.Get("description"))}
		if !confirmed(q) {
			h.confirm(q, "Create image", confirmData{Question: fmt.Sprintf("Create image %q from %s? The WorkSpace is unavailable while the image is captured.", f.Get("name"), id), Button: "Create image", Cancel: back})
			return
		}
		out, err := ws(h, q, h.d.WorkSpaces.CreateWorkspaceImage, in)
		if err != nil {
			h.redirect(q, back, "error", "Create image failed: "+errText(err))
			return
		}
		h.redirect(q, q.sc.Base()+"/images/"+url.PathEscape(str(out.ImageId)), "ok", "Image "+str(out.ImageId)+" is being created from "+id+".")
	case "tag":
		_, err := ws(h, q, h.d.WorkSpaces.CreateTags, &wsapi.CreateTagsRequest{ResourceId: ptr(id),
			Tags: []wsapi.Tag{{Key: ptr(f.Get("key")), Value: ptr(f.Get("value"))}}})
		h.afterCall(q, back, err, "Tag saved.")
	case "untag":
		_, err := ws(h, q, h.d.WorkSpaces.DeleteTags, &wsapi.DeleteTagsRequest{ResourceId: ptr(id), TagKeys: []string{f.Get("key")}})
		h.afterCall(q, back, err, "Tag removed.")
	default:
		h.notFound(q.w, q.r, "There is no WorkSpace action "+name+".")
	}
}

// afterCall redirects with the outcome of a call.
func (h *Handler) afterCall(q *req, to string, err error, okText string) {
	if err != nil {
		h.redirect(q, to, "error", errText(err))
		return
	}
	h.redirect(q, to, "ok", okText)
}

func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

// bulkAction runs a lifecycle action on the WorkSpaces ticked in the
// table.
func (h *Handler) bulkAction(q *req) {
	back := safeNext(q.r.PostForm.Get("return"))
	if back == Prefix {
		back = q.sc.Base() + "/workspaces"
	}
	a, ok := findAction(q.r.PostForm.Get("action"))
	if !ok || a.name == "restore" {
		h.redirect(q, back, "error", "Pick an action for the WorkSpaces you ticked.")
		return
	}
	var ids []string
	for _, id := range q.r.PostForm["ids"] {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		h.redirect(q, back, "error", "Tick the WorkSpaces to "+strings.ToLower(a.title)+" first.")
		return
	}
	if len(ids) > liveMaxIDs {
		h.redirect(q, back, "error", "At most 200 WorkSpaces at a time.")
		return
	}
	if !confirmed(q) {
		h.confirm(q, a.title+" WorkSpaces", confirmData{Question: fmt.Sprintf(a.question, fmt.Sprintf("these %d WorkSpaces", len(ids))),
			Details: ids, Button: a.title, Danger: a.danger, Cancel: back})
		return
	}
	n, problems := h.runBatch(q, a, ids)
	h.flashOutcome(q, a.title, n, problems)
	h.redirect(q, back, "", "")
}

// createData is the create form.
type createData struct {
	Directories []option
	Bundles     []option
	Modes       []string
	Computes    []string
	Form        url.Values
	Error       string
	Failed      []failedCreate
	Created     []string
	Action      string
	Cancel      string
}

type failedCreate struct {
	User, Code, Message string
}

func (h *Handler) createForm(q *req) {
	h.showCreate(q, http.StatusOK, createData{Form: url.Values{"mode": {"AUTO_STOP"}, "timeout": {"60"}}})
}

func (h *Handler) showCreate(q *req, status int, d createData) {
	d.Directories = h.directoryOptions(q)
	d.Bundles = h.bundleOptions(q)
	d.Modes = enumStrings(wsapi.RunningMode("").Values())
	d.Computes = enumStrings(wsapi.Compute("").Values())
	d.Action = q.sc.Base() + "/workspaces"
	d.Cancel = q.sc.Base() + "/workspaces"
	h.show(q, status, "create", "Create WorkSpaces", "workspaces", d)
}

// bundleOptions lists the account's own bundles, then AMAZON's.
func (h *Handler) bundleOptions(q *req) []option {
	var out []option
	for _, owner := range []*string{nil, ptr("AMAZON")} {
		in := &wsapi.DescribeWorkspaceBundlesRequest{Owner: owner}
		for range 40 {
			res, err := ws(h, q, h.d.WorkSpaces.DescribeWorkspaceBundles, in)
			if err != nil {
				break
			}
			for _, b := range res.Bundles {
				label := str(b.Name) + " (" + str(b.BundleId) + ")"
				if owner == nil {
					label = "own: " + label
				}
				out = append(out, option{Value: str(b.BundleId), Label: label})
			}
			if res.NextToken == nil || *res.NextToken == "" {
				break
			}
			in.NextToken = res.NextToken
		}
	}
	return out
}

// createWorkspaces calls CreateWorkspaces with the form's values: one
// WorkSpace per user name.
func (h *Handler) createWorkspaces(q *req) {
	f := q.r.PostForm
	d := createData{Form: f}
	fail := func(msg string) {
		d.Error = msg
		h.showCreate(q, http.StatusBadRequest, d)
	}
	props := &wsapi.WorkspaceProperties{RunningMode: wsapi.RunningMode(f.Get("mode")), ComputeTypeName: wsapi.Compute(f.Get("compute"))}
	for _, n := range []struct {
		field, label string
		dst          **int32
	}{
		{"timeout", "The AutoStop time", &props.RunningModeAutoStopTimeoutInMinutes},
		{"root", "The root volume size", &props.RootVolumeSizeGib},
		{"user_volume", "The user volume size", &props.UserVolumeSizeGib},
	} {
		v := strings.TrimSpace(f.Get(n.field))
		if v == "" || (n.field == "timeout" && props.RunningMode != wsapi.RunningModeAutoStop) {
			continue
		}
		i, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			fail(n.label + " must be a whole number.")
			return
		}
		*n.dst = ptr(int32(i))
	}
	if props.RunningMode == "" && props.ComputeTypeName == "" && props.RunningModeAutoStopTimeoutInMinutes == nil &&
		props.RootVolumeSizeGib == nil && props.UserVolumeSizeGib == nil {
		props = nil
	}
	var tags []wsapi.Tag
	for _, line := range strings.Split(f.Get("tags"), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		tags = append(tags, wsapi.Tag{Key: ptr(strings.TrimSpace(k)), Value: ptr(strings.TrimSpace(v))})
	}
	var users []string
	for _, u := range strings.Split(f.Get("users"), "\n") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		users = []string{""} // the API says what is missing
	}
	in := &wsapi.CreateWorkspacesRequest{}
	for _, u := range users {
		in.Workspaces = append(in.Workspaces, wsapi.WorkspaceRequest{
			DirectoryId: optional(f.Get("directory")), UserName: optional(u), BundleId: optional(f.Get("bundle")),
			WorkspaceName: optional(f.Get("name")), WorkspaceProperties: props, Tags: tags,
		})
	}
	out, err := ws(h, q, h.d.WorkSpaces.CreateWorkspaces, in)
	if err != nil {
		fail(errText(err))
		return
	}
	for _, p := range out.PendingRequests {
		d.Created = append(d.Created, str(p.WorkspaceId))
	}
	for _, fr := range out.FailedRequests {
		fc := failedCreate{Code: str(fr.ErrorCode), Message: str(fr.ErrorMessage)}
		if fr.WorkspaceRequest != nil {
			fc.User = str(fr.WorkspaceRequest.UserName)
		}
		d.Failed = append(d.Failed, fc)
	}
	if len(d.Failed) == 0 {
		h.redirect(q, q.sc.Base()+"/workspaces", "ok", "Created "+strings.Join(d.Created, ", ")+" (PENDING until it is ready).")
		return
	}
	status := http.StatusOK
	if len(d.Created) == 0 {
		status = http.StatusBadRequest
	}
	h.showCreate(q, status, d)
}
