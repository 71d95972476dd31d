package server

import (
	"bytes"
	"image"
	"image/jpeg"
	_ "image/png" // decoders for uploads
	"net/http"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/plaudit/plaudit"
)

const (
	// photoSide is the largest side of a stored photo, in pixels.
	photoSide = 512
	// maxPhotoPixels refuses images that would take too much memory to
	// decode (a small file can declare a huge picture).
	maxPhotoPixels = 40_000_000
)

// processPhoto turns an upload (JPEG, PNG or WebP) into what is stored
// and shown: the centre square, at most 512 pixels a side, encoded anew as
// JPEG, so that nothing of the file but its pixels is kept (no EXIF, GPS
// position, camera or comments). A JPEG's EXIF orientation is applied to
// the pixels first, so that the photo is stored upright.
func processPhoto(data []byte) ([]byte, error) {
	ct := http.DetectContentType(data)
	if ct != "image/jpeg" && ct != "image/png" && ct != "image/webp" {
		return nil, plaudit.Errorf(plaudit.EInvalid, "photo must be a JPEG, PNG or WebP image")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width < 1 || cfg.Height < 1 {
		return nil, plaudit.Errorf(plaudit.EInvalid, "photo cannot be read as an image")
	}
	if cfg.Width*cfg.Height > maxPhotoPixels {
		return nil, plaudit.Errorf(plaudit.EInvalid, "photo is too large (at most 40 megapixels)")
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EInvalid, "photo cannot be read as an image")
	}
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(side, side))
	out := min(side, photoSide)
	dst := image.NewRGBA(image.Rect(0, 0, out, out))
	// White behind what is transparent: JPEG has no transparency.
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Over, nil)
	// Turned upright after the square is cut and scaled: the centre square
	// of a turned image is the turned centre square, and turning 512 × 512
	// pixels costs far less than the whole photo.
	var shown image.Image = dst
	if ct == "image/jpeg" {
		shown = upright(dst, jpegOrientation(data))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, shown, &jpeg.Options{Quality: 88}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
