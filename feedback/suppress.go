package feedback

import (
	"context"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/keyring"
)

// suppress records that an address gets no more requests from a tenant
// (an opt-out, a bounce, a spam report), as a keyed hash of the address so
// that it outlives an erasure of the person's data.
func (s *Service) suppress(ctx context.Context, tenantID, address, reason string) error {
	hash, err := s.addressHash(ctx, tenantID, address)
	if err != nil {
		return err
	}
	sp := plaudit.Suppression{TenantID: tenantID, AddressHash: hash, Reason: reason, Channel: plaudit.AddressChannel(address)}
	if err := s.Store.Suppress(ctx, sp); err != nil {
		return err
	}
	s.audit(ctx, tenantID, "suppression.add", hash, reason)
	return nil
}

// unsuppress lifts an opt-out the customer took back (SMS START).
func (s *Service) unsuppress(ctx context.Context, tenantID, address, reason string) error {
	hash, err := s.addressHash(ctx, tenantID, address)
	if err != nil {
		return err
	}
	if err := s.Store.Unsuppress(ctx, tenantID, hash); err != nil {
		return err
	}
	s.audit(ctx, tenantID, "suppression.remove", hash, reason)
	return nil
}

func (s *Service) addressHash(ctx context.Context, tenantID, address string) (string, error) {
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return "", err
	}
	return keyring.AddressHash(t.HashKey, address), nil
}

// audit records the customer's action in the tenant's audit log, naming
// the address by the start of its hash only. A failure to record it is
// logged: the action itself stands.
func (s *Service) audit(ctx context.Context, tenantID, action, hash, detail string) {
	e := plaudit.AuditEvent{TenantID: tenantID, Actor: "customer", Action: action, Target: "hash:" + hash[:16], Detail: detail}
	if err := s.Store.AddAudit(ctx, &e); err != nil {
		s.log().Error("audit event not recorded", "action", action, "err", err)
	}
}
