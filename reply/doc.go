// Package reply turns what customers send back into answers: a score and a
// comment from an SMS or email reply in any of Plaudit's ten languages,
// the opt-out keywords (STOP, START, HELP), an email reply's objection
// (OptOut: STOP, unsubscribe, abmelden, désabonner, …), the words a customer wrote above the quoted feedback request, and
// the token of the request answered, from the reply address
// (reply+{token}@…) an email reply was sent to. Reading a provider's post
// into a plaudit.InboundReply is the provider package's work
// (notify/sendgrid, notify/twilio).
//
// Everything here is a pure function of its input: no I/O, no logging, no
// state. Replies are personal data, so callers decide what to keep and where.
package reply
