package deskplane_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskplane/deskplane"
)

func TestNewOrderedID(t *testing.T) {
	pattern := regexp.MustCompile(`^ws-[0-9a-z]{9}$`)
	at := time.Unix(36*36*36*5+36*36*1+36*2+3, 0) // the prefix is "123" after the wrap
	seen := map[string]bool{}
	for range 1000 {
		id := deskplane.NewOrderedID("ws-", 9, at)
		if !pattern.MatchString(id) {
			t.Fatalf("id %q does not match %v", id, pattern)
		}
		if !strings.HasPrefix(id, "ws-123") {
			t.Fatalf("id %q made at %v: want the prefix ws-123", id, at)
		}
		seen[id] = true
	}
	if len(seen) < 990 {
		t.Errorf("1,000 ids made in one second: only %d distinct", len(seen))
	}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Unix(0, 0), "ws-000"},
		{time.Unix(36*36*36-1, 0), "ws-zzz"},
		{time.Unix(36*36*36, 0), "ws-000"},
		{time.Unix(-1, 0), "ws-zzz"},
		{time.Unix(35, 999999999), "ws-00z"},
	} {
		if id := deskplane.NewOrderedID("ws-", 9, c.at); !strings.HasPrefix(id, c.want) {
			t.Errorf("NewOrderedID at %v = %q, want the prefix %s", c.at, id, c.want)
		}
	}
}
