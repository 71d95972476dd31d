package server

import (
	"strconv"
	"testing"
	"time"
)

// The image cache holds at most maxImageCache bytes, however many tenants
// and agents have photos: the least recently shown go first. (It used to
// hold 500 images of up to 2 MiB, about 1 GiB.)
func TestImageCacheIsBoundedInBytes(t *testing.T) {
	var ic imageCache
	body := make([]byte, maxImage) // shared: the test itself stays small
	key := func(i int) imageKey {
		return imageKey{"ten_" + strconv.Itoa(i%7), "https://cdn.example/" + strconv.Itoa(i)}
	}
	for i := range 600 {
		ic.put(key(i), cachedImage{body: body, ct: "image/png", at: time.Now()})
		// Image 3 is shown on every page view: it stays.
		if _, ok := ic.get(key(3)); i >= 3 && !ok {
			t.Fatalf("a recently shown image was evicted after %d puts", i)
		}
	}
	held := 0
	for _, img := range ic.lru.Values() {
		held += len(img.body)
	}
	if held > maxImageCache || ic.bytes != held {
		t.Errorf("cache holds %d bytes (counted %d), at most %d wanted", held, ic.bytes, maxImageCache)
	}
	if _, ok := ic.get(key(599)); !ok {
		t.Error("the newest image is not cached")
	}
	if _, ok := ic.get(key(10)); ok {
		t.Error("an old image that was not shown again is still cached")
	}

	// An image past its time is fetched again.
	ic.put(key(1000), cachedImage{body: body[:10], at: time.Now().Add(-imageTTL)})
	if _, ok := ic.get(key(1000)); ok {
		t.Error("a stale image was served")
	}
	ic.forget("ten_3", "")
	for _, k := range ic.lru.Keys() {
		if k.tenantID == "ten_3" {
			t.Errorf("forgotten tenant's image %s still cached", k.src)
		}
	}
}
