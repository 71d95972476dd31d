package notify

import "unicode/utf16"

// gsm7Basic is the GSM 03.38 default alphabet (one septet each).
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension holds the characters reached through the escape code (two
// septets each).
const gsm7Extension = "\f^{}\\[~]|€"

// gsm7Septets returns how many septets r takes in GSM-7, or 0 when r is not
// in the alphabet.
func gsm7Septets(r rune) int {
	for _, c := range gsm7Basic {
		if c == r {
			return 1
		}
	}
	for _, c := range gsm7Extension {
		if c == r {
			return 2
		}
	}
	return 0
}

// IsGSM7 reports whether s can be sent in the GSM-7 alphabet (basic table
// and extension table). A single character outside it, an en dash or a
// curly quote, makes the whole message UCS-2 and cuts a segment from 160
// characters to 70.
func IsGSM7(s string) bool {
	for _, r := range s {
		if gsm7Septets(r) == 0 {
			return false
		}
	}
	return true
}

// GSM7Segments counts the SMS segments s is sent in: GSM-7 when every
// character allows it (160 septets in one segment, 153 per segment of a
// concatenated message, extension characters taking two and never split
// across segments), UCS-2 otherwise (70 code units, 67 per part, surrogate
// pairs never split). The empty string takes no segment.
func GSM7Segments(s string) int {
	if s == "" {
		return 0
	}
	if IsGSM7(s) {
		total := 0
		for _, r := range s {
			total += gsm7Septets(r)
		}
		if total <= 160 {
			return 1
		}
		segs, used := 1, 0
		for _, r := range s {
			n := gsm7Septets(r)
			if used+n > 153 {
				segs++
				used = 0
			}
			used += n
		}
		return segs
	}
	total := 0
	for _, r := range s {
		total += utf16.RuneLen(r)
	}
	if total <= 70 {
		return 1
	}
	segs, used := 1, 0
	for _, r := range s {
		n := utf16.RuneLen(r)
		if used+n > 67 {
			segs++
			used = 0
		}
		used += n
	}
	return segs
}
