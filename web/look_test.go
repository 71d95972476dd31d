package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The brand colour shows in a real browser, which applies the page's
// Content-Security-Policy: an inline style attribute would be blocked.
func TestBrandColourShowsInABrowser(t *testing.T) {
	site := startSite(t)
	site.tn.Settings.BrandColor = "#c2185b"
	must(t, site.st.UpdateTenant(context.Background(), site.tn))
	req := site.sent()
	tab := newTab(t, browser(t, false), false)
	must(t, chromedp.Do(tab, chromedp.Navigate(site.url+"/f/"+req.Token)))
	color, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('main.card')).borderTopColor`))
	must(t, err)
	if color != "rgb(194, 24, 91)" {
		t.Errorf("the card's top border is %s, want the brand colour rgb(194, 24, 91)", color)
	}
}

// With scripts off, a one-click link records nothing until the button is
// pressed, and the page says so: never "Saving your rating…".
func TestOneClickWithScriptsOff(t *testing.T) {
	site := startSite(t)
	req := site.sent()
	tab := newTab(t, browser(t, true), true)
	must(t, chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}), chromedp.Navigate(site.scoreLinks(req)[3])))
	time.Sleep(settle)
	text, err := chromedp.Run(tab, chromedp.Text[string]("main"))
	must(t, err)
	if strings.Contains(text, "Saving") || !strings.Contains(text, "You chose 4. Tap “Send rating” to save it.") {
		t.Errorf("without scripts the page says %q", text)
	}
	if r, ok := site.response(req); ok {
		t.Errorf("recorded %d without a press of the button", r.Score)
	}
}
