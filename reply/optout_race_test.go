package reply

import (
	"sync"
	"testing"
)

// Replies arrive at once on a busy server: reading them concurrently
// must neither race nor panic (a shared transform chain did both).
func TestOptOutConcurrently(t *testing.T) {
	texts := []string{"Bitte abmelden, danke", "Je veux me désabonner", "4 sur 5, très bien", "Nie chcę, rezygnuję"}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				OptOut(texts[i%len(texts)])
			}
		}()
	}
	wg.Wait()
}
