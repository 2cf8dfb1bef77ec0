package memory

import (
	"maps"
	"slices"
)

func (t *tx) Regions(account string) ([]string, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	set := make(map[string]bool)
	add := func(sk scopeKind) {
		if sk.Account != account || set[sk.Region] {
			return
		}
		if n, _ := t.Count(sk.Scope, sk.Kind); n > 0 {
			set[sk.Region] = true
		}
	}
	if t.baseVisible(account) {
		for sk := range t.s.kinds {
			add(sk)
		}
	}
	for sk := range t.delta {
		add(sk)
	}
	return slices.Sorted(maps.Keys(set)), nil
}
