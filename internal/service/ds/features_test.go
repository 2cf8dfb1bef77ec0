package ds_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/directoryservice"
	dstypes "github.com/aws/aws-sdk-go-v2/service/directoryservice/types"

	"github.com/deskplane/deskplane/internal/apptest"
)

func TestDirectoryLimitsAndDesiredDomainControllers(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	simple := dirActive(t, e, apptest.AccountA)
	ms := msAD(t, e, apptest.AccountA, "")
	lim := must[*directoryservice.GetDirectoryLimitsOutput](t, "GetDirectoryLimits")(ds.GetDirectoryLimits(e.Ctx(), &directoryservice.GetDirectoryLimitsInput{})).DirectoryLimits
	if aws.ToInt32(lim.CloudOnlyDirectoriesLimit) != 10 || aws.ToInt32(lim.CloudOnlyDirectoriesCurrentCount) != 1 ||
		aws.ToInt32(lim.CloudOnlyMicrosoftADLimit) != 20 || aws.ToInt32(lim.CloudOnlyMicrosoftADCurrentCount) != 1 ||
		aws.ToInt32(lim.ConnectedDirectoriesLimit) != 10 || aws.ToInt32(lim.ConnectedDirectoriesCurrentCount) != 0 ||
		lim.CloudOnlyDirectoriesLimitReached {
		t.Errorf("limits: %+v", *lim)
	}
	if d := dirDescribe(t, e, apptest.AccountA, simple); d.DesiredNumberOfDomainControllers == nil || *d.DesiredNumberOfDomainControllers != 0 {
		t.Errorf("Simple AD DesiredNumberOfDomainControllers = %v, want 0", d.DesiredNumberOfDomainControllers)
	}
	if d := dirDescribe(t, e, apptest.AccountA, ms); aws.ToInt32(d.DesiredNumberOfDomainControllers) != 2 {
		t.Errorf("Microsoft AD DesiredNumberOfDomainControllers = %v, want 2", d.DesiredNumberOfDomainControllers)
	}

	// Domain controllers: 2 to start, up to 3, bounds.
	dcs := must[*directoryservice.DescribeDomainControllersOutput](t, "DescribeDomainControllers")(ds.DescribeDomainControllers(e.Ctx(),
		&directoryservice.DescribeDomainControllersInput{DirectoryId: aws.String(ms)}))
	if len(dcs.DomainControllers) != 2 || dcs.DomainControllers[0].Status != dstypes.DomainControllerStatusActive {
		t.Fatalf("domain controllers: %+v", dcs.DomainControllers)
	}
	_, err := ds.UpdateNumberOfDomainControllers(e.Ctx(), &directoryservice.UpdateNumberOfDomainControllersInput{DirectoryId: aws.String(ms), DesiredNumber: aws.Int32(21)})
	dirWantCode(t, "21 domain controllers", err, "DomainControllerLimitExceededException")
	_, err = ds.UpdateNumberOfDomainControllers(e.Ctx(), &directoryservice.UpdateNumberOfDomainControllersInput{DirectoryId: aws.String(simple), DesiredNumber: aws.Int32(3)})
	dirWantCode(t, "domain controllers of Simple AD", err, "UnsupportedOperationException")
	must[*directoryservice.UpdateNumberOfDomainControllersOutput](t, "UpdateNumberOfDomainControllers")(ds.UpdateNumberOfDomainControllers(e.Ctx(),
		&directoryservice.UpdateNumberOfDomainControllersInput{DirectoryId: aws.String(ms), DesiredNumber: aws.Int32(3)}))
	_, err = ds.UpdateNumberOfDomainControllers(e.Ctx(), &directoryservice.UpdateNumberOfDomainControllersInput{DirectoryId: aws.String(ms), DesiredNumber: aws.Int32(2)})
	dirWantCode(t, "a change while one runs", err, "ClientException")
	e.Advance(time.Minute)
	dcs = must[*directoryservice.DescribeDomainControllersOutput](t, "DescribeDomainControllers")(ds.DescribeDomainControllers(e.Ctx(),
		&directoryservice.DescribeDomainControllersInput{DirectoryId: aws.String(ms), Limit: aws.Int32(2)}))
	if len(dcs.DomainControllers) != 2 || dcs.NextToken == nil {
		t.Errorf("page of 2 of 3 domain controllers: %d, next %v", len(dcs.DomainControllers), dcs.NextToken)
	}
	if d := dirDescribe(t, e, apptest.AccountA, ms); aws.ToInt32(d.DesiredNumberOfDomainControllers) != 3 {
		t.Errorf("DesiredNumberOfDomainControllers = %v, want 3", d.DesiredNumberOfDomainControllers)
	}

	// Tags pages.
	must[*directoryservice.AddTagsToResourceOutput](t, "AddTagsToResource")(ds.AddTagsToResource(e.Ctx(), &directoryservice.AddTagsToResourceInput{
		ResourceId: aws.String(ms), Tags: []dstypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("c"), Value: aws.String("3")}}}))
	tags := must[*directoryservice.ListTagsForResourceOutput](t, "ListTagsForResource")(ds.ListTagsForResource(e.Ctx(), &directoryservice.ListTagsForResourceInput{ResourceId: aws.String(ms), Limit: aws.Int32(2)}))
	if len(tags.Tags) != 2 || tags.NextToken == nil {
		t.Fatalf("first page of tags: %+v", tags)
	}
	tags = must[*directoryservice.ListTagsForResourceOutput](t, "ListTagsForResource")(ds.ListTagsForResource(e.Ctx(), &directoryservice.ListTagsForResourceInput{ResourceId: aws.String(ms), Limit: aws.Int32(2), NextToken: tags.NextToken}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "c" || tags.NextToken != nil {
		t.Errorf("second page of tags: %+v", tags)
	}
	_, err = ds.ListTagsForResource(e.Ctx(), &directoryservice.ListTagsForResourceInput{ResourceId: aws.String(ms), NextToken: aws.String("bad")})
	dirWantCode(t, "tags bad token", err, "InvalidNextTokenException")
}

func TestSnapshots(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	id := dirActive(t, e, apptest.AccountA)
	var snaps []string
	for i := range 5 {
		out := must[*directoryservice.CreateSnapshotOutput](t, "CreateSnapshot")(ds.CreateSnapshot(e.Ctx(), &directoryservice.CreateSnapshotInput{DirectoryId: aws.String(id), Name: aws.String("s" + string(rune('0'+i)))}))
		snaps = append(snaps, aws.ToString(out.SnapshotId))
	}
	_, err := ds.CreateSnapshot(e.Ctx(), &directoryservice.CreateSnapshotInput{DirectoryId: aws.String(id)})
	dirWantCode(t, "6th snapshot", err, "SnapshotLimitExceededException")
	lim := must[*directoryservice.GetSnapshotLimitsOutput](t, "GetSnapshotLimits")(ds.GetSnapshotLimits(e.Ctx(), &directoryservice.GetSnapshotLimitsInput{DirectoryId: aws.String(id)})).SnapshotLimits
	if aws.ToInt32(lim.ManualSnapshotsLimit) != 5 || aws.ToInt32(lim.ManualSnapshotsCurrentCount) != 5 || !lim.ManualSnapshotsLimitReached {
		t.Errorf("snapshot limits: %+v", *lim)
	}
	desc := must[*directoryservice.DescribeSnapshotsOutput](t, "DescribeSnapshots")(ds.DescribeSnapshots(e.Ctx(), &directoryservice.DescribeSnapshotsInput{SnapshotIds: snaps[:1]}))
	if len(desc.Snapshots) != 1 || desc.Snapshots[0].Status != dstypes.SnapshotStatusCreating {
		t.Errorf("new snapshot: %+v", desc.Snapshots)
	}
	_, err = ds.RestoreFromSnapshot(e.Ctx(), &directoryservice.RestoreFromSnapshotInput{SnapshotId: aws.String(snaps[0])})
	dirWantCode(t, "restore from a Creating snapshot", err, "ClientException")
	e.Advance(2 * time.Minute)
	must[*directoryservice.RestoreFromSnapshotOutput](t, "RestoreFromSnapshot")(ds.RestoreFromSnapshot(e.Ctx(), &directoryservice.RestoreFromSnapshotInput{SnapshotId: aws.String(snaps[0])}))
	if st := dirDescribe(t, e, apptest.AccountA, id).Stage; st != dstypes.DirectoryStageRestoring {
		t.Errorf("stage during restore: %s", st)
	}
	e.Advance(2 * time.Minute)
	if st := dirDescribe(t, e, apptest.AccountA, id).Stage; st != dstypes.DirectoryStageActive {
		t.Errorf("stage after restore: %s", st)
	}
	must[*directoryservice.DeleteSnapshotOutput](t, "DeleteSnapshot")(ds.DeleteSnapshot(e.Ctx(), &directoryservice.DeleteSnapshotInput{SnapshotId: aws.String(snaps[4])}))
	_, err = ds.DeleteSnapshot(e.Ctx(), &directoryservice.DeleteSnapshotInput{SnapshotId: aws.String(snaps[4])})
	dirWantCode(t, "delete twice", err, "EntityDoesNotExistException")
	desc = must[*directoryservice.DescribeSnapshotsOutput](t, "DescribeSnapshots")(ds.DescribeSnapshots(e.Ctx(), &directoryservice.DescribeSnapshotsInput{DirectoryId: aws.String(id), Limit: aws.Int32(3)}))
	if len(desc.Snapshots) != 3 || desc.NextToken == nil || desc.Snapshots[0].Status != dstypes.SnapshotStatusCompleted {
		t.Errorf("page of snapshots: %+v", desc)
	}
}

func TestTrustsAndForwarders(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	id := msAD(t, e, apptest.AccountA, "")
	simple := dirActive(t, e, apptest.AccountA)
	_, err := ds.CreateTrust(e.Ctx(), &directoryservice.CreateTrustInput{DirectoryId: aws.String(simple), RemoteDomainName: aws.String("onprem.example.com"),
		TrustPassword: aws.String("Tru5t-Pass!"), TrustDirection: dstypes.TrustDirectionTwoWay})
	dirWantCode(t, "trust of Simple AD", err, "UnsupportedOperationException")
	tr := must[*directoryservice.CreateTrustOutput](t, "CreateTrust")(ds.CreateTrust(e.Ctx(), &directoryservice.CreateTrustInput{DirectoryId: aws.String(id),
		RemoteDomainName: aws.String("onprem.example.com"), TrustPassword: aws.String("Tru5t-Pass!"), TrustDirection: dstypes.TrustDirectionTwoWay,
		ConditionalForwarderIpAddrs: []string{"10.1.0.10"}}))
	tid := aws.ToString(tr.TrustId)
	_, err = ds.CreateTrust(e.Ctx(), &directoryservice.CreateTrustInput{DirectoryId: aws.String(id), RemoteDomainName: aws.String("onprem.example.com"),
		TrustPassword: aws.String("Tru5t-Pass!"), TrustDirection: dstypes.TrustDirectionTwoWay})
	dirWantCode(t, "a second trust with the domain", err, "EntityAlreadyExistsException")
	state := func() dstypes.TrustState {
		out := must[*directoryservice.DescribeTrustsOutput](t, "DescribeTrusts")(ds.DescribeTrusts(e.Ctx(), &directoryservice.DescribeTrustsInput{DirectoryId: aws.String(id)}))
		if len(out.Trusts) != 1 {
			t.Fatalf("trusts: %+v", out.Trusts)
		}
		return out.Trusts[0].TrustState
	}
	for _, want := range []dstypes.TrustState{dstypes.TrustStateCreating, dstypes.TrustStateVerifying, dstypes.TrustStateVerified} {
		if got := state(); got != want {
			t.Errorf("trust state %s, want %s", got, want)
		}
		e.Advance(time.Minute)
	}
	_, err = ds.UpdateTrust(e.Ctx(), &directoryservice.UpdateTrustInput{TrustId: aws.String(tid), SelectiveAuth: dstypes.SelectiveAuthEnabled})
	if err != nil {
		t.Fatalf("UpdateTrust: %v", err)
	}
	_, err = ds.VerifyTrust(e.Ctx(), &directoryservice.VerifyTrustInput{TrustId: aws.String(tid)})
	dirWantCode(t, "verify while Updating", err, "ClientException")
	e.Advance(time.Minute)
	must[*directoryservice.VerifyTrustOutput](t, "VerifyTrust")(ds.VerifyTrust(e.Ctx(), &directoryservice.VerifyTrustInput{TrustId: aws.String(tid)}))
	e.Advance(time.Minute)

	fw := must[*directoryservice.DescribeConditionalForwardersOutput](t, "DescribeConditionalForwarders")(ds.DescribeConditionalForwarders(e.Ctx(),
		&directoryservice.DescribeConditionalForwardersInput{DirectoryId: aws.String(id)}))
	if len(fw.ConditionalForwarders) != 1 || aws.ToString(fw.ConditionalForwarders[0].RemoteDomainName) != "onprem.example.com" {
		t.Errorf("forwarders after CreateTrust: %+v", fw.ConditionalForwarders)
	}
	_, err = ds.CreateConditionalForwarder(e.Ctx(), &directoryservice.CreateConditionalForwarderInput{DirectoryId: aws.String(id),
		RemoteDomainName: aws.String("onprem.example.com"), DnsIpAddrs: []string{"10.1.0.11"}})
	dirWantCode(t, "duplicate forwarder", err, "EntityAlreadyExistsException")
	must[*directoryservice.CreateConditionalForwarderOutput](t, "CreateConditionalForwarder")(ds.CreateConditionalForwarder(e.Ctx(),
		&directoryservice.CreateConditionalForwarderInput{DirectoryId: aws.String(id), RemoteDomainName: aws.String("other.example.com"), DnsIpAddrs: []string{"10.2.0.10"}}))
	must[*directoryservice.UpdateConditionalForwarderOutput](t, "UpdateConditionalForwarder")(ds.UpdateConditionalForwarder(e.Ctx(),
		&directoryservice.UpdateConditionalForwarderInput{DirectoryId: aws.String(id), RemoteDomainName: aws.String("other.example.com"), DnsIpAddrs: []string{"10.2.0.11"}}))
	_, err = ds.DeleteConditionalForwarder(e.Ctx(), &directoryservice.DeleteConditionalForwarderInput{DirectoryId: aws.String(id), RemoteDomainName: aws.String("missing.example.com")})
	dirWantCode(t, "delete a missing forwarder", err, "EntityDoesNotExistException")
	must[*directoryservice.DeleteTrustOutput](t, "DeleteTrust")(ds.DeleteTrust(e.Ctx(), &directoryservice.DeleteTrustInput{TrustId: aws.String(tid), DeleteAssociatedConditionalForwarder: true}))
	e.Advance(time.Minute)
	out := must[*directoryservice.DescribeTrustsOutput](t, "DescribeTrusts")(ds.DescribeTrusts(e.Ctx(), &directoryservice.DescribeTrustsInput{DirectoryId: aws.String(id)}))
	fw = must[*directoryservice.DescribeConditionalForwardersOutput](t, "DescribeConditionalForwarders")(ds.DescribeConditionalForwarders(e.Ctx(),
		&directoryservice.DescribeConditionalForwardersInput{DirectoryId: aws.String(id)}))
	if len(out.Trusts) != 0 || len(fw.ConditionalForwarders) != 1 || fw.ConditionalForwarders[0].DnsIpAddrs[0] != "10.2.0.11" {
		t.Errorf("after DeleteTrust: trusts %+v, forwarders %+v", out.Trusts, fw.ConditionalForwarders)
	}
}

func TestTrustVerificationFault(t *testing.T) {
	e := dirStart(t)
	ds := e.DS(apptest.AccountA)
	id := msAD(t, e, apptest.AccountA, "")
	e.Control("POST", "faults/transitions", map[string]any{"kind": "dstrust", "state": "VerifyFailed", "errorMessage": "The remote domain did not answer."}, nil)
	tr := must[*directoryservice.CreateTrustOutput](t, "CreateTrust")(ds.CreateTrust(e.Ctx(), &directoryservice.CreateTrustInput{DirectoryId: aws.String(id),
		RemoteDomainName: aws.String("onprem.example.com"), TrustPassword: aws.String("Tru5t-Pass!"), TrustDirection: dstypes.TrustDirectionOneWayOutgoing}))
	e.Advance(2 * time.Minute)
	out := must[*directoryservice.DescribeTrustsOutput](t, "DescribeTrusts")(ds.DescribeTrusts(e.Ctx(), &directoryservice.DescribeTrustsInput{TrustIds: []string{aws.ToString(tr.TrustId)}}))
	if got := out.Trusts[0]; got.TrustState != dstypes.TrustStateVerifyFailed || aws.ToString(got.TrustStateReason) != "The remote domain did not answer." {
		t.Errorf("trust after a fault: %s %q", got.TrustState, aws.ToString(got.TrustStateReason))
	}
	must[*directoryservice.VerifyTrustOutput](t, "VerifyTrust")(ds.VerifyTrust(e.Ctx(), &directoryservice.VerifyTrustInput{TrustId: tr.TrustId}))
	e.Advance(time.Minute)
	out = must[*directoryservice.DescribeTrustsOutput](t, "DescribeTrusts")(ds.DescribeTrusts(e.Ctx(), &directoryservice.DescribeTrustsInput{TrustIds: []string{aws.ToString(tr.TrustId)}}))
	if got := out.Trusts[0]; got.TrustState != dstypes.TrustStateVerified || got.TrustStateReason != nil {
		t.Errorf("trust verified again: %s %v", got.TrustState, got.TrustStateReason)
	}
}
