package plaudit

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseTrigger(t *testing.T) {
	full := `{"ext_interaction_id":"T-1001","channel":"Chat",
		"customer":{"name":" Anna Schneider ","email":"Anna.Schneider@Example.org","phone":"+49 30 901820","language":"Deutsch","country":"de"},
		"employee":{"email":"jonas@nordlicht.example","custom_id":"z-455"},
		"do_not_send":true,"tags":["vip"," billing ",""],"event":"reopened"}`
	got, err := ParseTrigger([]byte(full))
	if err != nil {
		t.Fatalf("full body: %v", err)
	}
	want := Interaction{
		Source:     "api",
		ExternalID: "T-1001",
		Event:      EventReopened,
		Channel:    "chat",
		Customer: Customer{Name: "Anna Schneider", Email: "anna.schneider@example.org", Phone: "+49 30 901820",
			Language: "Deutsch", Country: "DE"},
		Agent:     AgentRef{ExternalID: "z-455", Email: "jonas@nordlicht.example"},
		DoNotSend: true,
		Tags:      []string{"vip", "billing"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("full body:\n got %+v\nwant %+v", got, want)
	}

	ok := []struct {
		name  string
		body  string
		check func(t *testing.T, in Interaction)
	}{
		{"event defaults to solved", `{"ext_interaction_id":"1","customer":{"email":"a@b.example"},"employee":{"custom_id":"7"}}`,
			func(t *testing.T, in Interaction) {
				if in.Event != EventSolved || in.Agent.ExternalID != "7" || in.Agent.Email != "" {
					t.Errorf("got %+v", in)
				}
			}},
		{"explicit solved, any case", `{"ext_interaction_id":"1","customer":{"email":"a@b.example"},"employee":{"email":"x@y.example"},"event":"Solved"}`,
			func(t *testing.T, in Interaction) {
				if in.Event != EventSolved {
					t.Errorf("event = %q", in.Event)
				}
			}},
		{"numeric ids", `{"ext_interaction_id":73021,"customer":{"phone":4915112345678},"employee":{"custom_id":38417722455}}`,
			func(t *testing.T, in Interaction) {
				if in.ExternalID != "73021" || in.Agent.ExternalID != "38417722455" || in.Customer.Phone != "4915112345678" {
					t.Errorf("got %+v", in)
				}
			}},
		{"phone only", `{"ext_interaction_id":"1","customer":{"phone":"(030) 901-820"},"employee":{"custom_id":"7"}}`,
			func(t *testing.T, in Interaction) {
				if in.Customer.Phone != "(030) 901-820" || in.Customer.Email != "" {
					t.Errorf("got %+v", in)
				}
			}},
		{"unknown fields are ignored", `{"ext_interaction_id":"1","customer":{"email":"a@b.example","vip":true},"employee":{"custom_id":"7"},"extra":[1,2]}`,
			func(t *testing.T, in Interaction) {}},
		{"null values", `{"ext_interaction_id":"1","channel":null,"customer":{"email":"a@b.example","phone":null},"employee":{"custom_id":"7"},"tags":null}`,
			func(t *testing.T, in Interaction) {
				if in.Channel != "" || in.Tags != nil {
					t.Errorf("got %+v", in)
				}
			}},
		{"language kept raw", `{"ext_interaction_id":"1","customer":{"email":"a@b.example","language":"fr-CA"},"employee":{"custom_id":"7"}}`,
			func(t *testing.T, in Interaction) {
				if in.Customer.Language != "fr-CA" {
					t.Errorf("language = %q", in.Customer.Language)
				}
			}},
		{"id of exactly 200 characters", `{"ext_interaction_id":"` + strings.Repeat("é", 200) + `","customer":{"email":"a@b.example"},"employee":{"custom_id":"7"}}`,
			func(t *testing.T, in Interaction) {}},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			in, err := ParseTrigger([]byte(tc.body))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			tc.check(t, in)
		})
	}

	const base = `"customer":{"email":"a@b.example"},"employee":{"custom_id":"7"}`
	bad := []struct {
		name, body, code, msg string
	}{
		{"empty body", ``, EInvalid, "body is not valid JSON"},
		{"not JSON", `ext_interaction_id=1`, EInvalid, "body is not valid JSON: invalid character 'e' looking for beginning of value at line 1, column 1 (byte 1)"},
		{"truncated", `{"ext_interaction_id":"1"`, EInvalid, "body is not valid JSON: it ends too early, at line 1, column 26 (byte 25): a closing bracket or quote is missing"},
		{"trailing data", `{"ext_interaction_id":"1",` + base + `} {}`, EInvalid, "body is not valid JSON"},
		{"null", `null`, EInvalid, "body must be a JSON object"},
		{"array", `[]`, EInvalid, "body must be a JSON object"},
		{"missing id", `{` + base + `}`, EInvalid, "ext_interaction_id is required"},
		{"blank id", `{"ext_interaction_id":"  ",` + base + `}`, EInvalid, "ext_interaction_id is required"},
		{"id too long", `{"ext_interaction_id":"` + strings.Repeat("x", 201) + `",` + base + `}`, EInvalid, "ext_interaction_id must be at most 200 characters"},
		{"id with newline", `{"ext_interaction_id":"1\nFAKE LOG LINE",` + base + `}`, EInvalid, "ext_interaction_id must not contain control characters"},
		{"id as object", `{"ext_interaction_id":{"a":1},` + base + `}`, EInvalid, "ext_interaction_id must be a string or a number"},
		{"id as bool", `{"ext_interaction_id":true,` + base + `}`, EInvalid, "ext_interaction_id must be a string or a number"},
		{"no customer", `{"ext_interaction_id":"1","employee":{"custom_id":"7"}}`, EInvalid, "customer: email or phone is required"},
		{"customer without address", `{"ext_interaction_id":"1","customer":{"name":"A"},"employee":{"custom_id":"7"}}`, EInvalid, "customer: email or phone is required"},
		{"customer not an object", `{"ext_interaction_id":"1","customer":"a@b.example","employee":{"custom_id":"7"}}`, EInvalid, "customer must be an object"},
		{"bad email", `{"ext_interaction_id":"1","customer":{"email":"not-an-address"},"employee":{"custom_id":"7"}}`, EInvalid, "customer.email is not an email address"},
		{"email as number", `{"ext_interaction_id":"1","customer":{"email":5},"employee":{"custom_id":"7"}}`, EInvalid, "customer.email must be a string"},
		{"email too long", `{"ext_interaction_id":"1","customer":{"email":"` + strings.Repeat("a", 310) + `@example.org"},"employee":{"custom_id":"7"}}`, EInvalid, "customer.email must be at most 320 characters"},
		{"bad phone", `{"ext_interaction_id":"1","customer":{"phone":"call me maybe"},"employee":{"custom_id":"7"}}`, EInvalid, "customer.phone is not a phone number"},
		{"phone too short", `{"ext_interaction_id":"1","customer":{"phone":"+1"},"employee":{"custom_id":"7"}}`, EInvalid, "customer.phone is not a phone number"},
		{"name too long", `{"ext_interaction_id":"1","customer":{"email":"a@b.example","name":"` + strings.Repeat("n", 201) + `"},"employee":{"custom_id":"7"}}`, EInvalid, "customer.name must be at most 200 characters"},
		{"bad country", `{"ext_interaction_id":"1","customer":{"email":"a@b.example","country":"Germany"},"employee":{"custom_id":"7"}}`, EInvalid, `customer.country must be a two-letter country code such as "DE"`},
		{"language too long", `{"ext_interaction_id":"1","customer":{"email":"a@b.example","language":"` + strings.Repeat("l", 36) + `"},"employee":{"custom_id":"7"}}`, EInvalid, "customer.language must be at most 35 characters"},
		{"no employee", `{"ext_interaction_id":"1","customer":{"email":"a@b.example"}}`, EInvalid, "employee: email or custom_id is required"},
		{"empty employee", `{"ext_interaction_id":"1","customer":{"email":"a@b.example"},"employee":{}}`, EInvalid, "employee: email or custom_id is required"},
		{"bad employee email", `{"ext_interaction_id":"1","customer":{"email":"a@b.example"},"employee":{"email":"jonas"}}`, EInvalid, "employee.email is not an email address"},
		{"custom_id too long", `{"ext_interaction_id":"1","customer":{"email":"a@b.example"},"employee":{"custom_id":"` + strings.Repeat("7", 201) + `"}}`, EInvalid, "employee.custom_id must be at most 200 characters"},
		{"unknown event", `{"ext_interaction_id":"1",` + base + `,"event":"deleted"}`, EInvalid, `event must be "solved" or "reopened"`},
		{"bad channel", `{"ext_interaction_id":"1",` + base + `,"channel":"e mail!"}`, EInvalid, `channel must be a word such as "email", "chat", "phone" or "sms"`},
		{"do_not_send as string", `{"ext_interaction_id":"1",` + base + `,"do_not_send":"yes"}`, EInvalid, "do_not_send must be true or false"},
		{"tags as string", `{"ext_interaction_id":"1",` + base + `,"tags":"a b"}`, EInvalid, "tags must be an array"},
		{"tag as number", `{"ext_interaction_id":"1",` + base + `,"tags":[1]}`, EInvalid, "tags must be a string"},
		{"too many tags", `{"ext_interaction_id":"1",` + base + `,"tags":[` + strings.Repeat(`"t",`, 50) + `"t"]}`, EInvalid, "tags: at most 50 tags are allowed"},
		{"tag too long", `{"ext_interaction_id":"1",` + base + `,"tags":["` + strings.Repeat("t", 101) + `"]}`, EInvalid, "tags must be at most 100 characters"},
		{"too large", `{"ext_interaction_id":"1",` + base + `,"pad":"` + strings.Repeat(" ", MaxTriggerBody) + `"}`, ETooLarge, "body is too large (at most 65536 bytes)"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTrigger([]byte(tc.body))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Code != tc.code || e.Message != tc.msg {
				t.Fatalf("err = %q (%s), want %q (%s)", e.Message, e.Code, tc.msg, tc.code)
			}
		})
	}
}

// TestParseTriggerErrorsCarryNoData checks that messages never repeat what
// was sent: they may be logged and shown to the caller.
func TestParseTriggerErrorsCarryNoData(t *testing.T) {
	for _, body := range []string{
		`{"ext_interaction_id":"1","customer":{"email":"secret-person"},"employee":{"custom_id":"7"}}`,
		`{"ext_interaction_id":"1","customer":{"phone":"secret-person"},"employee":{"custom_id":"7"}}`,
		`{"ext_interaction_id":"1","customer":{"email":"a@b.example","country":"secret-person"},"employee":{"custom_id":"7"}}`,
		`{"ext_interaction_id":"1","customer":{"email":"a@b.example"},"employee":{"email":"secret-person"}}`,
	} {
		_, err := ParseTrigger([]byte(body))
		if err == nil || strings.Contains(err.Error(), "secret-person") {
			t.Errorf("ParseTrigger(%s) = %v", body, err)
		}
	}
}

func FuzzParseTrigger(f *testing.F) {
	f.Add([]byte(`{"ext_interaction_id":"T-1","channel":"email","customer":{"name":"A","email":"a@b.example","phone":"+49 30 901820","language":"de","country":"DE"},"employee":{"email":"e@x.example","custom_id":"9"},"do_not_send":false,"tags":["x"],"event":"solved"}`))
	f.Add([]byte(`{"ext_interaction_id":1,"customer":{"phone":4915112345678},"employee":{"custom_id":2},"event":"reopened"}`))
	f.Add([]byte(`null`))
	f.Add([]byte("{\n  \"ext_interaction_id\": \"T-1\",\n}"))
	f.Add([]byte(`{"ext_interaction_id":"T-1"`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := ParseTrigger(body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Code != EInvalid && e.Code != ETooLarge) || e.Message == "" {
				t.Fatalf("error %v is not an invalid-input *Error", err)
			}
			return
		}
		switch {
		case in.Source != "api":
			t.Fatalf("source = %q", in.Source)
		case in.ExternalID == "" || utf8.RuneCountInString(in.ExternalID) > maxTriggerID:
			t.Fatalf("external id %q", in.ExternalID)
		case in.Event != EventSolved && in.Event != EventReopened:
			t.Fatalf("event = %q", in.Event)
		case in.Customer.Email == "" && in.Customer.Phone == "":
			t.Fatal("customer without address")
		case in.Agent.Email == "" && in.Agent.ExternalID == "":
			t.Fatal("agent without reference")
		case len(in.Tags) > maxTriggerTags:
			t.Fatalf("%d tags", len(in.Tags))
		case in.Customer.Email != "" && NormalizeEmail(in.Customer.Email) != in.Customer.Email:
			t.Fatalf("email %q is not normalized", in.Customer.Email)
		}
		for _, tag := range in.Tags {
			if tag == "" || utf8.RuneCountInString(tag) > maxTriggerTag {
				t.Fatalf("tag %q", tag)
			}
		}
	})
}
