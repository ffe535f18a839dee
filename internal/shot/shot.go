// Package shot renders a terminal screen — the string a Bubble Tea
// View().Content returns, with the ANSI SGR sequences Lip Gloss emits —
// into an image of a terminal, so that screenshots come from the real
// view rather than from a hand-made picture.
//
// The screen is laid out on a grid of cells the way a terminal would lay
// it out: wide graphemes take two cells, lines longer than the grid are
// cut, missing lines are blank, and escape sequences other than SGR are
// skipped. Text is drawn in Go Mono at 14px, anti-aliased; block elements,
// box-drawing lines and braille are drawn as shapes that fill their cells
// exactly, and a grapheme the font lacks is drawn as a small box.
package shot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// Theme is the terminal's colours: the default background and foreground
// and the 16 ANSI colours (0–7 normal, 8–15 bright). The other 240 colours
// of the 256-colour palette are the standard 6×6×6 cube and grey ramp.
// A nil colour falls back to the matching xterm default.
type Theme struct {
	Background, Foreground color.Color
	Palette                [16]color.Color
}

func hex(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
}

// Dark is a dark terminal (GitHub's dark colours), matching the UI's dark
// styles.
var Dark = Theme{
	Background: hex(0x0D1117),
	Foreground: hex(0xE6EDF3),
	Palette: [16]color.Color{
		hex(0x484F58), hex(0xFF7B72), hex(0x3FB950), hex(0xD29922),
		hex(0x58A6FF), hex(0xBC8CFF), hex(0x39C5CF), hex(0xB1BAC4),
		hex(0x6E7681), hex(0xFFA198), hex(0x56D364), hex(0xE3B341),
		hex(0x79C0FF), hex(0xD2A8FF), hex(0x56D4DD), hex(0xFFFFFF),
	},
}

// Light is a light terminal (GitHub's light colours), matching the UI's
// light styles.
var Light = Theme{
	Background: hex(0xFFFFFF),
	Foreground: hex(0x1F2328),
	Palette: [16]color.Color{
		hex(0x24292F), hex(0xCF222E), hex(0x116329), hex(0x4D2D00),
		hex(0x0969DA), hex(0x8250DF), hex(0x1B7C83), hex(0x6E7781),
		hex(0x57606A), hex(0xA40E26), hex(0x1A7F37), hex(0x633C01),
		hex(0x218BFF), hex(0xA475F9), hex(0x3192AA), hex(0x8C959F),
	},
}

// xterm's default 16 colours, for a theme that leaves some out.
var xterm16 = [16]uint32{
	0x000000, 0xCD0000, 0x00CD00, 0xCDCD00, 0x0000EE, 0xCD00CD, 0x00CDCD, 0xE5E5E5,
	0x7F7F7F, 0xFF0000, 0x00FF00, 0xFFFF00, 0x5C5CFF, 0xFF00FF, 0x00FFFF, 0xFFFFFF,
}

// Padding is the margin, in pixels, of background colour around the cells.
const Padding = 12

// maxCells bounds the grid so that a mistaken size cannot ask for a
// gigantic image.
const maxCells = 1000

// CellSize returns the size of one cell in pixels: the font's advance
// (fractional; cells are placed at exact multiples of it) and the line
// height.
func CellSize() (w float64, h int, err error) {
	f, err := loadFonts()
	if err != nil {
		return 0, 0, err
	}
	return f.m.cellW, f.m.cellH, nil
}

// Size returns the size in pixels of the image Render makes for a
// cols×rows screen.
func Size(cols, rows int) (image.Point, error) {
	f, err := loadFonts()
	if err != nil {
		return image.Point{}, err
	}
	return size(&f.m, cols, rows), nil
}

func size(m *metrics, cols, rows int) image.Point {
	return image.Pt(2*Padding+int(math.Ceil(float64(cols)*m.cellW)), 2*Padding+rows*m.cellH)
}

// toRGBA converts c to an opaque colour, or def if c is nil.
func toRGBA(c color.Color, def color.RGBA) color.RGBA {
	if c == nil {
		return def
	}
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 255}
}

// palette is a theme resolved to pixels.
type palette struct {
	bg, fg color.RGBA
	c      [256]color.RGBA
}

func newPalette(t Theme) *palette {
	p := &palette{
		bg: toRGBA(t.Background, hex(0x000000)),
		fg: toRGBA(t.Foreground, hex(0xE5E5E5)),
	}
	for i := range 16 {
		p.c[i] = toRGBA(t.Palette[i], hex(xterm16[i]))
	}
	levels := [6]uint8{0, 95, 135, 175, 215, 255}
	for i := range 216 {
		p.c[16+i] = color.RGBA{R: levels[i/36], G: levels[i/6%6], B: levels[i%6], A: 255}
	}
	for i := range 24 {
		v := uint8(8 + 10*i)
		p.c[232+i] = color.RGBA{R: v, G: v, B: v, A: 255}
	}
	return p
}

func (p *palette) resolve(c tcolor, def color.RGBA) color.RGBA {
	switch c.kind {
	case colorIndexed:
		return p.c[c.idx]
	case colorRGB:
		return color.RGBA{R: c.r, G: c.g, B: c.b, A: 255}
	}
	return def
}

// colors returns the foreground and background a cell is drawn with:
// reverse swaps them, faint blends the foreground halfway to the
// background and conceal hides the text.
func (p *palette) colors(st style) (fg, bg color.RGBA) {
	fg, bg = p.resolve(st.fg, p.fg), p.resolve(st.bg, p.bg)
	if st.attrs&attrReverse != 0 {
		fg, bg = bg, fg
	}
	if st.attrs&attrFaint != 0 {
		fg = mix(fg, bg, 0.5)
	}
	if st.attrs&attrConceal != 0 {
		fg = bg
	}
	return fg, bg
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.RGBA{R: f(a.R, b.R), G: f(a.G, b.G), B: f(a.B, b.B), A: 255}
}

// Render draws screen on a cols×rows terminal in theme and returns the
// image, Size(cols, rows) pixels large.
func Render(screen string, cols, rows int, theme Theme) (*image.RGBA, error) {
	if cols <= 0 || rows <= 0 || cols > maxCells || rows > maxCells {
		return nil, fmt.Errorf("shot: bad screen size %d×%d", cols, rows)
	}
	f, err := loadFonts()
	if err != nil {
		return nil, err
	}
	m := &f.m
	pal := newPalette(theme)
	g := parse(screen, cols, rows)
	img := image.NewRGBA(image.Rectangle{Max: size(m, cols, rows)})
	fill(img, img.Rect, pal.bg)

	boxAt := func(col, row, w int) box {
		fx0 := Padding + float64(col)*m.cellW
		fx1 := Padding + float64(col+w)*m.cellW
		y0 := Padding + row*m.cellH
		return box{
			px:  image.Rect(int(math.Round(fx0)), y0, int(math.Round(fx1)), y0+m.cellH),
			fx0: fx0, fx1: fx1, m: m,
		}
	}

	// Backgrounds first, so that glyphs reaching past their cell (italics,
	// descenders) are not cut by the next cell's background.
	for row := range rows {
		for col := range cols {
			c := g.at(col, row)
			if c.width == 0 {
				continue
			}
			if _, bg := pal.colors(c.st); bg != pal.bg {
				fill(img, boxAt(col, row, c.width).px, bg)
			}
		}
	}

	var faces [numFaces]font.Face
	for i := range faces {
		faces[i] = cachedFace{f: f, face: i}
	}
	src := image.NewUniform(color.RGBA{})
	d := font.Drawer{Dst: img, Src: src}
	for row := range rows {
		for col := range cols {
			c := g.at(col, row)
			if c.width == 0 {
				continue
			}
			fg, bg := pal.colors(c.st)
			b := boxAt(col, row, c.width)
			if c.st.attrs&attrUnderline != 0 {
				y := b.px.Min.Y + m.underline
				fill(img, image.Rect(b.px.Min.X, y, b.px.Max.X, y+m.lineWeight), fg)
			}
			if c.st.attrs&attrStrike != 0 {
				y := b.px.Min.Y + m.strike
				fill(img, image.Rect(b.px.Min.X, y, b.px.Max.X, y+m.lineWeight), fg)
			}
			if c.text == "" || c.text == " " || fg == bg {
				continue
			}
			r, _ := utf8.DecodeRuneInString(c.text)
			switch {
			case isSpecial(r):
				drawSpecial(img, b, r, fg, bg)
			case !f.has(r):
				drawMissing(img, b, fg)
			default:
				face := faceRegular
				if c.st.attrs&attrBold != 0 {
					face |= faceBold
				}
				if c.st.attrs&attrItalic != 0 {
					face |= faceItalic
				}
				dot := fixed.Int26_6(math.Round(b.fx0 * 64))
				// Centre a glyph whose advance is not the cells' width
				// (a wide grapheme the font draws narrow).
				if adv, ok := faces[face].GlyphAdvance(r); ok && c.width > 1 {
					dot += (fixed.Int26_6(c.width)*m.advance - adv) / 2
				}
				src.C = fg
				d.Face = faces[face]
				d.Dot = fixed.Point26_6{X: dot, Y: fixed.I(b.px.Min.Y + m.baseline)}
				d.DrawString(c.text)
			}
		}
	}
	return img, nil
}

// WritePNG writes img to path as a PNG.
func WritePNG(path string, img image.Image) (err error) {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := file.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			err = errors.Join(err, os.Remove(path))
		}
	}()
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(file, img)
}
