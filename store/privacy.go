package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// AggregateRow is one response as reports see it: anonymous figures
// without free text, which survive erasure and retention.
type AggregateRow struct {
	Day         string   `json:"day"` // yyyy-mm-dd
	AgentID     string   `json:"agent_id"`
	Channel     string   `json:"channel"`
	Score       int      `json:"score"`
	Excellence  []string `json:"excellence,omitempty"`
	Improvement []string `json:"improvement,omitempty"`
	Reward      bool     `json:"reward"`
	Test        bool     `json:"test"`
}

// SubjectData is everything a tenant holds on one person, for a
// data-subject access request.
type SubjectData struct {
	Interactions []plaudit.Interaction     `json:"interactions"`
	Requests     []plaudit.FeedbackRequest `json:"feedback_requests"`
	Responses    []plaudit.Response        `json:"responses"`
	// Suppressed tells whether the person's email or phone is on the
	// tenant's suppression list (kept only as a keyed hash).
	Suppressed bool `json:"suppressed"`
}

// RecordAggregate writes a response's anonymous figures for reports, keyed
// by (tenant, response id): call it when a response is recorded and after
// each update, which overwrites the figures. The day is the one of the
// first call (day formatted in its own location): a response belongs to
// the day it was given, even when the customer adds a comment later.
func (s *Store) RecordAggregate(ctx context.Context, r plaudit.Response, channel string, day time.Time) error {
	return recordAggregate(ctx, s.w, r, channel, day)
}

func recordAggregate(ctx context.Context, q queryer, r plaudit.Response, channel string, day time.Time) error {
	// The team and the connector are the request's: fixed when it was
	// made, like the agent.
	_, err := q.ExecContext(ctx,
		`INSERT INTO aggregates (tenant_id, response_id, day, agent_id, channel, score, excellence, improvement, reward, test,
		   exclusion, excellence_bits, improvement_bits, team, connector_id)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
		   COALESCE((SELECT team FROM feedback_requests WHERE tenant_id = $1 AND id = $14), ''),
		   COALESCE((SELECT connector_id FROM feedback_requests WHERE tenant_id = $1 AND id = $14), ''))
		 ON CONFLICT (tenant_id, response_id) DO UPDATE SET
		   agent_id = excluded.agent_id, channel = excluded.channel, score = excluded.score,
		   excellence = excluded.excellence, improvement = excluded.improvement,
		   reward = excluded.reward, test = excluded.test, exclusion = excluded.exclusion,
		   excellence_bits = excluded.excellence_bits, improvement_bits = excluded.improvement_bits`,
		r.TenantID, r.ID, day.Format(dayLayout), r.AgentID, channel, r.Score,
		listJSON(r.Excellence), listJSON(r.Improvement), r.Reward, r.Test,
		ExclusionOf(r), AreaBits(r.Excellence, plaudit.ExcellenceAreas), AreaBits(r.Improvement, plaudit.ImprovementAreas), r.RequestID)
	if err == nil {
		err = markMonth(ctx, q, r.TenantID, day.Format(dayLayout))
	}
	if err != nil {
		return fmt.Errorf("store: record aggregate: %w", err)
	}
	return nil
}

// ExclusionOf is what the aggregates say of a response's place in the
// agent's figures: "" (counted), the reason a person gave, or
// likely_automated for an answer that came seconds after sending.
func ExclusionOf(r plaudit.Response) string {
	switch {
	case r.Exclusion != nil:
		return r.Exclusion.Reason
	case r.Automated:
		return plaudit.ExcludeLikelyAutomated
	}
	return ""
}

// AreaBits is the set of areas chosen, as bits over known (bit i is
// known[i]): the aggregates keep areas this way so that SQL counts them
// alike on both engines.
func AreaBits(chosen, known []string) int {
	bits := 0
	for i, k := range known {
		if slices.Contains(chosen, k) {
			bits |= 1 << i
		}
	}
	return bits
}

// AggregateScores returns a tenant's aggregate rows from the day of since
// (formatted in its own location) on, by day, agent and channel.
func (s *Store) AggregateScores(ctx context.Context, tenantID string, since time.Time) ([]AggregateRow, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT day, agent_id, channel, score, excellence, improvement, reward, test FROM aggregates
		 WHERE tenant_id = $1 AND day >= $2 ORDER BY day, agent_id, channel, response_id`,
		tenantID, since.Format(dayLayout))
	if err != nil {
		return nil, fmt.Errorf("store: aggregate scores: %w", err)
	}
	defer rows.Close()
	out := []AggregateRow{}
	for rows.Next() {
		var a AggregateRow
		if err := rows.Scan(&a.Day, &a.AgentID, &a.Channel, &a.Score, jsonDest{&a.Excellence}, jsonDest{&a.Improvement},
			&a.Reward, &a.Test); err != nil {
			return nil, fmt.Errorf("store: aggregate scores: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: aggregate scores: %w", err)
	}
	return out, nil
}

// A person is found by the address they gave the helpdesk (interactions)
// and the address we wrote to (requests); a request also belongs to them
// when it is about one of their interactions, and an interaction when one
// of their requests is about it. The queries take $1 tenant, $2 email
// (plaudit.NormalizeEmail) and $3 phone (E.164); an empty address matches
// nothing. Addresses are stored in that form (InsertInteraction), so they
// are matched by equality: SQL's lower() would fold ASCII only.
//
// Interactions keep the phone number as the helpdesk wrote it ("+49 30
// 901820", "(030) 901-820"): numbers are normalized when a request is
// made. So an interaction is also theirs when its number, normalized the
// way the rules do it, is the one asked for (findPhone).
const (
	subjectInteractionsSQL = `SELECT id FROM interactions WHERE tenant_id = $1 AND (
		(CAST($2 AS TEXT) <> '' AND customer_email <> '' AND customer_email = $2) OR
		(CAST($3 AS TEXT) <> '' AND customer_phone <> '' AND customer_phone = $3))`
	subjectRequestsSQL = `SELECT id, interaction_id FROM feedback_requests WHERE tenant_id = $1 AND (
		(CAST($2 AS TEXT) <> '' AND recipient = $2) OR
		(CAST($3 AS TEXT) <> '' AND recipient = $3)`
)

// subject is the ids of one person's rows.
type subject struct {
	interactions, requests, responses []string
}

func (s *Store) findSubject(ctx context.Context, q queryer, tenantID, email, phone string) (subject, error) {
	var sub subject
	ints, err := queryIDs(ctx, q, subjectInteractionsSQL, tenantID, email, phone)
	if err != nil {
		return sub, err
	}
	seen := map[string]bool{}
	for _, id := range ints {
		seen[id] = true
	}
	if phone != "" {
		more, err := findPhone(ctx, q, tenantID, phone)
		if err != nil {
			return sub, err
		}
		for _, id := range more {
			if !seen[id] {
				seen[id] = true
				ints = append(ints, id)
			}
		}
	}
	query, args := subjectRequestsSQL, []any{tenantID, email, phone}
	if len(ints) > 0 {
		in, ids := inList(4, ints)
		query += ` OR interaction_id IN (` + in + `)`
		args = append(args, ids...)
	}
	rows, err := q.QueryContext(ctx, query+`)`, args...)
	if err != nil {
		return sub, err
	}
	for rows.Next() {
		var id, interactionID string
		if err := rows.Scan(&id, &interactionID); err != nil {
			rows.Close()
			return sub, err
		}
		sub.requests = append(sub.requests, id)
		if !seen[interactionID] {
			seen[interactionID] = true
			ints = append(ints, interactionID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sub, err
	}
	sub.interactions = ints
	if len(sub.requests) > 0 {
		in, args := inList(2, sub.requests)
		sub.responses, err = queryIDs(ctx, q,
			`SELECT id FROM responses WHERE tenant_id = $1 AND request_id IN (`+in+`)`, append([]any{tenantID}, args...)...)
		if err != nil {
			return sub, err
		}
	}
	return sub, nil
}

// phoneSuffix is how many trailing digits pick the candidates findPhone
// normalizes: enough to make them few, few enough to survive national
// prefixes.
const phoneSuffix = 7

// findPhone returns the tenant's interactions whose customer phone, as the
// helpdesk wrote it, normalizes (with the customer's country, else the
// tenant's default region) to e164. SQL narrows them down to numbers
// ending in the same digits once separators are dropped; Go decides.
func findPhone(ctx context.Context, q queryer, tenantID, e164 string) ([]string, error) {
	digits := strings.TrimPrefix(e164, "+")
	if len(digits) > phoneSuffix {
		digits = digits[len(digits)-phoneSuffix:]
	}
	st, err := tenantSettings(ctx, q, tenantID)
	if err != nil {
		return nil, err
	}
	expr := "customer_phone"
	for _, sep := range []string{" ", "-", "(", ")", ".", "/", "+"} {
		expr = "replace(" + expr + ", '" + sep + "', '')"
	}
	rows, err := q.QueryContext(ctx,
		`SELECT id, customer_phone, customer_country FROM interactions
		 WHERE tenant_id = $1 AND customer_phone <> '' AND customer_phone <> $2 AND `+expr+` LIKE $3`,
		tenantID, e164, "%"+digits)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, raw, country string
		if err := rows.Scan(&id, &raw, &country); err != nil {
			return nil, err
		}
		if n, err := plaudit.NormalizePhone(raw, country, st.DefaultRegion); err == nil && n == e164 {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

func queryIDs(ctx context.Context, q queryer, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// inList returns "$first, $first+1, …" for ids and the ids as arguments.
func inList(first int, ids []string) (string, []any) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", first+i)
		args[i] = id
	}
	return strings.Join(ph, ", "), args
}

func subjectArgs(email, phone string) error {
	if email == "" && phone == "" {
		return plaudit.Errorf(plaudit.EInvalid, "email or phone is required")
	}
	return nil
}

// ExportSubject returns everything the tenant holds on the person with this
// email (normalized to lower case by the caller) or phone (E.164).
func (s *Store) ExportSubject(ctx context.Context, tenantID, email, phone string) (SubjectData, error) {
	out := SubjectData{
		Interactions: []plaudit.Interaction{},
		Requests:     []plaudit.FeedbackRequest{},
		Responses:    []plaudit.Response{},
	}
	if err := subjectArgs(email, phone); err != nil {
		return out, err
	}
	t, err := s.GetTenant(ctx, tenantID)
	if err != nil {
		return out, err
	}
	// One transaction, so that the export is one consistent picture.
	err = s.inReadTx(ctx, func(tx *sql.Tx) error {
		sub, err := s.findSubject(ctx, tx, tenantID, email, phone)
		if err != nil {
			return err
		}
		if len(sub.interactions) > 0 {
			in, args := inList(2, sub.interactions)
			if out.Interactions, err = s.queryInteractions(ctx, tx,
				`SELECT `+interactionCols+` FROM interactions WHERE tenant_id = $1 AND id IN (`+in+`) ORDER BY created_at, id`,
				append([]any{tenantID}, args...)...); err != nil {
				return err
			}
		}
		if len(sub.requests) > 0 {
			in, args := inList(2, sub.requests)
			if out.Requests, err = s.queryRequests(ctx, tx,
				`SELECT `+requestCols+` FROM feedback_requests WHERE tenant_id = $1 AND id IN (`+in+`) ORDER BY created_at, id`,
				append([]any{tenantID}, args...)...); err != nil {
				return err
			}
		}
		if len(sub.responses) > 0 {
			in, args := inList(2, sub.responses)
			if out.Responses, err = queryResponses(ctx, tx,
				`SELECT `+responseCols+` FROM responses WHERE tenant_id = $1 AND id IN (`+in+`) ORDER BY created_at, id`,
				append([]any{tenantID}, args...)...); err != nil {
				return err
			}
		}
		now := s.now()
		for _, addr := range []string{email, phone} {
			if addr == "" || out.Suppressed {
				continue
			}
			var n int
			if err := tx.QueryRowContext(ctx,
				`SELECT count(*) FROM suppressions WHERE tenant_id = $1 AND address_hash = $2 AND (expires_at IS NULL OR expires_at > $3)`,
				tenantID, keyring.AddressHash(t.HashKey, addr), s.ts(now)).Scan(&n); err != nil {
				return err
			}
			out.Suppressed = n > 0
		}
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("store: export subject: %w", err)
	}
	return out, nil
}

// inReadTx runs fn in a read-only transaction that sees one snapshot:
// REPEATABLE READ on PostgreSQL, a deferred (WAL snapshot) transaction on
// SQLite, which takes no write lock.
func (s *Store) inReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// EraseSubject deletes (not flags) the person's interactions, feedback
// requests and responses in the tenant, and returns how many rows went.
// Aggregates stay, cut loose from the response ids (see settleAggregates);
// a response that has none does not get one: the person asked for their
// data to go, not to be processed once more. Suppressions stay too: they
// hold only a keyed hash, and an opt-out must survive erasure. Afterwards
// the SQLite WAL is checkpointed and truncated so that the bytes are gone
// from disk, not only from the tables.
func (s *Store) EraseSubject(ctx context.Context, tenantID, email, phone string) (n int, err error) {
	if err := subjectArgs(email, phone); err != nil {
		return 0, err
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		sub, err := s.findSubject(ctx, tx, tenantID, email, phone)
		if err != nil {
			return err
		}
		if len(sub.responses) > 0 {
			in, args := inList(2, sub.responses)
			if err := s.settleAggregates(ctx, tx, in, append([]any{tenantID}, args...), false); err != nil {
				return fmt.Errorf("aggregates: %w", err)
			}
			if err := unlinkRewards(ctx, tx, in, append([]any{tenantID}, args...)); err != nil {
				return fmt.Errorf("rewards: %w", err)
			}
		}
		if len(sub.requests) > 0 {
			in, args := inList(2, sub.requests)
			if err := unlinkFacts(ctx, tx, in, append([]any{tenantID}, args...)); err != nil {
				return fmt.Errorf("request facts: %w", err)
			}
		}
		// Children first, so that every row is counted once rather than
		// removed by a cascade.
		for _, del := range []struct {
			table string
			ids   []string
		}{{"responses", sub.responses}, {"feedback_requests", sub.requests}, {"interactions", sub.interactions}} {
			if len(del.ids) == 0 {
				continue
			}
			in, args := inList(2, del.ids)
			res, err := tx.ExecContext(ctx, `DELETE FROM `+del.table+` WHERE tenant_id = $1 AND id IN (`+in+`)`,
				append([]any{tenantID}, args...)...)
			if err != nil {
				return fmt.Errorf("%s: %w", del.table, err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: erase subject: %w", err)
	}
	return n, s.flushErased(ctx)
}

// SweepRetention deletes the tenant's interactions, feedback requests and
// responses created before before, with the requests and responses that
// hang off deleted interactions. It returns how many rows went.
//
// Aggregates stay. A response whose aggregate is missing (RecordAggregate
// failed when the answer came) gets it first, in the same transaction, so
// that the sweep never takes an answer out of the reports.
func (s *Store) SweepRetention(ctx context.Context, tenantID string, before time.Time) (n int, err error) {
	const (
		oldInteractions = `SELECT id FROM interactions WHERE tenant_id = $1 AND created_at < $2`
		oldRequests     = `SELECT id FROM feedback_requests WHERE tenant_id = $1 AND (created_at < $2 OR interaction_id IN (` + oldInteractions + `))`
		oldResponses    = `SELECT id FROM responses WHERE tenant_id = $1 AND (created_at < $2 OR request_id IN (` + oldRequests + `))`
	)
	stmts := []string{
		`DELETE FROM responses WHERE tenant_id = $1 AND (created_at < $2 OR request_id IN (` + oldRequests + `))`,
		`DELETE FROM feedback_requests WHERE tenant_id = $1 AND (created_at < $2 OR interaction_id IN (` + oldInteractions + `))`,
		`DELETE FROM interactions WHERE tenant_id = $1 AND created_at < $2`,
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		args := []any{tenantID, s.ts(before)}
		if err := s.settleAggregates(ctx, tx, oldResponses, args, true); err != nil {
			return fmt.Errorf("aggregates: %w", err)
		}
		if err := unlinkRewards(ctx, tx, oldResponses, args); err != nil {
			return fmt.Errorf("rewards: %w", err)
		}
		if err := unlinkFacts(ctx, tx, oldRequests, args); err != nil {
			return fmt.Errorf("request facts: %w", err)
		}
		for _, q := range stmts {
			res, err := tx.ExecContext(ctx, q, tenantID, s.ts(before))
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: sweep retention: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return n, s.flushErased(ctx)
}

// settleAggregates prepares the aggregates of responses about to be
// deleted. ids is SQL selecting the responses' ids: a subquery or a list
// of placeholders, over args, whose first is the tenant id ($1).
//
// With backfill, a response that has no aggregate gets one now (its day in
// the tenant's time zone), so that deleting it loses nothing from reports.
// Then each of their aggregates gets a random key in place of the response
// id: the tenant saw that id in the API and in callbacks next to the
// ticket, so keeping it would leave the figures linkable to the person.
func (s *Store) settleAggregates(ctx context.Context, tx *sql.Tx, ids string, args []any, backfill bool) error {
	if backfill {
		rows, err := tx.QueryContext(ctx,
			`SELECT r.id, r.tenant_id, r.request_id, r.agent_id, q.channel, r.score, r.excellence, r.improvement, r.reward, r.test,
			        r.automated, r.exclusion, r.created_at
			 FROM responses r JOIN feedback_requests q ON q.tenant_id = r.tenant_id AND q.id = r.request_id
			 WHERE r.tenant_id = $1 AND r.id IN (`+ids+`)
			   AND NOT EXISTS (SELECT 1 FROM aggregates a WHERE a.tenant_id = r.tenant_id AND a.response_id = r.id)`, args...)
		if err != nil {
			return err
		}
		type missing struct {
			r       plaudit.Response
			channel string
		}
		var ms []missing
		for rows.Next() {
			var m missing
			var exclusion string
			if err := rows.Scan(&m.r.ID, &m.r.TenantID, &m.r.RequestID, &m.r.AgentID, &m.channel, &m.r.Score, jsonDest{&m.r.Excellence},
				jsonDest{&m.r.Improvement}, &m.r.Reward, &m.r.Test, &m.r.Automated, &exclusion, timeDest{&m.r.CreatedAt}); err != nil {
				rows.Close()
				return err
			}
			if exclusion != "" {
				m.r.Exclusion = &plaudit.Exclusion{Reason: exclusion}
			}
			ms = append(ms, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ms) > 0 {
			loc, err := tenantLocation(ctx, tx, ms[0].r.TenantID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if err := recordAggregate(ctx, tx, m.r, m.channel, m.r.CreatedAt.In(loc)); err != nil {
					return err
				}
			}
		}
	}
	linked, err := queryIDs(ctx, tx, `SELECT response_id FROM aggregates WHERE tenant_id = $1 AND response_id IN (`+ids+`)`, args...)
	if err != nil {
		return err
	}
	for _, id := range linked {
		if _, err := tx.ExecContext(ctx, `UPDATE aggregates SET response_id = $3 WHERE tenant_id = $1 AND response_id = $2`,
			args[0], id, keyring.ID("agg")); err != nil {
			return err
		}
	}
	return nil
}

// tenantSettings reads a tenant's settings (without opening its hash
// key), inside a transaction when q is one.
func tenantSettings(ctx context.Context, q queryer, tenantID string) (plaudit.Settings, error) {
	st := plaudit.DefaultSettings()
	var raw string
	if err := q.QueryRowContext(ctx, `SELECT settings FROM tenants WHERE id = $1`, tenantID).Scan(&raw); err != nil {
		return st, one(err, "tenant")
	}
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return st, fmt.Errorf("decode settings of tenant %s: %w", tenantID, err)
	}
	return st, nil
}

// tenantLocation is the time zone of a tenant's reports.
func tenantLocation(ctx context.Context, q queryer, tenantID string) (*time.Location, error) {
	st, err := tenantSettings(ctx, q, tenantID)
	if err != nil {
		return nil, err
	}
	return st.Location(), nil
}

// flushErased pushes deleted personal data out of the engine's journals
// (SQLite's WAL); PostgreSQL needs nothing here.
func (s *Store) flushErased(ctx context.Context) error {
	if s.d.afterErase == nil {
		return nil
	}
	return s.d.afterErase(ctx, s.w)
}
