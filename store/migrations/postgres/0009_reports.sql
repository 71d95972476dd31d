-- Reports (docs/reports.md), PostgreSQL flavour of the SQLite file: teams, the team fixed on each request, the
-- exclusion of a response from the agent's figures, rewards, the log of
-- team notifications, and the anonymous figures reports read.
--
-- Teams: agents (and console users) name their team by its name. The
-- webhook URLs are credentials, sealed with the keyring (aad = id).
CREATE TABLE teams (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    webhooks         TEXT NOT NULL,    -- sealed JSON {"slack":…, "teams":…}
    lead_emails      TEXT NOT NULL,    -- JSON list
    praise_min_score INTEGER NOT NULL,
    alert_max_score  INTEGER NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX teams_tenant_name ON teams (tenant_id, name);

ALTER TABLE agents ADD COLUMN team TEXT NOT NULL DEFAULT '';
-- The agent's team when the request was made, fixed like its agent.
ALTER TABLE feedback_requests ADD COLUMN team TEXT NOT NULL DEFAULT '';

-- An exclusion: a reason code (also in the aggregates, where it outlives
-- the response) and a note that goes with the response.
ALTER TABLE responses ADD COLUMN exclusion TEXT NOT NULL DEFAULT '';
ALTER TABLE responses ADD COLUMN exclusion_note TEXT NOT NULL DEFAULT '';
ALTER TABLE responses ADD COLUMN excluded_by TEXT NOT NULL DEFAULT '';
ALTER TABLE responses ADD COLUMN excluded_at TIMESTAMPTZ;
-- The stream reads a tenant's responses by the time they last changed.
CREATE INDEX responses_tenant_updated ON responses (tenant_id, updated_at, id);

-- Aggregates gain what reports group and filter by. exclusion is ''
-- (counted), likely_automated, or the code a person gave. The areas are
-- bit sets over plaudit.ExcellenceAreas and ImprovementAreas (bit i is
-- area i; the lists only ever grow at their end), so that both engines
-- count them with the same SQL.
ALTER TABLE aggregates ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE aggregates ADD COLUMN connector_id TEXT NOT NULL DEFAULT '';
ALTER TABLE aggregates ADD COLUMN exclusion TEXT NOT NULL DEFAULT '';
ALTER TABLE aggregates ADD COLUMN excellence_bits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE aggregates ADD COLUMN improvement_bits INTEGER NOT NULL DEFAULT 0;
UPDATE aggregates SET
    connector_id = COALESCE((SELECT q.connector_id FROM responses r JOIN feedback_requests q ON q.tenant_id = r.tenant_id AND q.id = r.request_id
                             WHERE r.tenant_id = aggregates.tenant_id AND r.id = aggregates.response_id), ''),
    exclusion = CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.tenant_id = aggregates.tenant_id AND r.id = aggregates.response_id AND r.automated)
                     THEN 'likely_automated' ELSE '' END,
    excellence_bits = (SELECT COALESCE(sum(CASE value WHEN 'friendly' THEN 1 WHEN 'fast' THEN 2 WHEN 'knowledgeable' THEN 4
                                                      WHEN 'clear' THEN 8 WHEN 'went_extra_mile' THEN 16 ELSE 0 END), 0)
                       FROM jsonb_array_elements_text(CAST(aggregates.excellence AS jsonb)) AS value),
    improvement_bits = (SELECT COALESCE(sum(CASE value WHEN 'speed' THEN 1 WHEN 'clarity' THEN 2 WHEN 'knowledge' THEN 4
                                                       WHEN 'friendliness' THEN 8 WHEN 'solution' THEN 16 ELSE 0 END), 0)
                        FROM jsonb_array_elements_text(CAST(aggregates.improvement AS jsonb)) AS value);
-- Every report reads a tenant's days; the columns after day let the
-- figures by agent and the leaderboard come from the index alone.
DROP INDEX aggregates_tenant_day;
CREATE INDEX aggregates_report ON aggregates (tenant_id, day, agent_id, score, exclusion, test, team);

-- One row per feedback request, for the response rate: anonymous like
-- the aggregates (no foreign keys; request_id becomes a random key when
-- the request is erased or swept). day is the day it was sent in the
-- tenant's time zone, or for a request never sent the day it ended.
CREATE TABLE request_facts (
    tenant_id    TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    day          TEXT NOT NULL,        -- yyyy-mm-dd
    agent_id     TEXT NOT NULL,
    team         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    status       TEXT NOT NULL,
    sent         BOOLEAN NOT NULL,
    suppressed   BOOLEAN NOT NULL,
    test         BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, request_id)
);
CREATE INDEX request_facts_day ON request_facts (tenant_id, day);

-- Rewards customers offered agents. response_id is '' once the response
-- was erased or swept: the reward stays the agent's.
CREATE TABLE rewards (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    response_id  TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    team         TEXT NOT NULL,
    status       TEXT NOT NULL,        -- earned, fulfilled
    earned_at    TIMESTAMPTZ NOT NULL,
    fulfilled_at TIMESTAMPTZ,
    fulfilled_by TEXT NOT NULL
);
CREATE UNIQUE INDEX rewards_response ON rewards (tenant_id, response_id) WHERE response_id <> '';
CREATE INDEX rewards_tenant ON rewards (tenant_id, earned_at);

-- The log of a team's notifications (praise to Slack and Teams, alerts
-- and digests by email), like callback_deliveries: ids, status codes and
-- error texts without personal data, pruned after 30 days.
CREATE TABLE team_deliveries (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    team_id     TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    response_id TEXT NOT NULL,
    version     INTEGER NOT NULL,
    event_type  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX team_deliveries_team ON team_deliveries (tenant_id, team_id, created_at);

-- Monthly sums of the aggregates, so that a report of whole months reads
-- a few thousand rows instead of every answer: per tenant, month, agent,
-- team, channel, connector and test flag, the sums ScoreFigures returns.
-- report_months says which months are built and fresh: every change of an
-- aggregate marks its month dirty, and a report rebuilds a dirty month
-- from the aggregates before it reads it (store/rollup.go).
CREATE TABLE aggregate_months (
    tenant_id    TEXT NOT NULL,
    month        TEXT NOT NULL,        -- yyyy-mm
    agent_id     TEXT NOT NULL,
    team         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    test         BOOLEAN NOT NULL,
    counted      INTEGER NOT NULL,
    positive     INTEGER NOT NULL,
    score_total  INTEGER NOT NULL,
    s1           INTEGER NOT NULL,
    s2           INTEGER NOT NULL,
    s3           INTEGER NOT NULL,
    s4           INTEGER NOT NULL,
    s5           INTEGER NOT NULL,
    excluded     INTEGER NOT NULL,
    rewards      INTEGER NOT NULL,
    e1           INTEGER NOT NULL,
    e2           INTEGER NOT NULL,
    e3           INTEGER NOT NULL,
    e4           INTEGER NOT NULL,
    e5           INTEGER NOT NULL,
    i1           INTEGER NOT NULL,
    i2           INTEGER NOT NULL,
    i3           INTEGER NOT NULL,
    i4           INTEGER NOT NULL,
    i5           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, month, agent_id, team, channel, connector_id, test)
);
-- The same for the request facts: sent, delivered, answered, suppressed
-- and failed requests per month, agent, team, channel, connector and test
-- flag. report_months covers both tables.
CREATE TABLE fact_months (
    tenant_id    TEXT NOT NULL,
    month        TEXT NOT NULL,        -- yyyy-mm
    agent_id     TEXT NOT NULL,
    team         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    test         BOOLEAN NOT NULL,
    sent         INTEGER NOT NULL,
    delivered    INTEGER NOT NULL,
    answered     INTEGER NOT NULL,
    suppressed   INTEGER NOT NULL,
    failed       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, month, agent_id, team, channel, connector_id, test)
);
CREATE TABLE report_months (
    tenant_id TEXT NOT NULL,
    month     TEXT NOT NULL,
    dirty     BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, month)
);
