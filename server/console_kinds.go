package server

// kindField is one config field of a connector kind in the console's
// form. Secrets are write-only: left empty on an edit, the stored one
// stays.
type kindField struct {
	Key, Label, Hint string
	// Type is text, secret, url, email, number or list (comma-separated).
	Type     string
	Required bool
}

// Name is the form field's name: errors from the API ("config.subdomain
// is required") land next to it.
func (f kindField) Name() string { return "config." + f.Key }

// kindGuide is a kind's set-up: its form, and the steps in the helpdesk,
// where "{webhook_url}" stands for the connector's URL.
type kindGuide struct {
	Title  string
	Doc    string
	Fields []kindField
	Steps  []string
	// Body is what to paste into the helpdesk's webhook action, if any.
	Body string
}

var (
	fTags = kindField{Key: "tags", Label: "Tags", Type: "list", Hint: "Optional: added on writeback, separated by commas."}
	fRate = kindField{Key: "rate_limit_per_second", Label: "Deliveries per second", Type: "number", Hint: "Optional: accepted per second before 429 (default 1000)."}
	fBase = func(hint string) kindField {
		return kindField{Key: "base_url", Label: "API base URL", Type: "url", Hint: hint}
	}
)

const zendeskBody = `{"ticket": {"id": "{{ticket.id}}", "status": "{{ticket.status}}", "via": "{{ticket.via}}",
            "tags": "{{ticket.tags}}", "brand": "{{ticket.brand.name}}",
            "updated_at": "{{ticket.updated_at_with_timestamp}}"},
 "requester": {"id": "{{ticket.requester.id}}", "name": "{{ticket.requester.name}}",
               "email": "{{ticket.requester.email}}", "phone": "{{ticket.requester.phone}}",
               "language": "{{ticket.requester.language}}"},
 "assignee": {"id": "{{ticket.assignee.id}}", "name": "{{ticket.assignee.name}}",
              "email": "{{ticket.assignee.email}}"}}`

const freshdeskBody = `{"ticket": {"id": "{{ticket.id}}", "status": "{{ticket.status}}", "source": "{{ticket.source}}",
            "tags": "{{ticket.tags}}", "group": "{{ticket.group.name}}", "event": "{{triggered_event}}"},
 "requester": {"name": "{{ticket.requester.name}}", "email": "{{ticket.requester.email}}",
               "phone": "{{ticket.requester.phone}}"},
 "agent": {"name": "{{ticket.agent.name}}", "email": "{{ticket.agent.email}}"}}`

// kindGuides are the console's set-up guides, one per kind; docs/<kind>.md
// says more.
var kindGuides = map[string]kindGuide{
	"zendesk": {Title: "Zendesk", Doc: "README.md (Zendesk)", Fields: []kindField{
		{Key: "subdomain", Label: "Subdomain", Required: true, Hint: "The account name before .zendesk.com."},
		{Key: "email", Label: "API user's email", Type: "email", Required: true, Hint: "The agent whose API token Plaudit uses."},
		{Key: "api_token", Label: "API token", Type: "secret", Required: true, Hint: "Admin Center → Apps and integrations → Zendesk API → Add API token."},
		{Key: "signing_secret", Label: "Webhook signing secret", Type: "secret", Required: true, Hint: "The webhook's Signing secret (step 1 below)."},
		{Key: "rating_field_id", Label: "Rating field id", Type: "number", Hint: "Optional: a ticket field that gets the score."},
		{Key: "comment_field_id", Label: "Comment field id", Type: "number", Hint: "Optional: a ticket field that gets the comment."},
		fTags, fBase("Optional: overrides https://{subdomain}.zendesk.com (proxies)."), fRate},
		Steps: []string{
			"Admin Center → Apps and integrations → Webhooks → Create webhook → Trigger or automation. Endpoint URL: {webhook_url}; method POST; format JSON; authentication none. Create it, reveal its signing secret and put it in this connector.",
			"Objects and rules → Business rules → Triggers → Add trigger. Conditions: Ticket › Status › Changed to › Solved. Actions: Notify by › Active webhook › the webhook of step 1, with the JSON body below.",
			"Optional: a second trigger with Ticket › Status › Changed from › Solved and the same action: a reopened ticket cancels a request not yet sent.",
		}, Body: zendeskBody},
	"salesforce": {Title: "Salesforce Service Cloud", Doc: "docs/salesforce.md", Fields: []kindField{
		{Key: "org_id", Label: "Organization id", Required: true, Hint: "15 or 18 characters: Setup → Company Information."},
		{Key: "client_id", Label: "Consumer key", Required: true, Hint: "Of the External Client App (client credentials flow)."},
		{Key: "client_secret", Label: "Consumer secret", Type: "secret", Required: true},
		{Key: "login_url", Label: "Login URL", Type: "url", Hint: "Default https://login.salesforce.com."},
		{Key: "api_version", Label: "API version", Hint: "Default v60.0."},
		{Key: "rating_field", Label: "Case rating field", Hint: "Optional: a Case field that gets the score."},
		{Key: "comment_field", Label: "Case comment field", Hint: "Optional: a Case field that gets the comment."},
		fTags, fRate},
		Steps: []string{
			"Setup → Process Automation → Workflow Actions → Outbound Messages → New: object Case, endpoint URL {webhook_url}. Send the fields Id, CaseNumber, Status, IsClosed, OwnerId, ContactEmail, SuppliedEmail, SuppliedName, ContactMobile, SuppliedPhone, Language (and Origin for SMS after phone Cases).",
			"Setup → Flows → New Record-Triggered Flow on Case, when a record is updated, entry condition IsClosed equals True, only when updated to meet the condition; action: the Outbound Message of step 1. Activate it.",
			"Recommended: the same flow with IsClosed equals False, so that a reopened Case cancels a request not yet sent.",
			"The webhook URL carries a secret: keep it private; rotate it with “New webhook URL” below if it leaks.",
		}},
	"standard": {Title: "Standard Webhooks (your own system)", Doc: "docs/standard-webhooks.md", Fields: []kindField{
		{Key: "signing_secret", Label: "Signing secret", Type: "secret", Required: true, Hint: "whsec_ followed by a base64 key of 24 to 64 bytes."},
		{Key: "callback_url", Label: "Callback URL", Type: "url", Hint: "Optional: each response is POSTed there, signed."},
		{Key: "callback_secret", Label: "Callback signing secret", Type: "secret", Hint: "Required with a callback URL (whsec_…)."},
		fRate},
		Steps: []string{
			"Sign each request to {webhook_url} with the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256 under the signing secret).",
			"Send the trigger body of docs/trigger-api.md when a conversation is solved.",
		}},
	"freshdesk": {Title: "Freshdesk", Doc: "docs/freshdesk.md", Fields: []kindField{
		{Key: "domain", Label: "Domain", Required: true, Hint: "The account name before .freshdesk.com."},
		{Key: "api_key", Label: "API key", Type: "secret", Required: true, Hint: "Of an agent: profile settings → View API key."},
		{Key: "webhook_secret", Label: "Webhook secret", Type: "secret", Required: true, Hint: "A long random value you choose; the rule sends it in X-Plaudit-Secret."},
		{Key: "rating_field", Label: "Rating field", Hint: "Optional: a cf_… ticket field."},
		{Key: "comment_field", Label: "Comment field", Hint: "Optional: a cf_… ticket field."},
		fTags, fBase("Optional: overrides https://{domain}.freshdesk.com."), fRate},
		Steps: []string{
			"Admin → Workflows → Automations → Ticket updates → New rule: events Status is changed to Resolved, and to Closed.",
			"Action Trigger webhook: POST to {webhook_url}; add the custom header X-Plaudit-Secret: (your webhook secret); encoding JSON, content Advanced, with the body below.",
			"Recommended: a second rule for Status is changed from Resolved or Closed, with the same action.",
		}, Body: freshdeskBody},
	"intercom": {Title: "Intercom", Doc: "docs/intercom.md", Fields: []kindField{
		{Key: "access_token", Label: "Access token", Type: "secret", Required: true, Hint: "Developer Hub → your app → Authentication."},
		{Key: "client_secret", Label: "Client secret", Type: "secret", Required: true, Hint: "Developer Hub → your app → Basic information: signs the webhooks."},
		{Key: "admin_id", Label: "Admin id", Required: true, Hint: "The admin who writes the notes."},
		{Key: "rating_attribute", Label: "Rating attribute", Hint: "Optional: a conversation attribute."},
		{Key: "comment_attribute", Label: "Comment attribute", Hint: "Optional: a conversation attribute."},
		fTags, fBase("Optional: default https://api.intercom.io (api.eu.intercom.io, api.au.intercom.io)."), fRate},
		Steps: []string{
			"Developer Hub → your app → Webhooks: endpoint URL {webhook_url} (Intercom checks it with a HEAD request; Plaudit answers 200).",
			"Topics: conversation.admin.closed, and conversation.admin.opened and conversation.user.replied to cancel a request not yet sent. Save.",
		}},
	"hubspot": {Title: "HubSpot", Doc: "docs/hubspot.md", Fields: []kindField{
		{Key: "access_token", Label: "Access token", Type: "secret", Required: true, Hint: "The private app's access token."},
		{Key: "app_secret", Label: "Client secret", Type: "secret", Required: true, Hint: "The private app's client secret: signs the webhooks."},
		{Key: "closed_stages", Label: "Closed stages", Type: "list", Hint: "Pipeline stage ids that count as solved, separated by commas (default 4)."},
		{Key: "rating_property", Label: "Rating property", Hint: "Optional: a ticket property."},
		{Key: "comment_property", Label: "Comment property", Hint: "Optional: a ticket property."},
		fTags, fBase("Optional: default https://api.hubapi.com."), fRate},
		Steps: []string{
			"Settings → Integrations → Private Apps → Create: scopes tickets, crm.objects.contacts.read, crm.objects.owners.read.",
			"Webhooks: target URL {webhook_url}; subscription Tickets › Property changed › Pipeline stage (hs_pipeline_stage); make it active.",
			"Copy the access token and the client secret into this connector.",
		}},
	"helpscout": {Title: "Help Scout", Doc: "docs/helpscout.md", Fields: []kindField{
		{Key: "app_id", Label: "App id", Required: true, Hint: "Your profile → My Apps → an OAuth app."},
		{Key: "app_secret", Label: "App secret", Type: "secret", Required: true},
		{Key: "webhook_secret", Label: "Webhook secret key", Type: "secret", Required: true, Hint: "A random value you choose; the same goes into the webhook's Secret Key."},
		{Key: "rating_field_id", Label: "Rating field id", Type: "number", Hint: "Optional: a custom field."},
		{Key: "comment_field_id", Label: "Comment field id", Type: "number", Hint: "Optional: a custom field."},
		fTags, fBase("Optional: default https://api.helpscout.net."), fRate},
		Steps: []string{
			"Manage → Apps → Webhooks → Install: Secret Key = your webhook secret; Callback URL {webhook_url}.",
			"Events: Conversation → Status Updated (and Customer Reply to cancel a request not yet sent); payload version v2; pick the mailboxes.",
		}},
	"front": {Title: "Front", Doc: "docs/front.md", Fields: []kindField{
		{Key: "api_token", Label: "API token", Type: "secret", Required: true, Hint: "Settings → Developers → API tokens (scopes: shared resources)."},
		{Key: "app_secret", Label: "App secret", Type: "secret", Required: true, Hint: "Your app → Basic information → App secret."},
		{Key: "rating_field", Label: "Rating field", Hint: "Optional: a conversation custom field."},
		{Key: "comment_field", Label: "Comment field", Hint: "Optional: a conversation custom field."},
		fTags, fBase("Optional: default https://api2.frontapp.com."), fRate},
		Steps: []string{
			"Settings → Company → Developers → Apps → Create app; copy its app secret here.",
			"Features → Webhooks → Enable: server URL {webhook_url}; events Conversation archived and Conversation reopened. Front checks the URL with a signed sync request.",
		}},
	"kustomer": {Title: "Kustomer", Doc: "docs/kustomer.md", Fields: []kindField{
		{Key: "api_key", Label: "API key", Type: "secret", Required: true, Hint: "Settings → Security → API Keys (roles in docs/kustomer.md)."},
		{Key: "webhook_secret", Label: "Webhook token", Type: "secret", Hint: "The outbound webhook's token (step 2); can be added after it is created."},
		{Key: "rating_attribute", Label: "Rating attribute", Hint: "Optional: e.g. csatScoreNum."},
		{Key: "comment_attribute", Label: "Comment attribute", Hint: "Optional: a conversation attribute."},
		fTags, fBase("Optional: default https://api.kustomerapp.com."), fRate},
		Steps: []string{
			"Settings → Platform → Outbound Webhooks → Add: URL {webhook_url}; event kustomer.conversation.update only.",
			"Open the webhook again → Header information: copy the token into this connector's webhook token.",
		}},
	"gladly": {Title: "Gladly", Doc: "docs/gladly.md", Fields: []kindField{
		{Key: "base_url", Label: "Gladly URL", Type: "url", Required: true, Hint: "https://{your organisation}.gladly.com"},
		{Key: "api_user", Label: "API user's email", Type: "email", Required: true},
		{Key: "api_token", Label: "API token", Type: "secret", Required: true},
		{Key: "webhook_username", Label: "Webhook user name", Required: true, Hint: "A name you choose for the webhook's basic auth."},
		{Key: "webhook_password", Label: "Webhook password", Type: "secret", Required: true, Hint: "A long random password you choose."},
		{Key: "rating_attribute", Label: "Rating attribute", Hint: "Optional: a custom attribute."},
		{Key: "comment_attribute", Label: "Comment attribute", Hint: "Optional: a custom attribute."},
		fTags, fRate},
		Steps: []string{
			"As the API user: Settings → App Developer Tools → Webhooks → Add Webhook: URL {webhook_url}; events CONVERSATION/CLOSED and CONVERSATION/REOPENED.",
			"Authentication Basic Auth with the webhook user name and password of this connector; save and enable it (Gladly sends a PING that Plaudit answers).",
		}},
}
