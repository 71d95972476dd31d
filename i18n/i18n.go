// Package i18n is the one catalog of the texts Plaudit shows people: the
// feedback email, the SMS, the feedback page, and the admin console's
// frame, menu and sign-in pages. Each text has one id that
// every channel uses, so that a score label or a question cannot read one
// way in the email and another on the page.
//
// The texts live in message files under locales/, one per language, in
// go-i18n's TOML format, so that a translator edits them without touching
// Go code. They are embedded in the binary and parsed on first use.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sync"
	"sync/atomic"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Default is the language used for a language or a text that has no
// translation.
const Default = "en"

//go:embed locales/*.toml
var locales embed.FS

// catalog is parsed on first use rather than in init, so that importing the
// package costs nothing. The files are embedded: one that does not parse
// fails every test that renders a text, so a panic here cannot reach a
// release.
var catalog = sync.OnceValue(func() *goi18n.Bundle {
	b, err := load(locales)
	if err != nil {
		panic("i18n: " + err.Error())
	}
	return b
})

// load parses every locales/*.toml in fsys into a bundle whose default
// language is Default.
func load(fsys fs.FS) (*goi18n.Bundle, error) {
	b := goi18n.NewBundle(language.MustParse(Default))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(fsys, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(fsys, f); err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(f), err)
		}
	}
	return b, nil
}

// T returns the text id in lang, filled in with data: a message
// "How did {{.Name}} do?" takes data {"Name": "Max"}. A "Count" in data
// also picks the plural form by the language's plural rules ("one",
// "other", …).
//
// lang is a language code ("de"), a locale ("de-AT") or empty; a language
// without a file, and a text missing from a language's file, fall back to
// English. An id that no file has is returned as is, so that a missing
// text shows up on the page or in the message rather than vanishing.
func T(lang, id string, data map[string]any) string {
	return localize(catalog(), lang, id, data)
}

func localize(b *goi18n.Bundle, lang, id string, data map[string]any) string {
	lc := &goi18n.LocalizeConfig{MessageID: id}
	if data != nil {
		lc.TemplateData = data
		if n, ok := data["Count"]; ok {
			lc.PluralCount = n
		}
	}
	s, _ := localizer(b, lang).Localize(lc)
	if s == "" {
		return id
	}
	return s
}

// Languages lists the languages the catalog has a file for, English first.
func Languages() []string {
	var out []string
	for _, t := range catalog().LanguageTags() {
		out = append(out, t.String())
	}
	return out
}

// localizers keeps one localizer per bundle and language asked for:
// making one parses the language tag, which cost as much as the look-up
// itself on every text of every message. A bundle is not changed once
// loaded, so a localizer stays right. Languages come from requests and
// helpdesks, so the map is bounded by maxLocalizers.
var localizers sync.Map // localizerKey → *goi18n.Localizer

type localizerKey struct {
	b    *goi18n.Bundle
	lang string
}

const maxLocalizers = 1000

var localizerCount atomic.Int64

func localizer(b *goi18n.Bundle, lang string) *goi18n.Localizer {
	k := localizerKey{b, lang}
	if l, ok := localizers.Load(k); ok {
		return l.(*goi18n.Localizer)
	}
	l := goi18n.NewLocalizer(b, lang)
	if localizerCount.Load() < maxLocalizers {
		if _, loaded := localizers.LoadOrStore(k, l); !loaded {
			localizerCount.Add(1)
		}
	}
	return l
}
