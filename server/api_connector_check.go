package server

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
)

// DefaultConnectorTestTimeout bounds a connector test: long enough for a
// token request and a read or two at a slow helpdesk, well inside the
// server's write timeout.
const DefaultConnectorTestTimeout = 10 * time.Second

// connectorTestResult is the answer of POST /api/v1/connectors/{id}/test:
// {"ok":true}, {"ok":true,"message":…} when there was nothing to call,
// or {"ok":false,"error":{"code","message"}} saying what to fix
// ("invalid") or that the helpdesk did not answer ("unavailable").
type connectorTestResult struct {
	OK      bool         `json:"ok"`
	Message string       `json:"message,omitempty"`
	Error   *testFailure `json:"error,omitempty"`
}

type testFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// testConnector is POST /api/v1/connectors/{id}/test: the connector's
// driver, built from the stored settings, calls the helpdesk with the
// stored credentials. The call ran, so the answer is 200 whatever the
// helpdesk said; ok says whether it accepted them.
func (s *Server) testConnector(c *fiber.Ctx) error {
	ctx := c.UserContext()
	con, err := s.cfg.Store.GetConnector(ctx, tenantID(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.testAndRecord(c, con))
}

// testAndRecord runs the connector's test and records it in the audit log:
// the API's test and the console's button.
func (s *Server) testAndRecord(c *fiber.Ctx, con plaudit.Connector) connectorTestResult {
	res := s.runConnectorTest(c.UserContext(), con)
	detail := "ok=true"
	if res.Error != nil {
		detail = "ok=false code=" + res.Error.Code
	}
	s.audit(c, con.TenantID, actor(c), "connector.test", con.ID, detail)
	return res
}

// runConnectorTest builds a fresh driver (not the cached one, so that the
// test sees the settings as stored now and leaves what the cached driver
// holds alone) and runs its Test within the timeout.
func (s *Server) runConnectorTest(ctx context.Context, con plaudit.Connector) connectorTestResult {
	driver, err := s.cfg.Kinds.Driver(con, s.cfg.DriverDeps)
	if err != nil {
		return s.failedTest(con, err)
	}
	tester, ok := driver.(plaudit.Tester)
	if !ok {
		return s.failedTest(con, plaudit.Errorf(plaudit.EInvalid, "connectors of kind %s cannot be tested", con.Kind))
	}
	timeout := cmp.Or(s.cfg.ConnectorTestTimeout, DefaultConnectorTestTimeout)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err = tester.Test(tctx)
	var nothing *plaudit.NothingToTest
	switch {
	case err == nil:
		return connectorTestResult{OK: true}
	case errors.As(err, &nothing):
		return connectorTestResult{OK: true, Message: "nothing to test: " + nothing.Reason}
	case errors.Is(tctx.Err(), context.DeadlineExceeded):
		return s.failedTest(con, plaudit.Errorf(plaudit.EUnavailable, "the helpdesk did not answer within %s: try again later", timeout))
	}
	return s.failedTest(con, err)
}

// failedTest is the answer for a test that failed with err. Drivers word
// their *plaudit.Error for admins; anything else is a fault of Plaudit's,
// logged by kind only (its text may hold a configured address).
func (s *Server) failedTest(con plaudit.Connector, err error) connectorTestResult {
	code, msg := plaudit.ErrorCode(err), plaudit.ErrorMessage(err)
	if code == plaudit.EInternal {
		s.log.Error("connector test failed", "kind", con.Kind)
		msg = "the test could not be run: an internal error, logged on the server"
	}
	return connectorTestResult{Error: &testFailure{Code: code, Message: msg}}
}
