package server

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/i18n"
)

// The unsubscribe page, /u/{token}: the link in every email's footer, in
// its List-Unsubscribe header and on the feedback page. The token is the
// feedback page's. A GET shows what unsubscribing does, and one button;
// only a POST records it, since mail scanners open every link. The POST
// needs no cookie and no form token: the token in the path is the
// authority, and mail providers send their one-click POST (RFC 8058,
// "List-Unsubscribe=One-Click") without either.

// unsubData is what the page shows.
type unsubData struct {
	Lang, Token, Brand, BrandColor, Company, PrivacyURL string
	HasLogo                                             bool
	// State is "ask" (the button), "done" (unsubscribed) or "notfound".
	State string
	// SMS: the request went by SMS, so it is the phone number that is
	// (to be) unsubscribed.
	SMS bool
	// Since is the day of the suppression, written in the customer's
	// language and the tenant's time zone.
	Since string
	// CanUndo offers the undo button; StopByText says that a STOP by SMS
	// is lifted by START instead.
	CanUndo, StopByText bool
	// Undone: the customer has just taken the unsubscribe back.
	Undone bool
	Nonce  string // of the inline style with the brand colour
}

// unsubState loads the request of the token and what the page shows.
func (s *Server) unsubState(c *fiber.Ctx) (unsubData, plaudit.FeedbackRequest, error) {
	d := unsubData{Lang: i18n.Default, Token: c.Params("token"), BrandColor: "#2f6fed", State: "notfound"}
	ctx := c.UserContext()
	req, err := s.cfg.Store.RequestByToken(ctx, d.Token)
	if plaudit.IsNotFound(err) || (err == nil && req.RecipientHash == "") {
		return d, req, plaudit.Errorf(plaudit.ENotFound, "feedback request not found")
	}
	if err != nil {
		return d, req, err
	}
	t, err := s.cfg.Store.GetTenant(ctx, req.TenantID)
	if err != nil {
		return d, req, err
	}
	st := t.Settings
	d.Lang, d.SMS, d.State = req.Language, req.Channel == plaudit.ChannelSMS, "ask"
	d.Brand, d.PrivacyURL, d.HasLogo = st.BrandName, st.PrivacyURL, st.LogoURL != ""
	if st.BrandColor != "" {
		d.BrandColor = st.BrandColor
	}
	d.Company = st.BrandName
	if d.Company == "" {
		d.Company = t.Name
	}
	sp, err := s.cfg.Store.GetSuppression(ctx, req.TenantID, req.RecipientHash)
	switch {
	case plaudit.IsNotFound(err):
		return d, req, nil
	case err != nil:
		return d, req, err
	case sp.ExpiresAt != nil && !sp.ExpiresAt.After(s.cfg.Now()):
		return d, req, nil
	}
	d.State, d.CanUndo = "done", sp.CustomerMayUndo()
	d.StopByText = !d.CanUndo && sp.Reason == "sms_stop"
	d.Since = i18n.Date(d.Lang, sp.CreatedAt.In(st.Location()))
	return d, req, nil
}

func (s *Server) renderUnsub(c *fiber.Ctx, status int, d unsubData) error {
	d.Nonce = pageHeaders(c)
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, "unsubscribe", d); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// unsubError shows the page for a token that names no request that can be
// unsubscribed, and passes any other error on.
func (s *Server) unsubError(c *fiber.Ctx, d unsubData, err error) error {
	if plaudit.IsNotFound(err) {
		d.State = "notfound"
		return s.renderUnsub(c, fiber.StatusNotFound, d)
	}
	return err
}

// unsubShow is GET /u/{token}. It records nothing.
func (s *Server) unsubShow(c *fiber.Ctx) error {
	d, _, err := s.unsubState(c)
	if err != nil {
		return s.unsubError(c, d, err)
	}
	d.Undone = d.State == "ask" && c.Query("undone") == "1"
	return s.renderUnsub(c, fiber.StatusOK, d)
}

// unsubSubmit is POST /u/{token}: the page's button (action=unsubscribe,
// or nothing), its undo (action=undo), or a mail provider's one-click
// POST. The one-click POST is answered with the page itself, since
// nobody follows a redirect there; the page's form posts are answered
// with a redirect to the page (post/redirect/get).
func (s *Server) unsubSubmit(c *fiber.Ctx) error {
	d, req, err := s.unsubState(c)
	if err != nil {
		return s.unsubError(c, d, err)
	}
	oneClick := c.FormValue("List-Unsubscribe") == "One-Click"
	switch action := c.FormValue("action"); {
	case oneClick || action == "" || action == "unsubscribe":
		if _, err := s.fb.Unsubscribe(c.UserContext(), req, plaudit.SuppressUnsubscribe); err != nil {
			return s.unsubError(c, d, err)
		}
	case action == "undo":
		if err := s.fb.Resubscribe(c.UserContext(), req); err != nil {
			if plaudit.ErrorCode(err) == plaudit.EForbidden {
				return s.renderUnsub(c, fiber.StatusForbidden, d)
			}
			return s.unsubError(c, d, err)
		}
		return c.Redirect("/u/"+d.Token+"?undone=1", fiber.StatusSeeOther)
	default:
		return plaudit.Errorf(plaudit.EInvalid, "action must be unsubscribe or undo")
	}
	if !oneClick {
		return c.Redirect("/u/"+d.Token, fiber.StatusSeeOther)
	}
	if d, _, err = s.unsubState(c); err != nil {
		return s.unsubError(c, d, err)
	}
	return s.renderUnsub(c, fiber.StatusOK, d)
}
