package server

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/feedback"
	"github.com/plaudit/plaudit/i18n"
	"github.com/plaudit/plaudit/keyring"
	"github.com/plaudit/plaudit/web"
)

// pageHeaders keep the page private: no referrer (the token is in the
// URL), nothing loaded from elsewhere, no framing, no caching. It returns
// the nonce of the one inline style the page may have: the tenant's brand
// colour, which a style attribute could not carry under this policy.
func pageHeaders(c *fiber.Ctx) (styleNonce string) {
	styleNonce = keyring.Token(16)
	c.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'self' 'nonce-"+styleNonce+"'; script-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Cache-Control", "no-store")
	return styleNonce
}

type pageData struct {
	Lang, Brand, BrandColor, PrivacyURL, Token string
	Nonce                                      string // of the brand colour's style element
	BrandOrCompany                             string
	AgentName, AgentFirst, Hometown, Bio       string
	HasAgent, HasPhoto, HasLogo                bool
	State                                      string
	Selected, Score                            int
	AutoSubmit                                 bool
	Comment                                    string
	Chosen                                     []string
	Reward, RewardOffered                      bool
	ExcellenceAreas, ImprovementAreas          []string
	// AnswerDays is how long a request can be answered, for the page of
	// a closed one.
	AnswerDays      int
	rewardThreshold int
}

func (s *Server) templates() *template.Template {
	s.tmplOnce.Do(func() {
		t, err := web.Templates()
		if err != nil {
			panic("web templates: " + err.Error()) // embedded: a broken template fails every test
		}
		s.tmpl = t
	})
	return s.tmpl
}

func (s *Server) render(c *fiber.Ctx, status int, d pageData) error {
	d.Nonce = pageHeaders(c)
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, "page", d); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// pageState loads what the page shows for a token.
func (s *Server) pageState(c *fiber.Ctx) (pageData, plaudit.FeedbackRequest, error) {
	// Until the request is known: the visitor's language, and no company
	// named on its behalf.
	d := pageData{Lang: plaudit.AcceptLanguage(c.Get(fiber.HeaderAcceptLanguage), i18n.Default), Token: c.Params("token"),
		BrandColor: "#2f6fed", ExcellenceAreas: plaudit.ExcellenceAreas, ImprovementAreas: plaudit.ImprovementAreas,
		AnswerDays: int(plaudit.AnswerWindow.Hours() / 24)}
	ctx := c.UserContext()
	req, err := s.cfg.Store.RequestByToken(ctx, d.Token)
	if plaudit.IsNotFound(err) || (err == nil && req.Status == plaudit.RequestSkipped) {
		d.State = "notfound"
		return d, req, plaudit.Errorf(plaudit.ENotFound, "feedback request not found")
	}
	if err != nil {
		return d, req, err
	}
	d.Lang = req.Language
	if t, err := s.cfg.Store.GetTenant(ctx, req.TenantID); err == nil {
		st := t.Settings
		d.Brand, d.PrivacyURL, d.HasLogo = st.BrandName, st.PrivacyURL, st.LogoURL != ""
		if st.BrandColor != "" {
			d.BrandColor = st.BrandColor
		}
		d.BrandOrCompany = st.BrandName
		if d.BrandOrCompany == "" {
			d.BrandOrCompany = t.Name
		}
		d.rewardThreshold = st.RewardThreshold
	}
	// The agent's card comes from the request's own tenant only. An agent
	// deleted since the request went out leaves the page without a card,
	// asking about the team instead.
	d.AgentFirst = i18n.T(d.Lang, "page.team", nil)
	if a, err := s.cfg.Store.GetAgent(ctx, req.TenantID, req.AgentID); err == nil {
		d.AgentName, d.AgentFirst, d.Hometown, d.Bio = a.DisplayName(), a.FirstName(), a.Hometown, a.Bio
		d.HasAgent, d.HasPhoto = true, a.PhotoURL != ""
	}
	if !req.Answerable(s.cfg.Now()) {
		d.State = "gone"
		return d, req, plaudit.Errorf(plaudit.EGone, "feedback request closed")
	}
	d.State = "rate"
	if resp, err := s.cfg.Store.ResponseByRequest(ctx, req.TenantID, req.ID); err == nil {
		d.State, d.Score, d.Comment, d.Reward = "more", resp.Score, resp.Comment, resp.Reward
		d.Chosen = append(append([]string{}, resp.Excellence...), resp.Improvement...)
		if resp.Comment != "" || len(d.Chosen) > 0 || resp.Reward {
			d.State = "done"
		}
		d.RewardOffered = d.rewardThreshold > 0 && d.Score >= d.rewardThreshold
	}
	return d, req, nil
}

// pageShow is GET /f/{token}. It never records anything: a one-click link
// (?score=N) preselects the score and the page's script submits it by
// POST for a person at the screen (oneclick.go); ?confirm=1, where an
// automatic submission was not taken, leaves it to the button.
func (s *Server) pageShow(c *fiber.Ctx) error {
	d, _, err := s.pageState(c)
	if err != nil {
		return s.pageError(c, d, err)
	}
	if n, err := strconv.Atoi(c.Query("score")); err == nil && n >= 1 && n <= 5 {
		s.opens.opened(d.Token, n, s.cfg.Now())
		if d.State == "rate" {
			d.Selected = n
		} else if n != d.Score {
			d.State, d.Selected = "rate", n // a different score from the email: let them change it
		}
		d.AutoSubmit = d.Selected != 0 && c.Query("confirm") == ""
	}
	return s.render(c, fiber.StatusOK, d)
}

func (s *Server) pageError(c *fiber.Ctx, d pageData, err error) error {
	switch plaudit.ErrorCode(err) {
	case plaudit.ENotFound:
		d.State = "notfound"
		return s.render(c, fiber.StatusNotFound, d)
	case plaudit.EGone:
		d.State = "gone"
		return s.render(c, fiber.StatusGone, d)
	}
	return err
}

// pageSubmit is POST /f/{token}: any of score, comment, areas and reward,
// in one form or in steps (the page sends the score, then the follow-up).
// Every field sent is recorded, or the whole post is refused with a
// message that names the field; nothing is dropped in silence. It answers
// with a redirect to the page (post/redirect/get). A one-click score that
// the page's script submitted (auto=1) and that looks like a link
// scanner's (oneclick.go) records nothing: the page asks for the button.
func (s *Server) pageSubmit(c *fiber.Ctx) error {
	d, req, err := s.pageState(c)
	if err != nil {
		return s.pageError(c, d, err)
	}
	a, err := pageAnswer(c, d)
	if err != nil {
		return err
	}
	if c.FormValue("auto") == "1" && a.Score != nil && !s.takeOneClick(d.Token, c.Get(fiber.HeaderUserAgent), *a.Score) {
		return c.Redirect("/f/"+d.Token+"?score="+strconv.Itoa(*a.Score)+"&confirm=1", fiber.StatusSeeOther)
	}
	if _, err := s.fb.Record(c.UserContext(), req, a); err != nil {
		return s.pageError(c, d, err)
	}
	return c.Redirect("/f/"+d.Token, fiber.StatusSeeOther)
}

// pageAnswer reads the feedback form. The page's follow-up step
// (step=more) sends the whole follow-up, so areas left unticked clear
// earlier ones; any other post changes only the fields it carries.
func pageAnswer(c *fiber.Ctx, d pageData) (feedback.Answer, error) {
	a := feedback.Answer{Source: plaudit.SourcePage}
	whole := c.FormValue("step") == "more"
	if v := c.FormValue("score"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return a, plaudit.Errorf(plaudit.EInvalid, "score must be a number from 1 to 5")
		}
		a.Score = &n
	}
	if whole || formHas(c, "comment") {
		comment := c.FormValue("comment")
		a.Comment = &comment
	}
	for _, area := range []struct {
		field string
		dst   *[]string
		known []string
	}{{"excellence", &a.Excellence, plaudit.ExcellenceAreas}, {"improvement", &a.Improvement, plaudit.ImprovementAreas}} {
		given := formValues(c, area.field)
		if !whole && len(given) == 0 {
			continue
		}
		for _, g := range given {
			if !slices.Contains(area.known, g) {
				return a, plaudit.Errorf(plaudit.EInvalid, "%s: %q is not one of %s", area.field, g, strings.Join(area.known, ", "))
			}
		}
		*area.dst = given
	}
	if v := c.FormValue("reward"); whole || v != "" {
		reward := v == "yes"
		score := d.Score
		if a.Score != nil {
			score = *a.Score
		}
		if reward && (d.rewardThreshold == 0 || score < d.rewardThreshold) {
			return a, plaudit.Errorf(plaudit.EInvalid, "reward can be given only with a score of %d or more", d.rewardThreshold)
		}
		a.Reward = &reward
	}
	if a.Score == nil && a.Comment == nil && a.Excellence == nil && a.Improvement == nil && a.Reward == nil {
		return a, plaudit.Errorf(plaudit.EInvalid, "score is required")
	}
	return a, nil
}

// formHas reports whether the posted form carries key at all (an empty
// comment is a comment cleared, not one left out).
func formHas(c *fiber.Ctx, key string) bool {
	if c.Request().PostArgs().Has(key) {
		return true
	}
	form, err := c.MultipartForm()
	return err == nil && form.Value[key] != nil
}

func formValues(c *fiber.Ctx, key string) []string {
	out := []string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == key {
			out = append(out, string(v))
		}
	})
	if form, err := c.MultipartForm(); err == nil {
		out = append(out, form.Value[key]...)
	}
	return out
}

func (s *Server) static(c *fiber.Ctx) error {
	s.staticOnce.Do(func() {
		s.staticHandler = filesystem.New(filesystem.Config{Root: http.FS(web.Static()), PathPrefix: "", MaxAge: 3600})
	})
	c.Path(strings.TrimPrefix(c.Path(), "/static"))
	return s.staticHandler(c)
}
