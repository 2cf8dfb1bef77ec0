package account_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/workspaces"
	"github.com/aws/aws-sdk-go-v2/service/workspaces/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

const acctC = apptest.AccountC

var linkIDPattern = regexp.MustCompile(`^link-.{8,24}$`)

func invite(t *testing.T, c *workspaces.Client, target, token string) (*types.AccountLink, error) {
	t.Helper()
	in := &workspaces.CreateAccountLinkInvitationInput{TargetAccountId: aws.String(target)}
	if token != "" {
		in.ClientToken = aws.String(token)
	}
	out, err := c.CreateAccountLinkInvitation(t.Context(), in)
	if err != nil {
		return nil, err
	}
	return out.AccountLink, nil
}

func mustInvite(t *testing.T, c *workspaces.Client, target string) string {
	t.Helper()
	l, err := invite(t, c, target, "")
	if err != nil {
		t.Fatalf("CreateAccountLinkInvitation(%s): %v", target, err)
	}
	return aws.ToString(l.AccountLinkId)
}

func getLink(t *testing.T, c *workspaces.Client, id string) *types.AccountLink {
	t.Helper()
	out, err := c.GetAccountLink(t.Context(), &workspaces.GetAccountLinkInput{LinkId: aws.String(id)})
	if err != nil {
		t.Fatalf("GetAccountLink(%s): %v", id, err)
	}
	return out.AccountLink
}

func wantLink(t *testing.T, what string, l *types.AccountLink, id, source, target string, status types.AccountLinkStatusEnum) {
	t.Helper()
	if l == nil || aws.ToString(l.AccountLinkId) != id || aws.ToString(l.SourceAccountId) != source ||
		aws.ToString(l.TargetAccountId) != target || l.AccountLinkStatus != status {
		t.Fatalf("%s: %+v, want %s %s→%s %s", what, l, id, source, target, status)
	}
}

// listLinks lists the ids of every link the client sees (all pages).
func listLinks(t *testing.T, c *workspaces.Client, size int32, filter ...types.AccountLinkStatusEnum) []string {
	t.Helper()
	ids := []string{}
	in := &workspaces.ListAccountLinksInput{LinkStatusFilter: filter}
	if size > 0 {
		in.MaxResults = aws.Int32(size)
	}
	p := workspaces.NewListAccountLinksPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListAccountLinks: %v", err)
		}
		if size > 0 && len(out.AccountLinks) > int(size) {
			t.Fatalf("page of %d links, MaxResults %d", len(out.AccountLinks), size)
		}
		for _, l := range out.AccountLinks {
			ids = append(ids, aws.ToString(l.AccountLinkId))
		}
	}
	return ids
}

func TestAccountLinkAccept(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := e.WS(acctA), e.WS(acctB)
	l, err := invite(t, a, acctB, "")
	if err != nil {
		t.Fatalf("CreateAccountLinkInvitation: %v", err)
	}
	id := aws.ToString(l.AccountLinkId)
	if !linkIDPattern.MatchString(id) {
		t.Errorf("link id %q does not match the model's pattern", id)
	}
	wantLink(t, "created", l, id, acctA, acctB, types.AccountLinkStatusEnumPendingAcceptanceByTargetAccount)
	// Both sides see the invitation, by id and by the other account.
	for who, c := range map[string]*workspaces.Client{"source": a, "target": b} {
		wantLink(t, who+" GetAccountLink", getLink(t, c, id), id, acctA, acctB, types.AccountLinkStatusEnumPendingAcceptanceByTargetAccount)
		if got := listLinks(t, c, 0); !slices.Equal(got, []string{id}) {
			t.Errorf("%s lists %v", who, got)
		}
	}
	out, err := b.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkedAccountId: aws.String(acctA)})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, "by linked account", out.AccountLink, id, acctA, acctB, types.AccountLinkStatusEnumPendingAcceptanceByTargetAccount)
	// Other accounts and Regions see nothing.
	_, err = e.WS(acctC).GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkId: aws.String(id)})
	wantCode(t, "a third account", err, "ResourceNotFoundException")
	_, err = e.WSIn(acctA, reg2).GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkId: aws.String(id)})
	wantCode(t, "another Region", err, "ResourceNotFoundException")

	// Only the target accepts.
	_, err = a.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "the source accepting", err, "AccessDeniedException")
	acc, err := b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(id), ClientToken: aws.String("accept-1")})
	if err != nil {
		t.Fatalf("AcceptAccountLinkInvitation: %v", err)
	}
	wantLink(t, "accepted", acc.AccountLink, id, acctA, acctB, types.AccountLinkStatusEnumLinked)
	wantLink(t, "source view", getLink(t, a, id), id, acctA, acctB, types.AccountLinkStatusEnumLinked)
	// A retry with the same token answers the same; anything else conflicts.
	acc, err = b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(id), ClientToken: aws.String("accept-1")})
	if err != nil {
		t.Errorf("retried accept: %v", err)
	} else {
		wantLink(t, "retried accept", acc.AccountLink, id, acctA, acctB, types.AccountLinkStatusEnumLinked)
	}
	_, err = b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "accepting a LINKED link", err, "ConflictException")
	_, err = b.RejectAccountLinkInvitation(e.Ctx(), &workspaces.RejectAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "rejecting a LINKED link", err, "ConflictException")
	// There is no unlinking.
	_, err = a.DeleteAccountLinkInvitation(e.Ctx(), &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "deleting a LINKED link", err, "ConflictException")
	// A linked pair cannot be invited again, either way round.
	_, err = invite(t, a, acctB, "")
	wantCode(t, "inviting a linked account", err, "ConflictException")
	_, err = invite(t, b, acctA, "")
	wantCode(t, "inviting the source back", err, "ConflictException")
	// Nor can the target be invited by another source.
	_, err = invite(t, e.WS(acctC), acctB, "")
	wantCode(t, "inviting a linked target", err, "ConflictException")
}

func TestAccountLinkRejectAndDelete(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := e.WS(acctA), e.WS(acctB)
	id := mustInvite(t, a, acctB)
	_, err := invite(t, a, acctB, "")
	wantCode(t, "inviting twice", err, "ConflictException")
	_, err = invite(t, e.WS(acctC), acctB, "")
	wantCode(t, "a second source inviting a pending target", err, "ConflictException")

	_, err = a.RejectAccountLinkInvitation(e.Ctx(), &workspaces.RejectAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "the source rejecting", err, "AccessDeniedException")
	rej, err := b.RejectAccountLinkInvitation(e.Ctx(), &workspaces.RejectAccountLinkInvitationInput{LinkId: aws.String(id)})
	if err != nil {
		t.Fatalf("RejectAccountLinkInvitation: %v", err)
	}
	wantLink(t, "rejected", rej.AccountLink, id, acctA, acctB, types.AccountLinkStatusEnumRejected)
	wantLink(t, "source view", getLink(t, a, id), id, acctA, acctB, types.AccountLinkStatusEnumRejected)
	_, err = b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "accepting a REJECTED link", err, "ConflictException")

	// After a rejection the source may invite again: a new link.
	again := mustInvite(t, a, acctB)
	if again == id {
		t.Fatal("the new invitation has the rejected link's id")
	}
	out, err := b.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkedAccountId: aws.String(acctA)})
	if err != nil {
		t.Fatal(err)
	}
	wantLink(t, "newest link with account A", out.AccountLink, again, acctA, acctB, types.AccountLinkStatusEnumPendingAcceptanceByTargetAccount)

	// Only the source deletes an invitation; both views go.
	_, err = b.DeleteAccountLinkInvitation(e.Ctx(), &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String(again)})
	wantCode(t, "the target deleting", err, "AccessDeniedException")
	del, err := a.DeleteAccountLinkInvitation(e.Ctx(), &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String(again)})
	if err != nil {
		t.Fatalf("DeleteAccountLinkInvitation: %v", err)
	}
	wantLink(t, "deleted", del.AccountLink, again, acctA, acctB, types.AccountLinkStatusEnumPendingAcceptanceByTargetAccount)
	for who, c := range map[string]*workspaces.Client{"source": a, "target": b} {
		_, err = c.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkId: aws.String(again)})
		wantCode(t, who+" reading a deleted link", err, "ResourceNotFoundException")
		if got := listLinks(t, c, 0); !slices.Equal(got, []string{id}) {
			t.Errorf("%s lists %v after the delete", who, got)
		}
	}
	_, err = a.DeleteAccountLinkInvitation(e.Ctx(), &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String(again)})
	wantCode(t, "deleting twice", err, "ResourceNotFoundException")
	// The rejected invitation can be deleted too.
	if _, err := a.DeleteAccountLinkInvitation(e.Ctx(), &workspaces.DeleteAccountLinkInvitationInput{LinkId: aws.String(id)}); err != nil {
		t.Errorf("deleting a REJECTED invitation: %v", err)
	}
	_, err = b.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkedAccountId: aws.String(acctA)})
	wantCode(t, "no link with account A", err, "ResourceNotFoundException")
}

func TestAccountLinkValidation(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a := e.WS(acctA)
	for what, target := range map[string]string{"identical": acctA, "empty": "", "malformed": "12345"} {
		_, err := invite(t, a, target, "")
		wantCode(t, what+" TargetAccountId", err, "ValidationException")
	}
	_, err := a.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{})
	wantCode(t, "GetAccountLink without LinkId or LinkedAccountId", err, "ValidationException")
	_, err = a.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkId: aws.String("not-a-link")})
	wantCode(t, "malformed LinkId", err, "ValidationException")
	_, err = a.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String("link-doesnotexist")})
	wantCode(t, "unknown link", err, "ResourceNotFoundException")
	_, err = a.ListAccountLinks(e.Ctx(), &workspaces.ListAccountLinksInput{LinkStatusFilter: []types.AccountLinkStatusEnum{"SOMETHING"}})
	wantCode(t, "unknown status filter", err, "ValidationException")
	_, err = a.ListAccountLinks(e.Ctx(), &workspaces.ListAccountLinksInput{NextToken: aws.String("garbage")})
	wantCode(t, "bad token", err, "InvalidParameterValuesException")

	// The client token makes creation idempotent.
	first, err := invite(t, a, acctB, "tok-1")
	if err != nil {
		t.Fatal(err)
	}
	retry, err := invite(t, a, acctB, "tok-1")
	if err != nil || aws.ToString(retry.AccountLinkId) != aws.ToString(first.AccountLinkId) {
		t.Errorf("retried invitation: %v %+v, want link %s", err, retry, aws.ToString(first.AccountLinkId))
	}
	_, err = invite(t, a, acctC, "tok-1")
	wantCode(t, "the token reused for another target", err, "ConflictException")
	_, err = a.GetAccountLink(e.Ctx(), &workspaces.GetAccountLinkInput{LinkId: first.AccountLinkId, LinkedAccountId: aws.String(acctC)})
	wantCode(t, "LinkId with the wrong LinkedAccountId", err, "ResourceNotFoundException")
}

func TestAccountLinkList(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b, c := e.WS(acctA), e.WS(acctB), e.WS(acctC)
	toB := mustInvite(t, a, acctB)
	toC := mustInvite(t, a, acctC)
	if _, err := b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(toB)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RejectAccountLinkInvitation(e.Ctx(), &workspaces.RejectAccountLinkInvitationInput{LinkId: aws.String(toC)}); err != nil {
		t.Fatal(err)
	}
	again := mustInvite(t, a, acctC)
	for _, size := range []int32{0, 1, 2} {
		if got := listLinks(t, a, size); !slices.Equal(got, []string{toB, toC, again}) {
			t.Errorf("MaxResults %d: %v", size, got)
		}
	}
	if got := listLinks(t, a, 1, types.AccountLinkStatusEnumLinked); !slices.Equal(got, []string{toB}) {
		t.Errorf("LINKED: %v", got)
	}
	if got := listLinks(t, a, 0, types.AccountLinkStatusEnumRejected, types.AccountLinkStatusEnumPendingAcceptanceByTargetAccount); !slices.Equal(got, []string{toC, again}) {
		t.Errorf("REJECTED or PENDING: %v", got)
	}
	if got := listLinks(t, a, 0, types.AccountLinkStatusEnumLinkingFailed); len(got) != 0 {
		t.Errorf("LINKING_FAILED: %v", got)
	}
	if got := listLinks(t, c, 0); !slices.Equal(got, []string{toC, again}) {
		t.Errorf("account C lists %v", got)
	}
	if got := listLinks(t, e.WSIn(acctA, reg2), 0); len(got) != 0 {
		t.Errorf("another Region lists %v", got)
	}
}

func TestAccountLinkAfterAccountReset(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	a, b := e.WS(acctA), e.WS(acctB)
	id := mustInvite(t, a, acctB)
	// Resetting account A (control API) takes the link from both sides:
	// account B's copy no longer counts, and A may invite B again.
	e.Control("POST", "reset", map[string]string{"account": acctA}, nil)
	if got := listLinks(t, b, 0); len(got) != 0 {
		t.Errorf("account B lists %v after account A was reset", got)
	}
	_, err := b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(id)})
	wantCode(t, "accepting a link of a reset account", err, "ResourceNotFoundException")
	again := mustInvite(t, a, acctB)
	if _, err := b.AcceptAccountLinkInvitation(e.Ctx(), &workspaces.AcceptAccountLinkInvitationInput{LinkId: aws.String(again)}); err != nil {
		t.Errorf("accepting the new invitation: %v", err)
	}
}
