package store

import (
	"fmt"
	"testing"

	"github.com/plaudit/plaudit"
)

// The customer of the tests below: the helpdesk sends the address with
// non-ASCII capitals, the customer asks in lower case.
const (
	capsGiven = "ÄRGER.ÜBEL@Example.de"
	capsAsked = "ärger.übel@example.de"
	capsName  = "Ärger Übelkeit-Qwzx"
	capsOther = "other.customer-3c1@example.de"
)

// testSubjectUnicodeCapitals: three tickets of one customer, the first
// asked about and answered, the other two skipped (a skip record keeps no
// recipient, so only the interaction's address links them). Export by
// the lower-case address finds all three; erasure leaves no byte of the
// name or the address, in any case form, while another customer stays.
func testSubjectUnicodeCapitals(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	var ins []plaudit.Interaction
	for i := range 3 {
		ins = append(ins, newInteraction(t, s, a.ID, func(in *plaudit.Interaction) {
			in.ExternalID = fmt.Sprint("T-", i)
			in.Customer = plaudit.Customer{Name: capsName, Email: capsGiven}
		}))
	}
	if ins[0].Customer.Email != capsAsked {
		t.Errorf("InsertInteraction stored %q, want the normalized %q", ins[0].Customer.Email, capsAsked)
	}
	sent := newRequest(t, s, ins[0], func(r *plaudit.FeedbackRequest) { r.Recipient = plaudit.NormalizeEmail(capsGiven) })
	newResponse(t, s, sent, func(p *plaudit.Response) { p.Comment = "Danke, " + capsName })
	for _, in := range ins[1:] {
		newRequest(t, s, in, func(r *plaudit.FeedbackRequest) {
			r.Status, r.Reason, r.Recipient, r.RecipientHash = plaudit.RequestSkipped, plaudit.ReasonRecentlyAsked, "", ""
		})
	}
	chain(t, s, a.ID, capsOther, "")

	exp, err := s.ExportSubject(ctx, a.ID, plaudit.NormalizeEmail(capsAsked), "")
	must(t, err)
	deepEqual(t, "interactions exported", interactionIDs(exp.Interactions), sorted(ins[0].ID, ins[1].ID, ins[2].ID))
	if len(exp.Requests) != 3 || len(exp.Responses) != 1 {
		t.Fatalf("export: %d requests, %d responses; want 3 and 1", len(exp.Requests), len(exp.Responses))
	}
	allOf(t, "the store before erasure", storeBytes(t, s), capsName, capsAsked, capsOther)

	n, err := s.EraseSubject(ctx, a.ID, plaudit.NormalizeEmail(capsAsked), "")
	must(t, err)
	if n != 7 {
		t.Errorf("EraseSubject = %d rows, want 7 (3 interactions, 3 requests, 1 response)", n)
	}
	raw := storeBytes(t, s)
	noneOf(t, "the store after erasure", raw, capsGiven, capsName, "ärger.übel", "Übelkeit")
	allOf(t, "the store after erasure", raw, capsOther)
}

// testMigrateStoredAddresses: interactions stored before addresses were
// normalized at ingest are found by the lower-case address once migrated.
func testMigrateStoredAddresses(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	must(t, s.migrateUpTo(ctx, migrationVersion(t, s, "normalized_emails")-1))
	a := newTenant(t, s, "A")
	in := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.Customer.Name = capsName })
	// As the helpdesk sent it, the way InsertInteraction stored it then.
	_, err := s.w.ExecContext(ctx, `UPDATE interactions SET customer_email = $1, agent_email = $2 WHERE id = $3`,
		capsGiven, "Jonas.WEBER@Nordlicht.example", in.ID)
	must(t, err)

	must(t, s.Migrate(ctx))
	exp, err := s.ExportSubject(ctx, a.ID, capsAsked, "")
	must(t, err)
	deepEqual(t, "interactions exported after the migration", interactionIDs(exp.Interactions), []string{in.ID})
	got, err := s.GetInteraction(ctx, a.ID, in.ID)
	must(t, err)
	if got.Customer.Email != capsAsked || got.Agent.Email != "jonas.weber@nordlicht.example" {
		t.Errorf("migrated addresses: customer %q, agent %q", got.Customer.Email, got.Agent.Email)
	}
}

// migrationVersion is the version of the named migration.
func migrationVersion(t *testing.T, s *Store, name string) int {
	t.Helper()
	ms, err := loadMigrations(migrationFiles, "migrations/"+s.d.migrations)
	must(t, err)
	for _, m := range ms {
		if m.name == name {
			return m.version
		}
	}
	t.Fatalf("no migration %q", name)
	return 0
}
