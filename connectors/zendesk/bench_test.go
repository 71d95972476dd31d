package zendesk

import (
	"context"
	"os"
	"testing"
)

// The benchmarks measure what a webhook costs the gateway in this package:
// checking the signature and parsing the body. Run them with
//
//	go test -run '^$' -bench . -benchmem ./connectors/zendesk/
//
// They assert nothing about speed; docs/benchmarks.md records the figures.

// BenchmarkZendeskReceive is one trigger delivery: signature check, parse,
// dedup key.
func BenchmarkZendeskReceive(b *testing.B) {
	c := newClient(b, "", nil)
	body, err := readTestdata("zendesk-trigger.json")
	if err != nil {
		b.Fatal(err)
	}
	d := signed(body, testNow, testSecret)
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		evs, err := c.Receive(ctx, d)
		if err != nil || len(evs) != 1 {
			b.Fatalf("Receive: %v, %d events", err, len(evs))
		}
	}
}

// BenchmarkZendeskParse splits Receive: the two body shapes, without the
// signature check.
func BenchmarkZendeskParse(b *testing.B) {
	for _, name := range []string{"zendesk-trigger.json", "zendesk-event-status-changed.json"} {
		body, err := readTestdata(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkZendeskVerify is the signature check alone.
func BenchmarkZendeskVerify(b *testing.B) {
	body, err := readTestdata("zendesk-trigger.json")
	if err != nil {
		b.Fatal(err)
	}
	d := signed(body, testNow, testSecret)
	sig, ts := d.Header.Get(HeaderSignature), d.Header.Get(HeaderSignatureTimestamp)
	secret := []byte(testSecret)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Verify(secret, sig, ts, body, testNow); err != nil {
			b.Fatal(err)
		}
	}
}

func readTestdata(name string) ([]byte, error) { return os.ReadFile("testdata/" + name) }
