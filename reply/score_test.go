package reply

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScore(t *testing.T) {
	tests := []struct {
		in      string
		score   int
		comment string
	}{
		// English
		{"5", 5, ""},
		{" 4 ", 4, ""},
		{"5/5", 5, ""},
		{"4 / 5", 4, ""},
		{"1/5 never again", 1, "never again"},
		{"4 stars", 4, ""},
		{"1 star - nobody called back", 1, "nobody called back"},
		{"4stars", 4, ""},
		{"5*", 5, ""},
		{"4 out of 5", 4, ""},
		{"4 out of 5 stars", 4, ""},
		{"3 stars out of 5, slow but friendly", 3, "slow but friendly"},
		{"five", 5, ""},
		{"Five!", 5, ""},
		{"three stars", 3, ""},
		{"four out of five", 4, ""},
		{"ONE", 1, ""},
		{"two.\nThe first agent hung up on me.", 2, "The first agent hung up on me."},
		{"5 – quick and kind", 5, "quick and kind"},
		{"5 - quick and kind", 5, "quick and kind"},
		{"5 — quick and kind", 5, "quick and kind"},
		{"5. thanks", 5, "thanks"},
		{"5: fast and friendly", 5, "fast and friendly"},
		{"5, great", 5, "great"},
		{"5 great service", 5, "great service"},
		{"5!!! Jonas was amazing", 5, "Jonas was amazing"},
		{"(5) great", 5, "great"},
		{`"4"`, 4, ""},
		{"I'd say 4", 4, ""},
		{"I’d say 4", 4, ""}, // iOS smart punctuation
		{"I'd give it a 5!", 5, ""},
		{"I would definitely give it a solid 5 - best support ever", 5, "best support ever"},
		{"Rating: 5", 5, ""},
		{"it’s a 5+", 5, ""},
		{"5 - it’s fine", 5, "it’s fine"}, // the comment keeps the customer's apostrophe
		{"Hmm... I'd say 3. Took long.", 3, "Took long."},
		{"5 - 10 minutes on hold, but then great", 5, "10 minutes on hold, but then great"},
		{"5 or so", 5, "or so"},
		{"5\n\nDanke, Anna", 5, "Danke, Anna"},
		// German
		{"4 - sehr freundlich", 4, "sehr freundlich"},
		{"5 Sterne, alles super!", 5, "alles super!"},
		{"4 Sterne", 4, ""},
		{"1 Stern", 1, ""},
		{"fünf", 5, ""},
		{"Fünf Sterne für Jonas", 5, "für Jonas"},
		{"FÜNF", 5, ""},
		{"FUENF", 5, ""},
		{"funf", 5, ""},
		{"fu\u0308nf", 5, ""}, // decomposed umlaut
		{"eins", 1, ""},
		{"ein Stern", 1, ""},
		{"zwei", 2, ""},
		{"Zwo.", 2, ""},
		{"drei Sterne, ging so", 3, "ging so"},
		{"vier von fünf Sternen", 4, ""},
		{"4 von 5", 4, ""},
		{"4 von 5 Punkten", 4, ""},
		{"Ich gebe 5 Sterne", 5, ""},
		{"Ich würde 4 geben", 4, ""},
		{"Ich würde eine 4 geben, war ok", 4, "war ok"},
		{"4 Sterne würde ich vergeben. Wartezeit zu lang", 4, "Wartezeit zu lang"},
		{"Eine glatte 5!", 5, ""},
		{"Bewertung: 3", 3, ""},
		{"5 - ein super Service", 5, "ein super Service"},
		{"5 - eine Stunde gewartet, aber dann top", 5, "eine Stunde gewartet, aber dann top"},
		// Stars and emoji
		{"★★★★", 4, ""},
		{"★★★☆☆", 3, ""},
		{"⭐⭐⭐⭐⭐", 5, ""},
		{"⭐️⭐️⭐️⭐️⭐️ danke!", 5, "danke!"},
		{"⭐ ⭐ ⭐", 3, ""},
		{"🌟🌟", 2, ""},
		{"*****", 5, ""},
		{"5⭐", 5, ""},
		{"5 ⭐⭐⭐⭐⭐", 5, ""},
		{"5️⃣", 5, ""},
		{"\ufeff5", 5, ""},
	}
	for _, tt := range tests {
		score, comment, ok := Score(tt.in)
		if !ok || score != tt.score || comment != tt.comment {
			t.Errorf("Score(%q) = %d, %q, %v; want %d, %q, true", tt.in, score, comment, ok, tt.score, tt.comment)
		}
	}
}

func TestScoreRefuses(t *testing.T) {
	for _, in := range []string{
		"", "   ", "\n",
		// out of range
		"0", "6", "10", "05", "10/10", "5/10", "8/10", "4 of 10", "7 von 10",
		"five out of ten", "6 stars", "★★★★★★", "☆☆☆☆☆", "0/5", "4 ★★★★★", "★☆★",
		// decimals, ranges, alternatives
		"4.5", "4,5", "4,5 Sterne", "5.0", "3-4", "3–4 Sterne", "3 - 4", "2 or 5",
		"4, maybe 5", "4 oder 5", "3 bis 4", "between 3 and 4", "zwischen 3 und 4",
		"5-10 minutes wait", "4 stars. I'd give it 5 if it were faster",
		// numbers that count something else
		"5 minutes", "five minutes on hold", "2 hours", "3 Anrufe", "5. Mal angerufen",
		"2nd time I had to call", "1st", "5pm", "5:30", "100%", "5%", "24/7 support",
		"#1 service", "+4915112345678", "one more thing", "eine Frage",
		// words without a number, and keywords
		"excellent", "great", "super", "Danke", "thanks!", "STOP", "HELP",
		// meaning changed by what leads up to the number
		"not 5", "nicht 5", "Note 1", "Schulnote 2", "I had 2 agents", "Jonas gets a 5",
		"**great**", "5 5",
	} {
		if score, comment, ok := Score(in); ok {
			t.Errorf("Score(%q) = %d, %q, true; want not ok", in, score, comment)
		}
	}
}

// TestScoreTwilioFixture reads the Body of the inbound SMS in the shared
// fixture.
func TestScoreTwilioFixture(t *testing.T) {
	score, comment, ok := Score("4 - sehr freundlich")
	if !ok || score != 4 || comment != "sehr freundlich" {
		t.Fatalf("got %d, %q, %v", score, comment, ok)
	}
}

func TestScoreLongText(t *testing.T) {
	long := "5 " + strings.Repeat("sehr gut ", 20000)
	score, comment, ok := Score(long)
	if !ok || score != 5 || !strings.HasPrefix(comment, "sehr gut") {
		t.Fatalf("got %d, %d bytes, %v", score, len(comment), ok)
	}
	if _, _, ok := Score(strings.Repeat("ich ", 10000) + "5"); ok {
		t.Fatal("a long lead-in was taken for a rating")
	}
}

func FuzzScore(f *testing.F) {
	for _, s := range []string{
		"5", "4 - sehr freundlich", "5 – quick and kind", "★★★☆☆", "⭐️⭐️⭐️⭐️⭐️", "I’d say 4",
		"10/10", "2 or 5", "fünf", "vier von fünf Sternen", "5️⃣", "4.5", "Ich würde 4 geben",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		score, comment, ok := Score(in)
		if !ok {
			if score != 0 || comment != "" {
				t.Fatalf("Score(%q) = %d, %q, false: want zero values", in, score, comment)
			}
			return
		}
		if score < 1 || score > 5 {
			t.Fatalf("Score(%q) = %d out of range", in, score)
		}
		if !utf8.ValidString(comment) {
			t.Fatalf("Score(%q): comment %q is not UTF-8", in, comment)
		}
		if len(comment) > len(cleanText(in)) {
			t.Fatalf("Score(%q): comment %q longer than the text", in, comment)
		}
		if comment != strings.TrimSpace(comment) {
			t.Fatalf("Score(%q): comment %q not trimmed", in, comment)
		}
		// Scoring the text again gives the same answer: no hidden state.
		if s2, c2, ok2 := Score(in); s2 != score || c2 != comment || !ok2 {
			t.Fatalf("Score(%q) changed between calls", in)
		}
	})
}
