package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	wstypes "github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// BenchmarkWorkspacesTable10k measures the WorkSpaces table of an account
// with 10,000 WorkSpaces, end to end over HTTP (sign-in cookie, the page's
// service calls, the template): the first page, the last rows found by a
// filter that looks at every WorkSpace, and the live-state poll of a page.
//
//	go test ./internal/console -run '^$' -bench Table10k -benchtime 20x
func BenchmarkWorkspacesTable10k(b *testing.B) {
	const total = 10000
	e := apptest.Start(b, apptest.Options{Config: func(c *appConfig) { c.QuotaWorkspaces = 2 * total }})
	dir := e.RegisteredDirectory(apptest.AccountA)
	bundle := e.AmazonBundle()
	wsc := e.WS(apptest.AccountA)
	// The MANUAL needle is a WorkSpaces Core feature (decision 0321).
	e.Control("POST", "account-settings", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "coreAllowListed": true}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, total/25)
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := c; batch < total/25; batch += 8 {
				var reqs []wstypes.WorkspaceRequest
				for i := range 25 {
					mode := wstypes.RunningModeAutoStop
					if batch == total/25-1 && i == 24 {
						mode = wstypes.RunningModeManual // one needle at the very end
					}
					reqs = append(reqs, wstypes.WorkspaceRequest{DirectoryId: aws.String(dir), BundleId: aws.String(bundle),
						UserName: aws.String(fmt.Sprintf("user%05d", batch*25+i)), WorkspaceProperties: &wstypes.WorkspaceProperties{RunningMode: mode}})
				}
				out, err := wsc.CreateWorkspaces(e.Ctx(), &workspaces.CreateWorkspacesInput{Workspaces: reqs})
				if err == nil && len(out.FailedRequests) > 0 {
					err = fmt.Errorf("%s", aws.ToString(out.FailedRequests[0].ErrorMessage))
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	br := signedIn(b, e)
	first := br.get(scopeA + "/workspaces?size=200")
	ids := strings.Join(wsIDRE.FindAllString(first.Body, 200), ",")

	for _, bc := range []struct {
		name, path string
		rows       int
	}{
		{"first-page-50", scopeA + "/workspaces", 50},
		{"first-page-200", scopeA + "/workspaces?size=200", 200},
		{"filter-scans-all", scopeA + "/workspaces?mode=MANUAL", 1},
		{"search-scans-all", scopeA + "/workspaces?q=user09999", 1},
		{"live-200", scopeA + "/workspaces/live?ids=" + ids, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				p := br.get(bc.path)
				if p.Status != http.StatusOK {
					b.Fatalf("%d %s", p.Status, excerpt(p.Body))
				}
				if bc.rows > 0 && strings.Count(p.Body, "<tr data-id=") != bc.rows {
					b.Fatalf("%d rows, want %d", strings.Count(p.Body, "<tr data-id="), bc.rows)
				}
			}
		})
	}
}
