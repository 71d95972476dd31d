// Package reply turns what customers send back into answers: a score and a
// comment from an SMS or email reply, Twilio's opt-out keywords, the words a
// customer wrote above the quoted feedback request, and the recipient of a
// SendGrid Inbound Parse post, which carries the token of the request the
// customer answered.
//
// Everything here is a pure function of its input: no I/O, no logging, no
// state. Replies are personal data, so callers decide what to keep and where.
package reply
