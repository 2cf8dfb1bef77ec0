package memory

import (
	"container/heap"

	"github.com/deskplane/deskplane"
)

// timerItem is a committed timer and its place in the heap.
type timerItem struct {
	t   deskplane.Timer
	idx int
}

// timerIndex is a min-heap of timers by (Due, key, name) with an index by
// key. It implements heap.Interface over items.
type timerIndex struct {
	items []*timerItem
	byKey map[deskplane.Key]map[string]*timerItem
}

func newTimerIndex() *timerIndex {
	return &timerIndex{byKey: make(map[deskplane.Key]map[string]*timerItem)}
}

func (x *timerIndex) Len() int { return len(x.items) }

func (x *timerIndex) Less(i, j int) bool {
	return compareTimers(&x.items[i].t, &x.items[j].t) < 0
}

func (x *timerIndex) Swap(i, j int) {
	x.items[i], x.items[j] = x.items[j], x.items[i]
	x.items[i].idx = i
	x.items[j].idx = j
}

func (x *timerIndex) Push(v any) {
	it := v.(*timerItem)
	it.idx = len(x.items)
	x.items = append(x.items, it)
}

func (x *timerIndex) Pop() any {
	n := len(x.items) - 1
	it := x.items[n]
	x.items[n] = nil
	x.items = x.items[:n]
	it.idx = -1
	return it
}

// set adds the timer or replaces the one with the same (Key, Name).
func (x *timerIndex) set(t deskplane.Timer) {
	m := x.byKey[t.Key]
	if m == nil {
		m = make(map[string]*timerItem)
		x.byKey[t.Key] = m
	}
	if it := m[t.Name]; it != nil {
		it.t = t
		heap.Fix(x, it.idx)
		return
	}
	it := &timerItem{t: t}
	m[t.Name] = it
	heap.Push(x, it)
}

func (x *timerIndex) remove(k deskplane.Key, name string) {
	m := x.byKey[k]
	it := m[name]
	if it == nil {
		return
	}
	heap.Remove(x, it.idx)
	delete(m, name)
	if len(m) == 0 {
		delete(x.byKey, k)
	}
}

// removeAccount drops every timer of the account: a linear pass and a
// re-heapify, which is fine for a reset.
func (x *timerIndex) removeAccount(account string) {
	keep := x.items[:0]
	for _, it := range x.items {
		if it.t.Key.Account != account {
			it.idx = len(keep)
			keep = append(keep, it)
		}
	}
	clear(x.items[len(keep):])
	x.items = keep
	heap.Init(x)
	for k := range x.byKey {
		if k.Account == account {
			delete(x.byKey, k)
		}
	}
}

// ascend calls fn for the timers in heap order (earliest first) until fn
// returns false. Visiting the first n costs O(n log n): a second heap holds
// the frontier of the walk, starting at the root; popping an item pushes its
// two children.
func (x *timerIndex) ascend(fn func(*timerItem) bool) {
	if len(x.items) == 0 {
		return
	}
	f := &frontier{x: x, idx: []int{0}}
	for f.Len() > 0 {
		i := heap.Pop(f).(int)
		if !fn(x.items[i]) {
			return
		}
		for _, c := range [2]int{2*i + 1, 2*i + 2} {
			if c < len(x.items) {
				heap.Push(f, c)
			}
		}
	}
}

// frontier is a min-heap of positions in a timerIndex.
type frontier struct {
	x   *timerIndex
	idx []int
}

func (f *frontier) Len() int           { return len(f.idx) }
func (f *frontier) Less(i, j int) bool { return f.x.Less(f.idx[i], f.idx[j]) }
func (f *frontier) Swap(i, j int)      { f.idx[i], f.idx[j] = f.idx[j], f.idx[i] }
func (f *frontier) Push(v any)         { f.idx = append(f.idx, v.(int)) }
func (f *frontier) Pop() any {
	n := len(f.idx) - 1
	v := f.idx[n]
	f.idx = f.idx[:n]
	return v
}
