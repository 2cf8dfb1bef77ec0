package service

import (
	"context"
	"errors"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

func noop(context.Context, deskplane.Tx, deskplane.Timer) error { return nil }

func TestTimerNamesAreUnique(t *testing.T) {
	_, err := mergeTimers(
		family{"a", map[string]lifecycle.Handler{"x.state": noop}},
		family{"b", map[string]lifecycle.Handler{"y.state": noop, "x.state": noop}},
	)
	if err == nil {
		t.Fatal("two handlers for one timer name were accepted")
	}
	all, err := mergeTimers(family{"a", map[string]lifecycle.Handler{"x.state": noop}}, family{"b", nil})
	if err != nil || len(all) != 1 {
		t.Fatalf("%v %v", all, err)
	}
}

// TestFallbackIsUnimplemented: without a remainder, what no family serves
// answers the generated NotImplementedError.
func TestFallbackIsUnimplemented(t *testing.T) {
	st := memory.New()
	defer st.Close()
	s, err := New(env.Env{Store: st, Quotas: deskplane.DefaultQuotas()})
	if err != nil {
		t.Fatal(err)
	}
	// The fallback itself, whichever operations the families serve.
	_, err = s.ws.wsFallback.DescribeWorkspaces(context.Background(), &wsapi.DescribeWorkspacesRequest{})
	var ni *smithy.NotImplementedError
	if !errors.As(err, &ni) {
		t.Fatalf("the fallback without a remainder: %v, want NotImplementedError", err)
	}
}
