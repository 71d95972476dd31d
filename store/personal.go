package store

// PersonalField is one column that holds personal data: whose it is and
// which operation removes it. The list is the single place that says what
// personal data Plaudit keeps; docs/privacy.md is checked against it, and a
// store test checks that every column exists and that the operations named
// here remove it.
type PersonalField struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	// Subject is whose data it is: "customer", "agent" or "user" (a
	// person who signs in to the console).
	Subject string `json:"subject"`
	// Removed names what deletes it: "erasure" (DELETE /api/v1/data-subjects),
	// "retention" (the periodic sweep after retention_days), "agent
	// deletion" (DELETE /api/v1/agents/{id}), "user deletion" (DELETE
	// /api/v1/users/{id}), "tenant deletion" (DELETE /api/v1/tenants/{id}).
	Removed []string `json:"removed"`
}

// Removal operations named in PersonalField.Removed.
const (
	ByErasure        = "erasure"
	ByRetention      = "retention"
	ByAgentDeletion  = "agent deletion"
	ByUserDeletion   = "user deletion"
	ByTenantDeletion = "tenant deletion"
)

var (
	customerRows = []string{ByErasure, ByRetention, ByTenantDeletion}
	agentRows    = []string{ByAgentDeletion, ByTenantDeletion}
	userRows     = []string{ByUserDeletion, ByTenantDeletion}
	// agentCopies are the agent's details as the helpdesk sent them with
	// an interaction: they go with the interaction, or earlier when the
	// agent is deleted.
	agentCopies = []string{ByErasure, ByRetention, ByAgentDeletion, ByTenantDeletion}
)

// PersonalData lists every column holding personal data in clear or in a
// form that can be linked to a person (keyed hashes are not listed: without
// the tenant's key they name nobody, and opt-outs must outlive erasure).
// Interactions, feedback requests and responses are deleted as whole rows;
// agents too. Aggregates hold none of these columns.
var PersonalData = []PersonalField{
	{"interactions", "customer_name", "customer", customerRows},
	{"interactions", "customer_email", "customer", customerRows},
	{"interactions", "customer_phone", "customer", customerRows},
	{"interactions", "customer_language", "customer", customerRows},
	{"interactions", "customer_country", "customer", customerRows},
	{"interactions", "customer_time_zone", "customer", customerRows},
	{"interactions", "external_id", "customer", customerRows},
	{"interactions", "tags", "customer", customerRows},
	{"interactions", "agent_external_id", "agent", agentCopies},
	{"interactions", "agent_email", "agent", agentCopies},
	{"interactions", "agent_name", "agent", agentCopies},
	{"feedback_requests", "recipient", "customer", customerRows},
	{"feedback_requests", "ticket_id", "customer", customerRows},
	{"responses", "score", "customer", customerRows},
	{"responses", "comment", "customer", customerRows},
	{"responses", "excellence", "customer", customerRows},
	{"responses", "improvement", "customer", customerRows},
	{"responses", "ticket_id", "customer", customerRows},
	// A note on an exclusion is free text a person wrote about the
	// answer: it goes with the answer.
	{"responses", "exclusion_note", "customer", customerRows},
	{"agents", "email", "agent", agentRows},
	{"agents", "name", "agent", agentRows},
	{"agents", "bio", "agent", agentRows},
	{"agents", "photo_url", "agent", agentRows},
	{"agents", "hometown", "agent", agentRows},
	{"agents", "external_ids", "agent", agentRows},
	{"agent_photos", "body", "agent", agentRows},
	{"agent_changes", "fields", "agent", agentRows},
	{"agent_changes", "photo", "agent", agentRows},
	{"users", "email", "user", userRows},
	{"users", "name", "user", userRows},
	// Team leads' addresses, for alerts and digests: staff, like agents;
	// an admin removes them from the team, or they go with the tenant.
	{"teams", "lead_emails", "agent", []string{ByTenantDeletion}},
}
