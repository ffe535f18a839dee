package shot

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// colorKind tells how a cell colour is given.
type colorKind uint8

const (
	colorDefault colorKind = iota // the theme's foreground or background
	colorIndexed                  // one of the 256 palette colours
	colorRGB                      // a 24-bit colour
)

// tcolor is a colour as the screen string gives it; the theme resolves it
// to pixels when the image is drawn.
type tcolor struct {
	kind    colorKind
	idx     uint8
	r, g, b uint8
}

func indexed(i int) tcolor       { return tcolor{kind: colorIndexed, idx: uint8(i)} }
func rgb(r, g, b int) tcolor     { return tcolor{kind: colorRGB, r: uint8(r), g: uint8(g), b: uint8(b)} }
func clampByte(v int) int        { return min(max(v, 0), 255) }
func (c tcolor) isDefault() bool { return c.kind == colorDefault }

// attr is a set of SGR text attributes.
type attr uint8

const (
	attrBold attr = 1 << iota
	attrFaint
	attrItalic
	attrUnderline
	attrReverse
	attrConceal
	attrStrike
)

// style is the SGR state a cell was written with.
type style struct {
	fg, bg tcolor
	attrs  attr
}

// cell is one position of the grid. A wide grapheme sits in its first
// cell with width 2; the cell after it is a continuation (width 0).
type cell struct {
	text  string // the grapheme; "" is a blank
	width int    // 1 or 2; 0 for the second half of a wide grapheme
	st    style
}

// grid is a parsed screen: rows×cols cells.
type grid struct {
	cols, rows int
	cells      []cell
}

func (g *grid) at(col, row int) *cell { return &g.cells[row*g.cols+col] }

// parse lays the screen string out on a cols×rows grid the way a terminal
// would: SGR sequences set the style of the cells written after them,
// "\n" starts the next row, other escape sequences are skipped, text past
// the last column and lines past the last row are dropped, and missing
// cells are blank.
func parse(screen string, cols, rows int) *grid {
	g := &grid{cols: cols, rows: rows, cells: make([]cell, cols*rows)}
	for i := range g.cells {
		g.cells[i].width = 1
	}
	var st style
	col, row := 0, 0
	s := screen
	for len(s) > 0 && row < rows {
		seq, width, n, _ := ansi.DecodeSequence(s, ansi.NormalState, nil)
		if n <= 0 {
			n = 1
			seq = s[:1]
		}
		s = s[n:]
		if width == 0 {
			switch {
			case seq == "\n":
				row++
				col = 0
			case seq == "\r":
				col = 0
			case seq == "\t":
				col = min((col/8+1)*8, cols)
			case strings.HasPrefix(seq, "\x1b[") || strings.HasPrefix(seq, "\x9b"):
				if params, ok := sgrParams(seq); ok {
					applySGR(&st, params)
				}
			}
			// Any other control character, escape sequence (OSC, cursor
			// movement, modes, …) or zero-width grapheme is skipped.
			continue
		}
		if col+width > cols {
			// Cut: the rest of this line is dropped. Keep reading so that
			// style changes still apply to the lines after it.
			col = cols
			continue
		}
		c := g.at(col, row)
		// Overwriting half of a wide grapheme blanks the other half.
		clearWide(g, col, row)
		if width == 2 {
			clearWide(g, col+1, row)
		}
		*c = cell{text: seq, width: width, st: st}
		if width == 2 {
			*g.at(col+1, row) = cell{width: 0, st: st}
		}
		col += width
	}
	return g
}

// clearWide blanks the wide grapheme that the cell at col is part of, if any.
func clearWide(g *grid, col, row int) {
	c := g.at(col, row)
	switch {
	case c.width == 0 && col > 0:
		p := g.at(col-1, row)
		*p = cell{text: " ", width: 1, st: p.st}
		*c = cell{text: " ", width: 1, st: c.st}
	case c.width == 2 && col+1 < g.cols:
		n := g.at(col+1, row)
		*n = cell{text: " ", width: 1, st: n.st}
	}
}

// sgrParams returns the parameters of a CSI sequence if it is an SGR
// ("…m") one, each parameter split into its colon-separated sub-parameters.
// Missing parameters are -1.
func sgrParams(seq string) ([][]int, bool) {
	body := strings.TrimPrefix(strings.TrimPrefix(seq, "\x1b["), "\x9b")
	if len(body) == 0 || body[len(body)-1] != 'm' {
		return nil, false
	}
	body = body[:len(body)-1]
	for i := 0; i < len(body); i++ {
		if c := body[i]; (c < '0' || c > '9') && c != ';' && c != ':' {
			return nil, false // private (ESC[?…m) or intermediate bytes: not SGR
		}
	}
	var out [][]int
	for p := range strings.SplitSeq(body, ";") {
		var sub []int
		for q := range strings.SplitSeq(p, ":") {
			v := -1
			if q != "" {
				v = 0
				for i := 0; i < len(q); i++ {
					v = min(v*10+int(q[i]-'0'), 1<<20)
				}
			}
			sub = append(sub, v)
		}
		out = append(out, sub)
	}
	return out, true
}

// applySGR updates st with the SGR parameters params.
func applySGR(st *style, params [][]int) {
	for i := 0; i < len(params); i++ {
		p := params[i]
		code := max(p[0], 0) // a missing parameter means 0
		switch {
		case code == 0:
			*st = style{}
		case code == 1:
			st.attrs |= attrBold
		case code == 2:
			st.attrs |= attrFaint
		case code == 3:
			st.attrs |= attrItalic
		case code == 4:
			if len(p) > 1 && p[1] == 0 { // 4:0 is "no underline"
				st.attrs &^= attrUnderline
			} else {
				st.attrs |= attrUnderline
			}
		case code == 7:
			st.attrs |= attrReverse
		case code == 8:
			st.attrs |= attrConceal
		case code == 9:
			st.attrs |= attrStrike
		case code == 21:
			st.attrs |= attrUnderline // double underline, drawn single
		case code == 22:
			st.attrs &^= attrBold | attrFaint
		case code == 23:
			st.attrs &^= attrItalic
		case code == 24:
			st.attrs &^= attrUnderline
		case code == 27:
			st.attrs &^= attrReverse
		case code == 28:
			st.attrs &^= attrConceal
		case code == 29:
			st.attrs &^= attrStrike
		case code >= 30 && code <= 37:
			st.fg = indexed(code - 30)
		case code == 39:
			st.fg = tcolor{}
		case code >= 40 && code <= 47:
			st.bg = indexed(code - 40)
		case code == 49:
			st.bg = tcolor{}
		case code >= 90 && code <= 97:
			st.fg = indexed(code - 90 + 8)
		case code >= 100 && code <= 107:
			st.bg = indexed(code - 100 + 8)
		case code == 38 || code == 48 || code == 58:
			c, used, ok := extColor(params, i)
			i += used
			if !ok {
				continue
			}
			switch code {
			case 38:
				st.fg = c
			case 48:
				st.bg = c
			}
			// 58 (underline colour) is read so that its arguments are
			// not taken for attributes, and otherwise ignored.
		}
		// Everything else (blink, fonts, overline, …) is ignored.
	}
}

// extColor reads the colour of an extended colour parameter (38, 48, 58)
// at params[i], in either the colon form (38:2::r:g:b, 38:2:r:g:b,
// 38:5:n) or the semicolon form (38;2;r;g;b, 38;5;n). It returns how many
// further semicolon-separated parameters it consumed.
func extColor(params [][]int, i int) (tcolor, int, bool) {
	p := params[i]
	if len(p) > 1 { // colon form: everything is in this parameter
		switch p[1] {
		case 5:
			if len(p) >= 3 && p[2] >= 0 {
				return indexed(clampByte(p[2])), 0, true
			}
		case 2:
			v := p[2:]
			if len(v) >= 4 { // 38:2:colorspace:r:g:b
				v = v[1:]
			}
			if len(v) >= 3 {
				return rgb(clampByte(v[0]), clampByte(v[1]), clampByte(v[2])), 0, true
			}
		}
		return tcolor{}, 0, false
	}
	arg := func(k int) int {
		if i+k < len(params) {
			return max(params[i+k][0], 0)
		}
		return 0
	}
	rest := len(params) - i - 1
	switch arg(1) {
	case 5:
		if rest < 2 {
			return tcolor{}, rest, false
		}
		return indexed(clampByte(arg(2))), 2, true
	case 2:
		if rest < 4 {
			return tcolor{}, rest, false
		}
		return rgb(clampByte(arg(2)), clampByte(arg(3)), clampByte(arg(4))), 4, true
	}
	return tcolor{}, min(rest, 1), false
}
