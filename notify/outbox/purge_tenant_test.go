package outbox

import (
	"context"
	"log/slog"
	"testing"

	"github.com/plaudit/plaudit/notify"
)

// TestPurgeTenant: one tenant's erasure or deletion never removes what
// another tenant sent to the same person.
func TestPurgeTenant(t *testing.T) {
	o := New(10, slog.New(slog.DiscardHandler), "")
	ctx := context.Background()
	send := func(tenant, to string) string {
		m := email(to, "r")
		m.TenantID = tenant
		id, err := o.SendEmail(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	send("ten_a", "Anna@example.org")
	send("ten_a", "bob@example.org")
	keepB := send("ten_b", "anna@example.org")
	if _, err := o.SendSMS(ctx, notify.SMS{To: "+4915112345678", Body: "x", TenantID: "ten_a"}); err != nil {
		t.Fatal(err)
	}

	if n := o.PurgeTenant("ten_a", "anna@example.org"); n != 1 {
		t.Errorf("PurgeTenant(a, anna) = %d, want 1", n)
	}
	if _, ok := o.Get(keepB); !ok {
		t.Error("tenant a's erasure removed tenant b's message")
	}
	if n := o.PurgeTenant("", ""); n != 0 {
		t.Errorf("PurgeTenant without a tenant = %d, want 0", n)
	}
	if n := o.PurgeTenant("ten_a", ""); n != 2 {
		t.Errorf("PurgeTenant(a, all) = %d, want 2", n)
	}
	if l := o.List(); len(l) != 1 || l[0].ID != keepB {
		t.Errorf("left %+v, want tenant b's message only", l)
	}
	noStaleCopies(t, o, "bob@example.org", "+4915112345678")
}
