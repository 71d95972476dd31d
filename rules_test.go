package plaudit

import "testing"

// TestNormalizeAddresses: every spelling a helpdesk may send of one
// address is stored as one string, which is what erasure and export
// match on; a letter that is not a case variant (ß) is left alone.
func TestNormalizeAddresses(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ÄRGER.ÜBEL@Example.de", "ärger.übel@example.de"},
		{"ärger.übel@example.de", "ärger.übel@example.de"},
		{" Ärger Übel <Ärger.Übel@EXAMPLE.DE> ", "ärger.übel@example.de"},
		{"ΟΔΥΣΣΕΑΣ@Example.gr", "οδυσσεασ@example.gr"},
		{"Straße@Fußball.DE", "straße@fußball.de"},
		{"not an address", ""},
	} {
		in := Interaction{Customer: Customer{Email: c.in}, Agent: AgentRef{Email: c.in}}
		in.NormalizeAddresses()
		if in.Customer.Email != c.want || in.Agent.Email != c.want {
			t.Errorf("%q → customer %q, agent %q; want %q", c.in, in.Customer.Email, in.Agent.Email, c.want)
		}
	}
}
