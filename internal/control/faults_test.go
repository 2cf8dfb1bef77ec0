package control

import (
	"context"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/awsjson"
)

func code(err error) string {
	if e, ok := err.(*awsjson.Error); ok {
		return e.Type
	}
	return ""
}

func TestThrottleRefillsAtTheRate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := NewFaults(func() time.Time { return now })
	if err := f.SetThrottle(Throttle{Enabled: true, Rate: 2, Burst: 5}); err != nil {
		t.Fatal(err)
	}
	c := deskplane.Caller{Account: "000000000000", Region: "us-east-1", Operation: "DescribeWorkspaces"}
	for i := range 5 {
		if err := f.Hook(context.Background(), c); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	if code(f.Hook(context.Background(), c)) != "ThrottlingException" {
		t.Fatal("the sixth call was not throttled")
	}
	now = now.Add(500 * time.Millisecond) // one token at 2/s
	if err := f.Hook(context.Background(), c); err != nil {
		t.Fatalf("after half a second: %v", err)
	}
	if code(f.Hook(context.Background(), c)) != "ThrottlingException" {
		t.Fatal("the bucket gave more than the rate")
	}
	other := c
	other.Operation = "DescribeWorkspaceBundles"
	if err := f.Hook(context.Background(), other); err != nil {
		t.Fatalf("another operation shares the bucket: %v", err)
	}
	if err := f.SetThrottle(Throttle{Enabled: true, Rate: 0, Burst: 5}); err == nil {
		t.Fatal("a zero rate was accepted")
	}
}

func TestCallFaultMatchingCountAndProbability(t *testing.T) {
	f := NewFaults(nil)
	draws := []float64{0.1, 0.9}
	f.rand = func() float64 { v := draws[0]; draws = draws[1:]; return v }
	if _, err := f.AddCall(CallFault{Operation: "StartWorkspaces", Error: "InternalFailure", Probability: 0.5, Count: 5}); err != nil {
		t.Fatal(err)
	}
	c := deskplane.Caller{Account: "000000000000", Region: "us-east-1", Operation: "StartWorkspaces"}
	err := f.Hook(context.Background(), c)
	if e, ok := err.(*awsjson.Error); !ok || e.Type != "InternalFailure" || e.Status != 500 {
		t.Fatalf("draw 0.1 under 0.5: %v", err)
	}
	if err := f.Hook(context.Background(), c); err != nil {
		t.Fatalf("draw 0.9 over 0.5: %v", err)
	}
	c.Operation = "StopWorkspaces"
	if err := f.Hook(context.Background(), c); err != nil {
		t.Fatalf("another operation matched: %v", err)
	}
	if _, err := f.AddCall(CallFault{Latency: "soon"}); err == nil {
		t.Fatal("a bad latency was accepted")
	}
	if _, err := f.AddCall(CallFault{}); err == nil {
		t.Fatal("a fault with neither error nor latency was accepted")
	}
}

func TestCallFaultsNameKnownOperations(t *testing.T) {
	f := NewFaults(nil)
	f.KnowOperations([]string{"DescribeWorkspaces", "StartWorkspaces"})
	if _, err := f.AddCall(CallFault{Operation: "DescribeWorkspace", Error: "InternalFailure"}); err == nil {
		t.Error("a fault naming an operation nobody serves was accepted")
	}
	if _, err := f.AddCall(CallFault{Operation: "DescribeWorkspaces", Account: "12345", Error: "InternalFailure"}); err == nil {
		t.Error("a fault naming an account id of 5 digits was accepted")
	}
	if _, err := f.AddCall(CallFault{Operation: "DescribeWorkspaces", Error: "InternalFailure"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []TransitionFault{
		{Kind: "worksapce", State: "ERROR"},
		{Kind: "tags", State: "ERROR"},
		{Kind: "workspace", State: "ERROR", Account: "abc"},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v was accepted", bad)
		}
	}
	if err := (TransitionFault{Kind: "workspace", State: "ERROR", Account: "000000000000"}).Validate(); err != nil {
		t.Error(err)
	}
}

// Two error faults match a call: the first answers; the second does not
// fire, so it is not used up either. GET /faults shows what is left.
func TestAFaultThatDoesNotFireIsNotUsedUp(t *testing.T) {
	f := NewFaults(nil)
	first, _ := f.AddCall(CallFault{Operation: "StartWorkspaces", Error: "ThrottlingException", Count: 1})
	second, _ := f.AddCall(CallFault{Error: "InternalFailure", Count: 2})
	c := deskplane.Caller{Account: "000000000000", Region: "us-east-1", Operation: "StartWorkspaces"}
	if got := code(f.Hook(context.Background(), c)); got != "ThrottlingException" {
		t.Fatalf("first call: %s", got)
	}
	calls, _ := f.Snapshot()
	if len(calls) != 1 || calls[0].ID != second.ID || calls[0].Hits != 0 || calls[0].Remaining != 2 {
		t.Fatalf("after the first call the faults are %+v; want %s alone, untouched (%s used up)", calls, second.ID, first.ID)
	}
	for i := range 2 {
		if got := code(f.Hook(context.Background(), c)); got != "InternalFailure" {
			t.Fatalf("call %d: %s", i+2, got)
		}
	}
	if calls, _ := f.Snapshot(); len(calls) != 0 {
		t.Fatalf("faults left: %+v", calls)
	}
	if err := f.Hook(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
