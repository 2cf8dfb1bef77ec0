package tags_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

// The tags family's tests run the real app (internal/apptest) on the store
// DESKPLANE_TEST_STORE names and talk to it with aws-sdk-go-v2.

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := apptest.ErrorCode(err); got != code {
		t.Fatalf("%s: error %q (%v), want %s", what, got, err, code)
	}
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func describe(t *testing.T, c *workspaces.Client, id string) []string {
	t.Helper()
	out, err := c.DescribeTags(t.Context(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	if err != nil {
		t.Fatalf("DescribeTags(%s): %v", id, err)
	}
	var got []string
	for _, tg := range out.TagList {
		got = append(got, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	return got
}

func ipGroup(t *testing.T, c *workspaces.Client, tags ...types.Tag) string {
	t.Helper()
	out, err := c.CreateIpGroup(t.Context(), &workspaces.CreateIpGroupInput{GroupName: aws.String("office"), Tags: tags})
	if err != nil {
		t.Fatalf("CreateIpGroup: %v", err)
	}
	return aws.ToString(out.GroupId)
}

func TestCreateDescribeDeleteTags(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	id := ipGroup(t, c, tag("team", "a"))

	if _, err := c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(id),
		Tags: []types.Tag{tag("cost", "1"), tag("team", "b")}}); err != nil {
		t.Fatalf("CreateTags: %v", err)
	}
	if got, want := fmt.Sprint(describe(t, c, id)), "[team=b cost=1]"; got != want {
		t.Fatalf("tags %s, want %s (overwritten in place, new ones after)", got, want)
	}
	if _, err := c.DeleteTags(e.Ctx(), &workspaces.DeleteTagsInput{ResourceId: aws.String(id),
		TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatalf("DeleteTags: %v", err)
	}
	if got, want := fmt.Sprint(describe(t, c, id)), "[cost=1]"; got != want {
		t.Fatalf("tags after DeleteTags %s, want %s", got, want)
	}
	if _, err := c.DeleteTags(e.Ctx(), &workspaces.DeleteTagsInput{ResourceId: aws.String(id),
		TagKeys: []string{"cost"}}); err != nil {
		t.Fatalf("DeleteTags(last): %v", err)
	}
	if got := describe(t, c, id); len(got) != 0 {
		t.Fatalf("tags after deleting all: %v", got)
	}
}

func TestTagsRefuse(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	c := e.WS(apptest.AccountA)
	id := ipGroup(t, c)

	_, err := c.DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String("wsipg-000000000")})
	wantCode(t, "DescribeTags(unknown group)", err, "ResourceNotFoundException")
	_, err = c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String("nothing-1"), Tags: []types.Tag{tag("a", "b")}})
	wantCode(t, "CreateTags(untaggable id)", err, "ResourceNotFoundException")
	_, err = e.WS(apptest.AccountB).DescribeTags(e.Ctx(), &workspaces.DescribeTagsInput{ResourceId: aws.String(id)})
	wantCode(t, "DescribeTags(another account's group)", err, "ResourceNotFoundException")
	_, err = c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(id), Tags: []types.Tag{tag("aws:x", "b")}})
	wantCode(t, "CreateTags(aws: prefix)", err, "InvalidParameterValuesException")
	_, err = c.DeleteTags(e.Ctx(), &workspaces.DeleteTagsInput{ResourceId: aws.String(id), TagKeys: []string{"aws:x"}})
	wantCode(t, "DeleteTags(aws: prefix)", err, "InvalidParameterValuesException")

	many := make([]types.Tag, 0, 51)
	for i := range 51 {
		many = append(many, tag(fmt.Sprintf("k%d", i), "v"))
	}
	_, err = c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(id), Tags: many[:30]})
	if err != nil {
		t.Fatalf("CreateTags(30): %v", err)
	}
	_, err = c.CreateTags(e.Ctx(), &workspaces.CreateTagsInput{ResourceId: aws.String(id), Tags: many[30:]})
	wantCode(t, "CreateTags(51 in all)", err, "ResourceLimitExceededException")
}
