package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// base is the test clock's start. Times the tests pass in are built from it.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// runConformance runs every store test against the engine open gives. open
// returns a store that is not migrated yet; each test gets its own
// database.
func runConformance(t *testing.T, open func(t *testing.T) *Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Store, clk *clock)
		// unmigrated tests start from an empty database.
		unmigrated bool
	}{
		{"Migrate", testMigrate, true},
		{"Tenants", testTenants, false},
		{"DeleteTenant", testDeleteTenant, false},
		{"APIKeys", testAPIKeys, false},
		{"Connectors", testConnectors, false},
		{"ResealSecrets", testResealSecrets, false},
		{"Agents", testAgents, false},
		{"Interactions", testInteractions, false},
		{"InteractionBatches", testInteractionBatches, false},
		{"Decisions", testDecisions, false},
		{"MonthMarksUnderLoad", testMonthMarksUnderLoad, false},
		{"MonthMarkHoldsOffARebuild", testMonthMarkHoldsOffARebuild, false},
		{"Requests", testRequests, false},
		{"RequestQueries", testRequestQueries, false},
		{"TestOnlyLists", testTestOnlyLists, false},
		{"ClaimRequest", testClaimRequest, false},
		{"ClaimRequestConcurrent", testClaimRequestConcurrent, false},
		{"ClaimTimeout", testClaimTimeout, false},
		{"ProviderMessages", testProviderMessages, false},
		{"ReturnClaims", testReturnClaims, false},
		{"Reminders", testReminders, false},
		{"ClaimReminderConcurrent", testClaimReminderConcurrent, false},
		{"Responses", testResponses, false},
		{"Writeback", testWriteback, false},
		{"ClaimWriteback", testClaimWriteback, false},
		{"Suppressions", testSuppressions, false},
		{"SuppressionList", testSuppressionList, false},
		{"Audit", testAudit, false},
		{"Seen", testSeen, false},
		{"Aggregates", testAggregates, false},
		{"ExportSubject", testExportSubject, false},
		{"EraseSubject", testEraseSubject, false},
		{"SweepRetention", testSweepRetention, false},
		{"AggregatesOutliveResponses", testAggregatesOutliveResponses, false},
		{"DeleteAgentErases", testDeleteAgentErases, false},
		{"PersonalDataColumns", testPersonalDataColumns, false},
		{"SubjectByFormattedPhone", testSubjectByFormattedPhone, false},
		{"RetentionWithoutKeys", testRetentionWithoutKeys, false},
		{"SubjectUnicodeCapitals", testSubjectUnicodeCapitals, false},
		{"MigrateStoredAddresses", testMigrateStoredAddresses, true},
		{"TokensNotInClear", testTokensNotInClear, false},
		{"MigrateTokens", testMigrateTokens, true},
		{"ConcurrentWriters", testConcurrentWriters, false},
		{"Users", testUsers, false},
		{"Sessions", testSessions, false},
		{"OIDC", testOIDC, false},
		{"ResponsesByAgents", testResponsesByAgents, false},
		{"AgentPhotos", testAgentPhotos, false},
		{"ResponsesPaging", testResponsesPaging, false},
		{"AuditPaging", testAuditPaging, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			clk := newClock(base)
			s.now = clk.Now
			if !tc.unmigrated {
				must(t, s.Migrate(t.Context()))
			}
			tc.fn(t, s, clk)
		})
	}
}

// Fixtures.

func newTenant(t *testing.T, s *Store, name string) plaudit.Tenant {
	t.Helper()
	tn := plaudit.Tenant{Name: name, Settings: plaudit.DefaultSettings()}
	must(t, s.CreateTenant(t.Context(), &tn))
	return tn
}

func newInteraction(t *testing.T, s *Store, tenantID string, mod func(*plaudit.Interaction)) plaudit.Interaction {
	t.Helper()
	in := plaudit.Interaction{
		TenantID: tenantID, Source: "api", ExternalID: "T-1", Event: plaudit.EventSolved, Channel: "email",
		Customer: plaudit.Customer{Name: "Ada Lovelace", Email: "ada@example.com", Language: "en"},
		Agent:    plaudit.AgentRef{Email: "max@support.example"},
	}
	in.DedupKey = keyring.Token(8)
	if mod != nil {
		mod(&in)
	}
	created, err := s.InsertInteraction(t.Context(), &in)
	must(t, err)
	if !created {
		t.Fatalf("interaction %q not created", in.DedupKey)
	}
	return in
}

func newRequest(t *testing.T, s *Store, in plaudit.Interaction, mod func(*plaudit.FeedbackRequest)) plaudit.FeedbackRequest {
	t.Helper()
	r := plaudit.FeedbackRequest{
		TenantID: in.TenantID, InteractionID: in.ID, ConnectorID: in.ConnectorID, AgentID: "agt_1",
		TicketID: in.ExternalID, Channel: plaudit.ChannelEmail, Recipient: in.Customer.Email,
		RecipientHash: "h:" + in.Customer.Email, Language: "en", Status: plaudit.RequestScheduled, DueAt: base,
	}
	if mod != nil {
		mod(&r)
	}
	created, err := s.CreateRequest(t.Context(), &r)
	must(t, err)
	if !created {
		t.Fatal("request not created")
	}
	return r
}

func newResponse(t *testing.T, s *Store, r plaudit.FeedbackRequest, mod func(*plaudit.Response)) plaudit.Response {
	t.Helper()
	p := plaudit.Response{
		TenantID: r.TenantID, RequestID: r.ID, AgentID: r.AgentID, TicketID: r.TicketID, Score: 5,
		Source: plaudit.SourcePage, Excellence: []string{"fast"},
	}
	if mod != nil {
		mod(&p)
	}
	created, err := s.CreateResponse(t.Context(), &p)
	must(t, err)
	if !created {
		t.Fatal("response not created")
	}
	return p
}

// chain makes an interaction, its request and a response.
func chain(t *testing.T, s *Store, tenantID string, email, phone string) (plaudit.Interaction, plaudit.FeedbackRequest, plaudit.Response) {
	t.Helper()
	in := newInteraction(t, s, tenantID, func(in *plaudit.Interaction) {
		in.Customer.Email, in.Customer.Phone = email, phone
	})
	r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) {
		if email == "" {
			r.Channel, r.Recipient = plaudit.ChannelSMS, phone
		}
	})
	return in, r, newResponse(t, s, r, nil)
}

func deepEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("%s:\n got  %s\n want %s\n(%#v\n vs %#v)", what, gj, wj, got, want)
	}
}

func count(t *testing.T, s *Store, table, tenantID string) int {
	t.Helper()
	var n int
	must(t, s.db.QueryRowContext(t.Context(), `SELECT count(*) FROM `+table+` WHERE tenant_id = $1`, tenantID).Scan(&n))
	return n
}

// Tests.

func testMigrate(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	// Several replicas starting at once on an empty database (here: many
	// pooled connections): each version is applied exactly once.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	start := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- s.Migrate(ctx)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	// And again: nothing to do.
	must(t, s.Migrate(ctx))
	if e := s.Engine(); e != s.d.name || (e != "sqlite" && e != "postgres") {
		t.Fatalf("Engine() = %q", e)
	}
	ms, err := loadMigrations(migrationFiles, "migrations/"+s.d.migrations)
	must(t, err)
	var n, maxV int
	must(t, s.db.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &maxV))
	if n != len(ms) || maxV != len(ms) {
		t.Fatalf("schema_migrations has %d rows up to %d, want %d", n, maxV, len(ms))
	}

	// A database newer than the build is refused, not silently used.
	_, err = s.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', $2)`,
		len(ms)+1, s.ts(base))
	must(t, err)
	if err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Migrate on a newer schema: %v", err)
	}
	must(t, s.Ping(ctx))
}

func testTenants(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := plaudit.Tenant{Name: "Acme", Settings: plaudit.DefaultSettings()}
	a.Settings.BrandName = "Acme Support"
	a.Settings.QuietHours = plaudit.QuietHours{Start: "22:00", End: "07:00"}
	must(t, s.CreateTenant(ctx, &a))
	if !strings.HasPrefix(a.ID, "ten_") || len(a.HashKey) != 32 || a.CreatedAt.IsZero() {
		t.Fatalf("CreateTenant filled %+v", a)
	}
	got, err := s.GetTenant(ctx, a.ID)
	must(t, err)
	deepEqual(t, "GetTenant", got, a)

	// A given hash key is kept.
	key := bytes.Repeat([]byte{7}, 32)
	b := plaudit.Tenant{ID: "ten_fixed", Name: "Beta", Settings: plaudit.DefaultSettings(), HashKey: key}
	must(t, s.CreateTenant(ctx, &b))
	got, err = s.GetTenant(ctx, "ten_fixed")
	must(t, err)
	if !bytes.Equal(got.HashKey, key) {
		t.Fatal("hash key not kept")
	}
	wantCode(t, s.CreateTenant(ctx, &plaudit.Tenant{ID: "ten_fixed", Settings: plaudit.DefaultSettings()}), plaudit.EConflict)

	// Sealed at rest: the raw column is a sealed value that does not hold
	// the key in any plain encoding.
	var raw string
	must(t, s.db.QueryRowContext(ctx, `SELECT hash_key FROM tenants WHERE id = $1`, b.ID).Scan(&raw))
	if !strings.HasPrefix(raw, s.kr.KeyID()+":") || strings.Contains(raw, string(key)) ||
		strings.Contains(strings.ToLower(raw), fmt.Sprintf("%x", key)) || strings.Contains(raw, "BwcHBwcH") {
		t.Fatalf("hash key not sealed: %q", raw)
	}

	list, err := s.ListTenants(ctx)
	must(t, err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Fatalf("ListTenants = %+v", list)
	}

	a.Name = "Acme Inc"
	a.Settings.DelaySeconds = 0
	a.Settings.Channels = []string{plaudit.ChannelSMS}
	must(t, s.UpdateTenant(ctx, a))
	got, err = s.GetTenant(ctx, a.ID)
	must(t, err)
	deepEqual(t, "after UpdateTenant", got, a)

	// Settings stored before a field existed read back with its default.
	_, err = s.w.ExecContext(ctx, `UPDATE tenants SET settings = '{"delay_seconds": 5}' WHERE id = $1`, a.ID)
	must(t, err)
	got, err = s.GetTenant(ctx, a.ID)
	must(t, err)
	if got.Settings.DelaySeconds != 5 || got.Settings.RetentionDays != 90 || got.Settings.Timezone != "UTC" {
		t.Fatalf("settings not decoded onto defaults: %+v", got.Settings)
	}

	_, err = s.GetTenant(ctx, "ten_missing")
	wantNotFound(t, "GetTenant", err)
	wantNotFound(t, "UpdateTenant", s.UpdateTenant(ctx, plaudit.Tenant{ID: "ten_missing"}))
	wantNotFound(t, "DeleteTenant", s.DeleteTenant(ctx, "ten_missing", false))

	// Opening under a different key fails rather than returning garbage.
	s.kr = testKeyring(t)
	if _, err := s.GetTenant(ctx, a.ID); err == nil || plaudit.IsNotFound(err) {
		t.Fatalf("GetTenant under a foreign key: %v", err)
	}
}

// populate gives a tenant a row in every table.
func populate(t *testing.T, s *Store, tenantID string) {
	t.Helper()
	ctx := t.Context()
	must(t, s.CreateAPIKey(ctx, &plaudit.APIKey{TenantID: tenantID, Name: "k", Role: plaudit.RoleAdmin, Mode: plaudit.ModeLive, Prefix: "pk", Hash: keyring.RandomBytes(32)}))
	must(t, s.CreateConnector(ctx, &plaudit.Connector{TenantID: tenantID, Kind: "zendesk", Name: "z", Secrets: map[string]string{"api_token": "x"}}))
	must(t, s.CreateAgent(ctx, &plaudit.Agent{TenantID: tenantID, Email: "max@support.example", Name: "Max Muster"}))
	_, _, rsp := chain(t, s, tenantID, "ada@example.com", "")
	must(t, s.RecordAggregate(ctx, rsp, plaudit.ChannelEmail, base))
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: tenantID, AddressHash: "h1", Reason: "stop"}))
	must(t, s.AddAudit(ctx, &plaudit.AuditEvent{TenantID: tenantID, Actor: "operator", Action: "tenant.create", Target: tenantID}))
}

var ownedTables = []string{"api_keys", "connectors", "agents", "interactions", "feedback_requests", "responses", "suppressions", "audit_events"}

func testDeleteTenant(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b, c := newTenant(t, s, "A"), newTenant(t, s, "B"), newTenant(t, s, "C")
	for _, tn := range []plaudit.Tenant{a, b, c} {
		populate(t, s, tn.ID)
	}
	must(t, s.DeleteTenant(ctx, a.ID, false))
	must(t, s.DeleteTenant(ctx, b.ID, true))
	for _, table := range ownedTables {
		if n := count(t, s, table, a.ID) + count(t, s, table, b.ID); n != 0 {
			t.Errorf("%s: %d rows of deleted tenants remain", table, n)
		}
		if n := count(t, s, table, c.ID); n != 1 {
			t.Errorf("%s: other tenant has %d rows, want 1", table, n)
		}
	}
	if n := count(t, s, "aggregates", a.ID); n != 0 {
		t.Errorf("aggregates of A: %d, want 0", n)
	}
	if n := count(t, s, "aggregates", b.ID); n != 1 {
		t.Errorf("aggregates of B (kept): %d, want 1", n)
	}
	rows, err := s.AggregateScores(ctx, b.ID, base.AddDate(0, 0, -1))
	must(t, err)
	if len(rows) != 1 {
		t.Errorf("kept aggregates not readable: %+v", rows)
	}
	_, err = s.GetTenant(ctx, a.ID)
	wantNotFound(t, "deleted tenant", err)
}

func testAPIKeys(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	hash := keyring.SecretHash("pk_live_secret")
	k := plaudit.APIKey{TenantID: a.ID, Name: "ci", Role: plaudit.RoleTrigger, Mode: plaudit.ModeTest, Prefix: "pk_test_ab", Hash: hash}
	must(t, s.CreateAPIKey(ctx, &k))
	if !strings.HasPrefix(k.ID, "key_") || k.CreatedAt.IsZero() {
		t.Fatalf("CreateAPIKey filled %+v", k)
	}
	wantCode(t, s.CreateAPIKey(ctx, &plaudit.APIKey{TenantID: b.ID, Hash: hash}), plaudit.EConflict)
	wantCode(t, s.CreateAPIKey(ctx, &plaudit.APIKey{TenantID: b.ID}), plaudit.EInvalid)
	wantNotFound(t, "CreateAPIKey for a missing tenant", s.CreateAPIKey(ctx, &plaudit.APIKey{TenantID: "ten_missing", Hash: []byte{1}}))
	kb := plaudit.APIKey{TenantID: b.ID, Name: "b", Role: plaudit.RoleAdmin, Mode: plaudit.ModeLive, Hash: keyring.SecretHash("other")}
	must(t, s.CreateAPIKey(ctx, &kb))

	got, err := s.APIKeyByHash(ctx, hash)
	must(t, err)
	deepEqual(t, "APIKeyByHash", got, k)
	_, err = s.APIKeyByHash(ctx, keyring.SecretHash("nope"))
	wantNotFound(t, "APIKeyByHash", err)

	list, err := s.ListAPIKeys(ctx, a.ID)
	must(t, err)
	deepEqual(t, "ListAPIKeys", list, []plaudit.APIKey{k})
	list, err = s.ListAPIKeys(ctx, "ten_missing")
	must(t, err)
	if list == nil || len(list) != 0 {
		t.Fatalf("empty list: %#v", list)
	}

	wantNotFound(t, "DeleteAPIKey from another tenant", s.DeleteAPIKey(ctx, b.ID, k.ID))
	must(t, s.DeleteAPIKey(ctx, a.ID, k.ID))
	wantNotFound(t, "DeleteAPIKey twice", s.DeleteAPIKey(ctx, a.ID, k.ID))
	_, err = s.APIKeyByHash(ctx, hash)
	wantNotFound(t, "deleted key", err)
}

func testConnectors(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	const secret = "zd-token-8e1c0f7b2a"
	c := plaudit.Connector{
		TenantID: a.ID, Kind: "zendesk", Name: "Support",
		Config:  json.RawMessage(`{"subdomain":"acme","rating_field_id":123}`),
		Secrets: map[string]string{"api_token": secret, "signing_secret": "whsec-1"},
	}
	must(t, s.CreateConnector(ctx, &c))
	if !strings.HasPrefix(c.ID, "con_") || c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) {
		t.Fatalf("CreateConnector filled %+v", c)
	}
	got, err := s.GetConnector(ctx, a.ID, c.ID)
	must(t, err)
	deepEqual(t, "GetConnector", got, c)
	got, err = s.ConnectorByID(ctx, c.ID)
	must(t, err)
	deepEqual(t, "ConnectorByID", got, c)

	var raw, cfg string
	must(t, s.db.QueryRowContext(ctx, `SELECT secrets, config FROM connectors WHERE id = $1`, c.ID).Scan(&raw, &cfg))
	if strings.Contains(raw, secret) || strings.Contains(raw, "api_token") || !strings.HasPrefix(raw, s.kr.KeyID()+":") {
		t.Fatalf("secrets not sealed: %q", raw)
	}
	if strings.Contains(cfg, secret) {
		t.Fatal("secret leaked into config")
	}
	// The sealed blob is bound to its connector: copied onto another, it
	// does not open.
	other := plaudit.Connector{TenantID: a.ID, Kind: "standard", Name: "Other"}
	must(t, s.CreateConnector(ctx, &other))
	if other.Secrets == nil || string(other.Config) != "{}" {
		t.Fatalf("empty secrets/config not normalized: %+v", other)
	}
	_, err = s.w.ExecContext(ctx, `UPDATE connectors SET secrets = $1 WHERE id = $2`, raw, other.ID)
	must(t, err)
	if _, err := s.ConnectorByID(ctx, other.ID); err == nil {
		t.Fatal("a sealed value moved to another row opened")
	}
	must(t, s.DeleteConnector(ctx, a.ID, other.ID))

	cb := plaudit.Connector{TenantID: b.ID, Kind: "salesforce", Name: "SF"}
	must(t, s.CreateConnector(ctx, &cb))
	wantCode(t, s.CreateConnector(ctx, &plaudit.Connector{TenantID: a.ID, Config: json.RawMessage(`{bad`)}), plaudit.EInvalid)
	wantNotFound(t, "CreateConnector for a missing tenant", s.CreateConnector(ctx, &plaudit.Connector{TenantID: "ten_missing"}))

	// Isolation.
	_, err = s.GetConnector(ctx, b.ID, c.ID)
	wantNotFound(t, "GetConnector from another tenant", err)
	list, err := s.ListConnectors(ctx, a.ID)
	must(t, err)
	deepEqual(t, "ListConnectors", list, []plaudit.Connector{c})
	hijack := c
	hijack.TenantID, hijack.Name = b.ID, "hijacked"
	wantNotFound(t, "UpdateConnector from another tenant", s.UpdateConnector(ctx, hijack))
	wantNotFound(t, "DeleteConnector from another tenant", s.DeleteConnector(ctx, b.ID, c.ID))

	c.Name, c.Disabled = "Support EU", true
	c.Config = json.RawMessage(`{"subdomain":"acme-eu"}`)
	c.Secrets = map[string]string{"api_token": "new-token"}
	must(t, s.UpdateConnector(ctx, c))
	got, err = s.GetConnector(ctx, a.ID, c.ID)
	must(t, err)
	if got.Name != "Support EU" || !got.Disabled || string(got.Config) != `{"subdomain":"acme-eu"}` ||
		!reflect.DeepEqual(got.Secrets, c.Secrets) || !got.UpdatedAt.After(got.CreatedAt) {
		t.Fatalf("after UpdateConnector: %+v", got)
	}

	must(t, s.DeleteConnector(ctx, a.ID, c.ID))
	_, err = s.ConnectorByID(ctx, c.ID)
	wantNotFound(t, "deleted connector", err)
	wantNotFound(t, "UpdateConnector missing", s.UpdateConnector(ctx, c))
}

func testResealSecrets(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	oldKey, newKey := keyring.RandomBytes(32), keyring.RandomBytes(32)
	old, err := keyring.New(oldKey, nil)
	must(t, err)
	// A store whose keys were all made under old: the page key too.
	s.kr, s.pageKeyVal = old, nil
	_, err = s.w.ExecContext(ctx, `DELETE FROM store_keys`)
	must(t, err)
	tn := newTenant(t, s, "A")
	c := plaudit.Connector{TenantID: tn.ID, Kind: "zendesk", Name: "z", Secrets: map[string]string{"api_token": "tok"}}
	must(t, s.CreateConnector(ctx, &c))
	req := newRequest(t, s, newInteraction(t, s, tn.ID, nil), nil)

	rotating, err := keyring.New(newKey, oldKey)
	must(t, err)
	s.kr = rotating
	n, err := s.ResealSecrets(ctx)
	must(t, err)
	if n != 4 {
		t.Fatalf("ResealSecrets = %d, want 4 (hash key, connector secrets, page key, page token)", n)
	}
	if n, err = s.ResealSecrets(ctx); err != nil || n != 0 {
		t.Fatalf("second ResealSecrets = %d, %v; want 0", n, err)
	}
	// The previous key can go.
	current, err := keyring.New(newKey, nil)
	must(t, err)
	s.kr = current
	got, err := s.GetTenant(ctx, tn.ID)
	must(t, err)
	if !bytes.Equal(got.HashKey, tn.HashKey) {
		t.Fatal("hash key changed by resealing")
	}
	gc, err := s.GetConnector(ctx, tn.ID, c.ID)
	must(t, err)
	deepEqual(t, "secrets after reseal", gc.Secrets, c.Secrets)
	// The link sent before the rotation still opens the page, in a
	// process that reads the page key anew.
	s.pageKeyVal = nil
	got2, err := s.RequestByToken(ctx, req.Token)
	must(t, err)
	if got2.ID != req.ID || got2.Token != req.Token {
		t.Fatalf("after the rotation the link finds %s with token %q, want %s with the same token", got2.ID, got2.Token, req.ID)
	}
}

func testAgents(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	max := plaudit.Agent{
		TenantID: a.ID, Email: "Max.Muster@Support.example", Name: "Max Muster", Bio: "Ten years of fixing things.",
		PhotoURL: "https://cdn.example/max.jpg", Hometown: "Bremen", Approved: true,
		ExternalIDs: map[string]string{"zendesk": "9001", "salesforce": "005xx0000012345"},
	}
	must(t, s.CreateAgent(ctx, &max))
	if !strings.HasPrefix(max.ID, "agt_") {
		t.Fatalf("id %q", max.ID)
	}
	got, err := s.GetAgent(ctx, a.ID, max.ID)
	must(t, err)
	deepEqual(t, "GetAgent", got, max)

	// Emails are unique per tenant, whatever their case; agents without an
	// email do not collide.
	err = s.CreateAgent(ctx, &plaudit.Agent{TenantID: a.ID, Email: "max.muster@support.EXAMPLE"})
	wantCode(t, err, plaudit.EConflict)
	if plaudit.ErrorMessage(err) != "agent with this email exists" {
		t.Fatalf("message %q", plaudit.ErrorMessage(err))
	}
	must(t, s.CreateAgent(ctx, &plaudit.Agent{TenantID: a.ID, Name: "No Mail 1"}))
	must(t, s.CreateAgent(ctx, &plaudit.Agent{TenantID: a.ID, Name: "No Mail 2"}))
	mb := plaudit.Agent{TenantID: b.ID, Email: "max.muster@support.example", Name: "Max B", ExternalIDs: map[string]string{"zendesk": "9001"}}
	must(t, s.CreateAgent(ctx, &mb))
	if mb.ExternalIDs == nil {
		t.Fatal("ExternalIDs not normalized")
	}
	eva := plaudit.Agent{TenantID: a.ID, Email: "eva@support.example", Name: "Eva", ExternalIDs: map[string]string{"zendesk": "42"}}
	must(t, s.CreateAgent(ctx, &eva))

	// FindAgent: external id first, then email, never across tenants.
	for _, c := range []struct {
		kind, ext, email string
		want             string
	}{
		{"zendesk", "9001", "", max.ID},
		{"zendesk", "9001", "eva@support.example", max.ID}, // external id wins
		{"zendesk", "404", "EVA@support.example", eva.ID},  // falls back to email
		{"", "", "max.muster@SUPPORT.example", max.ID},
		{"salesforce", "005xx0000012345", "", max.ID},
		{"salesforce", "9001", "", ""}, // the id belongs to another kind
		{"zendesk", "", "", ""},
		{"zendesk", "42", "", eva.ID},
	} {
		got, err := s.FindAgent(ctx, a.ID, c.kind, c.ext, c.email)
		if c.want == "" {
			wantNotFound(t, fmt.Sprintf("FindAgent(%q,%q,%q)", c.kind, c.ext, c.email), err)
			continue
		}
		must(t, err)
		if got.ID != c.want {
			t.Errorf("FindAgent(%q,%q,%q) = %s, want %s", c.kind, c.ext, c.email, got.ID, c.want)
		}
	}
	got, err = s.FindAgent(ctx, b.ID, "zendesk", "42", "eva@support.example")
	wantNotFound(t, "FindAgent across tenants", err)
	got, err = s.FindAgent(ctx, b.ID, "zendesk", "9001", "")
	must(t, err)
	if got.ID != mb.ID {
		t.Fatalf("FindAgent in B found %s", got.ID)
	}

	list, err := s.ListAgents(ctx, a.ID)
	must(t, err)
	if len(list) != 4 || list[0].ID != max.ID {
		t.Fatalf("ListAgents = %d agents", len(list))
	}
	for _, ag := range list {
		if ag.TenantID != a.ID {
			t.Fatal("ListAgents crossed tenants")
		}
	}

	_, err = s.GetAgent(ctx, b.ID, max.ID)
	wantNotFound(t, "GetAgent across tenants", err)
	hijack := max
	hijack.TenantID = b.ID
	wantNotFound(t, "UpdateAgent across tenants", s.UpdateAgent(ctx, hijack))
	wantNotFound(t, "DeleteAgent across tenants", s.DeleteAgent(ctx, b.ID, max.ID))

	eva.Email = "MAX.muster@support.example"
	wantCode(t, s.UpdateAgent(ctx, eva), plaudit.EConflict)
	max.Name, max.Approved, max.ExternalIDs = "Max M. Muster", false, nil
	must(t, s.UpdateAgent(ctx, max))
	got, err = s.GetAgent(ctx, a.ID, max.ID)
	must(t, err)
	if got.Name != "Max M. Muster" || got.Approved || len(got.ExternalIDs) != 0 || got.ExternalIDs == nil {
		t.Fatalf("after UpdateAgent: %+v", got)
	}
	_, err = s.FindAgent(ctx, a.ID, "zendesk", "9001", "")
	wantNotFound(t, "FindAgent by a removed external id", err)

	must(t, s.DeleteAgent(ctx, a.ID, max.ID))
	_, err = s.GetAgent(ctx, a.ID, max.ID)
	wantNotFound(t, "deleted agent", err)
	wantNotFound(t, "UpdateAgent missing", s.UpdateAgent(ctx, max))
}

func testInteractions(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	in := plaudit.Interaction{
		TenantID: a.ID, ConnectorID: "con_z", Source: "zendesk", DedupKey: "evt-1", ExternalID: "4711",
		Event: plaudit.EventSolved, Channel: "web",
		Customer:  plaudit.Customer{Name: "Ada Lovelace", Email: "ada@example.com", Phone: "+4915112345678", Language: "de", Country: "DE", TimeZone: "Europe/Berlin"},
		Agent:     plaudit.AgentRef{ExternalID: "9001", Email: "max@support.example", Name: "Max"},
		DoNotSend: true, Tags: []string{"vip", "billing"}, Brand: "Acme", Test: true, NeedsEnrich: true,
	}
	created, err := s.InsertInteraction(ctx, &in)
	must(t, err)
	if !created || !strings.HasPrefix(in.ID, "int_") || in.Status != plaudit.InteractionReceived || in.CreatedAt.IsZero() {
		t.Fatalf("InsertInteraction: created=%v %+v", created, in)
	}
	got, err := s.GetInteraction(ctx, a.ID, in.ID)
	must(t, err)
	deepEqual(t, "GetInteraction", got, in)

	// A redelivery: created=false, the stored row's id, status and time,
	// and the stored row untouched.
	must(t, s.UpdateInteraction(ctx, func() plaudit.Interaction { x := got; x.Status = plaudit.InteractionProcessed; return x }()))
	dup := in
	dup.ID, dup.Status, dup.CreatedAt = "", "", time.Time{}
	dup.Customer.Name = "Someone Else"
	created, err = s.InsertInteraction(ctx, &dup)
	must(t, err)
	if created || dup.ID != in.ID || dup.Status != plaudit.InteractionProcessed || !dup.CreatedAt.Equal(in.CreatedAt) {
		t.Fatalf("dedup: created=%v id=%s status=%s at=%v", created, dup.ID, dup.Status, dup.CreatedAt)
	}
	got, err = s.GetInteraction(ctx, a.ID, in.ID)
	must(t, err)
	if got.Customer.Name != "Ada Lovelace" {
		t.Fatal("a duplicate overwrote the stored interaction")
	}

	// The same dedup key from another connector, the trigger API or
	// another tenant is another interaction.
	for _, v := range []struct{ tenant, connector string }{{a.ID, "con_other"}, {a.ID, ""}, {b.ID, "con_z"}} {
		x := plaudit.Interaction{TenantID: v.tenant, ConnectorID: v.connector, DedupKey: "evt-1", Source: "api", Event: plaudit.EventSolved}
		created, err := s.InsertInteraction(ctx, &x)
		must(t, err)
		if !created || x.ID == in.ID {
			t.Fatalf("dedup key shared across %v: created=%v", v, created)
		}
	}
	// No dedup key: never a duplicate.
	for range 2 {
		x := plaudit.Interaction{TenantID: a.ID, Source: "api"}
		created, err := s.InsertInteraction(ctx, &x)
		must(t, err)
		if !created || x.DedupKey != x.ID {
			t.Fatalf("empty dedup key: created=%v key=%q", created, x.DedupKey)
		}
	}
	_, err = s.InsertInteraction(ctx, &plaudit.Interaction{TenantID: "ten_missing", DedupKey: "x"})
	wantNotFound(t, "InsertInteraction for a missing tenant", err)

	// Isolation.
	_, err = s.GetInteraction(ctx, b.ID, in.ID)
	wantNotFound(t, "GetInteraction across tenants", err)
	hijack := got
	hijack.TenantID, hijack.Status = b.ID, "hijacked"
	wantNotFound(t, "UpdateInteraction across tenants", s.UpdateInteraction(ctx, hijack))
	wantNotFound(t, "DeleteInteraction across tenants", s.DeleteInteraction(ctx, b.ID, in.ID))

	// UpdateInteraction saves enrichment and status, not identity.
	upd := got
	upd.Customer = plaudit.Customer{Name: "Ada King", Email: "ada@king.example"}
	upd.Agent = plaudit.AgentRef{Email: "eva@support.example"}
	upd.Channel, upd.Tags, upd.Event, upd.NeedsEnrich, upd.Status = "phone", nil, plaudit.EventReopened, false, plaudit.InteractionReceived
	upd.DedupKey, upd.ExternalID = "changed", "changed"
	must(t, s.UpdateInteraction(ctx, upd))
	got, err = s.GetInteraction(ctx, a.ID, in.ID)
	must(t, err)
	want := upd
	want.DedupKey, want.ExternalID = in.DedupKey, in.ExternalID
	deepEqual(t, "after UpdateInteraction", got, want)

	// Stale: received and older than before, across tenants, oldest first.
	clk.Set(base.Add(time.Hour))
	fresh := newInteraction(t, s, b.ID, nil)
	stale, err := s.StaleInteractions(ctx, base.Add(30*time.Minute), 100)
	must(t, err)
	var ids []string
	for _, x := range stale {
		if x.Status != plaudit.InteractionReceived || x.TenantID == "" || !x.CreatedAt.Before(base.Add(30*time.Minute)) {
			t.Fatalf("stale interaction %+v", x)
		}
		ids = append(ids, x.ID)
	}
	if len(stale) != 6 || stale[0].ID != in.ID || containsStr(ids, fresh.ID) {
		t.Fatalf("StaleInteractions = %v", ids)
	}
	if one, err := s.StaleInteractions(ctx, base.Add(30*time.Minute), 1); err != nil || len(one) != 1 {
		t.Fatalf("limit: %d, %v", len(one), err)
	}

	must(t, s.DeleteInteraction(ctx, a.ID, in.ID))
	_, err = s.GetInteraction(ctx, a.ID, in.ID)
	wantNotFound(t, "deleted interaction", err)
	wantNotFound(t, "UpdateInteraction missing", s.UpdateInteraction(ctx, upd))
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func testRequests(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	in := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.ConnectorID = "con_z" })
	r := plaudit.FeedbackRequest{
		TenantID: a.ID, InteractionID: in.ID, ConnectorID: "con_z", AgentID: "agt_1", TicketID: "4711",
		Channel: plaudit.ChannelEmail, Recipient: "ada@example.com", RecipientHash: "hash-ada", Language: "de",
		Test: true, DueAt: base.Add(time.Hour),
	}
	created, err := s.CreateRequest(ctx, &r)
	must(t, err)
	if !created || !strings.HasPrefix(r.ID, "req_") || r.Status != plaudit.RequestScheduled || len(r.Token) < 32 {
		t.Fatalf("CreateRequest: created=%v %+v", created, r)
	}
	got, err := s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	deepEqual(t, "GetRequest", got, r)
	got, err = s.RequestByToken(ctx, r.Token)
	must(t, err)
	deepEqual(t, "RequestByToken", got, r)
	_, err = s.RequestByToken(ctx, "nope")
	wantNotFound(t, "RequestByToken", err)
	_, err = s.RequestByToken(ctx, "")
	wantNotFound(t, "RequestByToken empty", err)

	// One request per interaction: a retried decision gets the stored one.
	again := plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: in.ID, Status: plaudit.RequestSkipped, Reason: plaudit.ReasonNotSampled}
	created, err = s.CreateRequest(ctx, &again)
	must(t, err)
	if created {
		t.Fatal("second request for one interaction created")
	}
	deepEqual(t, "conflicting CreateRequest fills from the stored row", again, r)
	// ... but not for another tenant naming the interaction.
	_, err = s.CreateRequest(ctx, &plaudit.FeedbackRequest{TenantID: b.ID, InteractionID: in.ID})
	wantNotFound(t, "CreateRequest for another tenant's interaction", err)
	_, err = s.CreateRequest(ctx, &plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: "int_missing"})
	wantNotFound(t, "CreateRequest for a missing interaction", err)
	_, err = s.CreateRequest(ctx, &plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: in.ID, Status: "bogus"})
	wantCode(t, err, plaudit.EInvalid)

	// Skip records carry no token, and several may exist.
	for range 2 {
		skip := newRequest(t, s, newInteraction(t, s, a.ID, nil), func(r *plaudit.FeedbackRequest) {
			r.Status, r.Reason, r.Recipient, r.RecipientHash, r.DueAt = plaudit.RequestSkipped, plaudit.ReasonNoAgent, "", "", time.Time{}
		})
		if skip.Token != "" {
			t.Fatal("skip record got a token")
		}
		got, err := s.GetRequest(ctx, a.ID, skip.ID)
		must(t, err)
		deepEqual(t, "skip record", got, skip)
	}
	// A given token must be unique.
	_, err = s.CreateRequest(ctx, &plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: newInteraction(t, s, a.ID, nil).ID, Token: r.Token})
	wantCode(t, err, plaudit.EConflict)

	// Isolation of every tenant-scoped method.
	_, err = s.GetRequest(ctx, b.ID, r.ID)
	wantNotFound(t, "GetRequest across tenants", err)
	_, _, err = s.ClaimRequest(ctx, b.ID, r.ID, base.Add(2*time.Hour))
	wantNotFound(t, "ClaimRequest across tenants", err)
	wantNotFound(t, "MarkRequestSent across tenants", s.MarkRequestSent(ctx, b.ID, r.ID, "p", base))
	_, err = s.TransitionRequest(ctx, b.ID, r.ID, plaudit.Transition{From: plaudit.RequestStatuses, To: plaudit.RequestCanceled})
	wantNotFound(t, "TransitionRequest across tenants", err)
	if n, err := s.CancelScheduledForTicket(ctx, b.ID, "con_z", "4711"); err != nil || n != 0 {
		t.Fatalf("CancelScheduledForTicket across tenants = %d, %v", n, err)
	}
	if asked, err := s.RecentlyAsked(ctx, b.ID, "hash-ada", base.Add(-time.Hour)); err != nil || asked {
		t.Fatalf("RecentlyAsked across tenants = %v, %v", asked, err)
	}
	if l, err := s.ListRequests(ctx, b.ID, RequestFilter{}); err != nil || len(l) != 0 {
		t.Fatalf("ListRequests across tenants = %d, %v", len(l), err)
	}
	got, err = s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	deepEqual(t, "request untouched by other tenants", got, r)

	// RecentlyAsked counts requests that went or will go out.
	if asked, err := s.RecentlyAsked(ctx, a.ID, "hash-ada", base.Add(-time.Hour)); err != nil || !asked {
		t.Fatalf("RecentlyAsked = %v, %v", asked, err)
	}
	if asked, err := s.RecentlyAsked(ctx, a.ID, "hash-ada", r.CreatedAt); err != nil || asked {
		t.Fatalf("RecentlyAsked since after creation = %v, %v", asked, err)
	}
	if asked, err := s.RecentlyAsked(ctx, a.ID, "hash-other", base.Add(-time.Hour)); err != nil || asked {
		t.Fatalf("RecentlyAsked other address = %v, %v", asked, err)
	}

	// Status changes are guarded: only from the statuses named.
	toFailed := plaudit.Transition{From: []string{plaudit.RequestScheduled}, To: plaudit.RequestFailed, Reason: "provider_down"}
	got, err = s.TransitionRequest(ctx, a.ID, r.ID, toFailed)
	must(t, err)
	if got.Status != plaudit.RequestFailed || got.Reason != "provider_down" || !got.UpdatedAt.After(r.UpdatedAt) {
		t.Fatalf("after TransitionRequest: %+v", got)
	}
	stored, err := s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	deepEqual(t, "transition's answer is the stored row", got, stored)
	if asked, _ := s.RecentlyAsked(ctx, a.ID, "hash-ada", base.Add(-time.Hour)); asked {
		t.Fatal("a failed request counts as asked")
	}
	// The same transition again finds it failed: a conflict that names the
	// status, and nothing changes.
	conflicted, err := s.TransitionRequest(ctx, a.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestScheduled}, To: plaudit.RequestCanceled})
	wantCode(t, err, plaudit.EConflict)
	if !strings.Contains(plaudit.ErrorMessage(err), plaudit.RequestFailed) || conflicted.Status != plaudit.RequestFailed {
		t.Fatalf("conflict: %v, row %+v", err, conflicted)
	}
	_, err = s.TransitionRequest(ctx, a.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestFailed}, To: "bogus"})
	wantCode(t, err, plaudit.EInvalid)
	_, err = s.TransitionRequest(ctx, a.ID, r.ID, plaudit.Transition{To: plaudit.RequestCanceled})
	wantCode(t, err, plaudit.EInvalid)
	_, err = s.TransitionRequest(ctx, a.ID, "req_missing", toFailed)
	wantNotFound(t, "TransitionRequest missing", err)

	due := base.Add(3 * time.Hour)
	_, err = s.TransitionRequest(ctx, a.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestFailed}, To: plaudit.RequestScheduled, DueAt: due})
	must(t, err)
	got, err = s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	if got.Status != plaudit.RequestScheduled || !got.DueAt.Equal(due) || got.Reason != "" {
		t.Fatalf("after rescheduling: %+v", got)
	}

	// MarkRequestSent only from sending.
	wantCode(t, s.MarkRequestSent(ctx, a.ID, r.ID, "SM123", base), plaudit.EConflict)
	wantNotFound(t, "MarkRequestSent missing", s.MarkRequestSent(ctx, a.ID, "req_missing", "SM123", base))
	_, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, due)
	must(t, err)
	if !ok {
		t.Fatal("due request not claimed")
	}
	sentAt := base.Add(3*time.Hour + time.Second)
	must(t, s.MarkRequestSent(ctx, a.ID, r.ID, "SM123", sentAt))
	got, err = s.GetRequest(ctx, a.ID, r.ID)
	must(t, err)
	if got.Status != plaudit.RequestSent || got.SentAt == nil || !got.SentAt.Equal(sentAt) || got.ProviderID != "SM123" || got.Attempts != 1 {
		t.Fatalf("after MarkRequestSent: %+v", got)
	}
	m, err := s.MessageByProviderID(ctx, "SM123")
	must(t, err)
	if m.TenantID != a.ID || m.RequestID != r.ID || m.Reminder || m.Event != plaudit.EventAccepted || !m.At.Equal(sentAt) {
		t.Fatalf("provider message after MarkRequestSent: %+v", m)
	}
	_, err = s.MessageByProviderID(ctx, "SM999")
	wantNotFound(t, "MessageByProviderID", err)
	_, err = s.MessageByProviderID(ctx, "")
	wantNotFound(t, "MessageByProviderID empty", err)

	// Reopened tickets cancel only what has not gone out.
	clk.Set(base.Add(4 * time.Hour))
	in2 := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.ConnectorID, in.ExternalID = "con_z", "4711" })
	r2 := newRequest(t, s, in2, nil)
	in3 := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.ConnectorID, in.ExternalID = "con_other", "4711" })
	r3 := newRequest(t, s, in3, nil)
	n, err := s.CancelScheduledForTicket(ctx, a.ID, "con_z", "4711")
	must(t, err)
	if n != 1 {
		t.Fatalf("CancelScheduledForTicket = %d, want 1", n)
	}
	for id, want := range map[string]string{r.ID: plaudit.RequestSent, r2.ID: plaudit.RequestCanceled, r3.ID: plaudit.RequestScheduled} {
		got, err := s.GetRequest(ctx, a.ID, id)
		must(t, err)
		if got.Status != want {
			t.Errorf("request %s is %s, want %s", id, got.Status, want)
		}
		if want == plaudit.RequestCanceled && got.Reason != plaudit.ReasonReopened {
			t.Errorf("reason %q", got.Reason)
		}
	}
}

func testRequestQueries(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	mk := func(tenantID, agent, ticket, recipient, sender string, due time.Time) plaudit.FeedbackRequest {
		in := newInteraction(t, s, tenantID, nil)
		return newRequest(t, s, in, func(r *plaudit.FeedbackRequest) {
			r.AgentID, r.TicketID, r.Recipient, r.DueAt = agent, ticket, recipient, due
			r.Channel, r.Sender = plaudit.ChannelSMS, sender
		})
	}
	r1 := mk(a.ID, "agt_1", "T1", "+4915100000001", "+15550001", base.Add(-time.Minute))
	r2 := mk(a.ID, "agt_2", "T2", "+4915100000001", "+15550002", base.Add(time.Hour))
	r3 := mk(a.ID, "agt_1", "T3", "+4915100000002", "+15550001", base.Add(-time.Hour))
	rb := mk(b.ID, "agt_1", "T1", "+4915100000001", "", base.Add(-time.Minute))

	ids := func(l []plaudit.FeedbackRequest) []string {
		var out []string
		for _, r := range l {
			out = append(out, r.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    RequestFilter
		want []string
	}{
		{RequestFilter{}, []string{r3.ID, r2.ID, r1.ID}},
		{RequestFilter{AgentID: "agt_1"}, []string{r3.ID, r1.ID}},
		{RequestFilter{TicketID: "T2"}, []string{r2.ID}},
		{RequestFilter{Status: plaudit.RequestSent}, nil},
		{RequestFilter{Since: r2.CreatedAt}, []string{r3.ID, r2.ID}},
		{RequestFilter{Limit: 1}, []string{r3.ID}},
		{RequestFilter{AgentID: "agt_1", Status: plaudit.RequestScheduled, Limit: 5000}, []string{r3.ID, r1.ID}},
	} {
		l, err := s.ListRequests(ctx, a.ID, c.f)
		must(t, err)
		if l == nil || !reflect.DeepEqual(ids(l), c.want) {
			t.Errorf("ListRequests(%+v) = %v, want %v", c.f, ids(l), c.want)
		}
	}

	// DueRequests: scheduled and due, across tenants, earliest first.
	due, err := s.DueRequests(ctx, base, base, 100)
	must(t, err)
	if got := ids(due); !reflect.DeepEqual(got, []string{r3.ID, r1.ID, rb.ID}) && !reflect.DeepEqual(got, []string{r3.ID, rb.ID, r1.ID}) {
		t.Fatalf("DueRequests = %v", got)
	}
	for _, r := range due {
		if r.TenantID == "" {
			t.Fatal("DueRequests without tenant")
		}
	}
	if l, _ := s.DueRequests(ctx, base, base, 1); len(l) != 1 {
		t.Fatalf("DueRequests limit: %d", len(l))
	}
	// A claimed request is not due; stuck for ten minutes, it is again.
	// Looking ahead for scheduled requests does not make a claim stuck
	// early: that is judged at now.
	_, ok, err := s.ClaimRequest(ctx, a.ID, r3.ID, base)
	must(t, err)
	if !ok {
		t.Fatal("not claimed")
	}
	due, _ = s.DueRequests(ctx, base.Add(time.Minute), base.Add(time.Minute), 100)
	if containsStr(ids(due), r3.ID) {
		t.Fatal("a request being sent is due")
	}
	due, _ = s.DueRequests(ctx, base.Add(11*time.Minute), base.Add(9*time.Minute), 100)
	if containsStr(ids(due), r3.ID) {
		t.Fatal("a request being sent is due because the reconciler looks ahead")
	}
	clk.Set(base.Add(time.Hour))
	due, _ = s.DueRequests(ctx, base.Add(11*time.Minute), base.Add(11*time.Minute), 100)
	if !containsStr(ids(due), r3.ID) {
		t.Fatal("a stuck request is not due")
	}

	// SMSRequestsTo: the sent SMS requests to that number from those
	// senders, any tenant, newest first.
	for i, r := range []plaudit.FeedbackRequest{r1, r2, rb} {
		_, ok, err := s.ClaimRequest(ctx, r.TenantID, r.ID, base.Add(2*time.Hour))
		must(t, err)
		if !ok {
			t.Fatalf("claim %d", i)
		}
		must(t, s.MarkRequestSent(ctx, r.TenantID, r.ID, fmt.Sprintf("SM%d", i), base.Add(time.Duration(i+1)*time.Minute)))
	}
	sms := func(from string, senders ...string) []string {
		t.Helper()
		l, err := s.SMSRequestsTo(ctx, from, senders, 10)
		must(t, err)
		return ids(l)
	}
	if got := sms("+4915100000001", "+15550001", ""); !reflect.DeepEqual(got, []string{rb.ID, r1.ID}) {
		t.Fatalf("SMSRequestsTo shared = %v, want %v", got, []string{rb.ID, r1.ID})
	}
	if got := sms("+4915100000001", "+15550002"); !reflect.DeepEqual(got, []string{r2.ID}) {
		t.Fatalf("SMSRequestsTo own number = %v, want %v", got, []string{r2.ID})
	}
	if got := sms("+4915100000001", "+15550003"); got != nil {
		t.Fatalf("SMSRequestsTo another number = %v", got)
	}
	if got := sms("+4915100000002", "+15550001", ""); got != nil {
		t.Fatalf("SMSRequestsTo unsent = %v", got)
	}
	if got := sms("+4915100000001"); got != nil {
		t.Fatalf("SMSRequestsTo no senders = %v", got)
	}
}

func testClaimRequest(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	r := newRequest(t, s, newInteraction(t, s, a.ID, nil), func(r *plaudit.FeedbackRequest) { r.DueAt = base.Add(time.Hour) })

	got, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, base.Add(59*time.Minute))
	must(t, err)
	if ok || got.Status != plaudit.RequestScheduled || got.Attempts != 0 {
		t.Fatalf("claimed before due: %v %+v", ok, got)
	}
	now := base.Add(time.Hour)
	got, ok, err = s.ClaimRequest(ctx, a.ID, r.ID, now)
	must(t, err)
	if !ok || got.Status != plaudit.RequestSending || got.Attempts != 1 || !got.UpdatedAt.Equal(dbTime(now)) {
		t.Fatalf("claim at due: %v %+v", ok, got)
	}
	// A duplicate task gets the row and no claim.
	got, ok, err = s.ClaimRequest(ctx, a.ID, r.ID, now.Add(9*time.Minute))
	must(t, err)
	if ok || got.Status != plaudit.RequestSending || got.Attempts != 1 {
		t.Fatalf("claimed twice: %v %+v", ok, got)
	}
	if !got.AbandonedAt.IsZero() {
		t.Fatalf("a fresh claim says it took over an abandoned one: %+v", got)
	}
	// The worker crashed: after ten minutes it is claimed again, and the
	// claim says when the abandoned one was made.
	got, ok, err = s.ClaimRequest(ctx, a.ID, r.ID, now.Add(10*time.Minute+time.Second))
	must(t, err)
	if !ok || got.Attempts != 2 || !got.AbandonedAt.Equal(dbTime(now)) {
		t.Fatalf("stuck request not reclaimed: %v %+v", ok, got)
	}
	// Sent, canceled: never claimed.
	must(t, s.MarkRequestSent(ctx, a.ID, r.ID, "p1", now.Add(11*time.Minute)))
	_, ok, err = s.ClaimRequest(ctx, a.ID, r.ID, now.Add(time.Hour))
	must(t, err)
	if ok {
		t.Fatal("sent request claimed")
	}
	_, err = s.TransitionRequest(ctx, a.ID, r.ID, plaudit.Transition{From: []string{plaudit.RequestSent}, To: plaudit.RequestCanceled})
	must(t, err)
	if _, ok, _ := s.ClaimRequest(ctx, a.ID, r.ID, now.Add(time.Hour)); ok {
		t.Fatal("canceled request claimed")
	}
	_, _, err = s.ClaimRequest(ctx, a.ID, "req_missing", now)
	wantNotFound(t, "ClaimRequest missing", err)
}

func testClaimRequestConcurrent(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	for round := range 3 {
		r := newRequest(t, s, newInteraction(t, s, a.ID, nil), nil)
		var (
			wg      sync.WaitGroup
			won     atomic.Int32
			start   = make(chan struct{})
			errs    = make(chan error, 20)
			winners = make(chan plaudit.FeedbackRequest, 20)
		)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got, ok, err := s.ClaimRequest(ctx, a.ID, r.ID, base.Add(time.Minute))
				if err != nil {
					errs <- err
					return
				}
				if ok {
					won.Add(1)
					winners <- got
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
		if n := won.Load(); n != 1 {
			t.Fatalf("round %d: %d goroutines claimed the request, want exactly 1", round, n)
		}
		got, err := s.GetRequest(ctx, a.ID, r.ID)
		must(t, err)
		if got.Attempts != 1 || got.Status != plaudit.RequestSending {
			t.Fatalf("round %d: after concurrent claims %+v", round, got)
		}
	}
}

func testResponses(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	r := newRequest(t, s, newInteraction(t, s, a.ID, nil), nil)
	p := plaudit.Response{
		TenantID: a.ID, RequestID: r.ID, AgentID: "agt_1", TicketID: "T-1", Score: 4, Comment: "Quick and kind",
		Excellence: []string{"fast", "friendly"}, Source: plaudit.SourceSMS, Automated: true,
		Version: 7, WrittenVersion: 3, // ignored: a new response is version 1, not written
	}
	created, err := s.CreateResponse(ctx, &p)
	must(t, err)
	if !created || !strings.HasPrefix(p.ID, "rsp_") || p.Version != 1 || p.WrittenVersion != 0 || p.WritebackStatus != plaudit.WritebackPending {
		t.Fatalf("CreateResponse: %v %+v", created, p)
	}
	got, err := s.GetResponse(ctx, a.ID, p.ID)
	must(t, err)
	deepEqual(t, "GetResponse", got, p)
	got, err = s.ResponseByRequest(ctx, a.ID, r.ID)
	must(t, err)
	deepEqual(t, "ResponseByRequest", got, p)

	// One response per request: a second click gets the stored one.
	second := plaudit.Response{TenantID: a.ID, RequestID: r.ID, Score: 1, Source: plaudit.SourcePage}
	created, err = s.CreateResponse(ctx, &second)
	must(t, err)
	if created {
		t.Fatal("second response created")
	}
	deepEqual(t, "conflicting CreateResponse fills from the stored row", second, p)
	_, err = s.CreateResponse(ctx, &plaudit.Response{TenantID: b.ID, RequestID: r.ID})
	wantNotFound(t, "CreateResponse for another tenant's request", err)
	_, err = s.CreateResponse(ctx, &plaudit.Response{TenantID: a.ID, RequestID: "req_missing"})
	wantNotFound(t, "CreateResponse for a missing request", err)

	// Isolation.
	_, err = s.GetResponse(ctx, b.ID, p.ID)
	wantNotFound(t, "GetResponse across tenants", err)
	_, err = s.ResponseByRequest(ctx, b.ID, r.ID)
	wantNotFound(t, "ResponseByRequest across tenants", err)
	hijack := p
	hijack.TenantID = b.ID
	wantNotFound(t, "UpdateResponse across tenants", s.UpdateResponse(ctx, &hijack))
	wantNotFound(t, "MarkWriteback across tenants", s.MarkWriteback(ctx, b.ID, p.ID, 1, plaudit.WritebackDone, ""))
	if l, err := s.ListResponses(ctx, b.ID, ResponseFilter{IncludeTest: true}); err != nil || len(l) != 0 {
		t.Fatalf("ListResponses across tenants: %d %v", len(l), err)
	}

	// Updates make versions; "none" stays none.
	p.Comment, p.Improvement, p.Reward, p.Excellence = "Quick and kind. Thanks Max!", []string{"clarity"}, true, nil
	must(t, s.UpdateResponse(ctx, &p))
	if p.Version != 2 || p.WritebackStatus != plaudit.WritebackPending {
		t.Fatalf("after UpdateResponse: %+v", p)
	}
	got, err = s.GetResponse(ctx, a.ID, p.ID)
	must(t, err)
	deepEqual(t, "after UpdateResponse", got, p)
	_, err = s.ResponseByRequest(ctx, a.ID, "req_missing")
	wantNotFound(t, "ResponseByRequest missing", err)
	missing := plaudit.Response{TenantID: a.ID, ID: "rsp_missing"}
	wantNotFound(t, "UpdateResponse missing", s.UpdateResponse(ctx, &missing))

	rn := newResponse(t, s, newRequest(t, s, newInteraction(t, s, a.ID, nil), nil), func(p *plaudit.Response) {
		p.WritebackStatus = plaudit.WritebackNone
	})
	rn.Score = 3
	must(t, s.UpdateResponse(ctx, &rn))
	if rn.Version != 2 || rn.WritebackStatus != plaudit.WritebackNone {
		t.Fatalf("none response after update: %+v", rn)
	}

	// Filters.
	clk.Set(base.Add(time.Hour))
	rt := newResponse(t, s, newRequest(t, s, newInteraction(t, s, a.ID, nil), nil), func(p *plaudit.Response) {
		p.Test, p.AgentID, p.TicketID = true, "agt_2", "T-9"
	})
	ids := func(f ResponseFilter) []string {
		l, err := s.ListResponses(ctx, a.ID, f)
		must(t, err)
		out := []string{}
		for _, x := range l {
			out = append(out, x.ID)
		}
		return out
	}
	for _, c := range []struct {
		f    ResponseFilter
		want []string
	}{
		{ResponseFilter{}, []string{rn.ID, p.ID}},
		{ResponseFilter{IncludeTest: true}, []string{rt.ID, rn.ID, p.ID}},
		{ResponseFilter{IncludeTest: true, AgentID: "agt_2"}, []string{rt.ID}},
		{ResponseFilter{IncludeTest: true, TicketID: "T-1"}, []string{rn.ID, p.ID}},
		{ResponseFilter{IncludeTest: true, Since: base.Add(time.Hour)}, []string{rt.ID}},
		{ResponseFilter{IncludeTest: true, Limit: 2}, []string{rt.ID, rn.ID}},
		{ResponseFilter{AgentID: "agt_none"}, []string{}},
	} {
		if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ListResponses(%+v) = %v, want %v", c.f, got, c.want)
		}
	}

	// Deleting the interaction takes its request and response along.
	in := newInteraction(t, s, a.ID, nil)
	rq := newRequest(t, s, in, nil)
	rs := newResponse(t, s, rq, nil)
	must(t, s.DeleteInteraction(ctx, a.ID, in.ID))
	_, err = s.GetRequest(ctx, a.ID, rq.ID)
	wantNotFound(t, "request of a deleted interaction", err)
	_, err = s.GetResponse(ctx, a.ID, rs.ID)
	wantNotFound(t, "response of a deleted interaction", err)
}

func testWriteback(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	p := newResponse(t, s, newRequest(t, s, newInteraction(t, s, a.ID, nil), nil), nil)
	pb := newResponse(t, s, newRequest(t, s, newInteraction(t, s, b.ID, nil), nil), nil)
	none := newResponse(t, s, newRequest(t, s, newInteraction(t, s, a.ID, nil), nil), func(p *plaudit.Response) {
		p.WritebackStatus = plaudit.WritebackNone
	})
	_ = none

	pendingIDs := func(before time.Time) []string {
		l, err := s.PendingWritebacks(ctx, before, 100)
		must(t, err)
		var out []string
		for _, x := range l {
			if x.TenantID == "" {
				t.Fatal("PendingWritebacks without tenant")
			}
			out = append(out, x.ID)
		}
		sort.Strings(out)
		return out
	}
	if got := pendingIDs(base); got != nil {
		t.Fatalf("pending before their time: %v", got)
	}
	if got := pendingIDs(base.Add(time.Hour)); !reflect.DeepEqual(got, sorted(p.ID, pb.ID)) {
		t.Fatalf("PendingWritebacks = %v", got)
	}

	// A failed attempt keeps its error and stays out of the pending list.
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 1, plaudit.WritebackFailed, "zendesk: 422 ticket closed"))
	got, err := s.GetResponse(ctx, a.ID, p.ID)
	must(t, err)
	if got.WritebackStatus != plaudit.WritebackFailed || got.WritebackError != "zendesk: 422 ticket closed" || got.WrittenVersion != 0 {
		t.Fatalf("after failed writeback: %+v", got)
	}
	if got := pendingIDs(base.Add(time.Hour)); !reflect.DeepEqual(got, []string{pb.ID}) {
		t.Fatalf("PendingWritebacks after failure = %v", got)
	}

	// The customer adds a comment: version 2, pending again, error gone.
	clk.Set(base.Add(2 * time.Hour))
	p.Comment = "added later"
	must(t, s.UpdateResponse(ctx, &p))
	if p.Version != 2 || p.WritebackStatus != plaudit.WritebackPending {
		t.Fatalf("after update: %+v", p)
	}
	// Version 1 written late: version 2 still waits.
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 1, plaudit.WritebackDone, ""))
	got, _ = s.GetResponse(ctx, a.ID, p.ID)
	if got.WrittenVersion != 1 || got.WritebackStatus != plaudit.WritebackPending || got.WritebackError != "" {
		t.Fatalf("after writing v1 of 2: %+v", got)
	}
	if got := pendingIDs(base.Add(3 * time.Hour)); !containsStr(got, p.ID) {
		t.Fatalf("version 2 not pending: %v", got)
	}
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 2, plaudit.WritebackDone, ""))
	// A late success for an older version does not undo a newer one.
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 1, plaudit.WritebackDone, ""))
	got, _ = s.GetResponse(ctx, a.ID, p.ID)
	if got.WrittenVersion != 2 || got.WritebackStatus != plaudit.WritebackDone || got.Version != 2 {
		t.Fatalf("after writing v2: %+v", got)
	}
	if got := pendingIDs(base.Add(3 * time.Hour)); containsStr(got, p.ID) {
		t.Fatal("written response still pending")
	}
	wantCode(t, s.MarkWriteback(ctx, a.ID, p.ID, 2, "bogus", ""), plaudit.EInvalid)
	wantNotFound(t, "MarkWriteback missing", s.MarkWriteback(ctx, a.ID, "rsp_missing", 1, plaudit.WritebackDone, ""))
	if l, _ := s.PendingWritebacks(ctx, base.Add(3*time.Hour), 1); len(l) != 1 {
		t.Fatalf("PendingWritebacks limit: %d", len(l))
	}
}

func testSuppressions(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	hash := keyring.AddressHash(a.HashKey, "ada@example.com")
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: hash, Reason: "stop"}))
	wantCode(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID}), plaudit.EInvalid)
	wantNotFound(t, "Suppress for a missing tenant", s.Suppress(ctx, plaudit.Suppression{TenantID: "ten_missing", AddressHash: "x"}))
	check := func(tenantID, h string, at time.Time, want bool) {
		t.Helper()
		got, err := s.IsSuppressed(ctx, tenantID, h, at)
		must(t, err)
		if got != want {
			t.Fatalf("IsSuppressed(%s, %s, %v) = %v, want %v", tenantID, h[:6], at, got, want)
		}
	}
	check(a.ID, hash, base, true)
	check(b.ID, hash, base, false)
	check(a.ID, "other-hash", base, false)

	// Upsert: a temporary bounce after a STOP replaces the reason but
	// never lets the opt-out expire.
	exp := base.Add(24 * time.Hour)
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: hash, Reason: "bounce", ExpiresAt: &exp}))
	check(a.ID, hash, base, true)
	check(a.ID, hash, exp.Add(time.Hour), true)
	var n int
	must(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM suppressions`).Scan(&n))
	if n != 1 {
		t.Fatalf("%d suppression rows after upsert", n)
	}
	// A temporary one honours its expiry before the sweep, and a later
	// permanent one makes it permanent.
	ht := keyring.AddressHash(a.HashKey, "tmp@example.com")
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: ht, Reason: "bounce", ExpiresAt: &exp}))
	check(a.ID, ht, exp, false)
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: ht, Reason: "unsubscribe", Channel: "email"}))
	check(a.ID, ht, exp.Add(time.Hour), true)
	must(t, s.Unsuppress(ctx, a.ID, ht))

	h2 := keyring.AddressHash(a.HashKey, "+4915112345678")
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: h2, Reason: "stop"}))
	hb := "b-hash"
	expB := base.Add(time.Hour)
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: b.ID, AddressHash: hb, Reason: "bounce", ExpiresAt: &expB}))
	if k, err := s.ExpireSuppressions(ctx, base); err != nil || k != 0 {
		t.Fatalf("ExpireSuppressions early = %d, %v", k, err)
	}
	k, err := s.ExpireSuppressions(ctx, exp)
	must(t, err)
	if k != 1 {
		t.Fatalf("ExpireSuppressions = %d, want 1", k)
	}
	check(a.ID, h2, exp.Add(time.Hour), true) // no expiry: stays
	check(a.ID, hash, exp.Add(time.Hour), true)

	// Unsuppress is per tenant and idempotent.
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: b.ID, AddressHash: h2, Reason: "stop"}))
	must(t, s.Unsuppress(ctx, a.ID, h2))
	must(t, s.Unsuppress(ctx, a.ID, h2))
	check(a.ID, h2, base, false)
	check(b.ID, h2, base, true)
}

// testSuppressionList: suppressions are listed per tenant, newest first,
// with reason and channel, found by hash, and deleted one at a time.
func testSuppressionList(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	he := keyring.AddressHash(a.HashKey, "ada@example.com")
	hp := keyring.AddressHash(a.HashKey, "+4915112345678")
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: he, Reason: "unsubscribe", Channel: "email"}))
	clk.Set(clk.Now().Add(time.Minute))
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: hp, Reason: "sms_stop", Channel: "sms"}))
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: b.ID, AddressHash: "b-hash", Reason: "admin", Channel: "email"}))

	all, err := s.ListSuppressions(ctx, a.ID, SuppressionFilter{})
	must(t, err)
	if len(all) != 2 || all[0].AddressHash != hp || all[1].AddressHash != he {
		t.Fatalf("list = %+v, want the phone then the email", all)
	}
	if all[1].Reason != "unsubscribe" || all[1].Channel != "email" || all[1].CreatedAt.IsZero() || all[1].TenantID != a.ID {
		t.Errorf("listed %+v", all[1])
	}
	one, err := s.ListSuppressions(ctx, a.ID, SuppressionFilter{AddressHash: he})
	must(t, err)
	if len(one) != 1 || one[0].Reason != "unsubscribe" {
		t.Errorf("by hash: %+v", one)
	}
	if got, err := s.ListSuppressions(ctx, a.ID, SuppressionFilter{Limit: 1}); err != nil || len(got) != 1 {
		t.Errorf("limit 1: %d, %v", len(got), err)
	}
	if got, err := s.ListSuppressions(ctx, a.ID, SuppressionFilter{Since: all[0].CreatedAt}); err != nil || len(got) != 1 {
		t.Errorf("since the newest: %d, %v", len(got), err)
	}
	sp, err := s.GetSuppression(ctx, a.ID, hp)
	must(t, err)
	if sp.Channel != "sms" || sp.Reason != "sms_stop" {
		t.Errorf("get = %+v", sp)
	}
	_, err = s.GetSuppression(ctx, a.ID, "b-hash")
	wantNotFound(t, "another tenant's suppression", err)

	if ok, err := s.DeleteSuppression(ctx, a.ID, he); err != nil || !ok {
		t.Fatalf("delete = %v, %v", ok, err)
	}
	if ok, err := s.DeleteSuppression(ctx, a.ID, he); err != nil || ok {
		t.Fatalf("delete again = %v, %v, want false", ok, err)
	}
	if ok, _ := s.DeleteSuppression(ctx, a.ID, "b-hash"); ok {
		t.Fatal("deleted another tenant's suppression")
	}
}

func testAudit(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	var want []plaudit.AuditEvent
	for i := range 5 {
		e := plaudit.AuditEvent{TenantID: a.ID, Actor: "key:key_1", Action: "agent.update", Target: fmt.Sprintf("agt_%d", i), Detail: "approved"}
		must(t, s.AddAudit(ctx, &e))
		if !strings.HasPrefix(e.ID, "aud_") || e.CreatedAt.IsZero() {
			t.Fatalf("AddAudit filled %+v", e)
		}
		want = append([]plaudit.AuditEvent{e}, want...)
	}
	must(t, s.AddAudit(ctx, &plaudit.AuditEvent{TenantID: b.ID, Actor: "operator", Action: "x"}))
	wantNotFound(t, "AddAudit for a missing tenant", s.AddAudit(ctx, &plaudit.AuditEvent{TenantID: "ten_missing"}))
	got, err := s.ListAudit(ctx, a.ID, 0)
	must(t, err)
	deepEqual(t, "ListAudit newest first", got, want)
	got, err = s.ListAudit(ctx, a.ID, 2)
	must(t, err)
	deepEqual(t, "ListAudit limit", got, want[:2])
	got, err = s.ListAudit(ctx, "ten_missing", 10)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("ListAudit of nobody: %#v", got)
	}
}

func testSeen(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	for i, c := range []struct {
		key  string
		at   time.Time
		want bool
	}{
		{"twilio:SM1", base, true},
		{"twilio:SM1", base.Add(time.Minute), false},
		{"sendgrid:ev1", base.Add(time.Hour), true},
		{"twilio:SM2", base.Add(2 * time.Hour), true},
	} {
		got, err := s.FirstSeen(ctx, c.key, c.at)
		must(t, err)
		if got != c.want {
			t.Fatalf("%d: FirstSeen(%s) = %v", i, c.key, got)
		}
	}
	n, err := s.PruneSeen(ctx, base.Add(90*time.Minute))
	must(t, err)
	if n != 2 {
		t.Fatalf("PruneSeen = %d, want 2", n)
	}
	if got, _ := s.FirstSeen(ctx, "twilio:SM1", base.Add(3*time.Hour)); !got {
		t.Fatal("pruned key still seen")
	}
	if got, _ := s.FirstSeen(ctx, "twilio:SM2", base.Add(3*time.Hour)); got {
		t.Fatal("kept key forgotten")
	}
	// A callback whose handling failed is forgotten, so that its retry is
	// a first delivery again; the other keys stay.
	must(t, s.ForgetSeen(ctx, "twilio:SM2"))
	if got, _ := s.FirstSeen(ctx, "twilio:SM2", base.Add(4*time.Hour)); !got {
		t.Fatal("a forgotten key is still seen")
	}
	if got, _ := s.FirstSeen(ctx, "twilio:SM1", base.Add(4*time.Hour)); got {
		t.Fatal("ForgetSeen dropped another key")
	}
	must(t, s.ForgetSeen(ctx, "never-seen"))
}

func testAggregates(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	_, _, p := chain(t, s, a.ID, "ada@example.com", "")
	day1 := time.Date(2025, 3, 1, 23, 30, 0, 0, time.UTC)
	must(t, s.RecordAggregate(ctx, p, plaudit.ChannelEmail, day1))
	// An update overwrites the figures, keeps the day.
	p.Score, p.Reward, p.Improvement = 3, true, []string{"speed"}
	must(t, s.RecordAggregate(ctx, p, plaudit.ChannelEmail, day1.AddDate(0, 0, 3)))
	q := plaudit.Response{ID: "rsp_q", TenantID: a.ID, AgentID: "agt_2", Score: 5, Excellence: []string{"fast", "clear"}, Test: true}
	must(t, s.RecordAggregate(ctx, q, plaudit.ChannelSMS, day1.AddDate(0, 0, 1)))
	must(t, s.RecordAggregate(ctx, plaudit.Response{ID: "rsp_b", TenantID: b.ID, AgentID: "agt_b", Score: 1}, plaudit.ChannelSMS, day1))

	got, err := s.AggregateScores(ctx, a.ID, day1.Add(-time.Hour))
	must(t, err)
	want := []AggregateRow{
		{Day: "2025-03-01", AgentID: p.AgentID, Channel: "email", Score: 3, Excellence: []string{"fast"}, Improvement: []string{"speed"}, Reward: true},
		{Day: "2025-03-02", AgentID: "agt_2", Channel: "sms", Score: 5, Excellence: []string{"fast", "clear"}, Test: true},
	}
	deepEqual(t, "AggregateScores", got, want)
	got, err = s.AggregateScores(ctx, a.ID, day1.AddDate(0, 0, 1))
	must(t, err)
	deepEqual(t, "AggregateScores since", got, want[1:])
	got, err = s.AggregateScores(ctx, "ten_missing", day1)
	must(t, err)
	if got == nil || len(got) != 0 {
		t.Fatalf("AggregateScores of nobody: %#v", got)
	}
	// Anonymous: no free text is kept.
	var n int
	must(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM aggregates WHERE tenant_id = $1`, a.ID).Scan(&n))
	if n != 2 {
		t.Fatalf("%d aggregate rows, want 2", n)
	}
}

// subjectWorld is two customers in tenant A and the first customer's
// address also in tenant B.
type subjectWorld struct {
	a, b                          plaudit.Tenant
	ada1, ada2, adaSMS, bob, adaB plaudit.Interaction
	reqs                          map[string]plaudit.FeedbackRequest
	rsps                          map[string]plaudit.Response
}

const (
	adaEmail = "ada.erasure-7f3a9c@example.org"
	adaPhone = "+4915199887766"
	adaName  = "Ada Quixotic-Zebulon"
	bobEmail = "bob.keeper-51e2@example.org"
)

func buildSubjects(t *testing.T, s *Store) subjectWorld {
	t.Helper()
	w := subjectWorld{a: newTenant(t, s, "A"), b: newTenant(t, s, "B"), reqs: map[string]plaudit.FeedbackRequest{}, rsps: map[string]plaudit.Response{}}
	mk := func(tenantID, email, phone, name string, withResponse bool) plaudit.Interaction {
		in := newInteraction(t, s, tenantID, func(in *plaudit.Interaction) {
			in.Customer = plaudit.Customer{Name: name, Email: email, Phone: phone}
		})
		r := newRequest(t, s, in, func(r *plaudit.FeedbackRequest) {
			r.Recipient = plaudit.NormalizeEmail(email)
			if email == "" {
				r.Channel, r.Recipient = plaudit.ChannelSMS, phone
			}
		})
		w.reqs[in.ID] = r
		if withResponse {
			w.rsps[in.ID] = newResponse(t, s, r, func(p *plaudit.Response) { p.Comment = "Thanks, " + name + " here" })
		}
		return in
	}
	w.ada1 = mk(w.a.ID, strings.ToUpper(adaEmail[:1])+adaEmail[1:], "", adaName, true) // stored as the helpdesk gave it
	w.ada2 = mk(w.a.ID, adaEmail, adaPhone, adaName, false)
	w.adaSMS = mk(w.a.ID, "", adaPhone, adaName, true)
	w.bob = mk(w.a.ID, bobEmail, "+4915100000009", "Bob Keeper", true)
	w.adaB = mk(w.b.ID, adaEmail, adaPhone, adaName, true)
	must(t, s.Suppress(t.Context(), plaudit.Suppression{TenantID: w.a.ID, AddressHash: keyring.AddressHash(w.a.HashKey, adaPhone), Reason: "stop"}))
	for _, in := range []plaudit.Interaction{w.ada1, w.bob} {
		must(t, s.RecordAggregate(t.Context(), w.rsps[in.ID], plaudit.ChannelEmail, base))
	}
	return w
}

func interactionIDs(l []plaudit.Interaction) []string {
	out := []string{}
	for _, x := range l {
		out = append(out, x.ID)
	}
	sort.Strings(out)
	return out
}

func testExportSubject(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	w := buildSubjects(t, s)

	byEmail, err := s.ExportSubject(ctx, w.a.ID, adaEmail, "")
	must(t, err)
	if got, want := interactionIDs(byEmail.Interactions), sorted(w.ada1.ID, w.ada2.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("export by email: interactions %v, want %v", got, want)
	}
	if len(byEmail.Requests) != 2 || len(byEmail.Responses) != 1 || byEmail.Responses[0].ID != w.rsps[w.ada1.ID].ID {
		t.Fatalf("export by email: %d requests, %d responses", len(byEmail.Requests), len(byEmail.Responses))
	}
	if byEmail.Suppressed {
		t.Fatal("email is not suppressed (the phone is)")
	}
	full, err := s.ExportSubject(ctx, w.a.ID, adaEmail, adaPhone)
	must(t, err)
	if got, want := interactionIDs(full.Interactions), sorted(w.ada1.ID, w.ada2.ID, w.adaSMS.ID); !reflect.DeepEqual(got, want) {
		t.Fatalf("export by email and phone: %v, want %v", got, want)
	}
	if len(full.Requests) != 3 || len(full.Responses) != 2 || !full.Suppressed {
		t.Fatalf("full export: %d requests, %d responses, suppressed %v", len(full.Requests), len(full.Responses), full.Suppressed)
	}
	deepEqual(t, "exported request", findReq(full.Requests, w.reqs[w.adaSMS.ID].ID), w.reqs[w.adaSMS.ID])
	for _, in := range full.Interactions {
		if in.TenantID != w.a.ID || in.Customer.Name != adaName {
			t.Fatalf("foreign interaction in export: %+v", in)
		}
	}
	b, err := json.Marshal(full)
	must(t, err)
	if !strings.Contains(string(b), `"interactions"`) || strings.Contains(string(b), bobEmail) {
		t.Fatalf("export JSON: %s", b)
	}

	nobody, err := s.ExportSubject(ctx, w.a.ID, "nobody@example.org", "")
	must(t, err)
	if nobody.Interactions == nil || len(nobody.Interactions)+len(nobody.Requests)+len(nobody.Responses) != 0 || nobody.Suppressed {
		t.Fatalf("export of nobody: %+v", nobody)
	}
	_, err = s.ExportSubject(ctx, w.a.ID, "", "")
	wantCode(t, err, plaudit.EInvalid)
	_, err = s.ExportSubject(ctx, "ten_missing", adaEmail, "")
	wantNotFound(t, "ExportSubject of a missing tenant", err)
}

func sorted(ids ...string) []string { sort.Strings(ids); return ids }

func findReq(l []plaudit.FeedbackRequest, id string) plaudit.FeedbackRequest {
	for _, r := range l {
		if r.ID == id {
			return r
		}
	}
	return plaudit.FeedbackRequest{}
}

// fileBytes is the SQLite database and its WAL as they are on disk.
func fileBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{s.path, s.path + "-wal", s.path + "-journal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

func testEraseSubject(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	w := buildSubjects(t, s)
	if s.Engine() == "sqlite" {
		raw := fileBytes(t, s)
		for _, needle := range []string{adaEmail[1:], adaPhone, adaName, bobEmail} {
			if !bytes.Contains(raw, []byte(needle)) {
				t.Fatalf("test setup: %q not in the database files before erasure", needle)
			}
		}
	}

	_, err := s.EraseSubject(ctx, w.a.ID, "", "")
	wantCode(t, err, plaudit.EInvalid)
	n, err := s.EraseSubject(ctx, w.a.ID, adaEmail, adaPhone)
	must(t, err)
	// 3 interactions, 3 requests, 2 responses.
	if n != 8 {
		t.Fatalf("EraseSubject = %d rows, want 8", n)
	}
	for _, in := range []plaudit.Interaction{w.ada1, w.ada2, w.adaSMS} {
		_, err := s.GetInteraction(ctx, w.a.ID, in.ID)
		wantNotFound(t, "erased interaction", err)
		_, err = s.GetRequest(ctx, w.a.ID, w.reqs[in.ID].ID)
		wantNotFound(t, "erased request", err)
	}
	_, err = s.GetResponse(ctx, w.a.ID, w.rsps[w.ada1.ID].ID)
	wantNotFound(t, "erased response", err)
	left, err := s.ExportSubject(ctx, w.a.ID, adaEmail, adaPhone)
	must(t, err)
	if len(left.Interactions)+len(left.Requests)+len(left.Responses) != 0 {
		t.Fatalf("left after erasure: %+v", left)
	}
	// The opt-out, the other customer, the other tenant and the anonymous
	// aggregates stay.
	if !left.Suppressed {
		t.Fatal("erasure lifted the suppression")
	}
	for _, c := range []struct{ tenant, id string }{{w.a.ID, w.bob.ID}, {w.b.ID, w.adaB.ID}} {
		if _, err := s.GetInteraction(ctx, c.tenant, c.id); err != nil {
			t.Fatalf("erasure took another row: %v", err)
		}
	}
	if _, err := s.GetResponse(ctx, w.b.ID, w.rsps[w.adaB.ID].ID); err != nil {
		t.Fatal(err)
	}
	if rows, _ := s.AggregateScores(ctx, w.a.ID, base.AddDate(0, 0, -1)); len(rows) != 2 {
		t.Fatalf("aggregates after erasure: %d, want 2", len(rows))
	}
	if n, err := s.EraseSubject(ctx, w.a.ID, adaEmail, adaPhone); err != nil || n != 0 {
		t.Fatalf("second erasure = %d, %v", n, err)
	}

	if s.Engine() == "sqlite" {
		// Tenant B still holds Ada: erase her there too, then no byte of her
		// may remain on disk, while Bob's do.
		if _, err := s.EraseSubject(ctx, w.b.ID, adaEmail, adaPhone); err != nil {
			t.Fatal(err)
		}
		raw := fileBytes(t, s)
		for _, needle := range []string{adaEmail[1:], adaPhone, adaName, "Thanks, " + adaName} {
			if bytes.Contains(raw, []byte(needle)) {
				t.Errorf("%q still in the database files after erasure", needle)
			}
		}
		if !bytes.Contains(raw, []byte(bobEmail)) {
			t.Error("the other customer's data is gone from the file: the check above proves nothing")
		}
		if fi, err := os.Stat(s.path + "-wal"); err == nil && fi.Size() != 0 {
			t.Errorf("WAL not truncated: %d bytes", fi.Size())
		}
	}
}

func testSweepRetention(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	old1, oldReq1, oldRsp1 := chain(t, s, a.ID, "old1@example.com", "")
	must(t, s.RecordAggregate(ctx, oldRsp1, plaudit.ChannelEmail, base))
	oldB, _, _ := chain(t, s, b.ID, "oldb@example.com", "")
	// The old customer opted out: the opt-out outlives the sweep.
	optOut := keyring.AddressHash(a.HashKey, "old1@example.com")
	must(t, s.Suppress(ctx, plaudit.Suppression{TenantID: a.ID, AddressHash: optOut, Reason: plaudit.SuppressUnsubscribe, Channel: "email"}))
	// An old interaction whose request came later: it goes with it.
	old2 := newInteraction(t, s, a.ID, nil)
	cutoff := base.Add(24 * time.Hour)
	clk.Set(cutoff.Add(time.Hour))
	lateReq := newRequest(t, s, old2, nil)
	fresh, freshReq, freshRsp := chain(t, s, a.ID, "new@example.com", "")

	n, err := s.SweepRetention(ctx, a.ID, cutoff)
	must(t, err)
	// old1 + its request + response, old2 + its late request.
	if n != 5 {
		t.Fatalf("SweepRetention = %d, want 5", n)
	}
	for _, id := range []string{old1.ID, old2.ID} {
		_, err := s.GetInteraction(ctx, a.ID, id)
		wantNotFound(t, "swept interaction", err)
	}
	for _, id := range []string{oldReq1.ID, lateReq.ID} {
		_, err := s.GetRequest(ctx, a.ID, id)
		wantNotFound(t, "swept request", err)
	}
	_, err = s.GetResponse(ctx, a.ID, oldRsp1.ID)
	wantNotFound(t, "swept response", err)
	if _, err := s.GetInteraction(ctx, a.ID, fresh.ID); err != nil {
		t.Fatal("fresh interaction swept")
	}
	if _, err := s.GetRequest(ctx, a.ID, freshReq.ID); err != nil {
		t.Fatal("fresh request swept")
	}
	if _, err := s.GetResponse(ctx, a.ID, freshRsp.ID); err != nil {
		t.Fatal("fresh response swept")
	}
	if _, err := s.GetInteraction(ctx, b.ID, oldB.ID); err != nil {
		t.Fatal("another tenant's data swept")
	}
	if rows, _ := s.AggregateScores(ctx, a.ID, base.AddDate(0, 0, -1)); len(rows) != 1 {
		t.Fatal("aggregates swept")
	}
	if n, err := s.SweepRetention(ctx, a.ID, cutoff); err != nil || n != 0 {
		t.Fatalf("second sweep = %d, %v", n, err)
	}
	if sup, err := s.IsSuppressed(ctx, a.ID, optOut, cutoff.Add(365*24*time.Hour)); err != nil || !sup {
		t.Fatalf("opt-out after the retention sweep: %v, %v", sup, err)
	}
}

// testInteractionBatches writes batches as the group commit hands them to
// the engine: new rows, a redelivery of a stored one, the same new event
// twice in one batch, and rows that must fail alone (a missing tenant, an
// id that exists). Then many concurrent callers through InsertInteraction.
func testInteractionBatches(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	stored := newInteraction(t, s, a.ID, func(in *plaudit.Interaction) { in.ConnectorID = "con_z" })
	call := func(tenant, id, key string) *insertCall {
		in := &plaudit.Interaction{TenantID: tenant, ConnectorID: "con_z", Source: "zendesk", DedupKey: key,
			Event: plaudit.EventSolved, Customer: plaudit.Customer{Email: key + "@example.com"}, Tags: []string{"t"}}
		if id == "" {
			id = keyring.ID("int")
		}
		return &insertCall{row: interactionRow{in: in, id: id, dedup: key, status: plaudit.InteractionReceived, now: base}}
	}
	news := []*insertCall{call(a.ID, "", "n1"), call(a.ID, "", "n2"), call(a.ID, "", "n3")}
	redelivered := call(a.ID, "", stored.DedupKey)
	twinA, twinB := call(a.ID, "", "twin"), call(a.ID, "", "twin")
	s.writeInteractions(ctx, append(append([]*insertCall{}, news...), redelivered, twinA, twinB))
	for _, c := range append(news, redelivered, twinA, twinB) {
		must(t, c.err)
	}
	for _, c := range news {
		if !c.created {
			t.Fatalf("new row %s not created", c.row.dedup)
		}
		got, err := s.GetInteraction(ctx, a.ID, c.row.id)
		must(t, err)
		if got.Customer.Email != c.row.dedup+"@example.com" || got.DedupKey != c.row.dedup || len(got.Tags) != 1 || !got.CreatedAt.Equal(base) {
			t.Fatalf("row written as %+v", got)
		}
	}
	if redelivered.created {
		t.Fatal("a redelivered event was created again")
	}
	if twinA.created == twinB.created {
		t.Fatalf("the same event twice in one batch: created %v and %v, want exactly one", twinA.created, twinB.created)
	}

	// Rows that fail must fail alone.
	missing, taken := call("ten_missing", "", "m1"), call(a.ID, stored.ID, "m2")
	good := []*insertCall{call(a.ID, "", "g1"), call(a.ID, "", "g2")}
	s.writeInteractions(ctx, []*insertCall{good[0], missing, taken, good[1]})
	wantNotFound(t, "a row for a missing tenant", missing.err)
	if plaudit.ErrorCode(taken.err) != plaudit.EConflict {
		t.Fatalf("a row with an id that exists: %v, want conflict", taken.err)
	}
	for _, c := range good {
		if c.err != nil || !c.created {
			t.Fatalf("a good row in a batch with bad ones: created=%v err=%v", c.created, c.err)
		}
	}

	// Many callers at once, each event delivered twice: one row per event,
	// and both deliveries name it.
	const events = 48
	type result struct {
		id      string
		created bool
	}
	results := make([][2]result, events)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range events * 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			in := plaudit.Interaction{TenantID: a.ID, ConnectorID: "con_c", Source: "zendesk",
				DedupKey: fmt.Sprintf("c%d", i/2), Event: plaudit.EventSolved}
			created, err := s.InsertInteraction(ctx, &in)
			if err != nil {
				t.Error(err)
				return
			}
			results[i/2][i%2] = result{in.ID, created}
		}()
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		if r[0].id == "" || r[0].id != r[1].id || r[0].created == r[1].created {
			t.Fatalf("event c%d: %+v, want one row, created once", i, r)
		}
	}
	var n int
	must(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM interactions WHERE connector_id = 'con_c'`).Scan(&n))
	if n != events {
		t.Fatalf("%d rows for %d events", n, events)
	}
}

// testConcurrentWriters hammers the store from 20 goroutines with writes of
// every kind; on SQLite no writer may fail with SQLITE_BUSY.
func testConcurrentWriters(t *testing.T, s *Store, _ *clock) {
	ctx := t.Context()
	a := newTenant(t, s, "A")
	var wg sync.WaitGroup
	errs := make(chan error, 20*10*6)
	for g := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every fifth goroutine erases what it wrote, on keys of its
			// own; the others race on ten shared dedup keys.
			erasing := g%5 == 0
			for i := range 10 {
				key, email := fmt.Sprintf("k%d", i), fmt.Sprintf("c%d-%d@example.com", g, i)
				if erasing {
					key = fmt.Sprintf("e%d-%d", g, i)
				}
				in := plaudit.Interaction{TenantID: a.ID, Source: "api", DedupKey: key, Event: plaudit.EventSolved,
					Customer: plaudit.Customer{Email: email}}
				if _, err := s.InsertInteraction(ctx, &in); err != nil {
					errs <- fmt.Errorf("insert interaction: %w", err)
					continue
				}
				r := plaudit.FeedbackRequest{TenantID: a.ID, InteractionID: in.ID, Recipient: email, DueAt: base}
				if _, err := s.CreateRequest(ctx, &r); err != nil {
					errs <- fmt.Errorf("create request: %w", err)
					continue
				}
				if _, _, err := s.ClaimRequest(ctx, a.ID, r.ID, base); err != nil {
					errs <- fmt.Errorf("claim: %w", err)
				}
				if err := s.AddAudit(ctx, &plaudit.AuditEvent{TenantID: a.ID, Actor: "operator", Action: "x"}); err != nil {
					errs <- fmt.Errorf("audit: %w", err)
				}
				if _, err := s.FirstSeen(ctx, fmt.Sprintf("g%d-%d", g, i%3), base); err != nil {
					errs <- fmt.Errorf("first seen: %w", err)
				}
				if erasing {
					if n, err := s.EraseSubject(ctx, a.ID, email, ""); err != nil || n != 2 {
						errs <- fmt.Errorf("erase: %d rows, %v", n, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for table, want := range map[string]int{"interactions": 10, "feedback_requests": 10, "audit_events": 200} {
		if n := count(t, s, table, a.ID); n != want {
			t.Errorf("%d %s, want %d", n, table, want)
		}
	}
	var seen int
	must(t, s.db.QueryRowContext(ctx, `SELECT count(*) FROM seen_callbacks`).Scan(&seen))
	if seen != 60 {
		t.Fatalf("%d seen keys, want 60", seen)
	}
}

// testClaimWriteback: one worker at a time writes a response back; a
// version that comes while an older one is written waits for that claim;
// a claim whose worker died is taken again after the claim timeout.
func testClaimWriteback(t *testing.T, s *Store, clk *clock) {
	ctx := t.Context()
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	p := newResponse(t, s, newRequest(t, s, newInteraction(t, s, a.ID, nil), nil), nil)
	now := base.Add(time.Hour)

	_, ok, err := s.ClaimWriteback(ctx, b.ID, p.ID, now, false)
	if ok || !plaudit.IsNotFound(err) {
		t.Fatalf("ClaimWriteback across tenants: %v %v", ok, err)
	}
	// Twenty workers at once: one claims version 1.
	var won atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, ok, err := s.ClaimWriteback(ctx, a.ID, p.ID, now, false)
			if err != nil {
				t.Error(err)
			}
			if ok {
				won.Add(1)
				if got.Version != 1 || got.WritingVersion != 1 {
					t.Errorf("claimed %+v", got)
				}
			}
		}()
	}
	wg.Wait()
	if n := won.Load(); n != 1 {
		t.Fatalf("%d workers claimed the writeback, want 1", n)
	}
	// The comment comes while version 1 is written: version 2 is not
	// claimed until version 1's claim ends.
	p.Comment = "and quick"
	must(t, s.UpdateResponse(ctx, &p))
	got, ok, err := s.ClaimWriteback(ctx, a.ID, p.ID, now, false)
	must(t, err)
	if ok || got.Version != 2 || got.WritingVersion != 1 {
		t.Fatalf("claimed a newer version while the old was written: %v %+v", ok, got)
	}
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 1, plaudit.WritebackDone, ""))
	got, ok, err = s.ClaimWriteback(ctx, a.ID, p.ID, now, false)
	must(t, err)
	if !ok || got.WritingVersion != 2 || got.WrittenVersion != 1 {
		t.Fatalf("version 2 not claimed after version 1 was written: %v %+v", ok, got)
	}
	// A retryable failure ends the claim, so the retry can claim again.
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 2, plaudit.WritebackPending, "zendesk: status 503"))
	if _, ok, err = s.ClaimWriteback(ctx, a.ID, p.ID, now, false); err != nil || !ok {
		t.Fatalf("not claimed after a retryable failure: %v %v", ok, err)
	}
	// The worker dies holding it: claimed again only after the timeout.
	if _, ok, _ = s.ClaimWriteback(ctx, a.ID, p.ID, now.Add(WritebackClaimTimeout-time.Second), false); ok {
		t.Fatal("a live claim was taken")
	}
	if _, ok, _ = s.ClaimWriteback(ctx, a.ID, p.ID, now.Add(WritebackClaimTimeout+time.Second), false); !ok {
		t.Fatal("an abandoned claim was not taken again")
	}
	// A take-over breaks a live claim: its holder is known to be dead.
	if _, ok, _ = s.ClaimWriteback(ctx, a.ID, p.ID, now.Add(WritebackClaimTimeout+2*time.Second), true); !ok {
		t.Fatal("a take-over did not break the claim")
	}
	// Written: nothing left to claim.
	must(t, s.MarkWriteback(ctx, a.ID, p.ID, 2, plaudit.WritebackDone, ""))
	if _, ok, _ = s.ClaimWriteback(ctx, a.ID, p.ID, now.Add(time.Hour), false); ok {
		t.Fatal("a written response was claimed")
	}
	_, _, err = s.ClaimWriteback(ctx, a.ID, "rsp_missing", now, false)
	wantNotFound(t, "ClaimWriteback missing", err)
}
