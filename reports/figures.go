package reports

import (
	"math"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/store"
)

// Definitions, as the console shows them beside each figure and
// docs/reports.md explains them.
var Definitions = map[string]string{
	"csat":          "Share of counted responses that scored 4 or 5 (0 to 1), always with its average and n.",
	"average_score": "Mean score (1 to 5) of the counted responses.",
	"responses":     "n: counted responses, by the day they were given. Excluded responses and likely automated answers are not counted; they are listed under excluded.",
	"excluded":      "Responses set aside from the figures (a reason given by a person, or likely_automated); still visible with their reason.",
	"response_rate": "Answered ÷ delivered, by the day the requests were sent.",
	"sent":          "Requests a provider accepted.",
	"delivered":     "Sent requests not reported undeliverable (bounced, dropped, failed).",
	"answered":      "Sent requests that got a response.",
	"suppressed":    "Requests not sent because the address was suppressed (opt-out, bounce, complaint) or asked within suppression_days.",
	"failed":        "Requests that could not be sent, or were reported undeliverable.",
	"wilson_lower":  "Lower bound of the 95 % Wilson interval of the CSAT share: the leaderboard's rank.",
	"rewards":       "Rewards customers offered with counted responses.",
}

// Scores are the CSAT figures of a group.
type Scores struct {
	Responses   int            `json:"responses"`
	CSAT        *float64       `json:"csat"`
	Average     *float64       `json:"average_score"`
	ScoreCounts [5]int         `json:"score_counts"`
	Excluded    int            `json:"excluded"`
	Rewards     int            `json:"rewards"`
	Excellence  map[string]int `json:"excellence"`
	Improvement map[string]int `json:"improvement"`
}

func round(v float64, places int) *float64 {
	p := math.Pow(10, float64(places))
	r := math.Round(v*p) / p
	return &r
}

// ratio is a/b rounded, or nil when b is 0: no figure, rather than 0.
func ratio(a, b, places int) *float64 {
	if b == 0 {
		return nil
	}
	return round(float64(a)/float64(b), places)
}

func scoresOf(g store.ScoreSums) Scores {
	s := Scores{Responses: g.Counted, CSAT: ratio(g.Positive, g.Counted, 4), Average: ratio(g.ScoreTotal, g.Counted, 2),
		ScoreCounts: g.Scores, Excluded: g.Excluded, Rewards: g.Rewards,
		Excellence: areaCounts(g.Excellence, plaudit.ExcellenceAreas), Improvement: areaCounts(g.Improvement, plaudit.ImprovementAreas)}
	return s
}

func areaCounts(n [5]int, names []string) map[string]int {
	out := make(map[string]int, len(names))
	for i, name := range names {
		if i < len(n) {
			out[name] = n[i]
		}
	}
	return out
}

// Sends are the response-rate figures of a group.
type Sends struct {
	Sent         int      `json:"sent"`
	Delivered    int      `json:"delivered"`
	Answered     int      `json:"answered"`
	Suppressed   int      `json:"suppressed"`
	Failed       int      `json:"failed"`
	ResponseRate *float64 `json:"response_rate"`
}

func sendsOf(g store.SendSums) Sends {
	return Sends{Sent: g.Sent, Delivered: g.Delivered, Answered: g.Answered, Suppressed: g.Suppressed, Failed: g.Failed,
		ResponseRate: ratio(g.Answered, g.Delivered, 4)}
}

// WilsonLower is the lower bound of the 95 % Wilson score interval of
// positive out of n: a share that is sure of itself only with enough
// answers, so that 3 of 3 does not rank above 95 of 100.
func WilsonLower(positive, n int) float64 {
	if n == 0 {
		return 0
	}
	const z = 1.959963984540054
	p, nf := float64(positive)/float64(n), float64(n)
	centre := p + z*z/(2*nf)
	margin := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	return max(0, (centre-margin)/(1+z*z/nf))
}
