package reply

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Score reads a rating from the start of an SMS or email reply and returns
// the score (1 to 5), the rest of the text as the comment, and whether a
// score was found.
//
// A rating is a digit ("4", "4/5", "4 of 5", "4 von 5", "4 sur 5", "4 stars",
// "4 Sterne", "4 estrellas", "5️⃣"), a number word ("five", "fünf", "FUENF",
// "vier Sterne", "cinq", "cinco", "vijf", "pięć", "fem") or a run of stars ("★★★★☆", "⭐⭐⭐⭐⭐"). A few
// words may lead up to it ("I'd say 4", "Ich gebe eine 5", "Rating: 5"). The
// comment is what follows, with the separators between the two ("-", "–",
// ":", ",", ".") trimmed: "5 – quick and kind" gives 5 and "quick and kind".
//
// Score is deliberately conservative, because a wrong score written back to
// a helpdesk is worse than none (the customer can still use the link): it
// refuses anything out of range ("10/10", "6", "0"), decimals ("4.5"),
// ranges and alternatives ("3-4", "2 or 5", "between 3 and 4"), numbers that
// count something else ("5 minutes", "2nd", "5pm", "100%"), and praise without
// a number ("excellent"). German school grades are not guessed at either:
// "Note 1" means the best there, the worst here.
//
// langs are the languages whose words are read (plaudit.Languages codes:
// the customer's, the tenant's default, English); none means all of them.
// Limiting them keeps one language's word from being read as another's
// number: Danish "fire" is four, Swedish "en" is one.
func Score(text string, langs ...string) (score int, comment string, ok bool) {
	v := vocabFor(langs)
	s := cleanText(text)
	i := skipOpeners(s, 0)
	for n := 0; ; n++ {
		if val, end, found := v.readRating(s, i); found {
			if val < 1 || val > 5 {
				return 0, "", false
			}
			end = v.skipTail(s, end)
			if v.ambiguous(s, end) {
				return 0, "", false
			}
			return val, strings.TrimRightFunc(skipSeparators(s, end), unicode.IsSpace), true
		}
		w, end := readWord(s, i)
		if n == maxLeadIn || !v.leadIn[w] {
			return 0, "", false
		}
		i = skipLeadSeparators(s, end)
	}
}

// maxLeadIn bounds the words accepted before a rating: "I'd definitely give
// it a solid 5" has six, and much more is a sentence, not a rating.
const maxLeadIn = 8

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// cleanText makes text typed on phones comparable: valid UTF-8 in NFC (so
// "fünf" is one form however it was typed), without the invisible zero-width
// characters that pasted text carries.
func cleanText(text string) string {
	s := norm.NFC.String(strings.ToValidUTF8(text, "\uFFFD"))
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u2060', '\ufeff':
			return -1
		}
		return r
	}, s)
}

// kinds of number a rating starts with.
const (
	kindNone = iota
	kindDigits
	kindWord
	kindStars
)

// readRating reads a rating at s[i:]. found reports that a rating-shaped
// number starts there; value is then its score, or out of 1..5 when the
// rating is no usable score ("10/10", "4.5", "4 ★★★★★", "3-4").
func (v *vocab) readRating(s string, i int) (value, end int, found bool) {
	value, end, kind := v.readNumber(s, i)
	if kind == kindNone {
		return 0, i, false
	}
	if kind == kindDigits && end < len(s) {
		switch c := s[end]; {
		case (c == '.' || c == ',') && isDigitAt(s, end+1):
			return -1, end, true // a decimal: "4.5", "4,5"
		case c == ':' && isDigitAt(s, end+1):
			return 0, i, false // a time of day: "5:30"
		}
	}
	if kind != kindStars {
		if k := rangeDash(s, end); k > end && isDigitAt(s, k) {
			return -1, end, true // a range: "3-4", "3–4 Sterne"
		}
	}
	j, den, units := end, 0, false
	if d, e, ok := v.readScale(s, j); ok {
		den, j = d, e
	}
	if kind != kindStars {
		if stars, e, ok := v.readUnit(s, j); ok {
			units, j = true, e
			if stars != 0 && stars != 1 && stars != value {
				value = -1 // "4 ★★★★★"
			}
		}
	}
	if den == 0 {
		if d, e, ok := v.readScale(s, j); ok {
			den, j = d, e
		}
	}
	if den != 0 && den != 5 {
		value = -1 // "8/10", "4 von 10"
	}
	if !v.followsRating(s, j, kind, den != 0 || units) {
		return 0, i, false
	}
	return value, j, true
}

// readNumber reads a digit run, a number word or a run of stars.
func (v *vocab) readNumber(s string, i int) (value, end, kind int) {
	if i >= len(s) {
		return 0, i, kindNone
	}
	if isDigitAt(s, i) {
		j := i
		for j < len(s) && isDigitAt(s, j) {
			j++
		}
		switch {
		case j-i > 1 && s[i] == '0':
			value = -1 // "05": no one writes a score so
		case j-i > 3:
			value = 1000
		default:
			for _, c := range s[i:j] {
				value = value*10 + int(c-'0')
			}
		}
		if j-i == 1 {
			// A keycap emoji: "5️⃣" is 5, U+FE0F, U+20E3.
			j = skipRunes(s, j, '\ufe0f', '\u20e3')
		}
		return value, j, kindDigits
	}
	if w, j := readWord(s, i); w != "" {
		if n, ok := v.numbers[w]; ok {
			return n, j, kindWord
		}
		return 0, i, kindNone
	}
	if n, j, ok := readStars(s, i); ok {
		return n, j, kindStars
	}
	return 0, i, kindNone
}

// readStars reads a run of star glyphs, filled ones first: "★★★☆☆" is three
// of five. Spaces and emoji variation selectors may stand between them.
// value is the number of filled stars, or -1 when the run is no score (none
// filled, more than five, or "★☆★").
func readStars(s string, i int) (value, end int, found bool) {
	filled, empty, bad := 0, 0, false
	end = i
	for j := i; j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case isFilledStar(r):
			bad = bad || empty > 0
			filled++
		case r == '☆' || r == '✩':
			empty++
		case r == '\ufe0f' || r == '\ufe0e':
			// part of the glyph before it
		case r == ' ' || r == '\t':
			j += n
			continue
		default:
			j = len(s)
			continue
		}
		j += n
		end = j
	}
	if filled+empty == 0 {
		return 0, i, false
	}
	if bad || filled == 0 || filled+empty > 5 {
		return -1, end, true
	}
	return filled, end, true
}

func isFilledStar(r rune) bool {
	switch r {
	case '★', '⭐', '🌟', '✭', '✯', '*':
		return true
	}
	return false
}

// readScale reads the scale after a number: "/5", "/ 5", "of 5", "out of
// five", "von 5", "aus 5", "sur 5", "su 5", "de 5", "av 5", "ud af 5".
// It returns the scale's number.
func (v *vocab) readScale(s string, i int) (den, end int, ok bool) {
	k := skipHSpace(s, i)
	if k < len(s) && s[k] == '/' {
		k = skipHSpace(s, k+1)
	} else {
		w, e := readWord(s, k)
		if second, ok := v.scalePairs[w]; ok {
			w2, e2 := readWord(s, skipHSpace(s, e))
			if w2 != second {
				return 0, i, false
			}
			e = e2
		} else if !v.scales[w] {
			return 0, i, false
		}
		k = skipHSpace(s, e)
	}
	n, e, kind := v.readNumber(s, k)
	if kind != kindDigits && kind != kindWord {
		return 0, i, false
	}
	if n == 0 {
		n = -1
	}
	return n, e, true
}

// readUnit reads what a number counts: "stars", "Sterne", "points", or star
// glyphs ("5 ⭐", "5 ★★★★★"). stars is 0 for a word, else as readStars.
func (v *vocab) readUnit(s string, i int) (stars, end int, ok bool) {
	k := skipHSpace(s, i)
	if w, e := readWord(s, k); w != "" {
		if v.units[w] {
			return 0, e, true
		}
		return 0, i, false
	}
	if n, e, ok := readStars(s, k); ok {
		return n, e, true
	}
	return 0, i, false
}

// followsRating reports whether what comes after a number at s[j:] leaves it
// a rating. Digits and stars may be followed by words ("5 great service"),
// unless the word says what the digit counts ("5 minutes"). A number word
// must stand alone, or "one more thing" would be a rating of 1.
func (v *vocab) followsRating(s string, j, kind int, qualified bool) bool {
	if j >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false // "5th", "2nd", "5pm", "fivefold", "★★★great"
	}
	switch kind {
	case kindDigits:
		if qualified {
			return true
		}
		k := j
		if s[k] == '.' {
			k++ // "5. Mal" is German for "the fifth time"
		}
		k = skipHSpace(s, k)
		if k >= len(s) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(s[k:])
		switch r {
		case '%', '€', '$', '£':
			return false
		}
		w, _ := readWord(s, k)
		return !v.counts[w]
	case kindWord:
		if qualified {
			return true
		}
		k := skipHSpace(s, j)
		if k >= len(s) {
			return true
		}
		r, _ = utf8.DecodeRuneInString(s[k:])
		return r == '\n' || r == '\r' || isSeparator(r)
	}
	return true
}

// skipTail drops a German closing verb after a rating ("Ich würde 4
// geben"), with the words that may come between ("4 Sterne würde ich
// vergeben"), when the sentence ends there.
func (v *vocab) skipTail(s string, i int) int {
	k := i
	for n := 0; n < 4; n++ {
		w, e := readWord(s, skipHSpace(s, k))
		switch {
		case v.tailVerbs[w]:
			if e == len(s) || !isWordRune(firstRune(s[e:])) {
				return e
			}
			return i
		case v.tailWords[w]:
			k = e
		default:
			return i
		}
	}
	return i
}

// ambiguous reports whether a second rating follows the first: "2 or 5",
// "4, maybe 5", "3 - 4", "5. I'd give it 10 if I could".
func (v *vocab) ambiguous(s string, i int) bool {
	k := len(s) - len(skipSeparators(s, i))
	for n := 0; n < maxLeadIn; n++ {
		w, e := readWord(s, k)
		if !v.connectors[w] && !v.leadIn[w] {
			break
		}
		k = len(s) - len(skipSeparators(s, e))
	}
	_, _, found := v.readRating(s, k)
	return found
}

// readWord reads a word (letters, with apostrophes inside: "i'd") at s[i:]
// and returns it in lower case with a plain apostrophe, or "" when no word
// starts there.
func readWord(s string, i int) (word string, end int) {
	j := i
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			j += n
			continue
		}
		if isApostrophe(r) && j > i && j+n < len(s) && unicode.IsLetter(firstRune(s[j+n:])) {
			j += n
			continue
		}
		break
	}
	if j == i {
		return "", i
	}
	return strings.Map(func(r rune) rune {
		if isApostrophe(r) {
			return '\''
		}
		return unicode.ToLower(r)
	}, s[i:j]), j
}

// isApostrophe reports the characters typed as an apostrophe: iOS writes
// "I’d", German keyboards often "geht´s".
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', '´', '`':
		return true
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isDigitAt(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// isSeparator reports the punctuation that stands between a rating and a
// comment: "5 – quick", "5. thanks", "5, super", "5: fast", "(5) great",
// and the "+" of a "5+".
func isSeparator(r rune) bool {
	return strings.ContainsRune("-‐–—:,.;!?/)]}\"'”“„»«›‹…|~=>+", r)
}

// skipSeparators returns s[i:] without leading separators and white space.
func skipSeparators(s string, i int) string {
	return strings.TrimLeftFunc(s[i:], func(r rune) bool { return unicode.IsSpace(r) || isSeparator(r) })
}

// skipLeadSeparators skips what may stand between lead-in words: "Hmm...
// I'd say 4", "Rating: 5", "Well, 4".
func skipLeadSeparators(s string, i int) int {
	return len(s) - len(strings.TrimLeftFunc(s[i:], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",:;.…-–—!?", r)
	}))
}

// skipOpeners skips white space and opening quotes and brackets.
func skipOpeners(s string, i int) int {
	return len(s) - len(strings.TrimLeftFunc(s[i:], func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("\"'„“”‚‘«»‹›([{", r)
	}))
}

// skipHSpace skips spaces on the same line.
func skipHSpace(s string, i int) int {
	return len(s) - len(strings.TrimLeftFunc(s[i:], func(r rune) bool {
		return r != '\n' && r != '\r' && unicode.IsSpace(r)
	}))
}

// rangeDash returns the index after a dash directly after a number, as in
// "3-4" or "3–4". A dash with space around it ("5 - 4") is a separator, and
// a second rating after it is caught as ambiguous instead, so that
// "5 - 10 minutes on hold" stays a 5.
func rangeDash(s string, i int) int {
	if i < len(s) {
		if r, n := utf8.DecodeRuneInString(s[i:]); r == '-' || r == '‐' || r == '–' || r == '—' {
			return i + n
		}
	}
	return i
}

func skipRunes(s string, i int, runes ...rune) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		found := false
		for _, x := range runes {
			if r == x {
				found = true
				break
			}
		}
		if !found {
			break
		}
		i += n
	}
	return i
}
