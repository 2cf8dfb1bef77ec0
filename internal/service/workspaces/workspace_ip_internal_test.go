package workspaces

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/bolt"
	"github.com/deskplane/deskplane/internal/lifecycle"
	"github.com/deskplane/deskplane/internal/memory"
	"github.com/deskplane/deskplane/internal/service/env"
)

// The private IP allocator (docs/decisions/0351-constant-time-address-allocation.md):
// O(1) per launch, released addresses reused, never one address for two
// WorkSpaces, nothing lost or handed out by a transaction that rolls back.

var ipScope = deskplane.Scope{Account: "000000000000", Region: "us-east-1"}

const ipSubnet = "subnet-0123456789abcdef0"

// countingTx counts the reads of a transaction by kind.
type countingTx struct {
	deskplane.Tx
	mu   *sync.Mutex
	gets map[deskplane.Kind]int
}

func (t *countingTx) Get(k deskplane.Key) (deskplane.Record, error) {
	t.mu.Lock()
	t.gets[k.Kind]++
	t.mu.Unlock()
	return t.Tx.Get(k)
}

// countingStore hands out countingTx.
type countingStore struct {
	deskplane.Store
	mu   sync.Mutex
	gets map[deskplane.Kind]int
}

func newCountingStore(s deskplane.Store) *countingStore {
	return &countingStore{Store: s, gets: map[deskplane.Kind]int{}}
}

func (s *countingStore) Update(ctx context.Context, fn func(deskplane.Tx) error) error {
	return s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return fn(&countingTx{Tx: tx, mu: &s.mu, gets: s.gets})
	})
}

func (s *countingStore) reads(kind deskplane.Kind) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[kind]
}

// take allocates an address for the WorkSpace id in its own transaction.
func take(t *testing.T, s deskplane.Store, id string) string {
	t.Helper()
	var ip string
	err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		var err error
		ip, err = allocateIP(context.Background(), tx, ipScope, &deskplane.Workspace{ID: id, SubnetID: ipSubnet})
		return err
	})
	if err != nil {
		t.Fatalf("allocate for %s: %v", id, err)
	}
	return ip
}

// give releases the WorkSpace's address in its own transaction.
func give(t *testing.T, s deskplane.Store, id, ip string) {
	t.Helper()
	err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		return releaseIP(context.Background(), tx, ipScope, &deskplane.Workspace{ID: id, SubnetID: ipSubnet, IPAddress: ip})
	})
	if err != nil {
		t.Fatalf("release %s of %s: %v", ip, id, err)
	}
}

func loadCounter(t *testing.T, s deskplane.Store) ipCounter {
	t.Helper()
	var c ipCounter
	if err := s.View(context.Background(), func(tx deskplane.Tx) error {
		_, err := deskplane.Load(tx, ipCounterKey(ipScope, ipSubnet), &c)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return c
}

func saveCounter(t *testing.T, s deskplane.Store, c ipCounter) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		return deskplane.Save(tx, ipCounterKey(ipScope, ipSubnet), c)
	}); err != nil {
		t.Fatal(err)
	}
}

// A full subnet answers at once: no address is read, and the launch ends
// in ERROR with the real error code.
func TestFullSubnetFailsWithoutProbing(t *testing.T) {
	ctx := context.Background()
	store := newCountingStore(memory.New())
	saveCounter(t, store, ipCounter{Next: ipHosts, Net: [3]byte{10, 7, 0}, Known: true, V: ipCounterV2})
	if ip := take(t, store, "ws-full00001"); ip != "" {
		t.Fatalf("a full subnet handed out %s", ip)
	}
	if n := store.reads(deskplane.KindWorkspaceIP); n != 0 {
		t.Fatalf("a full subnet read %d addresses; want none", n)
	}
	if n := store.reads(deskplane.KindCounter); n != 1 {
		t.Fatalf("a full subnet read %d counter records; want its one counter", n)
	}

	// Through the engine and the real launch handler.
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	s := New(env.Env{Store: store, Clock: clock})
	e := lifecycle.New(store, clock, nil, lifecycle.Options{})
	for name, h := range s.Timers() {
		e.Handle(name, h)
	}
	const launches = 40
	if err := store.Update(ctx, func(tx deskplane.Tx) error {
		for i := range launches {
			ws := &deskplane.Workspace{ID: fmt.Sprintf("ws-full%05d", i), State: wsPending, Generation: 1, SubnetID: ipSubnet}
			if err := saveWorkspace(tx, ipScope, ws); err != nil {
				return err
			}
			if err := tx.Schedule(deskplane.Timer{Key: wsKey(ipScope, ws.ID), Name: timerWSState, Due: clock.Now(), Payload: []byte("1")}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.RunDue(ctx); err != nil || n != launches {
		t.Fatalf("RunDue: %d fired, %v", n, err)
	}
	if n := store.reads(deskplane.KindWorkspaceIP); n != 0 {
		t.Fatalf("%d launches into a full subnet read %d addresses; want none", launches, n)
	}
	if err := store.View(ctx, func(tx deskplane.Tx) error {
		for i := range launches {
			ws, err := loadWorkspace(tx, ipScope, fmt.Sprintf("ws-full%05d", i))
			if err != nil {
				return err
			}
			if ws.State != wsError || ws.ErrorCode != "InsufficientFreeAddressesInSubnet" || ws.IPAddress != "" || ws.SubnetID != "" {
				return fmt.Errorf("%s: %s %q %q %q", ws.ID, ws.State, ws.ErrorCode, ws.IPAddress, ws.SubnetID)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// Addresses come in order, skip the directory's own, and a released one
// is handed out again before any fresh one; the subnet fills up exactly
// when every address is held.
func TestReleasedAddressesAreReused(t *testing.T) {
	store := memory.New()
	c := ipCounter{Net: [3]byte{10, 7, 0}, Known: true, Reserved: []string{"10.7.0.5"}, V: ipCounterV2}
	saveCounter(t, store, c)
	a, b, d := take(t, store, "ws-a"), take(t, store, "ws-b"), take(t, store, "ws-d")
	if a != "10.7.0.4" || b != "10.7.0.6" || d != "10.7.0.7" {
		t.Fatalf("first addresses %s %s %s; want 10.7.0.4 10.7.0.6 10.7.0.7", a, b, d)
	}
	give(t, store, "ws-b", b)
	give(t, store, "ws-a", a)
	give(t, store, "ws-a", a) // released twice: freed once
	give(t, store, "ws-x", d) // not its holder's: not freed
	if got := loadCounter(t, store); got.Free != 2 || got.Next != 4 {
		t.Fatalf("counter after releases: %+v; want 2 free, next 4", got)
	}
	if got := take(t, store, "ws-e"); got != a {
		t.Fatalf("after releases got %s; want the released %s", got, a)
	}
	if got := take(t, store, "ws-f"); got != b {
		t.Fatalf("after releases got %s; want the released %s", got, b)
	}
	if got := take(t, store, "ws-g"); got != "10.7.0.8" {
		t.Fatalf("with the free stack empty got %s; want the fresh 10.7.0.8", got)
	}

	// The last addresses of the subnet, then none; a release makes one.
	c = loadCounter(t, store)
	c.Next = ipHosts - 1
	saveCounter(t, store, c)
	last := take(t, store, "ws-last")
	if last != c.addr(ipHosts-1) {
		t.Fatalf("last address %s; want %s", last, c.addr(ipHosts-1))
	}
	if got := take(t, store, "ws-none"); got != "" {
		t.Fatalf("a full subnet handed out %s", got)
	}
	give(t, store, "ws-e", a)
	if got := take(t, store, "ws-again"); got != a {
		t.Fatalf("a full subnet after a release handed out %q; want %s", got, a)
	}
}

// A rebuild takes a new address (AGA:rebuild-workspace), not the one it
// just gave back, unless the subnet has no other.
func TestRebuildTakesANewAddress(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	s := New(env.Env{Store: store, Clock: clock})
	saveCounter(t, store, ipCounter{Net: [3]byte{10, 7, 0}, Known: true, V: ipCounterV2})
	first := take(t, store, "ws-rebuild1")
	rebuild := func() *deskplane.Workspace {
		t.Helper()
		ws := &deskplane.Workspace{ID: "ws-rebuild1", State: wsRebuilding, Generation: 2, SubnetID: ipSubnet, IPAddress: first}
		if err := store.Update(ctx, func(tx deskplane.Tx) error {
			if err := saveWorkspace(tx, ipScope, ws); err != nil {
				return err
			}
			return s.onWorkspaceState(ctx, tx, deskplane.Timer{Key: wsKey(ipScope, ws.ID), Name: timerWSState, Due: clock.Now(), Payload: []byte("2")})
		}); err != nil {
			t.Fatal(err)
		}
		var err error
		if err = store.View(ctx, func(tx deskplane.Tx) error { ws, err = loadWorkspace(tx, ipScope, ws.ID); return err }); err != nil {
			t.Fatal(err)
		}
		return ws
	}
	ws := rebuild()
	if ws.State != wsAvailable || ws.IPAddress == first || ws.IPAddress == "" {
		t.Fatalf("rebuilt: %s with %q; want AVAILABLE with a new address (had %s)", ws.State, ws.IPAddress, first)
	}
	// Its old address is free again: the next launch gets it.
	if got := take(t, store, "ws-next"); got != first {
		t.Fatalf("next launch got %s; want the rebuilt WorkSpace's old %s", got, first)
	}
	give(t, store, "ws-next", first)
	give(t, store, "ws-rebuild1", ws.IPAddress)
	first = take(t, store, "ws-rebuild1")
	// A full subnet: the rebuild keeps the one address it can have.
	c := loadCounter(t, store)
	c.Next, c.Free = ipHosts, 0
	saveCounter(t, store, c)
	if ws = rebuild(); ws.State != wsAvailable || ws.IPAddress != first {
		t.Fatalf("rebuilt in a full subnet: %s with %q; want AVAILABLE with %s", ws.State, ws.IPAddress, first)
	}
}

// Many launches and releases at once, in transactions of their own and
// in the engine's batches: no address is ever held by two WorkSpaces, and
// every address held is in the index under its holder.
func TestAddressesUniqueUnderConcurrentLaunches(t *testing.T) {
	for _, name := range []string{"memory", "bolt"} {
		t.Run(name, func(t *testing.T) {
			var store deskplane.Store = memory.New()
			if name == "bolt" {
				b, err := bolt.Open(filepath.Join(t.TempDir(), "ip.db"), bolt.Options{})
				if err != nil {
					t.Fatal(err)
				}
				defer b.Close()
				store = b
			}
			ctx := context.Background()
			saveCounter(t, store, ipCounter{Net: [3]byte{10, 7, 0}, Known: true, V: ipCounterV2})
			clock := lifecycle.NewVirtualClock(nil)
			clock.Freeze()
			s := New(env.Env{Store: store, Clock: clock})
			e := lifecycle.New(store, clock, nil, lifecycle.Options{Batch: 16})
			for name, h := range s.Timers() {
				e.Handle(name, h)
			}
			const workers, each, launches = 6, 40, 200
			if err := store.Update(ctx, func(tx deskplane.Tx) error {
				for i := range launches {
					ws := &deskplane.Workspace{ID: fmt.Sprintf("ws-eng%05d", i), State: wsPending, Generation: 1, SubnetID: ipSubnet}
					if err := saveWorkspace(tx, ipScope, ws); err != nil {
						return err
					}
					if err := tx.Schedule(deskplane.Timer{Key: wsKey(ipScope, ws.ID), Name: timerWSState, Due: clock.Now(), Payload: []byte("1")}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			held := map[string]string{} // address → WorkSpace, from the direct transactions
			var wg sync.WaitGroup
			errs := make(chan error, workers+1)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var mine []string
					for i := range each {
						id := "ws-w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
						var ip string
						err := store.Update(ctx, func(tx deskplane.Tx) error {
							var err error
							ip, err = allocateIP(ctx, tx, ipScope, &deskplane.Workspace{ID: id, SubnetID: ipSubnet})
							return err
						})
						if err == nil && ip == "" {
							err = errors.New("no address")
						}
						if err != nil {
							errs <- err
							return
						}
						mine = append(mine, id+"="+ip)
						if i%3 == 2 { // give one back now and then
							victim := mine[0]
							mine = mine[1:]
							vid, vip, _ := cut(victim)
							if err := store.Update(ctx, func(tx deskplane.Tx) error {
								return releaseIP(ctx, tx, ipScope, &deskplane.Workspace{ID: vid, SubnetID: ipSubnet, IPAddress: vip})
							}); err != nil {
								errs <- err
								return
							}
						}
					}
					mu.Lock()
					defer mu.Unlock()
					for _, m := range mine {
						id, ip, _ := cut(m)
						if other, dup := held[ip]; dup {
							errs <- fmt.Errorf("%s held by %s and %s", ip, other, id)
						}
						held[ip] = id
					}
				}()
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.RunDue(ctx); err != nil {
					errs <- err
				}
			}()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if err := store.View(ctx, func(tx deskplane.Tx) error {
				for i := range launches {
					ws, err := loadWorkspace(tx, ipScope, fmt.Sprintf("ws-eng%05d", i))
					if err != nil {
						return err
					}
					if ws.State != wsAvailable || ws.IPAddress == "" {
						return fmt.Errorf("%s: %s with %q", ws.ID, ws.State, ws.IPAddress)
					}
					if other, dup := held[ws.IPAddress]; dup {
						return fmt.Errorf("%s held by %s and %s", ws.IPAddress, other, ws.ID)
					}
					held[ws.IPAddress] = ws.ID
				}
				for ip, id := range held {
					var idx wsIndex
					if ok, err := deskplane.Load(tx, ipIndexKey(ipScope, ip), &idx); err != nil || !ok || idx.WS != id {
						return fmt.Errorf("index of %s: %v %v %q; want %s", ip, ok, err, idx.WS, id)
					}
				}
				n, err := tx.Count(ipScope, deskplane.KindWorkspaceIP)
				if err == nil && n != len(held) {
					err = fmt.Errorf("%d addresses indexed; %d held", n, len(held))
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			c := loadCounter(t, store)
			if c.Next-c.Free != len(held) {
				t.Fatalf("counter %+v: %d handed out, %d free; %d held", c, c.Next, c.Free, len(held))
			}
		})
	}
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

var errCrash = errors.New("crash before commit")

// A transaction that takes or gives back an address and then fails (the
// process dies before the commit) leaves the allocator as it was, on the
// durable store after a reopen too: nothing handed out, nothing lost.
func TestAllocationRolledBackLosesNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ip.db")
	open := func() *bolt.Store {
		s, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	store := open()
	saveCounter(t, store, ipCounter{Net: [3]byte{10, 7, 0}, Known: true, V: ipCounterV2})
	a := take(t, store, "ws-a")
	b := take(t, store, "ws-b")
	give(t, store, "ws-a", a)
	before := loadCounter(t, store)

	// Taken, then the crash: a pop from the free stack and a fresh address.
	err := store.Update(ctx, func(tx deskplane.Tx) error {
		for _, id := range []string{"ws-c", "ws-d"} {
			if ip, err := allocateIP(ctx, tx, ipScope, &deskplane.Workspace{ID: id, SubnetID: ipSubnet}); err != nil || ip == "" {
				return fmt.Errorf("allocate: %q %v", ip, err)
			}
		}
		return errCrash
	})
	if !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	// Given back, then the crash.
	err = store.Update(ctx, func(tx deskplane.Tx) error {
		if err := releaseIP(ctx, tx, ipScope, &deskplane.Workspace{ID: "ws-b", SubnetID: ipSubnet, IPAddress: b}); err != nil {
			return err
		}
		return errCrash
	})
	if !errors.Is(err, errCrash) {
		t.Fatal(err)
	}
	// The same in the engine's batch, where the counter is written at the
	// batch's end.
	clock := lifecycle.NewVirtualClock(nil)
	clock.Freeze()
	e := lifecycle.New(store, clock, nil, lifecycle.Options{RetryMin: 1 << 40})
	e.Handle("crash", func(ctx context.Context, tx deskplane.Tx, t deskplane.Timer) error {
		if _, err := allocateIP(ctx, tx, ipScope, &deskplane.Workspace{ID: t.Key.ID, SubnetID: ipSubnet}); err != nil {
			return err
		}
		return errCrash
	})
	if err := store.Update(ctx, func(tx deskplane.Tx) error {
		return tx.Schedule(deskplane.Timer{Key: wsKey(ipScope, "ws-e"), Name: "crash", Due: clock.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("RunDue: %d fired, %v", n, err)
	}

	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	store = open()
	defer store.Close()
	if after := loadCounter(t, store); after.Next != before.Next || after.Free != before.Free {
		t.Fatalf("counter after the crashes %+v; want %+v", after, before)
	}
	if got := take(t, store, "ws-f"); got != a {
		t.Fatalf("after the crashes got %s; want the released %s", got, a)
	}
	if got := take(t, store, "ws-g"); got == b || got == a || got == "" {
		t.Fatalf("after the crashes got %q; want a fresh address (b %s still held)", got, b)
	}
}

// A counter of the earlier kind (a cursor that wrapped and probed) is
// converted on first use: the addresses below its cursor that nobody
// holds become free, the held ones stay held.
func TestOldCounterIsConverted(t *testing.T) {
	ctx := context.Background()
	store := memory.New()
	old := ipCounter{Next: 6, Net: [3]byte{10, 7, 0}, Known: true}
	saveCounter(t, store, old)
	if err := store.Update(ctx, func(tx deskplane.Tx) error {
		for _, n := range []int{0, 2, 3, 5} { // 1 and 4 were released
			if err := deskplane.Save(tx, ipIndexKey(ipScope, old.addr(n)), wsIndex{WS: "ws-old" + strconv.Itoa(n)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := []string{take(t, store, "ws-1"), take(t, store, "ws-2"), take(t, store, "ws-3")}
	want := []string{old.addr(4), old.addr(1), old.addr(6)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after conversion got %v; want %v", got, want)
	}
	if c := loadCounter(t, store); c.V != ipCounterV2 || c.Next != 7 || c.Free != 0 {
		t.Fatalf("converted counter %+v", c)
	}
}
