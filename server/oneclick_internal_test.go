package server

import (
	"testing"
	"time"
	"unsafe"
)

// Fiber hands out path parameters as strings over its request buffer,
// which the next request overwrites: the memory of opened links keeps a
// copy, or a scanner's openings would be filed under a token that later
// reads as another (and a map key that changes breaks the map).
func TestLinkOpensKeepsItsOwnCopyOfTheToken(t *testing.T) {
	buf := []byte("Qm9vZ3J5aWQxMjM0NTY3ODkwYWJjZGVm")
	token := unsafe.String(&buf[0], len(buf)) // as c.Params gives it
	now := time.Now()
	var l linkOpens
	l.opened(token, 1, now)
	copy(buf, "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ") // the buffer serves the next request
	if !l.othersOpened("Qm9vZ3J5aWQxMjM0NTY3ODkwYWJjZGVm", 5, now.Add(time.Second)) {
		t.Error("the opening of score 1 was lost when the request's buffer was reused")
	}
	if l.othersOpened("Qm9vZ3J5aWQxMjM0NTY3ODkwYWJjZGVm", 5, now.Add(scannerWindow)) {
		t.Error("an opening older than the window still counts")
	}
}
