package shot

import (
	"fmt"
	"image"
	"math"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/gomonobolditalic"
	"golang.org/x/image/font/gofont/gomonoitalic"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// fontSize is the size of the text in pixels.
const fontSize = 14

// The four Go Mono faces, indexed by variant.
const (
	faceRegular = iota
	faceBold
	faceItalic
	faceBoldItalic
	numFaces
)

// metrics is the geometry of a cell, derived from the font.
type metrics struct {
	advance    fixed.Int26_6 // cell width: the advance of the monospace font
	cellW      float64       // the same, in pixels
	cellH      int           // line height in pixels
	baseline   int           // baseline's distance from the top of a cell
	underline  int           // underline's distance from the top of a cell
	strike     int           // strikethrough's distance from the top of a cell
	lineWeight int           // thickness of a light box-drawing line
}

// fonts holds the parsed faces and a cache of rasterized glyphs shared by
// all renders. Faces are not safe for concurrent use, so every use of them
// goes through mu.
type fonts struct {
	mu     sync.Mutex
	faces  [numFaces]font.Face
	glyphs map[glyphKey]*glyphMask
	m      metrics
}

type glyphKey struct {
	face int
	r    rune
	fx   fixed.Int26_6 // sub-pixel x offset of the dot, quantized
}

type glyphMask struct {
	ok      bool
	dr      image.Rectangle // relative to the integer part of the dot
	mask    *image.Alpha
	advance fixed.Int26_6
}

var (
	fontsOnce sync.Once
	theFonts  *fonts
	fontsErr  error
)

func loadFonts() (*fonts, error) {
	fontsOnce.Do(func() {
		f := &fonts{glyphs: make(map[glyphKey]*glyphMask)}
		ttfs := [numFaces][]byte{gomono.TTF, gomonobold.TTF, gomonoitalic.TTF, gomonobolditalic.TTF}
		for i, ttf := range ttfs {
			parsed, err := opentype.Parse(ttf)
			if err != nil {
				fontsErr = fmt.Errorf("shot: parse font %d: %w", i, err)
				return
			}
			face, err := opentype.NewFace(parsed, &opentype.FaceOptions{Size: fontSize, DPI: 72, Hinting: font.HintingNone})
			if err != nil {
				fontsErr = fmt.Errorf("shot: font face %d: %w", i, err)
				return
			}
			f.faces[i] = face
		}
		reg := f.faces[faceRegular]
		adv, ok := reg.GlyphAdvance('M')
		if !ok || adv <= 0 {
			fontsErr = fmt.Errorf("shot: font has no advance for 'M'")
			return
		}
		fm := reg.Metrics()
		asc, desc := float64(fm.Ascent)/64, float64(fm.Descent)/64
		height := float64(fm.Height) / 64
		// A little leading on top of the font's own line height, as
		// terminals add; at 14px that gives 18px rows.
		cellH := int(math.Ceil(height * 1.1))
		base := int(math.Round((float64(cellH)-(asc+desc))/2 + asc))
		f.m = metrics{
			advance:    adv,
			cellW:      float64(adv) / 64,
			cellH:      cellH,
			baseline:   base,
			underline:  min(base+max(int(math.Round(desc/2)), 1), cellH-1),
			strike:     base - int(math.Round(float64(fm.XHeight)/64/2)),
			lineWeight: max(1, int(math.Round(fontSize/14.0))),
		}
		theFonts = f
	})
	return theFonts, fontsErr
}

// glyph returns the rasterized glyph of r in the given face for a dot whose
// sub-pixel x offset is fx (a multiple of 1/4 pixel).
func (f *fonts) glyph(face int, r rune, fx fixed.Int26_6) *glyphMask {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := glyphKey{face, r, fx}
	if g, ok := f.glyphs[k]; ok {
		return g
	}
	dr, mask, maskp, adv, ok := f.faces[face].Glyph(fixed.Point26_6{X: fx}, r)
	g := &glyphMask{ok: ok, advance: adv, dr: dr}
	if ok && !dr.Empty() {
		// The face reuses its mask buffer: keep a copy.
		a := image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))
		src, _ := mask.(*image.Alpha)
		if src != nil {
			for y := 0; y < dr.Dy(); y++ {
				so := src.PixOffset(maskp.X, maskp.Y+y)
				copy(a.Pix[y*a.Stride:y*a.Stride+dr.Dx()], src.Pix[so:so+dr.Dx()])
			}
		} else {
			for y := 0; y < dr.Dy(); y++ {
				for x := 0; x < dr.Dx(); x++ {
					_, _, _, al := mask.At(maskp.X+x, maskp.Y+y).RGBA()
					a.Pix[y*a.Stride+x] = uint8(al >> 8)
				}
			}
		}
		g.mask = a
	}
	f.glyphs[k] = g
	return g
}

// has reports whether the font has a glyph for r.
func (f *fonts) has(r rune) bool {
	return f.glyph(faceRegular, r, 0).ok
}

// cachedFace is a font.Face over one of the Go Mono faces that serves glyph
// masks from the shared cache, so a font.Drawer can draw with it cheaply.
// Dot positions are quantized to a quarter pixel horizontally.
type cachedFace struct {
	f    *fonts
	face int
}

var _ font.Face = cachedFace{}

func (c cachedFace) Close() error { return nil }

func (c cachedFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	x := (dot.X + 8) &^ 15 // nearest quarter pixel
	ix := x.Floor()
	g := c.f.glyph(c.face, r, x-fixed.I(ix))
	if !g.ok {
		return image.Rectangle{}, nil, image.Point{}, 0, false
	}
	if g.mask == nil {
		return image.Rectangle{}, nil, image.Point{}, g.advance, true
	}
	return g.dr.Add(image.Pt(ix, dot.Y.Floor())), g.mask, image.Point{}, g.advance, true
}

func (c cachedFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	return c.f.faces[c.face].GlyphBounds(r)
}

func (c cachedFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	g := c.f.glyph(c.face, r, 0)
	return g.advance, g.ok
}

func (c cachedFace) Kern(r0, r1 rune) fixed.Int26_6 { return 0 } // monospace: no kerning

func (c cachedFace) Metrics() font.Metrics {
	c.f.mu.Lock()
	defer c.f.mu.Unlock()
	return c.f.faces[c.face].Metrics()
}
