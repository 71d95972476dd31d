package server

import (
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// One-click answers and link scanners.
//
// The email's five score links open the page with a score chosen, and the
// page's script submits it for the customer (the form field auto=1): the
// click in the email is the whole answer. Mail-security gateways open
// every link of a message in a headless browser that runs scripts, and
// would answer with whichever link they opened last. What tells the two
// apart (README, "Responses"):
//
//   - the script submits only for a person at the screen: the browser is
//     not under automation (navigator.webdriver), and the page has been
//     visible and focused for a moment (web/static/page.js);
//   - the server takes an automatic submission only from a browser that
//     does not call itself headless or automated, and only when no other
//     score link of the same request was opened within scannerWindow: a
//     person opens one link, a scanner opens them all.
//
// A submission refused here records nothing: the page shows the chosen
// score with its button, and a person taps it.

// scannerWindow is how long a score link's opening counts against an
// automatic submission of another score.
const scannerWindow = 2 * time.Minute

// maxTrackedPages bounds the pages whose link openings are remembered.
const maxTrackedPages = 10000

// linkOpens remembers, per page token, when each score link was last
// opened. It is in memory, per replica: openings that other replicas
// served are not seen, which weakens the check but never refuses a person.
type linkOpens struct {
	mu  sync.Mutex
	lru *simplelru.LRU[string, [6]time.Time] // index: the score, 1 to 5
}

// opened notes that the link for score was opened at now.
func (l *linkOpens) opened(token string, score int, now time.Time) {
	if score < 1 || score > 5 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lru == nil {
		l.lru, _ = simplelru.NewLRU[string, [6]time.Time](maxTrackedPages, nil) // fails only for a size below one
	}
	at, _ := l.lru.Get(token)
	at[score] = now
	// A copy: Fiber's path parameters share a buffer that the next
	// request overwrites, and a map key must not change.
	l.lru.Add(strings.Clone(token), at)
}

// othersOpened reports whether a score link other than score's was opened
// within scannerWindow before now.
func (l *linkOpens) othersOpened(token string, score int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lru == nil {
		return false
	}
	at, _ := l.lru.Peek(token)
	for s := 1; s <= 5; s++ {
		if s != score && !at[s].IsZero() && now.Sub(at[s]) < scannerWindow {
			return true
		}
	}
	return false
}

// automationMarks are words that headless and automated browsers put in
// their User-Agent (HeadlessChrome, PhantomJS, …).
var automationMarks = []string{"headless", "phantomjs", "puppeteer", "playwright", "selenium", "webdriver"}

// automatedAgent reports whether a User-Agent names a headless or
// automated browser.
func automatedAgent(ua string) bool {
	ua = strings.ToLower(ua)
	for _, m := range automationMarks {
		if strings.Contains(ua, m) {
			return true
		}
	}
	return false
}

// takeOneClick decides whether an automatic submission of score for the
// page token is taken as the customer's answer.
func (s *Server) takeOneClick(token, userAgent string, score int) bool {
	return !automatedAgent(userAgent) && !s.opens.othersOpened(token, score, s.cfg.Now())
}
