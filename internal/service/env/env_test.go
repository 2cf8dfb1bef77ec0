package env

import (
	"context"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

type fixedTiming time.Duration

func (f fixedTiming) Duration(deskplane.Transition) time.Duration { return time.Duration(f) }

func TestEnv(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := Env{Clock: deskplane.ClockFunc(func() time.Time { return at }), Timing: fixedTiming(time.Minute)}
	if !e.Now().Equal(at) || !e.After(at, deskplane.TAliasCreate).Equal(at.Add(time.Minute)) {
		t.Errorf("Now %v, After %v", e.Now(), e.After(at, deskplane.TAliasCreate))
	}
	if !e.Serves("eu-west-1") {
		t.Error("no Regions configured serves every Region")
	}
	e.Regions = []string{"us-east-1"}
	if e.Serves("eu-west-1") || !e.Serves("us-east-1") {
		t.Error("Serves ignores the configured Regions")
	}
	if e.Logger() == nil {
		t.Error("no logger")
	}
	c := deskplane.Caller{Account: "000000000000", Region: "us-east-1"}
	ctx := deskplane.WithCaller(context.Background(), c)
	if Caller(ctx) != c || Scope(ctx) != c.Scope() || Caller(context.Background()) != (deskplane.Caller{}) {
		t.Error("Caller does not carry the request's caller")
	}
}
