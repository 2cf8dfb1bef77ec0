package console_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

var wsIDRE = regexp.MustCompile(`ws-[0-9a-z]{9}`)

// live reads the state endpoint the page's script polls.
func live(t *testing.T, b *browser, ids ...string) map[string]string {
	t.Helper()
	p := b.get(scopeA + "/workspaces/live?ids=" + url.QueryEscape(strings.Join(ids, ",")))
	if p.Status != http.StatusOK {
		t.Fatalf("live: %d %s", p.Status, p.Body)
	}
	var out struct {
		Workspaces []struct{ ID, State, Error string }
		Gone       []string
		Clock      struct{ Now time.Time }
	}
	if err := json.Unmarshal([]byte(p.Body), &out); err != nil {
		t.Fatalf("live: %v: %s", err, p.Body)
	}
	st := map[string]string{}
	for _, w := range out.Workspaces {
		st[w.ID] = w.State
	}
	for _, id := range out.Gone {
		st[id] = "GONE"
	}
	return st
}

func sdkState(t *testing.T, e *apptest.Env, id string) wstypes.Workspace {
	t.Helper()
	out, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{WorkspaceIds: []string{id}})
	if err != nil || len(out.Workspaces) != 1 {
		t.Fatalf("DescribeWorkspaces(%s): %v %v", id, err, out)
	}
	return out.Workspaces[0]
}

func TestCreateWatchAndStopAWorkSpace(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *appConfig) { c.Timing = "fast" }})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	b := signedIn(t, e)

	form := b.get(scopeA + "/workspaces/new")
	if form.Status != http.StatusOK || !strings.Contains(form.Body, `value="`+dir+`"`) || !strings.Contains(form.Body, `value="`+bundle+`"`) {
		t.Fatalf("the create form does not offer the directory and the bundle: %s", excerpt(form.Body))
	}
	p := b.postFollow(scopeA+"/workspaces", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"alice\r\nbob\r\n"},
		"mode": {"AUTO_STOP"}, "timeout": {"120"}, "tags": {"team=qa\nowner = ops"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Created ws-") {
		t.Fatalf("create: %d %s", p.Status, excerpt(p.Body))
	}
	ids := wsIDRE.FindAllString(p.Body[strings.Index(p.Body, "Created ws-"):strings.Index(p.Body, "Created ws-")+60], -1)
	if len(ids) != 2 {
		t.Fatalf("the flash names %v, want two WorkSpaces", ids)
	}
	for _, id := range ids {
		w := sdkState(t, e, id)
		if w.State != wstypes.WorkspaceStatePending || aws.ToInt32(w.WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes) != 120 {
			t.Errorf("%s as the SDK sees it: %s, %d min", id, w.State, aws.ToInt32(w.WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes))
		}
		tags, err := e.WS(apptest.AccountA).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
		if err != nil || len(tags.TagList) != 2 {
			t.Errorf("tags of %s: %v %v", id, err, tags)
		}
		if !strings.Contains(p.Body, `<tr data-id="`+id+`">`) {
			t.Errorf("the table does not show %s", id)
		}
	}
	if st := live(t, b, ids...); st[ids[0]] != "PENDING" || st[ids[1]] != "PENDING" {
		t.Fatalf("live states before the clock moves: %v", st)
	}

	// Advance the clock from the header form: the WorkSpaces become AVAILABLE.
	p = b.postFollow("/console/controls/advance", url.Values{"by": {"5s"}, "return": {scopeA + "/workspaces"}})
	if !strings.Contains(p.Body, "Clock advanced by 5s") {
		t.Fatalf("advance: %s", excerpt(p.Body))
	}
	if st := live(t, b, ids...); st[ids[0]] != "AVAILABLE" || st[ids[1]] != "AVAILABLE" {
		t.Fatalf("live states after 5 s: %v", st)
	}

	// Stop asks first; nothing happens until confirmed.
	p = b.post(scopeA+"/workspaces/"+ids[0]+"/stop", nil)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Stop "+ids[0]+"?") {
		t.Fatalf("stop without confirmation: %d %s", p.Status, excerpt(p.Body))
	}
	if w := sdkState(t, e, ids[0]); w.State != wstypes.WorkspaceStateAvailable {
		t.Fatalf("an unconfirmed stop changed the state to %s", w.State)
	}
	p = b.confirmAndPost(scopeA+"/workspaces/"+ids[0]+"/stop", nil)
	if !strings.Contains(p.Body, "Stop: 1 WorkSpace(s) accepted") || !strings.Contains(p.Body, "STOPPING") {
		t.Fatalf("stop: %s", excerpt(p.Body))
	}
	if w := sdkState(t, e, ids[0]); w.State != wstypes.WorkspaceStateStopping {
		t.Fatalf("after stop the SDK sees %s", w.State)
	}
	// A second stop fails per item, with the API's code and message.
	p = b.confirmAndPost(scopeA+"/workspaces/"+ids[0]+"/stop", nil)
	if !strings.Contains(p.Body, "Stop failed: "+ids[0]+": ") {
		t.Errorf("a stop of a STOPPING WorkSpace does not show the failure: %s", excerpt(p.Body))
	}
	b.postFollow("/console/controls/advance", url.Values{"by": {"5s"}})
	if st := live(t, b, ids[0]); st[ids[0]] != "STOPPED" {
		t.Fatalf("after the stop transition: %v", st)
	}
}

func TestCreateShowsTheAPIsValidationAndItemErrors(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	b := signedIn(t, e)
	cases := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"name with markup", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"carol"}, "name": {`<b onmouseover="x()">n</b>`}},
			http.StatusBadRequest, []string{"ValidationException", "&lt;b onmouseover=&#34;x()&#34;&gt;n&lt;/b&gt;", "workspaceName"}},
		{"no user", url.Values{"directory": {dir}, "bundle": {bundle}}, http.StatusBadRequest, []string{"ValidationException", "userName"}},
		{"too many users", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {strings.Repeat("u\n", 26)}}, http.StatusBadRequest, []string{"ValidationException"}},
		{"unknown bundle", url.Values{"directory": {dir}, "bundle": {"wsb-0000000000"}, "users": {"dave"}}, http.StatusBadRequest,
			[]string{"1 WorkSpace(s) could not be created", "<strong>dave</strong>", "ResourceNotFound"}},
		{"unknown directory", url.Values{"directory": {"d-0000000000"}, "bundle": {bundle}, "users": {"erin"}}, http.StatusBadRequest,
			[]string{"could not be created", "<strong>erin</strong>"}},
		{"bad number", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"frank"}, "root": {"lots"}}, http.StatusBadRequest,
			[]string{"The root volume size must be a whole number."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := b.post(scopeA+"/workspaces", tc.form)
			if p.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", p.Status, tc.status, excerpt(p.Body))
			}
			for _, w := range tc.want {
				if !strings.Contains(p.Body, w) {
					t.Errorf("the page does not say %q: %s", w, excerpt(p.Body))
				}
			}
			if strings.Contains(p.Body, "<b onmouseover") {
				t.Error("markup from the form reached the page unescaped")
			}
			// The form keeps what was typed.
			if u := tc.form.Get("users"); u != "" && !strings.Contains(p.Body, strings.Split(u, "\n")[0]) {
				t.Error("the form lost the user names")
			}
		})
	}
	out, _ := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{})
	if len(out.Workspaces) != 0 {
		t.Errorf("failed creates left %d WorkSpaces", len(out.Workspaces))
	}
}

func TestEveryValueIsEscaped(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	b := signedIn(t, e)
	user := `<script>alert("u")</script>`
	tagKey, tagValue := `<i>k</i>`, `<img src=x onerror=alert(1)>`
	// The service refuses markup in tags; its message, which quotes the
	// tag, is shown escaped.
	p := b.post(scopeA+"/workspaces", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {user},
		"tags": {tagKey + "=" + tagValue}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "&lt;i&gt;k&lt;/i&gt;") {
		t.Fatalf("create with a tag holding markup: %d %s", p.Status, excerpt(p.Body))
	}
	p = b.postFollow(scopeA+"/workspaces", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {user}, "tags": {"k=v"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Created ws-") {
		t.Fatalf("create: %d %s", p.Status, excerpt(p.Body))
	}
	id := wsIDRE.FindString(p.Body[strings.Index(p.Body, "Created ws-"):])
	if _, err := e.WS(apptest.AccountA).CreateIpGroup(e.Ctx(), &workspaces.CreateIpGroupInput{
		GroupName: aws.String(`<svg onload=alert(2)>`), GroupDesc: aws.String(`"><script>alert(3)</script>`),
		UserRules: []wstypes.IpRuleItem{{IpRule: aws.String("10.0.0.0/8"), RuleDesc: aws.String(`<a href="javascript:alert(4)">x</a>`)}}}); err != nil {
		t.Fatal(err)
	}
	raw := []string{"<script>alert", "<img src=x", "<svg onload", "<i>k</i>", `<a href="javascript:`}
	check := func(name string, p page) {
		t.Helper()
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", name, p.Status, excerpt(p.Body))
		}
		for _, r := range raw {
			if strings.Contains(p.Body, r) {
				t.Errorf("%s: %q reached the page unescaped", name, r)
			}
		}
	}
	list := b.get(scopeA + "/workspaces")
	check("table", list)
	if !strings.Contains(list.Body, "&lt;script&gt;alert(&#34;u&#34;)&lt;/script&gt;") {
		t.Errorf("the table does not show the user name escaped: %s", excerpt(list.Body))
	}
	detail := b.get(scopeA + "/workspaces/" + id)
	check("detail", detail)
	if !strings.Contains(detail.Body, "&lt;script&gt;alert(&#34;u&#34;)&lt;/script&gt;") {
		t.Errorf("the detail page does not show the user name escaped: %s", excerpt(detail.Body))
	}
	p = b.postFollow(scopeA+"/workspaces/"+id+"/tag", url.Values{"key": {"k2"}, "value": {tagValue}})
	check("tag refused", p)
	if !strings.Contains(p.Body, "flash-error") || !strings.Contains(p.Body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the refused tag value is not shown escaped: %s", excerpt(p.Body))
	}
	check("ip groups", b.get(scopeA+"/ipgroups"))
	check("search", b.get(scopeA+"/workspaces?q="+url.QueryEscape(`<script>alert`)))
	lp := b.get(scopeA + "/workspaces/live?ids=" + id)
	if strings.Contains(lp.Body, "<script>") || !strings.Contains(lp.Body, `"id":"`+id+`"`) {
		t.Errorf("live JSON: %s", lp.Body)
	}
	if ct := lp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("live Content-Type %q", ct)
	}
	// Messages that echo input: a flash and a confirmation page.
	p = b.post(scopeA+"/workspaces/"+id+"/image", url.Values{"name": {"img"}, "description": {`<b>d</b>`}})
	check("confirm", p)
	p = b.postFollow(scopeA+"/workspaces/"+id+"/image", url.Values{"name": {"img"}, "description": {`<b>d</b>`}, "confirm": {"yes"}})
	if !strings.Contains(p.Body, "ValidationException") || !strings.Contains(p.Body, "&lt;b&gt;d&lt;/b&gt;") || strings.Contains(p.Body, "<b>d</b>") {
		t.Errorf("the image description's validation error is not shown escaped: %s", excerpt(p.Body))
	}
}

func TestLifecycleActionsAndBulk(t *testing.T) {
	e := apptest.Start(t, apptest.Options{Config: func(c *appConfig) { c.Timing = "fast" }})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := modernBundle(t, e)
	b := signedIn(t, e)
	p := b.postFollow(scopeA+"/workspaces", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"u1\nu2\nu3"}, "mode": {"AUTO_STOP"}})
	ids := wsIDRE.FindAllString(p.Body[strings.Index(p.Body, "Created ws-"):strings.Index(p.Body, "Created ws-")+80], -1)
	if len(ids) != 3 {
		t.Fatalf("created %v", ids)
	}
	e.Advance(time.Hour) // AVAILABLE, and the first snapshots taken

	step := func(id, action string, want wstypes.WorkspaceState) {
		t.Helper()
		p := b.confirmAndPost(scopeA+"/workspaces/"+id+"/"+action, nil)
		if strings.Contains(p.Body, "failed") {
			t.Fatalf("%s %s: %s", action, id, excerpt(p.Body))
		}
		if w := sdkState(t, e, id); w.State != want {
			t.Fatalf("after %s: %s, want %s", action, w.State, want)
		}
		e.Advance(time.Hour)
	}
	if p := b.get(scopeA + "/workspaces/" + ids[0]); !strings.Contains(p.Body, `id="snapshots"`) || !strings.Contains(p.Body, "rebuild (root + user volume)") {
		t.Errorf("the detail page shows no snapshot an hour after creation: %s", excerpt(p.Body))
	}
	step(ids[0], "reboot", wstypes.WorkspaceStateRebooting)
	step(ids[0], "rebuild", wstypes.WorkspaceStateRebuilding)
	step(ids[0], "restore", wstypes.WorkspaceStateRestoring)
	step(ids[0], "stop", wstypes.WorkspaceStateStopping)
	step(ids[0], "start", wstypes.WorkspaceStateStarting)

	// Bulk: tick the two others (AutoStop has stopped them by now), start them.
	for _, id := range ids[1:] {
		if w := sdkState(t, e, id); w.State != wstypes.WorkspaceStateStopped {
			t.Fatalf("%s after hours without a connection: %s, want STOPPED (AutoStop)", id, w.State)
		}
	}
	p = b.post(scopeA+"/workspaces/bulk", url.Values{"action": {"start"}, "ids": {ids[1], ids[2]}, "return": {scopeA + "/workspaces"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "these 2 WorkSpaces") || !strings.Contains(p.Body, ids[2]) {
		t.Fatalf("bulk confirmation: %d %s", p.Status, excerpt(p.Body))
	}
	p = b.postFollow(scopeA+"/workspaces/bulk", url.Values{"action": {"start"}, "ids": {ids[1], ids[2]}, "return": {scopeA + "/workspaces"}, "confirm": {"yes"}})
	if !strings.Contains(p.Body, "Start: 2 WorkSpace(s) accepted") {
		t.Fatalf("bulk start: %s", excerpt(p.Body))
	}
	for _, id := range ids[1:] {
		if w := sdkState(t, e, id); w.State != wstypes.WorkspaceStateStarting {
			t.Errorf("%s after bulk start: %s", id, w.State)
		}
	}
	if p := b.postFollow(scopeA+"/workspaces/bulk", url.Values{"action": {"stop"}}); !strings.Contains(p.Body, "Tick the WorkSpaces") {
		t.Errorf("bulk without ticks: %s", excerpt(p.Body))
	}
	// Terminate: TERMINATING, then gone from the table (the live poll says GONE).
	e.Advance(time.Hour)
	p = b.post(scopeA+"/workspaces/bulk", url.Values{"action": {"terminate"}, "ids": ids, "confirm": {"yes"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("bulk terminate: %d %s", p.Status, excerpt(p.Body))
	}
	e.Advance(time.Hour)
	if st := live(t, b, ids...); st[ids[0]] != "GONE" {
		t.Errorf("after terminate: %v", st)
	}
	if p := b.get(scopeA + "/workspaces/" + ids[0]); p.Status != http.StatusNotFound {
		t.Errorf("detail of a terminated WorkSpace: %d", p.Status)
	}
}

func TestModifyImageAndShare(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := modernBundle(t, e)
	b := signedIn(t, e)
	p := b.postFollow(scopeA+"/workspaces", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"ivy"}})
	id := wsIDRE.FindString(p.Body[strings.Index(p.Body, "Created ws-"):])
	e.Advance(time.Hour)

	p = b.confirmAndPost(scopeA+"/workspaces/"+id+"/mode", url.Values{"mode": {"ALWAYS_ON"}})
	if !strings.Contains(p.Body, "Running mode change accepted") {
		t.Fatalf("modify running mode: %s", excerpt(p.Body))
	}
	if w := sdkState(t, e, id); w.WorkspaceProperties.RunningMode != wstypes.RunningModeAlwaysOn {
		t.Errorf("running mode %s", w.WorkspaceProperties.RunningMode)
	}
	before := sdkState(t, e, id).WorkspaceProperties.ComputeTypeName
	e.Advance(7 * time.Hour) // no compute change in the first 6 hours
	p = b.confirmAndPost(scopeA+"/workspaces/"+id+"/compute", url.Values{"compute": {"POWER"}})
	if !strings.Contains(p.Body, "Compute type change accepted") {
		t.Fatalf("modify compute from %s: %s", before, excerpt(p.Body))
	}
	e.Advance(time.Hour)
	if w := sdkState(t, e, id); w.WorkspaceProperties.ComputeTypeName != wstypes.ComputePower {
		t.Errorf("compute %s", w.WorkspaceProperties.ComputeTypeName)
	}
	// A rule of the service, shown as the API says it: AUTO_STOP needs a timeout of 60-minute steps.
	p = b.confirmAndPost(scopeA+"/workspaces/"+id+"/mode", url.Values{"mode": {"AUTO_STOP"}, "timeout": {"61"}})
	if !strings.Contains(p.Body, "flash-error") {
		t.Errorf("an AutoStop time of 61 minutes was not refused: %s", excerpt(p.Body))
	}

	// Create an image from the WorkSpace and share it with account B.
	p = b.confirmAndPost(scopeA+"/workspaces/"+id+"/image", url.Values{"name": {"golden"}, "description": {"Golden image"}})
	if !strings.Contains(p.Body, "is being created from "+id) {
		t.Fatalf("create image: %s", excerpt(p.Body))
	}
	imageID := regexp.MustCompile(`wsi-[0-9a-z]{9}`).FindString(p.Body)
	e.Advance(2 * time.Hour)
	p = b.get(scopeA + "/images/" + imageID)
	if !strings.Contains(p.Body, "AVAILABLE") || !strings.Contains(p.Body, "Not shared with any account") {
		t.Fatalf("image page: %s", excerpt(p.Body))
	}
	p = b.confirmAndPost(scopeA+"/images/"+imageID+"/share", url.Values{"account": {apptest.AccountB}})
	if !strings.Contains(p.Body, "is shared with account "+apptest.AccountB) || !strings.Contains(p.Body, "<td>"+apptest.AccountB+"</td>") {
		t.Fatalf("share: %s", excerpt(p.Body))
	}
	perms, err := e.WS(apptest.AccountA).DescribeWorkspaceImagePermissions(e.Ctx(), &workspaces.DescribeWorkspaceImagePermissionsInput{ImageId: aws.String(imageID)})
	if err != nil || len(perms.ImagePermissions) != 1 || aws.ToString(perms.ImagePermissions[0].SharedAccountId) != apptest.AccountB {
		t.Fatalf("permissions as the SDK sees them: %v %v", err, perms)
	}
	// Account B's console shows the shared image.
	scopeB := "/console/" + apptest.AccountB + "/" + apptest.Region
	p = b.get(scopeB + "/images?type=SHARED")
	if !strings.Contains(p.Body, imageID) {
		t.Errorf("account B does not see the shared image: %s", excerpt(p.Body))
	}
	p = b.get(scopeB + "/images/" + imageID)
	if !strings.Contains(p.Body, "which shares it with this account") || strings.Contains(p.Body, "/share\"") {
		t.Errorf("B's view of A's image: %s", excerpt(p.Body))
	}
	p = b.confirmAndPost(scopeA+"/images/"+imageID+"/unshare", url.Values{"account": {apptest.AccountB}})
	if !strings.Contains(p.Body, "no longer shared") {
		t.Fatalf("unshare: %s", excerpt(p.Body))
	}
	// Sharing with a malformed account shows the API's validation message.
	p = b.confirmAndPost(scopeA+"/images/"+imageID+"/share", url.Values{"account": {"12"}})
	if !strings.Contains(p.Body, "ValidationException") {
		t.Errorf("share with account 12: %s", excerpt(p.Body))
	}
}

func TestDirectoriesFromCreateToRegistered(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := signedIn(t, e)
	p := b.get(scopeA + "/directories")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "No directory is registered") {
		t.Fatalf("directories: %s", excerpt(p.Body))
	}
	p = b.postFollow(scopeA+"/directories", url.Values{"name": {"corp.example.com"}, "password": {"Test-Pa55word-1"}, "size": {"Small"},
		"vpc": {"vpc-0123456789abcdef0"}, "subnet1": {"subnet-0123456789abcdef0"}, "subnet2": {"subnet-0fedcba9876543210"}, "anyuser": {"on"}})
	m := regexp.MustCompile(`Directory (d-[0-9a-f]{10}) is being created`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("create directory: %s", excerpt(p.Body))
	}
	id := m[1]
	if strings.Contains(p.Body, "Test-Pa55word-1") {
		t.Error("the password came back in the page")
	}
	b.postFollow("/console/controls/advance", url.Values{"by": {"1h"}})
	p = b.get(scopeA + "/directories/" + id)
	if !strings.Contains(p.Body, "Active") || !strings.Contains(p.Body, `id="register"`) {
		t.Fatalf("directory page before registration: %s", excerpt(p.Body))
	}
	p = b.postFollow(scopeA+"/directories/"+id+"/register", nil)
	if !strings.Contains(p.Body, "is being registered") || !strings.Contains(p.Body, "REGISTERING") {
		t.Fatalf("register: %s", excerpt(p.Body))
	}
	b.postFollow("/console/controls/advance", url.Values{"by": {"1h"}})
	p = b.get(scopeA + "/directories")
	if !strings.Contains(p.Body, "REGISTERED") || !regexp.MustCompile(`<code>SL[a-z]+&#43;[A-Z0-9]{6}</code>`).MatchString(p.Body) {
		t.Fatalf("registered directory with its registration code: %s", excerpt(p.Body))
	}
	// The any-user tag lets a WorkSpace be created for anybody.
	p = b.postFollow(scopeA+"/workspaces", url.Values{"directory": {id}, "bundle": {e.AmazonBundle()}, "users": {"nobody-created-me"}})
	if !strings.Contains(p.Body, "Created ws-") {
		t.Fatalf("create in the new directory: %s", excerpt(p.Body))
	}
	// A bad directory name: the model's pattern, as the API says it.
	p = b.post(scopeA+"/directories", url.Values{"name": {"not a name"}, "password": {"x"}, "size": {"Small"}})
	if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "ValidationException") {
		t.Errorf("bad directory: %d %s", p.Status, excerpt(p.Body))
	}
	// Deregistering asks first, then the service refuses: WorkSpaces remain.
	p = b.confirmAndPost(scopeA+"/directories/"+id+"/deregister", nil)
	if !strings.Contains(p.Body, "flash-error") {
		t.Errorf("deregistering a directory with WorkSpaces: %s", excerpt(p.Body))
	}
}

func TestOtherResourcePages(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	b := signedIn(t, e)
	ctx := e.Ctx()
	wsc := e.WS(apptest.AccountA)
	if _, err := wsc.CreateConnectionAlias(ctx, &workspaces.CreateConnectionAliasInput{ConnectionString: aws.String("desk.example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := wsc.CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String("office")}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]string{
		"/bundles":  {"Amazon's bundles", "wsb-", "This account's bundles"},
		"/images":   {"No images"},
		"/ipgroups": {"office", "wsipg-"},
		"/aliases":  {"desk.example.com", "wsca-"},
		"/pools":    {"<h1>Pools</h1>"},
	} {
		p := b.get(scopeA + path)
		if p.Status != http.StatusOK {
			t.Errorf("%s: %d", path, p.Status)
		}
		for _, w := range want {
			if !strings.Contains(p.Body, w) {
				t.Errorf("%s does not show %q: %s", path, w, excerpt(p.Body))
			}
		}
	}
}

func TestTableFiltersAndPages(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	wsc := e.WS(apptest.AccountA)
	for batch := range 3 {
		var reqs []wstypes.WorkspaceRequest
		for i := range 20 {
			mode := wstypes.RunningModeAutoStop
			if i%5 == 0 {
				mode = wstypes.RunningModeAlwaysOn
			}
			reqs = append(reqs, wstypes.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle),
				UserName:            aws.String(fmt.Sprintf("user%02d", batch*20+i)),
				WorkspaceProperties: &wstypes.WorkspaceProperties{RunningMode: mode}})
		}
		if out, err := wsc.CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: reqs}); err != nil || len(out.FailedRequests) > 0 {
			t.Fatalf("CreateWorkspaces: %v %v", err, out)
		}
	}
	b := signedIn(t, e)
	rows := func(p page) int { return strings.Count(p.Body, "<tr data-id=") }
	next := regexp.MustCompile(`<a href="([^"]+)" id="next-page">`)

	// Pages of 25: 25, 25, 10, each row once.
	seen := map[string]bool{}
	p := b.get(scopeA + "/workspaces?size=25")
	for i, want := range []int{25, 25, 10} {
		if rows(p) != want {
			t.Fatalf("page %d has %d rows, want %d", i+1, rows(p), want)
		}
		for _, id := range regexp.MustCompile(`<tr data-id="(ws-[0-9a-z]+)">`).FindAllStringSubmatch(p.Body, -1) {
			if seen[id[1]] {
				t.Errorf("%s on two pages", id[1])
			}
			seen[id[1]] = true
		}
		m := next.FindStringSubmatch(p.Body)
		if i < 2 {
			if m == nil {
				t.Fatalf("page %d has no next link", i+1)
			}
			p = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		} else if m != nil {
			t.Errorf("the last page has a next link")
		}
	}
	if len(seen) != 60 {
		t.Errorf("the pages showed %d WorkSpaces, want 60", len(seen))
	}
	// Console-side filters, across service pages.
	for q, want := range map[string]int{
		"mode=ALWAYS_ON":            12,
		"q=user1":                   10,
		"q=USER0&mode=ALWAYS_ON":    2,
		"state=PENDING":             0,
		"state=AVAILABLE&size=100":  60,
		"directory=" + dir:          50,
		"bundle=" + bundle:          50,
		"directory=d-0000000000":    0,
		"mode=ALWAYS_ON&size=25":    12,
		"q=user5&directory=" + dir:  10,
		"compute=GRAPHICS&size=200": 0,
	} {
		p := b.get(scopeA + "/workspaces?" + q)
		if p.Status != http.StatusOK || rows(p) != want {
			t.Errorf("?%s: %d rows (status %d), want %d", q, rows(p), p.Status, want)
		}
	}
	// Filtered pages continue where they stopped.
	p = b.get(scopeA + "/workspaces?mode=AUTO_STOP&size=25")
	first := rows(p)
	m := next.FindStringSubmatch(p.Body)
	if first != 25 || m == nil {
		t.Fatalf("AUTO_STOP page 1: %d rows, next %v", first, m)
	}
	p = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if rows(p) != 23 || next.MatchString(p.Body) {
		t.Errorf("AUTO_STOP page 2: %d rows, want 23 and no next page", rows(p))
	}
	if p := b.get(scopeA + "/workspaces?cursor=garbage"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "not valid") {
		t.Errorf("a broken cursor: %d", p.Status)
	}
}

func TestTestControls(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	b := signedIn(t, e)
	p := b.get("/console/controls")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "frozen") {
		t.Fatalf("controls: %s", excerpt(p.Body))
	}
	before := e.App.Clock.Now()
	p = b.postFollow("/console/controls/advance", url.Values{"by": {"90m"}})
	if got := e.App.Clock.Now().Sub(before); got != 90*time.Minute || !strings.Contains(p.Body, "Clock advanced by 1h30m0s") {
		t.Errorf("advance 90m moved the clock by %s: %s", got, excerpt(p.Body))
	}
	for _, bad := range []string{"-1h", "soon", ""} {
		if p := b.postFollow("/console/controls/advance", url.Values{"by": {bad}}); !strings.Contains(p.Body, "is not a duration") {
			t.Errorf("advance by %q: %s", bad, excerpt(p.Body))
		}
	}
	b.postFollow("/console/controls/unfreeze", nil)
	if e.App.Clock.Frozen() {
		t.Error("unfreeze left the clock frozen")
	}
	b.postFollow("/console/controls/freeze", nil)
	if !e.App.Clock.Frozen() {
		t.Error("freeze left the clock running")
	}

	p = b.postFollow("/console/controls/timing", url.Values{"profile": {"realistic"}, "overrides": {"workspace.create = 30s"}})
	if prof := e.App.Timing.Profile(); prof.Name != "realistic" || prof.Duration("workspace.create") != 30*time.Second {
		t.Errorf("timing: %s %s: %s", prof.Name, prof.Duration("workspace.create"), excerpt(p.Body))
	}
	if p := b.postFollow("/console/controls/timing", url.Values{"overrides": {"workspace.nothing=1s"}}); !strings.Contains(p.Body, "unknown transition") {
		t.Errorf("a bad override: %s", excerpt(p.Body))
	}

	// A transition fault: the next create ends in ERROR.
	p = b.postFollow("/console/controls/transitionfault", url.Values{"kind": {"workspace"}, "account": {apptest.AccountA},
		"state": {"ERROR"}, "code": {"InvalidUserConfiguration.Workspace"}, "message": {"injected by the test"}, "count": {"1"}})
	if !strings.Contains(p.Body, "Transition fault transition-") || !strings.Contains(p.Body, "ends in ERROR") {
		t.Fatalf("add transition fault: %s", excerpt(p.Body))
	}
	p = b.postFollow(scopeA+"/workspaces", url.Values{"directory": {dir}, "bundle": {bundle}, "users": {"faulty"}})
	id := wsIDRE.FindString(p.Body[strings.Index(p.Body, "Created ws-"):])
	b.postFollow("/console/controls/advance", url.Values{"by": {"1m"}})
	if w := sdkState(t, e, id); w.State != wstypes.WorkspaceStateError || aws.ToString(w.ErrorCode) != "InvalidUserConfiguration.Workspace" {
		t.Errorf("the faulted create ended %s %s", w.State, aws.ToString(w.ErrorCode))
	}
	if p := b.get(scopeA + "/workspaces"); !strings.Contains(p.Body, "injected by the test") {
		t.Errorf("the table does not show the error message: %s", excerpt(p.Body))
	}

	// A call fault hits API clients, not the console.
	p = b.postFollow("/console/controls/callfault", url.Values{"operation": {"DescribeWorkspaces"}, "error": {"ThrottlingException"}})
	if !strings.Contains(p.Body, "Call fault call-") {
		t.Fatalf("add call fault: %s", excerpt(p.Body))
	}
	if _, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); apptest.ErrorCode(err) != "ThrottlingException" {
		t.Errorf("the SDK call under the fault: %v", err)
	}
	if p := b.get(scopeA + "/workspaces"); p.Status != http.StatusOK || !strings.Contains(p.Body, id) {
		t.Errorf("the console under a call fault: %d", p.Status)
	}
	if p := b.postFollow("/console/controls/callfault", url.Values{"probability": {"2"}, "error": {"InternalFailure"}}); !strings.Contains(p.Body, "probability must be between 0 and 1") {
		t.Errorf("a bad call fault: %s", excerpt(p.Body))
	}
	p = b.postFollow("/console/controls/throttling", url.Values{"enabled": {"on"}, "rate": {"1"}, "burst": {"2"}})
	if !strings.Contains(p.Body, "<strong>on</strong>, 1 calls/s, burst 2") {
		t.Errorf("throttling: %s", excerpt(p.Body))
	}
	p = b.postFollow("/console/controls/clear", nil)
	if !strings.Contains(p.Body, "No faults.") || !strings.Contains(p.Body, "Throttling: off") {
		t.Errorf("clear: %s", excerpt(p.Body))
	}
	if _, err := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{}); err != nil {
		t.Errorf("after clear: %v", err)
	}

	// Reset asks first, then deletes the account's resources.
	p = b.post("/console/controls/reset", url.Values{"account": {apptest.AccountA}})
	if !strings.Contains(p.Body, "Delete every resource of account "+apptest.AccountA) {
		t.Fatalf("reset confirmation: %s", excerpt(p.Body))
	}
	p = b.postFollow("/console/controls/reset", url.Values{"account": {apptest.AccountA}, "confirm": {"yes"}})
	if !strings.Contains(p.Body, "reset: it has no resources left") {
		t.Fatalf("reset: %s", excerpt(p.Body))
	}
	out, _ := e.WS(apptest.AccountA).DescribeWorkspaces(e.Ctx(), &workspaces.DescribeWorkspacesInput{})
	if len(out.Workspaces) != 0 {
		t.Errorf("after reset: %d WorkSpaces", len(out.Workspaces))
	}
	if p := b.postFollow("/console/controls/reset", url.Values{"account": {""}, "confirm": {"yes"}}); !strings.Contains(p.Body, "Pick the account") {
		t.Errorf("reset without an account: %s", excerpt(p.Body))
	}
}
