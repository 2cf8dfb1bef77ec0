package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/deskplane/deskplane"
)

var _ deskplane.PageReader = (*Store)(nil)

// pageSQL reads the record q.With ($1–$4, marked 0) and the page ($5–$7,
// after $8, up to $9 records: one more than the page, marked 1) in one
// statement, so in one snapshot, outside any transaction. The page's Data is read only when $10
// is true. The page is one range scan of deskplane_records_seq.
const pageSQL = `SELECT 0, id, seq, version, data FROM deskplane_records
	 WHERE account = $1 AND region = $2 AND kind = $3 AND id = $4
	UNION ALL
	(SELECT 1, id, seq, version, CASE WHEN $10::boolean THEN data END FROM deskplane_records
	 WHERE account = $5 AND region = $6 AND kind = $7 AND seq > $8
	 ORDER BY seq LIMIT $9)`

// dataSQL reads the Data of records of a page by Seq.
const dataSQL = `SELECT seq, version, data FROM deskplane_records
	 WHERE account = $1 AND region = $2 AND kind = $3 AND seq = ANY($4::bigint[])`

// ReadPage reads a page as one statement without an explicit transaction
// (a single statement sees one snapshot taken when it starts): the record
// q.With and the page's keys, Seqs and Versions, without Data. When q.Have
// lacks some of the records, a second statement reads their Data by Seq;
// if every one still has the Version the first statement saw, the answer
// is the first statement's snapshot (a Version is never reused for other
// Data). Otherwise the page is read once more, with all its Data, in one
// statement. A page whose records the caller all holds costs one round
// trip and no Data; PostgreSQL reads only the index and the records' rows.
func (s *Store) ReadPage(ctx context.Context, q deskplane.PageQuery) (deskplane.Page, error) {
	if q.Limit <= 0 {
		q.Limit = 1
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return deskplane.Page{}, fmt.Errorf("postgres: read page: %w", err)
	}
	defer conn.Release()
	p, err := s.readPage(ctx, conn.Conn(), q, q.Have == nil)
	if err != nil || q.Have == nil {
		return p, err
	}
	var lack []int64
	for _, r := range p.Records {
		if !q.Have(r) {
			lack = append(lack, r.Seq)
		}
	}
	if len(lack) == 0 {
		return p, nil
	}
	s.roundTrips.Add(1)
	rows, err := conn.Query(ctx, dataSQL, q.Scope.Account, q.Scope.Region, string(q.Kind), lack)
	if err != nil {
		return deskplane.Page{}, fmt.Errorf("postgres: read page: %w", err)
	}
	found := 0
	for rows.Next() {
		var seq, version int64
		var data []byte
		if err := rows.Scan(&seq, &version, &data); err != nil {
			rows.Close()
			return deskplane.Page{}, fmt.Errorf("postgres: read page: %w", err)
		}
		i, ok := slices.BinarySearchFunc(p.Records, seq, func(r deskplane.Record, seq int64) int { return cmp.Compare(r.Seq, seq) })
		if ok && p.Records[i].Version == version {
			p.Records[i].Data = nonNil(data)
			found++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return deskplane.Page{}, fmt.Errorf("postgres: read page: %w", err)
	}
	if found == len(lack) {
		return p, nil
	}
	// A record the caller lacks was written or deleted since: read the
	// page again, Data and all, in one statement.
	return s.readPage(ctx, conn.Conn(), q, true)
}

// readPage runs pageSQL with its generic plan.
func (s *Store) readPage(ctx context.Context, conn *pgx.Conn, q deskplane.PageQuery, data bool) (deskplane.Page, error) {
	p := deskplane.Page{Records: make([]deskplane.Record, 0, q.Limit+1)}
	// With custom plans PostgreSQL would plan the statement at every run:
	// a custom plan knows how many records follow AfterSeq, so it always
	// looks cheaper than the generic one, and planning costs several
	// times what running it does. The generic plan is the one wanted (the
	// record by primary key, the page by deskplane_records_seq in Seq
	// order), so the statement runs under force_generic_plan, set and
	// reset around it in the same pipeline. The pipeline is one implicit
	// transaction: if the statement fails, the SET is undone with it.
	var b pgx.Batch
	b.Queue(`SET plan_cache_mode = force_generic_plan`)
	b.Queue(pageSQL,
		q.With.Account, q.With.Region, string(q.With.Kind), q.With.ID,
		q.Scope.Account, q.Scope.Region, string(q.Kind), q.AfterSeq, q.Limit+1, data).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var part int
			r := deskplane.Record{Key: deskplane.Key{Scope: q.Scope, Kind: q.Kind}}
			if err := rows.Scan(&part, &r.ID, &r.Seq, &r.Version, &r.Data); err != nil {
				return err
			}
			if part == 0 {
				r.Key = q.With
				r.Data = nonNil(r.Data)
				p.With, p.WithFound = r, true
				continue
			}
			if data {
				r.Data = nonNil(r.Data)
			}
			p.Records = append(p.Records, r)
		}
		return rows.Err()
	})
	b.Queue(`RESET plan_cache_mode`)
	s.roundTrips.Add(1)
	if err := conn.SendBatch(ctx, &b).Close(); err != nil {
		return deskplane.Page{}, fmt.Errorf("postgres: read page: %w", err)
	}
	// UNION ALL keeps each branch's order in practice; SQL does not
	// promise it.
	slices.SortFunc(p.Records, func(a, b deskplane.Record) int { return cmp.Compare(a.Seq, b.Seq) })
	// One more record than the page was read to know whether more follow.
	if len(p.Records) > q.Limit {
		p.Records, p.More = p.Records[:q.Limit], true
	}
	return p, nil
}
