package store

import (
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// testTokensNotInClear: a request is created and sent; the database holds
// no byte of its page token, yet the link finds it, and every read that
// builds a message (the claim of a send, a retry's, a reminder's) gets the
// same token back.
func testTokensNotInClear(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	in := newInteraction(t, s, a.ID, nil)
	token := keyring.Token(24)
	r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) { r.Token = token })
	if r.Token != token {
		t.Fatalf("CreateRequest kept token %q, want the one given", r.Token)
	}
	claimed, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, clk.Now())
	must(t, err)
	if !ok || claimed.Token != token {
		t.Fatalf("claim: %v, token %q; want the request's token", ok, claimed.Token)
	}
	must(t, s.MarkRequestSent(ctx, a.ID, r.ID, "sg-1", clk.Now()))

	raw := storeBytes(t, s)
	allOf(t, "the store", raw, r.ID, in.Customer.Email)
	noneOf(t, "the store after the request was created and sent", raw, token)

	got, err := s.RequestByToken(ctx, token)
	must(t, err)
	if got.ID != r.ID || got.Token != token {
		t.Fatalf("RequestByToken = %s with token %q, want %s", got.ID, got.Token, r.ID)
	}
	if again, err := s.GetRequest(ctx, a.ID, r.ID); err != nil || again.Token != token {
		t.Fatalf("GetRequest token %q, %v; want the link's token", again.Token, err)
	}
	// A guess, or the hash the database holds, opens nothing.
	_, err = s.RequestByToken(ctx, keyring.Token(24))
	wantNotFound(t, "RequestByToken of a guess", err)
	key, err := s.pageKey(ctx)
	must(t, err)
	_, err = s.RequestByToken(ctx, tokenHash(key, token))
	wantNotFound(t, "RequestByToken of the stored hash", err)
}

// testMigrateTokens: tokens stored in clear before are hashed and sealed
// by the migration: the links already sent keep working, and no byte of
// them is left in the store.
func testMigrateTokens(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	must(t, s.migrateUpTo(ctx, migrationVersion(t, s, "hashed_page_tokens")-1))
	a := newTenant(t, s, "A")
	in := newInteraction(t, s, a.ID, nil)
	const id = "req_before0hashing"
	token := keyring.Token(24)
	_, err := s.w.ExecContext(ctx,
		`INSERT INTO feedback_requests (id, tenant_id, interaction_id, connector_id, agent_id, ticket_id, token, channel,
		   recipient, recipient_hash, language, status, reason, test, due_at, sent_at, attempts, created_at, updated_at)
		 VALUES ($1, $2, $3, '', 'agt_1', 'T-1', $4, 'email', $5, 'h', 'en', $6, '', $7, $8, $8, 1, $8, $8)`,
		id, a.ID, in.ID, token, in.Customer.Email, plaudit.RequestSent, false, s.ts(base))
	must(t, err)
	allOf(t, "the store before the migration", storeBytes(t, s), token)

	must(t, s.Migrate(ctx))
	got, err := s.RequestByToken(ctx, token)
	must(t, err)
	if got.ID != id || got.Token != token {
		t.Fatalf("after the migration the link finds %s with token %q, want %s", got.ID, got.Token, id)
	}
	raw := storeBytes(t, s)
	allOf(t, "the store", raw, id)
	noneOf(t, "the store after the migration", raw, token)
}
