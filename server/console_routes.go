package server

// consoleRoutes serves the admin console under /console. Pages check the
// caller's role themselves (console), as the API's routes do.
func (s *Server) consoleRoutes() {
	app := s.app
	signIn := s.failures("console-login", s.cfg.Limits.AuthFailuresPerClient, s.clientIP, failedAuthentication)
	app.Get("/console/login", s.consoleLogin)
	app.Post("/console/login", s.loginGuard("login"), s.limit("console-login-mail", loginMailsPerClient, s.clientIP), s.consoleSendLink)
	app.Get("/console/login/link/:token", s.consoleLinkPage)
	app.Post("/console/login/link/:token", s.loginGuard("link"), signIn, s.consoleUseLink)
	app.Post("/console/login/operator", s.loginGuard("login"), signIn, s.consoleOperatorLogin)
	app.Get("/console/sso/callback", signIn, s.consoleSSOCallback)
	app.Get("/console/sso/:tenant", s.consoleSSOStart)
	app.Post("/console/logout", s.consoleLogout(false))
	app.Post("/console/logout/everywhere", s.consoleLogout(true))

	app.Get("/console/", s.console(needAgents), s.consoleOverview)
	admin := s.console(needAdmin)
	app.Get("/console/connectors", admin, s.consoleConnectors)
	app.Get("/console/connectors/new", admin, s.consoleNewConnector)
	app.Post("/console/connectors", admin, s.consoleCreateConnector)
	app.Get("/console/connectors/:id", admin, s.consoleConnector)
	app.Post("/console/connectors/:id", admin, s.consoleUpdateConnector)
	app.Post("/console/connectors/:id/delete", admin, s.consoleDeleteConnector)
	app.Post("/console/connectors/:id/webhook-url", admin, s.consoleRotateWebhookURL)

	app.Get("/console/templates", admin, s.consoleTemplates)
	app.Get("/console/templates/email", admin, s.consoleEmailPreview)
	app.Get("/console/settings", admin, s.consoleSettings)
	app.Post("/console/settings", admin, s.consoleSaveSettings)
	app.Get("/console/api-keys", admin, s.consoleKeys)
	app.Post("/console/api-keys", admin, s.consoleCreateKey)
	app.Post("/console/api-keys/:id/delete", admin, s.consoleDeleteKey)
	app.Get("/console/privacy", admin, s.consolePrivacy)
	app.Post("/console/privacy/export", admin, s.consoleExport)
	app.Post("/console/privacy/erase", admin, s.consoleErase)
	app.Get("/console/audit", admin, s.consoleAudit)
	app.Get("/console/queue", admin, s.consoleQueue)
	app.Post("/console/queue/retry", admin, s.consoleRetryTask)
	app.Get("/console/users", admin, s.consoleUsers)
	app.Post("/console/users", admin, s.consoleCreateUser)
	app.Post("/console/users/:id", admin, s.consoleUpdateUser)
	app.Post("/console/users/:id/delete", admin, s.consoleDeleteUser)

	app.Get("/console/responses", s.console(needRead), s.consoleResponses)
	app.Get("/console/responses/:id", s.console(needRead), s.consoleResponse)
	app.Post("/console/responses/:id/exclusion", admin, s.consoleExclude)

	agents, approve := s.console(needAgents), s.console(needApprove)
	app.Get("/console/agents", agents, s.consoleAgents)
	app.Post("/console/agents", admin, s.consoleCreateAgent)
	app.Get("/console/agents/:id", approve, s.consoleAgent)
	app.Post("/console/agents/:id", approve, s.consoleUpdateAgent)
	app.Post("/console/agents/:id/photo", agents, s.consoleAgentPhoto)
	app.Post("/console/agents/:id/delete", admin, s.consoleDeleteAgent)
	app.Post("/console/agent-changes/:id/approve", approve, s.consoleDecideChange(true))
	app.Post("/console/agent-changes/:id/reject", approve, s.consoleDecideChange(false))
	app.Get("/console/profile", s.console(needProfile), s.consoleProfile)
	app.Post("/console/profile", s.console(needProfile), s.consoleProposeProfile)

	app.Get("/console/tenants", s.console(needOperatorRole), s.consoleTenants)
	app.Post("/console/tenants", s.console(needOperatorRole), s.consoleCreateTenant)
	s.consoleRoutesMore()
	s.teamRoutes()
}

// consoleRoutesMore are the console's later pages and forms: one
// response, the connection test, suppressions.
func (s *Server) consoleRoutesMore() {
	app, admin := s.app, s.console(needAdmin)
	app.Post("/console/connectors/:id/test", admin, s.consoleTestConnector)
	app.Post("/console/privacy/suppressions", admin, s.consoleSuppress)
	app.Post("/console/privacy/suppressions/lift", admin, s.consoleLiftSuppression)
}

// reportPageRoutes are the Reports section's pages: reports, the
// leaderboard (and its TV mode) and the live stream, each in the signed-in
// user's scope (reportScope): an admin the tenant, a lead their team, an
// agent themselves.
func (s *Server) reportPageRoutes() {
	app, read := s.app, s.console(needRead)
	app.Get("/console/reports", read, s.consoleReports)
	app.Get("/console/reports/csat.csv", read, s.consoleReportCSV("csat"))
	app.Get("/console/reports/response-rate.csv", read, s.consoleReportCSV("response-rate"))
	app.Get("/console/reports/responses", read, s.consoleDrill)
	app.Get("/console/leaderboard", read, s.consoleLeaderboard)
	app.Get("/console/leaderboard.csv", read, s.consoleLeaderboardCSV)
	app.Get("/console/leaderboard/tv", read, s.consoleLeaderboardTV)
	app.Get("/console/stream", read, s.consoleStream)
}

// teamRoutes are the pages of teams (admins: /api/v1/teams) and rewards
// (admins the tenant's, leads their team's: /api/v1/rewards).
func (s *Server) teamRoutes() {
	app, admin, approve := s.app, s.console(needAdmin), s.console(needApprove)
	app.Get("/console/teams", admin, s.consoleTeams)
	app.Post("/console/teams", admin, s.consoleCreateTeam)
	app.Get("/console/teams/:id", admin, s.consoleTeam)
	app.Post("/console/teams/:id", admin, s.consoleUpdateTeam)
	app.Post("/console/teams/:id/delete", admin, s.consoleDeleteTeam)
	app.Get("/console/rewards", approve, s.consoleRewards)
	app.Post("/console/rewards/:id/fulfil", approve, s.consoleFulfilReward)
}
