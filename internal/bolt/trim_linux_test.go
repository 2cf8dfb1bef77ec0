package bolt

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/deskplane/deskplane"
)

// mappedRSS sums the resident kilobytes of this process's mappings of path
// (/proc/self/smaps).
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kb, in := 0, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = strings.HasSuffix(line, " "+path)
			continue
		}
		if in && len(fields) == 3 && fields[0] == "Rss:" {
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				t.Fatal(err)
			}
			kb += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return kb
}

func TestTrimReleasesMappedPages(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{TrimEvery: -1})
	defer s.Close()
	sc := deskplane.Scope{Account: "1", Region: "r"}
	body := bytes.Repeat([]byte("x"), 1000)
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		for i := range 4000 {
			if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "k", ID: fmt.Sprint(i)}, body); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	list := func() int {
		n := 0
		if err := s.View(ctx, func(tx deskplane.Tx) error {
			return tx.List(sc, "k", 0, func(r deskplane.Record) bool {
				if !bytes.Equal(r.Data, body) {
					t.Fatalf("record %s: %d bytes of data", r.ID, len(r.Data))
				}
				n++
				return true
			})
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := list(); n != 4000 {
		t.Fatalf("listed %d records, want 4000", n)
	}
	before := mappedRSS(t, s.Path())
	t.Logf("%d kB of the file resident after reading it", before)
	if before < 3000 {
		t.Fatalf("after reading ~4 MB of records, %d kB of the file are resident", before)
	}
	s.trim()
	after := mappedRSS(t, s.Path())
	t.Logf("%d kB after trim", after)
	if after > before/8 {
		t.Errorf("after trim %d kB of the file are resident, before %d kB", after, before)
	}
	// The data are all there, read through the map again.
	if n := list(); n != 4000 {
		t.Fatalf("after trim: listed %d records, want 4000", n)
	}
	if again := mappedRSS(t, s.Path()); again < 3000 {
		t.Errorf("after reading the records again, %d kB of the file are resident", again)
	}
}

// The store trims by itself every TrimEvery transactions.
func TestTrimEvery(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, Options{TrimEvery: 3})
	defer s.Close()
	sc := deskplane.Scope{Account: "1", Region: "r"}
	body := bytes.Repeat([]byte("y"), 1000)
	if err := s.Update(ctx, func(tx deskplane.Tx) error {
		for i := range 2000 {
			if _, err := tx.Put(deskplane.Key{Scope: sc, Kind: "k", ID: fmt.Sprint(i)}, body); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Transaction 2 reads everything; transaction 3 (a View as well)
	// ends with a trim, before View returns.
	for range 2 {
		if err := s.View(ctx, func(tx deskplane.Tx) error {
			return tx.List(sc, "k", 0, func(deskplane.Record) bool { return true })
		}); err != nil {
			t.Fatal(err)
		}
	}
	if kb := mappedRSS(t, s.Path()); kb > 256 {
		t.Errorf("after the third transaction %d kB of the file are resident", kb)
	}
}
