package server

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// The upright photo: a portrait 240 × 320 whose centre square has a
// colour in each quarter, so that each of the eight orientations puts a
// different colour in the top left corner.
const uprightW, uprightH = 240, 320

var quarters = [2][2]color.RGBA{ // [top/bottom][left/right]
	{{220, 30, 30, 255}, {30, 200, 30, 255}},
	{{30, 30, 220, 255}, {230, 230, 40, 255}},
}

func uprightAt(x, y int) color.RGBA {
	return quarters[btoi(y >= uprightH/2)][btoi(x >= uprightW/2)]
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sides are EXIF's words for each orientation (the spec's table): the
// side of the upright picture that the stored 0th row, and the stored 0th
// column, lie on.
var sides = map[int][2]string{
	1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
	5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
}

// stored is the picture as a camera with orientation o stores it, built
// from the spec's words rather than from the code under test.
func stored(o int) image.Image {
	row, col := sides[o][0], sides[o][1]
	w, h := uprightW, uprightH
	if row == "left" || row == "right" {
		w, h = uprightH, uprightW
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			var X, Y int
			switch row {
			case "top":
				Y = y
			case "bottom":
				Y = uprightH - 1 - y
			case "left":
				X = y
			case "right":
				X = uprightW - 1 - y
			}
			switch col {
			case "left":
				X = x
			case "right":
				X = uprightW - 1 - x
			case "top":
				Y = x
			case "bottom":
				Y = uprightH - 1 - x
			}
			img.SetRGBA(x, y, uprightAt(X, Y))
		}
	}
	return img
}

// exifSegment is an APP1 segment with one IFD entry: Orientation.
func exifSegment(o int, bo binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if bo == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	bo.PutUint16(tiff[2:], 42)
	bo.PutUint32(tiff[4:], 8)
	bo.PutUint16(tiff[8:], 1)
	bo.PutUint16(tiff[10:], 0x0112)
	bo.PutUint16(tiff[12:], 3)
	bo.PutUint32(tiff[14:], 1)
	bo.PutUint16(tiff[18:], uint16(o))
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	return append(seg, payload...)
}

// orientedJPEG encodes img as JPEG with the EXIF orientation o, placed
// after an APP0 (JFIF) segment as cameras write it.
func orientedJPEG(t *testing.T, img image.Image, o int, bo binary.ByteOrder) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	jfif := []byte{0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	out := append([]byte{}, raw[:2]...)
	out = append(out, jfif...)
	out = append(out, exifSegment(o, bo)...)
	return append(out, raw[2:]...)
}

func near(a color.Color, b color.RGBA) bool {
	r, g, bl, _ := a.RGBA()
	d := func(x uint32, y uint8) int { return max(int(x>>8)-int(y), int(y)-int(x>>8)) }
	return d(r, b.R) < 40 && d(g, b.G) < 40 && d(bl, b.B) < 40
}

// A JPEG with any of the eight EXIF orientations (either byte order) is
// stored upright, with no EXIF left in it.
func TestPhotoTurnedUprightByEXIF(t *testing.T) {
	for o := 1; o <= 8; o++ {
		for _, bo := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
			data := orientedJPEG(t, stored(o), o, bo)
			if got := jpegOrientation(data); got != o {
				t.Fatalf("orientation %d (%v) read as %d", o, bo, got)
			}
			out, err := processPhoto(data)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(out, []byte("Exif")) {
				t.Errorf("orientation %d: the stored photo keeps EXIF", o)
			}
			img, err := jpeg.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			side := img.Bounds().Dx()
			if side != uprightW || img.Bounds().Dy() != uprightW {
				t.Fatalf("orientation %d: %v, want the %d px square", o, img.Bounds(), uprightW)
			}
			for qy := range 2 {
				for qx := range 2 {
					x, y := side/4+qx*side/2, side/4+qy*side/2
					if c := img.At(x, y); !near(c, quarters[qy][qx]) {
						t.Errorf("orientation %d (%v): at (%d, %d) %v, want %v", o, bo, x, y, c, quarters[qy][qx])
					}
				}
			}
		}
	}
}

// Without EXIF, or with EXIF that is cut short or lies about its sizes,
// the orientation is 1 and nothing panics.
func TestJPEGOrientationOfBrokenFiles(t *testing.T) {
	good := orientedJPEG(t, stored(6), 6, binary.BigEndian)
	var plain bytes.Buffer
	_ = jpeg.Encode(&plain, stored(1), nil)
	for name, data := range map[string][]byte{"no EXIF": plain.Bytes(), "empty": nil, "not a JPEG": []byte("GIF89a....")} {
		if got := jpegOrientation(data); got != 1 {
			t.Errorf("%s: orientation %d", name, got)
		}
	}
	// Cut short: 1 until the EXIF segment is whole, 6 after.
	whole := 2 + 18 + len(exifSegment(6, binary.BigEndian))
	for n := range whole + 20 {
		want := 1
		if n >= whole {
			want = 6
		}
		if got := jpegOrientation(good[:n]); got != want {
			t.Errorf("cut at %d bytes: orientation %d, want %d", n, got, want)
		}
	}
	bad := append([]byte{}, good...)
	binary.BigEndian.PutUint16(bad[22:], 0xFFFF) // the EXIF segment claims more than the file has
	if got := jpegOrientation(bad); got != 1 {
		t.Errorf("a segment longer than the file: %d", got)
	}
}

// FuzzJPEGOrientation: any bytes give an orientation of 1 to 8 without
// panicking, and turning a small image by it keeps or swaps its sides.
func FuzzJPEGOrientation(f *testing.F) {
	for o := 1; o <= 8; o++ {
		var buf bytes.Buffer
		_ = jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 2)), nil)
		raw := buf.Bytes()
		f.Add(append(append(append([]byte{}, raw[:2]...), exifSegment(o, binary.LittleEndian)...), raw[2:]...))
	}
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		o := jpegOrientation(data)
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		b := upright(image.NewGray(image.Rect(0, 0, 3, 2)), o).Bounds()
		if (o >= 5 && (b.Dx() != 2 || b.Dy() != 3)) || (o < 5 && (b.Dx() != 3 || b.Dy() != 2)) {
			t.Fatalf("orientation %d turned 3×2 into %v", o, b)
		}
	})
}
