package reply_test

import (
	"fmt"

	"github.com/plaudit/plaudit/reply"
)

func ExampleScore() {
	for _, body := range []string{"4 - sehr freundlich", "⭐⭐⭐⭐⭐", "I'd say 3. Took long.", "2 or 5", "10/10"} {
		score, comment, ok := reply.Score(body)
		fmt.Printf("%q: %d %q %v\n", body, score, comment, ok)
	}
	// Output:
	// "4 - sehr freundlich": 4 "sehr freundlich" true
	// "⭐⭐⭐⭐⭐": 5 "" true
	// "I'd say 3. Took long.": 3 "Took long." true
	// "2 or 5": 0 "" false
	// "10/10": 0 "" false
}

func ExampleKeywordOf() {
	for _, body := range []string{"Stop.", "opt out", "please stop", "UNSTOP", "help?"} {
		fmt.Printf("%q: %v\n", body, reply.KeywordOf(body))
	}
	// Output:
	// "Stop.": stop
	// "opt out": stop
	// "please stop": none
	// "UNSTOP": start
	// "help?": help
}
