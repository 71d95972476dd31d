-- The console's responses page filters by agent (a lead's team, an agent's
-- own) and by ticket, newest first, at millions of rows: without these the
-- filter reads the tenant's whole history (docs/benchmarks.md § Console).
CREATE INDEX responses_tenant_agent_created ON responses (tenant_id, agent_id, created_at);
CREATE INDEX responses_tenant_ticket ON responses (tenant_id, ticket_id);
