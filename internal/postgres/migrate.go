package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migration moves the schema from version-1 to version.
type migration struct {
	version int
	name    string
	up      func(context.Context, pgx.Tx) error
}

func execSQL(sql string) func(context.Context, pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql)
		return err
	}
}

// migrations is the schema's history. Append only: a released migration
// never changes.
func migrations() []migration {
	return []migration{
		{1, "create records, timers and the Seq sequence", execSQL(`
CREATE SEQUENCE deskplane_seq;
CREATE TABLE deskplane_records (
	account text COLLATE "C" NOT NULL,
	region  text COLLATE "C" NOT NULL,
	kind    text COLLATE "C" NOT NULL,
	id      text COLLATE "C" NOT NULL,
	seq     bigint NOT NULL,
	version bigint NOT NULL,
	data    bytea  NOT NULL,
	PRIMARY KEY (account, region, kind, id)
);
CREATE UNIQUE INDEX deskplane_records_seq ON deskplane_records (account, region, kind, seq);
CREATE TABLE deskplane_timers (
	account text COLLATE "C" NOT NULL,
	region  text COLLATE "C" NOT NULL,
	kind    text COLLATE "C" NOT NULL,
	id      text COLLATE "C" NOT NULL,
	name    text COLLATE "C" NOT NULL,
	due_s   bigint  NOT NULL,
	due_ns  integer NOT NULL,
	payload bytea   NOT NULL,
	PRIMARY KEY (account, region, kind, id, name)
);
CREATE INDEX deskplane_timers_due ON deskplane_timers (due_s, due_ns, account, region, kind, id, name);
`)},
		// Count reads one row instead of counting an index range, which
		// grows with the scope and runs under the scope's lock. The
		// SHARE lock holds writers off while the existing records are
		// counted. Nodes of an older version must be stopped first: they
		// write records without counting them.
		{2, "count records per scope and kind", execSQL(`
LOCK TABLE deskplane_records IN SHARE MODE;
CREATE TABLE deskplane_counts (
	account text COLLATE "C" NOT NULL,
	region  text COLLATE "C" NOT NULL,
	kind    text COLLATE "C" NOT NULL,
	n       bigint NOT NULL,
	PRIMARY KEY (account, region, kind)
);
INSERT INTO deskplane_counts (account, region, kind, n)
SELECT account, region, kind, count(*) FROM deskplane_records GROUP BY account, region, kind;
`)},
	}
}

// migrate applies the migrations the schema lacks, in one transaction
// that holds an advisory lock on the schema's name: nodes that start
// together wait for each other, and the later ones find nothing to do.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string, ms []migration) (string, error) {
	for i, m := range ms {
		if m.version != i+1 {
			return "", fmt.Errorf("migration %q has version %d, want %d", m.name, m.version, i+1)
		}
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	if schema == "" {
		var cur *string
		if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&cur); err != nil {
			return "", fmt.Errorf("migrate: %w", err)
		}
		if cur == nil {
			return "", errors.New("migrate: no schema of the search_path exists; set Options.Schema")
		}
		schema = *cur
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('deskplane migrate ' || $1, 0))`, schema); err != nil {
		return "", fmt.Errorf("migrate: lock: %w", err)
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	if !exists {
		if _, err := tx.Exec(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
			return "", fmt.Errorf("migrate: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS deskplane_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM deskplane_migrations`).Scan(&current); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	if current > len(ms) {
		return "", fmt.Errorf("migrate: schema %s is at version %d, newer than this program's %d", schema, current, len(ms))
	}
	for _, m := range ms[current:] {
		if err := m.up(ctx, tx); err != nil {
			return "", fmt.Errorf("migrate: migration %d (%s): %w", m.version, m.name, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO deskplane_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			return "", fmt.Errorf("migrate: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	return schema, nil
}
