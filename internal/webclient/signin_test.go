package webclient_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservicedata"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
	"github.com/deskplane/deskplane/internal/webclient"
)

const (
	msgDevice      = "This device is not authorized to access the requested WorkSpace. Please contact your administrator for assistance."
	msgAddress     = "Your IP address is not authorized to access the requested WorkSpace. Please contact your administrator for assistance."
	msgCredentials = "Authentication failed: Please check your username and password to make sure you typed them correctly."
	msgBadCode     = "Invalid registration code. Check the registration code your administrator sent you and try again."
)

func TestSignInListsOwnWorkspaces(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	w.user("bob", pw)
	mine := w.workspace("alice", wstypes.RunningModeAlwaysOn)
	theirs := w.workspace("bob", wstypes.RunningModeAlwaysOn)

	b := w.browser()
	if st, _ := b.get("/client/workspaces"); st != http.StatusSeeOther {
		t.Fatalf("the list without a session: %d, want a redirect to sign-in", st)
	}
	st, body := b.get("/client/")
	if st != http.StatusOK || !strings.Contains(body, `id="code"`) {
		t.Fatalf("first visit: %d, want the registration form", st)
	}
	// Registration codes are not case-sensitive.
	if st, _ := b.register(strings.ToLower(w.code)); st != http.StatusSeeOther {
		t.Fatalf("register: %d %s", st, problem(b.last))
	}
	if _, body := b.get("/client/"); !strings.Contains(body, `id="username"`) || !strings.Contains(body, w.code) {
		t.Fatalf("after registration the sign-in form with the code: %s", body)
	}
	// CORP\alice and alice@corp… name the same user, in any case.
	if st, loc := b.signin(`CORP\ALICE`, pw); st != http.StatusSeeOther || loc != "/client/workspaces" {
		t.Fatalf("sign-in: %d %s", st, problem(b.last))
	}
	for _, c := range b.jar.Cookies(mustURL(w.srv.URL + "/client/")) {
		if c.Name == "deskplane_client" && c.Value == "" {
			t.Fatal("empty session cookie")
		}
	}
	st, body = b.get("/client/workspaces")
	if st != http.StatusOK || !strings.Contains(body, mine) || !strings.Contains(body, "AVAILABLE") {
		t.Fatalf("list: %d %s", st, body)
	}
	if strings.Contains(body, theirs) {
		t.Fatal("alice's list shows bob's WorkSpace")
	}
	if !strings.Contains(body, `href="/client/desktop/`+mine+`"`) {
		t.Fatal("no Connect link for an AVAILABLE WorkSpace")
	}
	st, body = b.get("/client/workspaces.json")
	if st != http.StatusOK || !strings.Contains(body, `"id":"`+mine+`"`) || strings.Contains(body, theirs) {
		t.Fatalf("list JSON: %d %s", st, body)
	}
	// Signing in with the other address form works too.
	b2 := w.browser()
	if st, _ := b2.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	if st, _ := b2.signin("bob@corp.example.com", pw); st != http.StatusSeeOther {
		t.Fatalf("bob@…: %d %s", st, problem(b2.last))
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestWebAccessDeniedByDefault(t *testing.T) {
	w := newWorld(t, options{})
	w.user("alice", pw)
	b := w.browser()
	if st, _ := b.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	st, _ := b.signin("alice", pw)
	if st != http.StatusForbidden || problem(b.last) != msgDevice {
		t.Fatalf("DeviceTypeWeb DENY (the default): %d %q, want 403 %q", st, problem(b.last), msgDevice)
	}
	w.allowWeb(true)
	if st, _ := b.signin("alice", pw); st != http.StatusSeeOther {
		t.Fatalf("DeviceTypeWeb ALLOW: %d %s", st, problem(b.last))
	}
	// Denying it again ends the session at the next request.
	w.allowWeb(false)
	if st, body := b.get("/client/workspaces"); st != http.StatusForbidden || problem(body) != msgDevice {
		t.Fatalf("after DENY: %d %q", st, problem(body))
	}
	if st, _ := b.get("/client/workspaces"); st != http.StatusSeeOther {
		t.Fatalf("the session should have ended: %d", st)
	}
}

func TestIPAccessControlGroups(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	ws := w.e.WS(apptest.AccountA)
	ctx := w.e.Ctx()
	g, err := ws.CreateIpGroup(ctx, &workspaces.CreateIpGroupInput{GroupName: aws.String("office"),
		UserRules: []wstypes.IpRuleItem{{IpRule: aws.String("10.0.0.0/8")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.AssociateIpGroups(ctx, &workspaces.AssociateIpGroupsInput{DirectoryId: aws.String(w.dir), GroupIds: []string{aws.ToString(g.GroupId)}}); err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	if st, _ := b.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	st, _ := b.signin("alice", pw)
	if st != http.StatusForbidden || problem(b.last) != msgAddress {
		t.Fatalf("127.0.0.1 outside 10.0.0.0/8: %d %q", st, problem(b.last))
	}
	if _, err := ws.AuthorizeIpRules(ctx, &workspaces.AuthorizeIpRulesInput{GroupId: g.GroupId,
		UserRules: []wstypes.IpRuleItem{{IpRule: aws.String("127.0.0.1/32")}}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.signin("alice", pw); st != http.StatusSeeOther {
		t.Fatalf("127.0.0.1 inside 127.0.0.1/32: %d %s", st, problem(b.last))
	}
	if _, err := ws.RevokeIpRules(ctx, &workspaces.RevokeIpRulesInput{GroupId: g.GroupId, UserRules: []string{"127.0.0.1/32"}}); err != nil {
		t.Fatal(err)
	}
	if st, body := b.get("/client/workspaces"); st != http.StatusForbidden || problem(body) != msgAddress {
		t.Fatalf("after the rule is revoked: %d %q", st, problem(body))
	}
}

func TestWrongCodeAndCredentials(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	b := w.browser()
	for _, code := range []string{"SLiad+NOPE99", "", "x", w.code + "X", strings.Repeat("A", 100)} {
		if st, _ := b.register(code); st != http.StatusNotFound || problem(b.last) != msgBadCode {
			t.Errorf("code %q: %d %q", code, st, problem(b.last))
		}
	}
	// A code of another account's directory in a Region deskplane serves
	// is found; one of a deregistered directory is not.
	if st, _ := b.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	for _, c := range []struct{ user, pass string }{
		{"alice", "wrong"}, {"alice", ""}, {"nobody", pw}, {"", pw}, {"Administrator", pw}, {"Guest", ""},
	} {
		if st, _ := b.signin(c.user, c.pass); st != http.StatusUnauthorized || problem(b.last) != msgCredentials {
			t.Errorf("%s/%q: %d %q", c.user, c.pass, st, problem(b.last))
		}
	}
}

func TestDisabledUserCannotSignIn(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	b := w.browser()
	b.signedIn("alice", pw)
	if _, err := w.data().DisableUser(w.e.Ctx(), &directoryservicedata.DisableUserInput{DirectoryId: aws.String(w.dir), SAMAccountName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if st, body := b.get("/client/workspaces"); st != http.StatusForbidden || !strings.Contains(problem(body), "disabled") {
		t.Fatalf("a disabled user's session: %d %q", st, problem(body))
	}
	b2 := w.browser()
	if st, _ := b2.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	if st, _ := b2.signin("alice", pw); st != http.StatusForbidden || !strings.Contains(problem(b2.last), "disabled") {
		t.Fatalf("a disabled user signs in: %d %q", st, problem(b2.last))
	}
	// A user created and never given a password cannot sign in at all.
	if _, err := w.data().CreateUser(w.e.Ctx(), &directoryservicedata.CreateUserInput{DirectoryId: aws.String(w.dir), SAMAccountName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	if st, _ := b2.signin("carol", ""); st != http.StatusUnauthorized {
		t.Fatalf("a user without a password: %d", st)
	}
}

func TestBruteForceIsRateLimited(t *testing.T) {
	w := newWorld(t, options{limits: webclient.Limits{PerAddress: 12, PerUser: 3}})
	w.allowWeb(true)
	w.user("alice", pw)
	w.user("bob", pw)
	b := w.browser()
	if st, _ := b.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	for i := range 3 {
		if st, _ := b.signin("alice", "guess"+string(rune('a'+i))); st != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	// The user is locked: even the right password is refused for now.
	st, _ := b.signin("alice", pw)
	if st != http.StatusTooManyRequests || !strings.Contains(b.last, "Too many sign-in attempts for this user") {
		t.Fatalf("after 3 failures: %d %q", st, problem(b.last))
	}
	// Another user is not locked by alice's failures.
	if st, _ := b.signin("bob", pw); st != http.StatusSeeOther {
		t.Fatalf("bob: %d %s", st, problem(b.last))
	}
	// The address runs out of attempts whatever the user.
	other := w.browser()
	for i := 0; ; i++ {
		st, _ := other.register("SLiad+GUESS" + string(rune('A'+i)))
		if st == http.StatusTooManyRequests {
			if !strings.Contains(other.last, "from your address") {
				t.Fatalf("address limit message: %s", other.last)
			}
			break
		}
		if i > 20 {
			t.Fatal("the address was never limited")
		}
	}
}

func TestCSRFAndCrossOrigin(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	b := w.browser()
	b.signedIn("alice", pw)
	// Sign-out without the CSRF token changes nothing.
	if st, _ := b.post("/client/signout", url.Values{}); st != http.StatusForbidden {
		t.Fatalf("sign-out without CSRF: %d", st)
	}
	if st, _ := b.post("/client/signout", url.Values{"csrf": {"forged"}}); st != http.StatusForbidden {
		t.Fatalf("sign-out with a forged CSRF: %d", st)
	}
	if st, _ := b.get("/client/workspaces"); st != http.StatusOK {
		t.Fatalf("still signed in: %d", st)
	}
	// A form posted from another site is refused by the browser's headers.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, w.srv.URL+"/client/signin", strings.NewReader("username=alice&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site sign-in post: %d", resp.StatusCode)
	}
	// A sign-in form without the pre-sign-in token (login CSRF) is refused.
	fresh := w.browser()
	if st, _ := fresh.post("/client/register", url.Values{"code": {w.code}}); st != http.StatusForbidden {
		t.Fatalf("register without the form token: %d", st)
	}
	_, page := b.get("/client/workspaces")
	if st, loc := b.post("/client/signout", url.Values{"csrf": {find(csrfRE, page)}}); st != http.StatusSeeOther || loc != "/client/" {
		t.Fatalf("sign-out: %d %s", st, loc)
	}
	if st, _ := b.get("/client/workspaces"); st != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", st)
	}
}

func TestForgedSessionCookie(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	w.user("alice", pw)
	b := w.browser()
	b.signedIn("alice", pw)
	u := mustURL(w.srv.URL + "/client/")
	for _, forged := range []string{"forged", strings.Repeat("A", 43), "", strings.Repeat("x", 5000)} {
		f := w.browser()
		f.jar.SetCookies(u, []*http.Cookie{{Name: "deskplane_client", Value: forged, Path: "/client/"}})
		if st, _ := f.get("/client/workspaces"); st != http.StatusSeeOther {
			t.Errorf("forged cookie %.10q: %d", forged, st)
		}
		if st, _ := f.get("/client/workspaces.json"); st != http.StatusUnauthorized {
			t.Errorf("forged cookie %.10q on JSON: %d", forged, st)
		}
	}
	// Cookies are HttpOnly and SameSite=Strict.
	resp, err := http.Get(w.srv.URL + "/client/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %s: HttpOnly %v SameSite %v", c.Name, c.HttpOnly, c.SameSite)
		}
	}
}

func TestAdministratorSignsInWithTheDirectoryPassword(t *testing.T) {
	w := newWorld(t, options{})
	w.allowWeb(true)
	id := w.workspace("Administrator", wstypes.RunningModeAlwaysOn)
	b := w.browser()
	b.signedIn("administrator", "Test-Pa55word-1") // apptest.RegisteredDirectory's password
	if _, body := b.get("/client/workspaces"); !strings.Contains(body, id) {
		t.Fatalf("the Administrator's WorkSpace is not listed: %s", body)
	}
	// Guest and krbtgt have no password: they never sign in.
	other := w.browser()
	if st, _ := other.register(w.code); st != http.StatusSeeOther {
		t.Fatal(st)
	}
	for _, u := range []string{"Guest", "krbtgt"} {
		if st, _ := other.signin(u, "Test-Pa55word-1"); st != http.StatusUnauthorized {
			t.Errorf("%s: %d", u, st)
		}
	}
}
