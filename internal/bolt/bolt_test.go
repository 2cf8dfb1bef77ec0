package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/storetest"
)

func openTemp(tb testing.TB, opts Options) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "deskplane.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) deskplane.Store { return openTemp(t, Options{}) })
}

func TestDurability(t *testing.T) {
	storetest.RunDurability(t, func(t *testing.T, dir string) deskplane.Store {
		s, err := Open(filepath.Join(dir, "deskplane.db"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) deskplane.Store { return openTemp(b, Options{}) })
}

// blockCommitter makes the committer run an Update that waits until the
// returned func is called; it returns once that Update is running, so
// every Update queued after it waits for the next batch.
func blockCommitter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	running, block := make(chan struct{}), make(chan struct{})
	go func() {
		_ = s.Update(context.Background(), func(deskplane.Tx) error { close(running); <-block; return nil })
	}()
	select {
	case <-running:
	case <-time.After(time.Minute):
		t.Fatal("the blocking Update never ran")
	}
	return func() { close(block) }
}

// waitQueued waits until n Updates are queued behind the committer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		q := len(s.queue)
		s.mu.Unlock()
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued, want %d", q, n)
		}
	}
}

var k1 = deskplane.Key{Scope: deskplane.Scope{Account: "1", Region: "r"}, Kind: "k", ID: "a"}

func TestGroupCommit(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	const writers = 32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			k := k1
			k.ID = fmt.Sprint(i)
			if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
				_, err := tx.Put(k, nil)
				return err
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	before := writes(s.db)
	// Hold the committer busy so that the writers pile up.
	release := blockCommitter(t, s)
	close(start)
	waitQueued(t, s, writers)
	release()
	wg.Wait()
	var n int
	_ = s.View(context.Background(), func(tx deskplane.Tx) error {
		n, _ = tx.Count(k1.Scope, k1.Kind)
		return nil
	})
	if n != writers {
		t.Fatalf("count = %d", n)
	}
	// bbolt counts page writes, not commits; so compare against a run of
	// the same writers one after the other.
	batched := writes(s.db) - before
	s2 := openTemp(t, Options{})
	defer s2.Close()
	before = writes(s2.db)
	for i := range writers {
		k := k1
		k.ID = fmt.Sprint(i)
		if err := s2.Update(context.Background(), func(tx deskplane.Tx) error {
			_, err := tx.Put(k, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	serial := writes(s2.db) - before
	t.Logf("page writes: %d batched, %d one by one", batched, serial)
	if batched*4 > serial {
		t.Errorf("concurrent writers did not share commits: %d page writes vs %d one by one", batched, serial)
	}
}

func TestFailingFnInBatch(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	release := blockCommitter(t, s)
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 6)
	calls := make([]int, 6)
	var mu sync.Mutex
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := k1
			k.ID = fmt.Sprint(i)
			errs[i] = s.Update(context.Background(), func(tx deskplane.Tx) error {
				mu.Lock()
				calls[i]++
				mu.Unlock()
				if _, err := tx.Put(k, nil); err != nil {
					return err
				}
				if i == 3 {
					return boom
				}
				return nil
			})
		}()
		waitQueued(t, s, i+1) // queue in order
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != errors.Is(err, boom) {
			t.Errorf("update %d: %v", i, err)
		}
	}
	var n int
	_ = s.View(context.Background(), func(tx deskplane.Tx) error {
		n, _ = tx.Count(k1.Scope, k1.Kind)
		return nil
	})
	if n != 5 {
		t.Errorf("count = %d, want 5", n)
	}
	t.Logf("calls per fn: %v", calls)
	if calls[0] != 2 || calls[3] != 2 || calls[5] != 1 {
		t.Errorf("calls = %v: want the ones before the failure and the failing one run twice, the rest once", calls)
	}
}

func TestPanicInFn(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	func() {
		defer func() {
			if v := recover(); v != "oops" {
				t.Errorf("recovered %v, want the fn's panic", v)
			}
		}()
		_ = s.Update(context.Background(), func(tx deskplane.Tx) error {
			if _, err := tx.Put(k1, []byte("x")); err != nil {
				return err
			}
			panic("oops")
		})
	}()
	err := s.View(context.Background(), func(tx deskplane.Tx) error {
		_, err := tx.Get(k1)
		return err
	})
	if !errors.Is(err, deskplane.ErrNotFound) {
		t.Errorf("after a panic: %v", err)
	}
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		_, err := tx.Put(k1, []byte("x"))
		return err
	}); err != nil {
		t.Errorf("Update after a panic: %v", err)
	}
}

func TestClosed(t *testing.T) {
	s := openTemp(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Update(context.Background(), func(deskplane.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Update after Close: %v", err)
	}
	if err := s.View(context.Background(), func(deskplane.Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close: %v", err)
	}
}

func TestLocked(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	if _, err := Open(s.Path(), Options{Timeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("a second Open of a file in use succeeded")
	}
}

func readSchema(t *testing.T, path string) (uint64, []string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var version uint64
	var applied []string
	_ = db.View(func(btx *bbolt.Tx) error {
		version = schemaVersion(btx)
		return btx.Bucket(bucketMeta).Bucket(bucketMigrations).ForEach(func(k, v []byte) error {
			name, _, _ := strings.Cut(string(v), "\x00")
			applied = append(applied, fmt.Sprintf("%d:%s", binary.BigEndian.Uint64(k), name))
			return nil
		})
	})
	return version, applied
}

func TestMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deskplane.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(tx deskplane.Tx) error {
		_, err := tx.Put(k1, []byte("v1 data"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if v, applied := readSchema(t, path); v != 2 || len(applied) != 2 {
		t.Fatalf("fresh file: schema %d, migrations %v", v, applied)
	}

	// A v3 registered by the test: rewrites every record's data.
	v3 := migration{3, "upper-case the data", func(btx *bbolt.Tx) error {
		b := btx.Bucket(bucketRows)
		type kv struct{ k, v []byte }
		var all []kv
		if err := b.ForEach(func(k, v []byte) error {
			version, id, data, err := cutRecord(v)
			if err != nil {
				return err
			}
			nv := encodeRecord(version, string(id), []byte(strings.ToUpper(string(data))))
			all = append(all, kv{append([]byte{}, k...), nv})
			return nil
		}); err != nil {
			return err
		}
		for _, e := range all {
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	}}
	failing := migration{4, "fail", func(btx *bbolt.Tx) error { return errors.New("no") }}

	// A failing migration applies nothing, not even the ones before it.
	if _, err := Open(path, Options{migrations: append(migrations(), v3, failing)}); err == nil {
		t.Fatal("Open with a failing migration succeeded")
	}
	if v, _ := readSchema(t, path); v != 2 {
		t.Fatalf("after a failed migration: schema %d, want 2", v)
	}

	s, err = Open(path, Options{migrations: append(migrations(), v3)})
	if err != nil {
		t.Fatal(err)
	}
	var data string
	if err := s.View(context.Background(), func(tx deskplane.Tx) error {
		r, err := tx.Get(k1)
		data = string(r.Data)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if data != "V1 DATA" {
		t.Errorf("after migration data = %q", data)
	}
	v, applied := readSchema(t, path)
	want := "1:create the data buckets,2:store records under their sequence key,3:upper-case the data"
	if v != 3 || strings.Join(applied, ",") != want {
		t.Errorf("schema %d, migrations %v", v, applied)
	}
	// Reopening applies nothing again.
	s, err = Open(path, Options{migrations: append(migrations(), v3)})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if v, applied := readSchema(t, path); v != 3 || len(applied) != 3 {
		t.Errorf("reopen: schema %d, migrations %v", v, applied)
	}
	// An older program refuses the newer file.
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer file: %v", err)
	}
	// A gap in the list is a programming error.
	if _, err := Open(path, Options{migrations: append(migrations(), failing)}); err == nil {
		t.Error("Open with a gap in the migrations succeeded")
	}
}

func TestEncoding(t *testing.T) {
	for _, s := range []string{"", "a", "\x00", "a\x00b", "\x00\x01", "\xff\x00\xff"} {
		b := appendEsc(nil, s)
		got, rest, err := cutEsc(append(b, 'z'))
		if err != nil || got != s || string(rest) != "z" {
			t.Errorf("cutEsc(appendEsc(%q)) = %q, %q, %v", s, got, rest, err)
		}
	}
	// Order is kept: ordered pairs stay ordered once escaped.
	ordered := []string{"", "\x00", "\x00\x00", "\x00\x01", "a", "a\x00", "a\x00b", "ab", "b"}
	for i := 1; i < len(ordered); i++ {
		a, b := appendEsc(nil, ordered[i-1]), appendEsc(nil, ordered[i])
		if string(a) >= string(b) {
			t.Errorf("esc(%q) >= esc(%q)", ordered[i-1], ordered[i])
		}
	}
	for _, tm := range []time.Time{time.Unix(0, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Unix(-1, 5)} {
		if got := decodeDue(appendDue(nil, tm)); !got.Equal(tm) {
			t.Errorf("due %v → %v", tm, got)
		}
	}
	if string(appendDue(nil, time.Unix(-1, 999999999))) >= string(appendDue(nil, time.Unix(0, 0))) {
		t.Error("due encoding out of order around the epoch")
	}
}

func writes(db *bbolt.DB) int64 {
	st := db.Stats()
	return st.TxStats.GetWrite()
}

func TestGoexitInFn(t *testing.T) {
	s := openTemp(t, Options{})
	defer s.Close()
	// Queue a few writers behind a blocked commit, then make the first
	// fn of their batch call runtime.Goexit, as t.FailNow would.
	release := blockCommitter(t, s)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := k1
			k.ID = fmt.Sprint(i)
			errs[i] = s.Update(context.Background(), func(tx deskplane.Tx) error {
				if _, err := tx.Put(k, nil); err != nil {
					return err
				}
				if i == 1 {
					runtime.Goexit()
				}
				return nil
			})
		}()
		waitQueued(t, s, i+1)
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if (i == 1) != errors.Is(err, errGoexit) {
			t.Errorf("update %d: %v", i, err)
		}
	}
	var n int
	_ = s.View(context.Background(), func(tx deskplane.Tx) error {
		n, _ = tx.Count(k1.Scope, k1.Kind)
		return nil
	})
	if n != 3 {
		t.Errorf("count = %d, want 3", n)
	}
}
