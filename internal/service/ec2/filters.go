package ec2

import (
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/ec2api"
)

// Filter.N of the Describe operations (docs/decisions/0300-ec2-networking.md):
// a resource passes when, for every filter, one of the filter's values
// matches one of the resource's values for that name. Values may hold the
// wildcards * (any run of characters) and ? (one character). Every
// resource type takes tag:<key>, tag-key and tag-value besides its own
// names; an unknown name is refused.

// filterSet is the filter names of a resource type: each returns the
// resource's values for the name.
type filterSet[T any] map[string]func(*T) []string

// compile checks the filters of a request and returns the test they make.
func (fs filterSet[T]) compile(in []ec2api.Filter, tags func(*T) []deskplane.Tag) (func(*T) bool, error) {
	type test struct {
		name   string
		values []string
		get    func(*T) []string
	}
	tests := make([]test, 0, len(in))
	for _, f := range in {
		name := value(f.Name)
		t := test{name: name, values: f.Values}
		switch {
		case strings.HasPrefix(name, "tag:"):
			key := strings.TrimPrefix(name, "tag:")
			t.get = func(v *T) []string {
				for _, tg := range tags(v) {
					if tg.Key == key {
						return []string{tg.Value}
					}
				}
				return nil
			}
		case name == "tag-key":
			t.get = func(v *T) []string { return tagField(tags(v), true) }
		case name == "tag-value":
			t.get = func(v *T) []string { return tagField(tags(v), false) }
		default:
			get, ok := fs[name]
			if !ok {
				return nil, invalid("The filter '%s' is invalid", name)
			}
			t.get = get
		}
		tests = append(tests, t)
	}
	return func(v *T) bool {
		for _, t := range tests {
			if !anyMatch(t.values, t.get(v)) {
				return false
			}
		}
		return true
	}, nil
}

func tagField(tags []deskplane.Tag, key bool) []string {
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Value
		if key {
			out[i] = t.Key
		}
	}
	return out
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if glob(p, v) {
				return true
			}
		}
	}
	return false
}

// glob matches s against p, where * is any run of characters and ? one
// character.
func glob(p, s string) bool {
	if !strings.ContainsAny(p, "*?") {
		return p == s
	}
	pr, sr := []rune(p), []rune(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(sr) {
		switch {
		case pi < len(pr) && (pr[pi] == '?' || pr[pi] == sr[si]):
			pi++
			si++
		case pi < len(pr) && pr[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pr) && pr[pi] == '*' {
		pi++
	}
	return pi == len(pr)
}

// one is a filter value of a single string.
func one(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// boolean is a filter value of a boolean.
func boolean(b bool) []string { return []string{strconv.FormatBool(b)} }
