package store

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/testenv"
)

// TestDeliveriesConformance runs the delivery log's tests on SQLite always
// and on PostgreSQL when PLAUDIT_TEST_DATABASE_URL is set, in the style of
// runConformance.
func TestDeliveriesConformance(t *testing.T) {
	engines := []struct {
		name string
		open func(t *testing.T) *Store
	}{
		{"sqlite", func(t *testing.T) *Store {
			s, err := Open(t.Context(), "", t.TempDir(), testKeyring(t))
			must(t, err)
			return s
		}},
		{"postgres", func(t *testing.T) *Store {
			s, err := Open(t.Context(), testenv.DatabaseURL(t), "", testKeyring(t))
			must(t, err)
			return s
		}},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				fn   func(t *testing.T, s *Store, clk *clock)
			}{
				{"RecordAndList", testDeliveriesRecordAndList},
				{"Prune", testDeliveriesPrune},
				{"GoWithTheirConnector", testDeliveriesGoWithTheirConnector},
			} {
				t.Run(tc.name, func(t *testing.T) {
					s := e.open(t)
					t.Cleanup(func() { s.Close() })
					clk := newClock(base)
					s.now = clk.Now
					must(t, s.Migrate(t.Context()))
					tc.fn(t, s, clk)
				})
			}
		})
	}
}

func newConnector(t *testing.T, s *Store, tenantID, kind string) plaudit.Connector {
	t.Helper()
	c := plaudit.Connector{TenantID: tenantID, Kind: kind, Name: kind, Config: []byte(`{}`), Secrets: map[string]string{}}
	must(t, s.CreateConnector(t.Context(), &c))
	return c
}

func testDeliveriesRecordAndList(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	conA, conA2, conB := newConnector(t, s, a.ID, "standard"), newConnector(t, s, a.ID, "zendesk"), newConnector(t, s, b.ID, "standard")

	record := func(d DeliveryAttempt) DeliveryAttempt {
		t.Helper()
		if d.EventType == "" {
			d.EventType = "feedback.response.created"
		}
		must(t, s.RecordDelivery(ctx, &d))
		if d.ID == "" || d.CreatedAt.IsZero() {
			t.Fatalf("RecordDelivery did not set id and created_at: %+v", d)
		}
		return d
	}
	first := record(DeliveryAttempt{TenantID: a.ID, ConnectorID: conA.ID, ResponseID: "rsp_1", Version: 1, Attempt: 1,
		StatusCode: 500, Outcome: DeliveryRetrying, Error: "standard: callback: status 500"})
	second := record(DeliveryAttempt{TenantID: a.ID, ConnectorID: conA.ID, ResponseID: "rsp_1", Version: 1, Attempt: 2,
		StatusCode: 200, Outcome: DeliveryDelivered})
	timeout := record(DeliveryAttempt{TenantID: a.ID, ConnectorID: conA.ID, ResponseID: "rsp_2", Version: 1, Attempt: 1,
		Outcome: DeliveryRetrying, Error: strings.Repeat("é", MaxDeliveryError+20)})
	record(DeliveryAttempt{TenantID: a.ID, ConnectorID: conA2.ID, ResponseID: "rsp_3", Version: 1, Attempt: 1, StatusCode: 422,
		Outcome: DeliveryFailed, Error: "zendesk: ticket is closed (422)"})
	record(DeliveryAttempt{TenantID: b.ID, ConnectorID: conB.ID, ResponseID: "rsp_4", Version: 1, Attempt: 1, StatusCode: 204,
		Outcome: DeliveryDelivered})

	got, err := s.ListDeliveries(ctx, a.ID, conA.ID, 0)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("connector A's log has %d attempts, want 3: %+v", len(got), got)
	}
	// Newest first, each as recorded (times as the store keeps them).
	deepEqual(t, "newest attempt", got[0], timeout)
	deepEqual(t, "second attempt", got[1], second)
	deepEqual(t, "first attempt", got[2], first)
	if got[0].StatusCode != 0 {
		t.Errorf("an attempt without an answer reads back with status %d, want 0", got[0].StatusCode)
	}
	if n := len([]rune(got[0].Error)); n != MaxDeliveryError {
		t.Errorf("error text kept %d characters, want it cut to %d", n, MaxDeliveryError)
	}

	// limit, and no crossing of connectors or tenants.
	got, err = s.ListDeliveries(ctx, a.ID, conA.ID, 1)
	must(t, err)
	if len(got) != 1 || got[0].ID != timeout.ID {
		t.Errorf("limit 1: %+v", got)
	}
	got, err = s.ListDeliveries(ctx, a.ID, conA2.ID, 0)
	must(t, err)
	if len(got) != 1 || got[0].Outcome != DeliveryFailed || got[0].StatusCode != 422 {
		t.Errorf("connector A2's log: %+v", got)
	}
	got, err = s.ListDeliveries(ctx, a.ID, conB.ID, 0)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("tenant A reads tenant B's log: %+v", got)
	}
	got, err = s.ListDeliveries(ctx, b.ID, "con_nosuch", 0)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Errorf("unknown connector: %#v, want an empty list", got)
	}

	// Refused: an unknown outcome, a connector that does not exist.
	err = s.RecordDelivery(ctx, &DeliveryAttempt{TenantID: a.ID, ConnectorID: conA.ID, ResponseID: "rsp_1", Outcome: "maybe"})
	wantCode(t, err, plaudit.EInvalid)
	err = s.RecordDelivery(ctx, &DeliveryAttempt{TenantID: a.ID, ConnectorID: "con_nosuch", ResponseID: "rsp_1", Outcome: DeliveryDelivered})
	wantNotFound(t, "record for an unknown connector", err)
}

func testDeliveriesPrune(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	con, other := newConnector(t, s, a.ID, "standard"), newConnector(t, s, a.ID, "standard")
	old := DeliveryAttempt{TenantID: a.ID, ConnectorID: con.ID, ResponseID: "rsp_old", Version: 1, Attempt: 1, Outcome: DeliveryDelivered}
	must(t, s.RecordDelivery(ctx, &old))
	oldOther := DeliveryAttempt{TenantID: a.ID, ConnectorID: other.ID, ResponseID: "rsp_old", Version: 1, Attempt: 1, Outcome: DeliveryDelivered}
	must(t, s.RecordDelivery(ctx, &oldOther))

	clk.Set(base.Add(DeliveryRetention - time.Hour))
	recent := DeliveryAttempt{TenantID: a.ID, ConnectorID: con.ID, ResponseID: "rsp_recent", Version: 1, Attempt: 1, Outcome: DeliveryDelivered}
	must(t, s.RecordDelivery(ctx, &recent))
	if got, _ := s.ListDeliveries(ctx, a.ID, con.ID, 0); len(got) != 2 {
		t.Fatalf("within the retention both attempts stay, got %d", len(got))
	}

	clk.Set(base.Add(DeliveryRetention + time.Hour))
	fresh := DeliveryAttempt{TenantID: a.ID, ConnectorID: con.ID, ResponseID: "rsp_new", Version: 1, Attempt: 1, Outcome: DeliveryDelivered}
	must(t, s.RecordDelivery(ctx, &fresh))
	got, err := s.ListDeliveries(ctx, a.ID, con.ID, 0)
	must(t, err)
	if len(got) != 2 || got[0].ID != fresh.ID || got[1].ID != recent.ID {
		t.Errorf("after %s the old attempt must be pruned: %+v", DeliveryRetention, got)
	}
	// Pruning is per connector: the other connector's log waits for its own
	// next attempt.
	if got, _ := s.ListDeliveries(ctx, a.ID, other.ID, 0); len(got) != 1 {
		t.Errorf("another connector's log was pruned: %+v", got)
	}
}

func testDeliveriesGoWithTheirConnector(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	con, keep := newConnector(t, s, a.ID, "standard"), newConnector(t, s, a.ID, "salesforce")
	conB := newConnector(t, s, b.ID, "standard")
	for _, c := range []plaudit.Connector{con, keep, conB} {
		must(t, s.RecordDelivery(ctx, &DeliveryAttempt{TenantID: c.TenantID, ConnectorID: c.ID, ResponseID: "rsp_1", Version: 1,
			Attempt: 1, StatusCode: 200, Outcome: DeliveryDelivered}))
	}
	must(t, s.DeleteConnector(ctx, a.ID, con.ID))
	if n := count(t, s, "callback_deliveries", a.ID); n != 1 {
		t.Errorf("after deleting a connector tenant A has %d attempts, want 1 (the other connector's)", n)
	}
	must(t, s.DeleteTenant(ctx, a.ID, false))
	if n := count(t, s, "callback_deliveries", a.ID); n != 0 {
		t.Errorf("a deleted tenant keeps %d attempts", n)
	}
	if n := count(t, s, "callback_deliveries", b.ID); n != 1 {
		t.Errorf("another tenant's log changed: %d attempts", n)
	}
}
