package shot

import (
	"image"
	"image/color"
	"math"
)

// box is where one grapheme is drawn: the pixel rectangle of its cells
// (px) and the same span in exact sub-pixel coordinates (fx0, fx1).
type box struct {
	px       image.Rectangle
	fx0, fx1 float64
	m        *metrics
}

func (b box) cx() float64 { return (b.fx0 + b.fx1) / 2 }

// Text-area references, in pixels from the top of the image.
func (b box) baseline() float64 { return float64(b.px.Min.Y + b.m.baseline) }

// lineWeights are the box-drawing arms (up, right, down, left) of U+2500 to
// U+254F, 0 none, 1 light, 2 heavy. Dashed lines are drawn solid.
var lineWeights = [...]string{
	"0101", "0202", "1010", "2020", "0101", "0202", "1010", "2020", // ─━│┃┄┅┆┇
	"0101", "0202", "1010", "2020", "0110", "0210", "0120", "0220", // ┈┉┊┋┌┍┎┏
	"0011", "0012", "0021", "0022", "1100", "1200", "2100", "2200", // ┐┑┒┓└┕┖┗
	"1001", "1002", "2001", "2002", "1110", "1210", "2110", "1120", // ┘┙┚┛├┝┞┟
	"2120", "2210", "1220", "2220", "1011", "1012", "2011", "1021", // ┠┡┢┣┤┥┦┧
	"2021", "2012", "1022", "2022", "0111", "0112", "0211", "0212", // ┨┩┪┫┬┭┮┯
	"0121", "0122", "0221", "0222", "1101", "1102", "1201", "1202", // ┰┱┲┳┴┵┶┷
	"2101", "2102", "2201", "2202", "1111", "1112", "1211", "1212", // ┸┹┺┻┼┽┾┿
	"2111", "1121", "2121", "2112", "2211", "1122", "1221", "2212", // ╀╁╂╃╄╅╆╇
	"1222", "2122", "2221", "2222", "0101", "0202", "1010", "2020", // ╈╉╊╋╌╍╎╏
}

// halfLines are the arms of U+2574 to U+257F (╴╵╶╷╸╹╺╻╼╽╾╿).
var halfLines = [...]string{
	"0001", "1000", "0100", "0010", "0002", "2000", "0200", "0020",
	"0201", "1020", "0102", "2010",
}

// isSpecial reports whether r is drawn by drawSpecial rather than taken
// from the font: block elements and box-drawing lines must fill their
// cells exactly, and a few symbols the UI uses are missing from Go Mono.
func isSpecial(r rune) bool {
	switch {
	case r >= 0x2500 && r <= 0x254F, r >= 0x256D && r <= 0x257F:
		return true
	case r >= 0x2580 && r <= 0x259F: // block elements
		return true
	case r >= 0x2800 && r <= 0x28FF: // braille
		return true
	}
	switch r {
	case '▸', '◂', '▴', '▾', '▶', '◀', '✓', '✔', '✗', '✘':
		return true
	}
	return false
}

// drawSpecial draws r in b with fg over the cell background bg.
func drawSpecial(img *image.RGBA, b box, r rune, fg, bg color.RGBA) {
	m := b.m
	switch {
	case r >= 0x2500 && r <= 0x254F:
		drawLines(img, b, lineWeights[r-0x2500], fg)
	case r >= 0x2574 && r <= 0x257F:
		drawLines(img, b, halfLines[r-0x2574], fg)
	case r >= 0x256D && r <= 0x2570: // ╭╮╯╰
		drawRounded(img, b, r, fg)
	case r >= 0x2571 && r <= 0x2573: // ╱╲╳
		drawDiagonals(img, b, r, fg)
	case r >= 0x2580 && r <= 0x259F:
		drawBlock(img, b, r, fg, bg)
	case r >= 0x2800 && r <= 0x28FF:
		drawBraille(img, b, r, fg)
	default:
		drawSymbol(img, b, r, fg, m)
	}
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	if r.Empty() {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, 255
		}
	}
}

// blendPix paints c over the pixel at (x, y) with coverage a in [0, 1].
func blendPix(img *image.RGBA, x, y int, c color.RGBA, a float64) {
	if !(image.Point{x, y}.In(img.Rect)) || a <= 0 {
		return
	}
	i := img.PixOffset(x, y)
	p := img.Pix[i : i+4 : i+4]
	if a >= 1 {
		p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 255
		return
	}
	mix := func(d, s uint8) uint8 { return uint8(math.Round(float64(d)*(1-a) + float64(s)*a)) }
	p[0], p[1], p[2], p[3] = mix(p[0], c.R), mix(p[1], c.G), mix(p[2], c.B), 255
}

// shade paints c over the pixels of r where inside is true of the pixel's
// sub-samples (4×4 per pixel), anti-aliased by the share of samples inside.
func shade(img *image.RGBA, r image.Rectangle, c color.RGBA, inside func(x, y float64) bool) {
	const n = 4
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			hits := 0
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					if inside(float64(x)+(float64(sx)+0.5)/n, float64(y)+(float64(sy)+0.5)/n) {
						hits++
					}
				}
			}
			blendPix(img, x, y, c, float64(hits)/(n*n))
		}
	}
}

// weight is the thickness in pixels of a box-drawing arm of weight w.
func weight(m *metrics, w byte) int {
	switch w {
	case '1':
		return m.lineWeight
	case '2':
		return 2 * m.lineWeight
	}
	return 0
}

// lineCenter returns the left column of a vertical line of thickness t and
// the top row of a horizontal one, centred in the box.
func lineCenter(b box, t int) (vx, hy int) {
	cx := (b.px.Min.X + b.px.Max.X) / 2
	return cx - t/2, b.px.Min.Y + (b.px.Dy()-t)/2
}

// drawLines draws box-drawing arms given as "urdl" weights.
func drawLines(img *image.RGBA, b box, arms string, fg color.RGBA) {
	tmax := 0
	for i := range 4 {
		tmax = max(tmax, weight(b.m, arms[i]))
	}
	// The centre square every arm reaches into, so arms of different
	// weights join without notches.
	cx0, cy0 := lineCenter(b, tmax)
	cx1, cy1 := cx0+tmax, cy0+tmax
	p := b.px
	if t := weight(b.m, arms[0]); t > 0 { // up
		vx, _ := lineCenter(b, t)
		fill(img, image.Rect(vx, p.Min.Y, vx+t, cy1), fg)
	}
	if t := weight(b.m, arms[1]); t > 0 { // right
		_, hy := lineCenter(b, t)
		fill(img, image.Rect(cx0, hy, p.Max.X, hy+t), fg)
	}
	if t := weight(b.m, arms[2]); t > 0 { // down
		vx, _ := lineCenter(b, t)
		fill(img, image.Rect(vx, cy0, vx+t, p.Max.Y), fg)
	}
	if t := weight(b.m, arms[3]); t > 0 { // left
		_, hy := lineCenter(b, t)
		fill(img, image.Rect(p.Min.X, hy, cx1, hy+t), fg)
	}
}

// drawRounded draws the light arc corners ╭╮╯╰: straight arms that meet
// the neighbouring lines exactly, joined by a quarter circle.
func drawRounded(img *image.RGBA, b box, r rune, fg color.RGBA) {
	t := b.m.lineWeight
	vx, hy := lineCenter(b, t)
	cxf, cyf := float64(vx)+float64(t)/2, float64(hy)+float64(t)/2
	sx, sy := 1.0, 1.0 // direction of the horizontal and vertical arm
	switch r {
	case '╮':
		sx = -1
	case '╯':
		sx, sy = -1, -1
	case '╰':
		sy = -1
	}
	rad := math.Min(b.fx1-b.fx0, float64(b.px.Dy())) / 2
	half := float64(t) / 2
	shade(img, b.px, fg, func(x, y float64) bool {
		u, v := (x-cxf)*sx, (y-cyf)*sy
		d := math.Inf(1)
		if u >= rad {
			d = math.Abs(v)
		}
		if v >= rad {
			d = math.Min(d, math.Abs(u))
		}
		if u < rad && v < rad {
			d = math.Abs(math.Hypot(u-rad, v-rad) - rad)
		}
		return d <= half
	})
}

// segDist is the distance from p to the segment a–b.
func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l := dx*dx + dy*dy
	t := 0.0
	if l > 0 {
		t = math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/l))
	}
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}

func drawDiagonals(img *image.RGBA, b box, r rune, fg color.RGBA) {
	x0, x1 := b.fx0, b.fx1
	y0, y1 := float64(b.px.Min.Y), float64(b.px.Max.Y)
	half := float64(b.m.lineWeight) / 2 * 1.2
	shade(img, b.px, fg, func(x, y float64) bool {
		if r != '╲' && segDist(x, y, x0, y1, x1, y0) <= half {
			return true
		}
		return r != '╱' && segDist(x, y, x0, y0, x1, y1) <= half
	})
}

// drawBlock draws the block elements U+2580–U+259F as exact rectangles, so
// that runs of them make gapless bars, and the shades as pixel patterns
// anchored to the image so that neighbouring cells tile seamlessly.
func drawBlock(img *image.RGBA, b box, r rune, fg, bg color.RGBA) {
	p := b.px
	w, h := p.Dx(), p.Dy()
	eighthH := func(n int) int { return int(math.Round(float64(h) * float64(n) / 8)) }
	eighthW := func(n int) int { return int(math.Round((b.fx1 - b.fx0) * float64(n) / 8)) }
	midX, midY := p.Min.X+w/2, p.Min.Y+h/2
	quads := func(q int) {
		if q&1 != 0 {
			fill(img, image.Rect(p.Min.X, p.Min.Y, midX, midY), fg)
		}
		if q&2 != 0 {
			fill(img, image.Rect(midX, p.Min.Y, p.Max.X, midY), fg)
		}
		if q&4 != 0 {
			fill(img, image.Rect(p.Min.X, midY, midX, p.Max.Y), fg)
		}
		if q&8 != 0 {
			fill(img, image.Rect(midX, midY, p.Max.X, p.Max.Y), fg)
		}
	}
	switch {
	case r == '▀':
		fill(img, image.Rect(p.Min.X, p.Min.Y, p.Max.X, midY), fg)
	case r >= '▁' && r <= '█': // lower n eighths
		fill(img, image.Rect(p.Min.X, p.Max.Y-eighthH(int(r-'▀')), p.Max.X, p.Max.Y), fg)
	case r >= '▉' && r <= '▏': // left n eighths
		fill(img, image.Rect(p.Min.X, p.Min.Y, p.Min.X+eighthW(int(0x2590-r)), p.Max.Y), fg)
	case r == '▐':
		fill(img, image.Rect(midX, p.Min.Y, p.Max.X, p.Max.Y), fg)
	case r == '░', r == '▒', r == '▓':
		drawShade(img, p, r, fg, bg)
	case r == '▔':
		fill(img, image.Rect(p.Min.X, p.Min.Y, p.Max.X, p.Min.Y+eighthH(1)), fg)
	case r == '▕':
		fill(img, image.Rect(p.Max.X-eighthW(1), p.Min.Y, p.Max.X, p.Max.Y), fg)
	default: // quadrants ▖▗▘▙▚▛▜▝▞▟
		q := [...]int{4, 8, 1, 1 | 4 | 8, 1 | 8, 1 | 2 | 4, 1 | 2 | 8, 2, 2 | 4, 2 | 4 | 8}
		quads(q[r-'▖'])
	}
}

// drawShade draws ░ ▒ ▓ as a fine dot pattern of fg over bg: ░ lights one
// pixel of every 2×2, ▒ is a checkerboard and ▓ lights three of four.
func drawShade(img *image.RGBA, p image.Rectangle, r rune, fg, bg color.RGBA) {
	p = p.Intersect(img.Rect)
	for y := p.Min.Y; y < p.Max.Y; y++ {
		for x := p.Min.X; x < p.Max.X; x++ {
			var lit bool
			switch r {
			case '░':
				lit = x%2 == 0 && y%2 == 0
			case '▒':
				lit = (x+y)%2 == 0
			case '▓':
				lit = !(x%2 == 1 && y%2 == 1)
			}
			if lit {
				blendPix(img, x, y, fg, 1)
			} else {
				blendPix(img, x, y, bg, 1)
			}
		}
	}
}

// drawBraille draws the dots of a braille pattern (U+2800–U+28FF) on a
// 2×4 grid.
func drawBraille(img *image.RGBA, b box, r rune, fg color.RGBA) {
	bits := int(r - 0x2800)
	// Dot numbers 1–8 by bit: column 0 rows 0–2, column 1 rows 0–2, then
	// row 3 of column 0 and of column 1.
	pos := [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}}
	w := b.fx1 - b.fx0
	h := float64(b.px.Dy())
	rad := math.Min(w*0.17, h/4*0.4)
	type dot struct{ x, y float64 }
	var dots []dot
	for i := range 8 {
		if bits&(1<<i) == 0 {
			continue
		}
		c, row := pos[i][0], pos[i][1]
		dots = append(dots, dot{
			x: b.fx0 + w*(0.27+0.46*float64(c)),
			y: float64(b.px.Min.Y) + 2.5 + (h-5)*float64(row)/3,
		})
	}
	if len(dots) == 0 {
		return
	}
	shade(img, b.px, fg, func(x, y float64) bool {
		for _, d := range dots {
			if (x-d.x)*(x-d.x)+(y-d.y)*(y-d.y) <= rad*rad {
				return true
			}
		}
		return false
	})
}

// drawSymbol draws the few symbols the UI uses that Go Mono lacks:
// small and large triangles and check and ballot marks.
func drawSymbol(img *image.RGBA, b box, r rune, fg color.RGBA, m *metrics) {
	w := b.fx1 - b.fx0
	base := b.baseline()
	xh := float64(m.baseline - m.strike) // half the x-height
	cy := base - xh                      // middle of the x-height
	cx := b.cx()
	capTop := base - 2.7*xh // roughly the cap height
	switch r {
	case '▸', '◂', '▴', '▾', '▶', '◀':
		s := w * 0.38 // half the size of a small triangle
		if r == '▶' || r == '◀' {
			s = w * 0.42
		}
		var pts [3][2]float64
		switch r {
		case '▸', '▶':
			pts = [3][2]float64{{cx - s*0.8, cy - s}, {cx - s*0.8, cy + s}, {cx + s, cy}}
		case '◂', '◀':
			pts = [3][2]float64{{cx + s*0.8, cy - s}, {cx + s*0.8, cy + s}, {cx - s, cy}}
		case '▴':
			pts = [3][2]float64{{cx - s, cy + s*0.8}, {cx + s, cy + s*0.8}, {cx, cy - s}}
		case '▾':
			pts = [3][2]float64{{cx - s, cy - s*0.8}, {cx + s, cy - s*0.8}, {cx, cy + s}}
		}
		shade(img, b.px, fg, func(x, y float64) bool { return inTriangle(x, y, pts) })
	case '✓', '✔':
		half := 0.75
		if r == '✔' {
			half = 1.15
		}
		ax, ay := b.fx0+w*0.14, base-(base-capTop)*0.45
		bx, by := b.fx0+w*0.40, base-0.5
		qx, qy := b.fx0+w*0.88, capTop+0.5
		shade(img, b.px, fg, func(x, y float64) bool {
			return segDist(x, y, ax, ay, bx, by) <= half || segDist(x, y, bx, by, qx, qy) <= half
		})
	case '✗', '✘':
		half := 0.8
		if r == '✘' {
			half = 1.2
		}
		l, rt := b.fx0+w*0.18, b.fx0+w*0.82
		top, bot := capTop+1.5, base-0.5
		shade(img, b.px, fg, func(x, y float64) bool {
			// A hand-drawn ballot X: the strokes bow a little.
			return segDist(x, y, l, top, rt, bot) <= half || segDist(x, y, rt+0.3, top-0.5, l-0.2, bot+0.3) <= half
		})
	}
}

func inTriangle(x, y float64, p [3][2]float64) bool {
	sign := func(a, b [2]float64) float64 { return (x-b[0])*(a[1]-b[1]) - (a[0]-b[0])*(y-b[1]) }
	d1, d2, d3 := sign(p[0], p[1]), sign(p[1], p[2]), sign(p[2], p[0])
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}

// drawMissing draws a small box for a grapheme the font cannot show.
func drawMissing(img *image.RGBA, b box, fg color.RGBA) {
	m := b.m
	top := b.px.Min.Y + m.baseline - int(math.Round(2.7*float64(m.baseline-m.strike)))
	bot := b.px.Min.Y + m.baseline
	l, r := b.px.Min.X+1, b.px.Max.X-2
	if r-l < 3 {
		return
	}
	fill(img, image.Rect(l, top, r, top+1), fg)
	fill(img, image.Rect(l, bot-1, r, bot), fg)
	fill(img, image.Rect(l, top, l+1, bot), fg)
	fill(img, image.Rect(r-1, top, r, bot), fg)
}
