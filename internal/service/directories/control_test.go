package directories_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The any-user control route (internal/control/directories.go), which
// calls the family's SetAnyUser.

func TestDataAnyUserControl(t *testing.T) {
	e := dirStart(t)
	id := dirActive(t, e, apptest.AccountA)
	var out struct {
		DirectoryID string `json:"directoryId"`
		AnyUser     bool   `json:"anyUser"`
	}
	e.Control("POST", "directories/"+id+"/any-user", map[string]any{"account": apptest.AccountA, "region": apptest.Region}, &out)
	if out.DirectoryID != id || !out.AnyUser {
		t.Errorf("control answered %+v", out)
	}
	e.Control("POST", "directories/"+id+"/any-user", map[string]any{"account": apptest.AccountA, "region": apptest.Region, "enabled": false}, &out)
	if out.AnyUser {
		t.Errorf("disable answered %+v", out)
	}
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"account":"` + apptest.AccountB + `","region":"us-east-1"}`, 404},
		{`{"region":"us-east-1"}`, 400},
		{`{"account":1}`, 400},
	} {
		req, _ := http.NewRequest("POST", e.URL+"/_deskplane/directories/"+id+"/any-user", strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer "+e.App.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("control %s: %d, want %d", c.body, resp.StatusCode, c.status)
		}
	}
	// The tag does the same; DescribeDirectories is unchanged by it.
	if _, err := e.DS(apptest.AccountA).AddTagsToResource(e.Ctx(), &directoryservice.AddTagsToResourceInput{ResourceId: aws.String(id),
		Tags: []dstypes.Tag{{Key: aws.String("deskplane:any-user"), Value: aws.String("true")}}}); err != nil {
		t.Errorf("any-user tag: %v", err)
	}
}
