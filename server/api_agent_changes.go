package server

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// photoPrefix is the start of the URL of photos uploaded to Plaudit.
func (s *Server) photoPrefix() string { return s.cfg.PublicURL + "/agent-photos/" }

// ownAgent reports whether agent a is the agent user w.
func ownAgent(w caller, a plaudit.Agent) bool {
	return w.User && w.Role == plaudit.UserAgent && strings.EqualFold(a.Email, w.Email)
}

// setPhoto stores a processed photo as the agent's and points the agent's
// photo_url at it.
func (s *Server) setPhoto(ctx context.Context, w caller, a plaudit.Agent, jpeg []byte) (plaudit.Agent, error) {
	p := store.AgentPhoto{TenantID: a.TenantID, AgentID: a.ID, ContentType: "image/jpeg", Body: jpeg}
	if err := s.cfg.Store.SetAgentPhoto(ctx, &p); err != nil {
		return a, err
	}
	old := a.PhotoURL
	a.PhotoURL = s.photoPrefix() + p.Key
	if err := s.cfg.Store.UpdateAgent(ctx, a); err != nil {
		return a, err
	}
	s.images.forget(a.TenantID, old)
	s.auditAs(ctx, w, "agent.photo.update", a.ID, "")
	return a, nil
}

// uploadPhoto takes a photo for an agent: an admin's applies at once; an
// agent's for their own profile waits for approval (pending is then set).
func (s *Server) uploadPhoto(ctx context.Context, w caller, id string, data []byte) (a plaudit.Agent, pending *store.AgentChange, err error) {
	if !w.can(needAdmin) && w.Role != plaudit.UserAgent {
		return a, nil, plaudit.Errorf(plaudit.EForbidden, "only an admin, or the agent for their own profile, may upload a photo")
	}
	if a, err = s.visibleAgent(ctx, w, id); err != nil {
		return a, nil, err
	}
	if !w.can(needAdmin) && !ownAgent(w, a) {
		return a, nil, plaudit.Errorf(plaudit.EForbidden, "only an admin, or the agent for their own profile, may upload a photo")
	}
	jpeg, err := processPhoto(data)
	if err != nil {
		return a, nil, err
	}
	if w.can(needAdmin) {
		a, err = s.setPhoto(ctx, w, a, jpeg)
		return a, nil, err
	}
	ch := store.AgentChange{TenantID: a.TenantID, AgentID: a.ID, UserID: w.UserID, Photo: jpeg}
	return a, &ch, s.queueChange(ctx, w, &ch)
}

// requestChange queues an agent's change to their own name, bio or
// hometown for approval.
func (s *Server) requestChange(ctx context.Context, w caller, a plaudit.Agent, b agentBody) (store.AgentChange, error) {
	if !ownAgent(w, a) {
		return store.AgentChange{}, plaudit.Errorf(plaudit.ENotFound, "agent not found")
	}
	if (b != agentBody{Name: b.Name, Bio: b.Bio, Hometown: b.Hometown}) {
		return store.AgentChange{}, plaudit.Errorf(plaudit.EForbidden, "an agent may change their own name, bio and hometown only")
	}
	next := a
	b.apply(&next)
	if err := validateAgent(next, s.photoPrefix()); err != nil {
		return store.AgentChange{}, err
	}
	fields, err := json.Marshal(b)
	if err != nil {
		return store.AgentChange{}, err
	}
	ch := store.AgentChange{TenantID: a.TenantID, AgentID: a.ID, UserID: w.UserID, Fields: fields}
	return ch, s.queueChange(ctx, w, &ch)
}

func (s *Server) queueChange(ctx context.Context, w caller, ch *store.AgentChange) error {
	if err := s.cfg.Store.CreateAgentChange(ctx, ch); err != nil {
		return err
	}
	s.auditAs(ctx, w, "agent.change.request", ch.AgentID, "change="+ch.ID)
	return nil
}

// visibleChanges lists the waiting changes of the agents the caller sees.
func (s *Server) visibleChanges(ctx context.Context, w caller) ([]store.AgentChange, error) {
	scope, err := s.agentScope(ctx, w)
	if err != nil {
		return nil, err
	}
	return s.cfg.Store.ListAgentChanges(ctx, w.TenantID, scope)
}

// decideChange approves (applies) or rejects a waiting change; admins and
// the agent's lead may.
func (s *Server) decideChange(ctx context.Context, w caller, id string, approve bool) (plaudit.Agent, error) {
	ch, err := s.cfg.Store.GetAgentChange(ctx, w.TenantID, id)
	if err != nil {
		return plaudit.Agent{}, err
	}
	a, err := s.visibleAgent(ctx, w, ch.AgentID)
	if err != nil {
		return a, plaudit.Errorf(plaudit.ENotFound, "change not found")
	}
	if approve {
		if a, err = s.applyChange(ctx, w, a, ch); err != nil {
			return a, err
		}
	}
	if err := s.cfg.Store.DeleteAgentChange(ctx, w.TenantID, id); err != nil {
		return a, err
	}
	action := "agent.change.reject"
	if approve {
		action = "agent.change.approve"
	}
	s.auditAs(ctx, w, action, a.ID, "change="+ch.ID)
	return a, nil
}

func (s *Server) applyChange(ctx context.Context, w caller, a plaudit.Agent, ch store.AgentChange) (plaudit.Agent, error) {
	var b agentBody
	if err := json.Unmarshal(ch.Fields, &b); err != nil {
		return a, plaudit.Errorf(plaudit.EInternal, "stored change cannot be read")
	}
	b.apply(&a)
	if err := validateAgent(a, s.photoPrefix()); err != nil {
		return a, err
	}
	if err := s.cfg.Store.UpdateAgent(ctx, a); err != nil {
		return a, err
	}
	if ch.HasPhoto {
		return s.setPhoto(ctx, w, a, ch.Photo)
	}
	return a, nil
}

// putAgentPhoto is PUT /api/v1/agents/{id}/photo: the body is the image.
func (s *Server) putAgentPhoto(c *fiber.Ctx) error {
	a, pending, err := s.uploadPhoto(c.UserContext(), who(c), c.Params("id"), c.Body())
	if err != nil {
		return err
	}
	if pending != nil {
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"change": pending})
	}
	return c.JSON(a)
}

func (s *Server) listAgentChanges(c *fiber.Ctx) error {
	list, err := s.visibleChanges(c.UserContext(), who(c))
	if err != nil {
		return err
	}
	if list == nil {
		list = []store.AgentChange{}
	}
	return c.JSON(fiber.Map{"data": list})
}

func (s *Server) decideAgentChange(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a, err := s.decideChange(c.UserContext(), who(c), c.Params("id"), approve)
		if err != nil {
			return err
		}
		if !approve {
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.JSON(a)
	}
}

// agentPhoto is GET /agent-photos/{key}: an uploaded photo, for emails and
// the page. The key is random and changes with each upload.
func (s *Server) agentPhoto(c *fiber.Ctx) error {
	p, err := s.cfg.Store.AgentPhotoByKey(c.UserContext(), c.Params("key"))
	if err != nil {
		return c.SendStatus(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderContentType, p.ContentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(p.Body)
}
