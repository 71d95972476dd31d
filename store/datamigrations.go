package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plaudit/plaudit"
)

// A dataStep rewrites rows after a migration's SQL, in its transaction:
// what SQL cannot do alike on both engines (Unicode case mapping) or at
// all (keyed hashes and sealing under the keyring).
type dataStep func(ctx context.Context, tx *sql.Tx) error

// dataSteps are keyed by migration name (NNNN_name.sql without the
// number), so that renumbering a file keeps its step; a test checks that
// each names a migration.
func (s *Store) dataSteps() map[string]dataStep {
	return map[string]dataStep{
		"normalized_emails":  normalizeStoredEmails,
		"hashed_page_tokens": s.hashStoredTokens,
		"reports":            s.backfillFacts,
	}
}

// migratePage is how many rows a data step reads before it writes them:
// a transaction cannot write on PostgreSQL while it still reads rows.
const migratePage = 500

// rewriteRows pages through the rows query selects, ordered by id, with
// $1 the last id of the page before, and hands each page to fix. Memory
// stays bounded however many rows there are.
func rewriteRows[T any](ctx context.Context, q queryer, query string, scan func(rowScanner) (T, error),
	id func(T) string, fix func([]T) error) error {
	after := ""
	for {
		page, err := queryAll(ctx, q, scan, query+fmt.Sprintf(" ORDER BY id LIMIT %d", migratePage), after)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		if err := fix(page); err != nil {
			return err
		}
		if len(page) < migratePage {
			return nil
		}
		after = id(page[len(page)-1])
	}
}

// storedAddresses is one interaction's email addresses as stored.
type storedAddresses struct{ id, customer, agent string }

// normalizeStoredEmails puts the addresses that interactions stored as
// the helpdesk sent them ("ÄRGER.ÜBEL@Example.de") into the form that
// InsertInteraction now stores and data-subject requests match on.
func normalizeStoredEmails(ctx context.Context, tx *sql.Tx) error {
	scan := func(r rowScanner) (storedAddresses, error) {
		var a storedAddresses
		return a, r.Scan(&a.id, &a.customer, &a.agent)
	}
	return rewriteRows(ctx, tx,
		`SELECT id, customer_email, agent_email FROM interactions WHERE id > $1 AND (customer_email <> '' OR agent_email <> '')`,
		scan, func(a storedAddresses) string { return a.id }, func(page []storedAddresses) error {
			for _, a := range page {
				in := plaudit.Interaction{Customer: plaudit.Customer{Email: a.customer}, Agent: plaudit.AgentRef{Email: a.agent}}
				in.NormalizeAddresses()
				if in.Customer.Email == a.customer && in.Agent.Email == a.agent {
					continue
				}
				if _, err := tx.ExecContext(ctx, `UPDATE interactions SET customer_email = $2, agent_email = $3 WHERE id = $1`,
					a.id, in.Customer.Email, in.Agent.Email); err != nil {
					return fmt.Errorf("interaction %s: %w", a.id, err)
				}
			}
			return nil
		})
}

// idValue is a row's id and one of its columns, for rewriteRows.
type idValue struct{ id, value string }

func scanIDValue(r rowScanner) (idValue, error) {
	var v idValue
	return v, r.Scan(&v.id, &v.value)
}

func (v idValue) rowID() string { return v.id }
