package plaudit

import (
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone parses raw with the customer's country, else the tenant's
// default region, and returns it in E.164 form (+4915112345678).
func NormalizePhone(raw, country, defaultRegion string) (string, error) {
	region := strings.ToUpper(strings.TrimSpace(country))
	if len(region) != 2 {
		region = strings.ToUpper(defaultRegion)
	}
	n, err := phonenumbers.Parse(strings.TrimSpace(raw), region)
	if err != nil {
		return "", Errorf(EInvalid, "phone number cannot be parsed")
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", Errorf(EInvalid, "phone number is not valid")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// PhoneLocation guesses a time zone from an E.164 number's region. Numbers
// whose region spans several zones (the US, say) give the first one listed,
// which is a better guess than the tenant's zone only when nothing else is
// known; callers prefer a zone the helpdesk gave.
func PhoneLocation(e164 string) (*time.Location, bool) {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return nil, false
	}
	zones, err := phonenumbers.GetTimezonesForNumber(n)
	if err != nil || len(zones) == 0 {
		return nil, false
	}
	loc, err := time.LoadLocation(zones[0])
	if err != nil {
		return nil, false
	}
	return loc, true
}
