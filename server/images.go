package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/httpx"
)

const (
	// maxImage bounds one fetched image.
	maxImage = 2 << 20
	// maxImageCache bounds the bytes of all cached images together: the
	// photos and logos of many tenants, each a few hundred kilobytes at
	// most, or 16 images of the largest size. The least recently shown go
	// first.
	maxImageCache = 32 << 20
	// maxImageEntries bounds their number, for the map's own overhead.
	maxImageEntries = 4096
	// imageTTL is how long an image is shown before it is fetched again.
	imageTTL = time.Hour
)

// imageCache keeps fetched agent photos and logos so that the page serves
// them from its own origin (nothing is loaded from third parties) without
// fetching on every view. Entries are per tenant: one tenant's page never
// gets an image another tenant's settings fetched, and deleting an agent
// or a tenant, or changing a photo or logo URL, drops theirs.
type imageCache struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[imageKey, cachedImage]
	bytes int // of the bodies held
}

type imageKey struct{ tenantID, src string }

type cachedImage struct {
	body []byte
	ct   string
	at   time.Time
}

// init makes the LRU on first use, so that the zero imageCache works.
// The caller holds mu.
func (ic *imageCache) init() {
	if ic.lru != nil {
		return
	}
	// NewLRU fails only for a size below one.
	ic.lru, _ = simplelru.NewLRU(maxImageEntries, func(_ imageKey, img cachedImage) { ic.bytes -= len(img.body) })
}

// get returns a cached image that is fresh enough to show.
func (ic *imageCache) get(key imageKey) (cachedImage, bool) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.init()
	img, ok := ic.lru.Get(key)
	if ok && time.Since(img.at) >= imageTTL {
		ic.lru.Remove(key)
		return cachedImage{}, false
	}
	return img, ok
}

// put keeps img, evicting the least recently shown images until all fit
// in maxImageCache.
func (ic *imageCache) put(key imageKey, img cachedImage) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.init()
	ic.lru.Remove(key)
	if len(img.body) > maxImageCache {
		return
	}
	ic.lru.Add(key, img)
	ic.bytes += len(img.body)
	for ic.bytes > maxImageCache {
		ic.lru.RemoveOldest()
	}
}

// forget drops a tenant's cached image from src, or all of the tenant's
// when src is "".
func (ic *imageCache) forget(tenantID, src string) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	ic.init()
	for _, k := range ic.lru.Keys() {
		if k.tenantID == tenantID && (src == "" || k.src == src) {
			ic.lru.Remove(k)
		}
	}
}

func (s *Server) pageImage(which string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		req, err := s.cfg.Store.RequestByToken(ctx, c.Params("token"))
		if err != nil {
			return c.SendStatus(fiber.StatusNotFound)
		}
		var src, agentName string
		if which == "photo" {
			if a, err := s.cfg.Store.GetAgent(ctx, req.TenantID, req.AgentID); err == nil {
				src, agentName = a.PhotoURL, a.Name
			}
		} else if t, err := s.cfg.Store.GetTenant(ctx, req.TenantID); err == nil {
			src = t.Settings.LogoURL
		}
		if src == "" {
			return c.SendStatus(fiber.StatusNotFound)
		}
		if key, own := strings.CutPrefix(src, s.photoPrefix()); own {
			// Uploaded to Plaudit: served from the store, never fetched.
			p, err := s.cfg.Store.AgentPhotoByKey(ctx, key)
			if err != nil || p.TenantID != req.TenantID {
				return c.SendStatus(fiber.StatusNotFound)
			}
			return sendImage(c, cachedImage{body: p.Body, ct: p.ContentType})
		}
		img, err := s.fetchImage(ctx, req.TenantID, src)
		if err != nil {
			// The error names no URL: a tenant's URLs stay out of the log.
			s.log.Warn("image not fetched", "which", which, "tenant", req.TenantID, "err", err)
			if agentName != "" {
				return sendInitials(c, agentName)
			}
			return c.SendStatus(fiber.StatusNotFound)
		}
		return sendImage(c, img)
	}
}

func sendImage(c *fiber.Ctx, img cachedImage) error {
	c.Set(fiber.HeaderContentType, img.ct)
	c.Set("Cache-Control", "private, max-age=3600")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(img.body)
}

// fetchImage returns the image at src, from the cache or fetched. Its
// errors say what went wrong without the URL.
func (s *Server) fetchImage(ctx context.Context, tenantID, src string) (cachedImage, error) {
	key := imageKey{tenantID, src}
	if img, ok := s.images.get(key); ok {
		return img, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return cachedImage{}, errors.New("image URL cannot be used")
	}
	resp, err := s.cfg.DriverDeps.HTTP.Do(r)
	if err != nil {
		return cachedImage{}, httpx.TransportError("image", "fetch", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxImage+1))
	if err != nil {
		return cachedImage{}, errors.New("image: fetch: answer cut short")
	}
	ct := http.DetectContentType(body)
	if resp.StatusCode != http.StatusOK || len(body) > maxImage || !strings.HasPrefix(ct, "image/") {
		return cachedImage{}, plaudit.Errorf(plaudit.EInvalid, "not an image (status %d, %s, %d bytes)", resp.StatusCode, ct, len(body))
	}
	img := cachedImage{body: body, ct: ct, at: time.Now()}
	s.images.put(key, img)
	return img, nil
}
