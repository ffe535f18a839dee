package shot

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"charm.land/lipgloss/v2"
)

// rowText is row of g as plain text, blanks as spaces and the second half
// of a wide grapheme left out.
func rowText(g *grid, row int) string {
	var b strings.Builder
	for col := range g.cols {
		c := g.at(col, row)
		switch {
		case c.width == 0:
		case c.text == "":
			b.WriteByte(' ')
		default:
			b.WriteString(c.text)
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// find returns the first cell of g whose text is s.
func find(t *testing.T, g *grid, s string) *cell {
	t.Helper()
	for i := range g.cells {
		if g.cells[i].text == s {
			return &g.cells[i]
		}
	}
	t.Fatalf("no cell %q", s)
	return nil
}

func TestParseTruecolor(t *testing.T) {
	g := parse("\x1b[1;38;2;9;105;218mA\x1b[48;2;1;2;3mB\x1b[mC\x1b[38;2;4;5;6;48;2;7;8;9mD\x1b[0mE", 10, 1)
	if got := rowText(g, 0); got != "ABCDE" {
		t.Fatalf("text %q", got)
	}
	a := find(t, g, "A")
	if a.st.fg != rgb(9, 105, 218) || !a.st.bg.isDefault() || a.st.attrs != attrBold {
		t.Errorf("A: %+v", a.st)
	}
	b := find(t, g, "B")
	if b.st.fg != rgb(9, 105, 218) || b.st.bg != rgb(1, 2, 3) || b.st.attrs != attrBold {
		t.Errorf("B: %+v", b.st)
	}
	if c := find(t, g, "C"); c.st != (style{}) {
		t.Errorf("C after \\x1b[m: %+v", c.st)
	}
	if d := find(t, g, "D"); d.st.fg != rgb(4, 5, 6) || d.st.bg != rgb(7, 8, 9) {
		t.Errorf("D: %+v", d.st)
	}
	if e := find(t, g, "E"); e.st != (style{}) {
		t.Errorf("E after \\x1b[0m: %+v", e.st)
	}
}

func TestParseColonForms(t *testing.T) {
	g := parse("\x1b[38:2::1:2:3mA\x1b[38:2:4:5:6mB\x1b[48:5:100mC\x1b[58;2;9;9;9;1mD\x1b[58:5:3;4mE", 10, 1)
	if a := find(t, g, "A"); a.st.fg != rgb(1, 2, 3) {
		t.Errorf("A: %+v", a.st)
	}
	if b := find(t, g, "B"); b.st.fg != rgb(4, 5, 6) {
		t.Errorf("B: %+v", b.st)
	}
	if c := find(t, g, "C"); c.st.bg != indexed(100) {
		t.Errorf("C: %+v", c.st)
	}
	// The underline colour's arguments are not taken for attributes: the
	// 9s of 58;2;9;9;9 are not strikethrough, the 1 after them is bold.
	if d := find(t, g, "D"); d.st.attrs != attrBold || d.st.fg != rgb(4, 5, 6) {
		t.Errorf("D: %+v", d.st)
	}
	if e := find(t, g, "E"); e.st.attrs != attrBold|attrUnderline {
		t.Errorf("E: %+v", e.st)
	}
}

func TestParse256AndBasic(t *testing.T) {
	g := parse("\x1b[38;5;196mA\x1b[48;5;240mB\x1b[31;44mC\x1b[92;103mD\x1b[39mE\x1b[49mF\x1b[37;47mG\x1b[97;107mH", 10, 1)
	want := map[string][2]tcolor{
		"A": {indexed(196), {}},
		"B": {indexed(196), indexed(240)},
		"C": {indexed(1), indexed(4)},
		"D": {indexed(10), indexed(11)},
		"E": {{}, indexed(11)},
		"F": {{}, {}},
		"G": {indexed(7), indexed(7)},
		"H": {indexed(15), indexed(15)},
	}
	for s, w := range want {
		c := find(t, g, s)
		if c.st.fg != w[0] || c.st.bg != w[1] {
			t.Errorf("%s: fg %+v bg %+v, want %+v %+v", s, c.st.fg, c.st.bg, w[0], w[1])
		}
	}
}

func TestParseAttributes(t *testing.T) {
	g := parse("\x1b[1mA\x1b[2mB\x1b[22mC\x1b[3;4;7mD\x1b[23mE\x1b[24mF\x1b[27mG\x1b[2;9mH\x1b[0;4:3mI\x1b[4:0mJ", 10, 1)
	want := map[string]attr{
		"A": attrBold,
		"B": attrBold | attrFaint,
		"C": 0,
		"D": attrItalic | attrUnderline | attrReverse,
		"E": attrUnderline | attrReverse,
		"F": attrReverse,
		"G": 0,
		"H": attrFaint | attrStrike,
		"I": attrUnderline,
		"J": 0,
	}
	for s, w := range want {
		if c := find(t, g, s); c.st.attrs != w {
			t.Errorf("%s: attrs %07b, want %07b", s, c.st.attrs, w)
		}
	}
}

func TestParseWideRunes(t *testing.T) {
	g := parse("a日b🐳c", 10, 1)
	if got := rowText(g, 0); got != "a日b🐳c" {
		t.Fatalf("text %q", got)
	}
	widths := []int{1, 2, 0, 1, 2, 0, 1, 1}
	texts := []string{"a", "日", "", "b", "🐳", "", "c", ""}
	for col, w := range widths {
		c := g.at(col, 0)
		if c.width != w || c.text != texts[col] {
			t.Errorf("col %d: %q width %d, want %q width %d", col, c.text, c.width, texts[col], w)
		}
	}
	// A wide grapheme that does not fit in the last column is cut.
	g = parse("ab日", 3, 1)
	if got := rowText(g, 0); got != "ab" {
		t.Errorf("wide at edge: %q", got)
	}
	if c := g.at(2, 0); c.text != "" || c.width != 1 {
		t.Errorf("wide at edge left %+v", *c)
	}
}

func TestParseCutAndMissingLines(t *testing.T) {
	g := parse("abcdefgh\n\x1b[31mxy\x1b[m\nline three\nline four", 5, 4)
	want := []string{"abcde", "xy", "line", "line"}
	for row, w := range want {
		if got := rowText(g, row); got != w {
			t.Errorf("row %d: %q, want %q", row, got, w)
		}
	}
	// Style set on a cut part of a line still applies after it.
	g = parse("abc\x1b[31mdef\nX", 3, 2)
	if x := find(t, g, "X"); x.st.fg != indexed(1) {
		t.Errorf("style after cut: %+v", x.st)
	}
	// Lines past the last row are dropped; rows past the text are blank.
	g = parse("1\n2\n3\n4", 3, 2)
	if rowText(g, 0) != "1" || rowText(g, 1) != "2" {
		t.Errorf("rows %q %q", rowText(g, 0), rowText(g, 1))
	}
	g = parse("only", 6, 3)
	for row := 1; row < 3; row++ {
		for col := range 6 {
			if c := g.at(col, row); c.text != "" || c.st != (style{}) {
				t.Errorf("(%d,%d) not blank: %+v", col, row, *c)
			}
		}
	}
}

func TestParseSkipsOtherSequences(t *testing.T) {
	screen := "\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\" + // OSC 8 hyperlink
		"\x1b]0;title\a" + // OSC with BEL
		"\x1b[2J\x1b[H\x1b[?25l\x1b[5;3H\x1b[3C\x1b[K" + // clear, cursor moves, modes
		"\x1b=\x1b(B" + // ESC sequences
		"\x1b[?1m" + // private, not SGR
		"z\ta\r\x1b[32mq"
	g := parse(screen, 20, 1)
	if got := rowText(g, 0); got != "qinkz   a" {
		t.Errorf("text %q", got)
	}
	if c := find(t, g, "z"); c.st != (style{}) {
		t.Errorf("z: %+v", c.st)
	}
	if c := find(t, g, "q"); c.st.fg != indexed(2) {
		t.Errorf("q: %+v", c.st)
	}
}

func TestParseMalformed(t *testing.T) {
	for _, s := range []string{
		"\x1b", "\x1b[", "\x1b[38;2;1", "\x1b[38;5m", "\x1b[38;2;1;2mX", "\x1b[48:2mX",
		"\x1b]8;;unterminated", "\xff\xfe", "a\x00b\x7fc", "\x1b[99999999999999999999mX",
		"\x9b31mX", "e\u0301", "\u200b", "\U0001F468\u200D\U0001F469\u200D\U0001F467",
	} {
		g := parse(s, 4, 2)
		if len(g.cells) != 8 {
			t.Fatalf("%q: %d cells", s, len(g.cells))
		}
		if _, err := Render(s, 4, 2, Dark); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("\x1b[1;38;2;9;105;218mbilge\x1b[m 日本 \x1b]8;;x\x1b\\y", 10, 3)
	f.Add("\x1b[38;5;1", 2, 2)
	f.Fuzz(func(t *testing.T, s string, cols, rows int) {
		cols, rows = 1+abs(cols)%40, 1+abs(rows)%10
		g := parse(s, cols, rows)
		for row := range rows {
			for col := range cols {
				c := g.at(col, row)
				if c.width == 2 && (col+1 >= cols || g.at(col+1, row).width != 0) {
					t.Fatalf("wide cell at (%d,%d) without its second half", col, row)
				}
				if c.width == 0 && (col == 0 || g.at(col-1, row).width != 2) {
					t.Fatalf("orphan second half at (%d,%d)", col, row)
				}
			}
		}
	})
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestPalette(t *testing.T) {
	p := newPalette(Dark)
	checks := map[int]color.RGBA{
		1:   hex(0xFF7B72),
		16:  hex(0x000000),
		21:  hex(0x0000FF),
		196: hex(0xFF0000),
		231: hex(0xFFFFFF),
		208: hex(0xFF8700),
		232: hex(0x080808),
		255: hex(0xEEEEEE),
	}
	for i, want := range checks {
		if p.c[i] != want {
			t.Errorf("colour %d: %v, want %v", i, p.c[i], want)
		}
	}
	// A zero theme falls back to xterm's colours.
	if z := newPalette(Theme{}); z.c[1] != hex(0xCD0000) || z.bg != hex(0) {
		t.Errorf("zero theme: %v %v", z.c[1], z.bg)
	}

	fg, bg := p.colors(style{attrs: attrFaint})
	if want := mix(hex(0xE6EDF3), hex(0x0D1117), 0.5); fg != want || bg != p.bg {
		t.Errorf("faint: %v %v, want %v", fg, bg, want)
	}
	fg, bg = p.colors(style{fg: rgb(1, 2, 3), attrs: attrReverse})
	if fg != p.bg || bg != hex(0x010203) {
		t.Errorf("reverse: %v %v", fg, bg)
	}
	fg, bg = p.colors(style{fg: rgb(200, 100, 0), bg: rgb(0, 0, 100), attrs: attrReverse | attrFaint})
	if bg != hex(0xC86400) || fg != mix(hex(0x000064), hex(0xC86400), 0.5) {
		t.Errorf("reverse faint: %v %v", fg, bg)
	}
}

func TestSize(t *testing.T) {
	w, h, err := CellSize()
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(w-8.4) > 0.1 || h != 18 {
		t.Errorf("cell %.3f×%d, want about 8.4×18", w, h)
	}
	img, err := Render("hello", 80, 24, Dark)
	if err != nil {
		t.Fatal(err)
	}
	want := image.Pt(2*Padding+int(math.Ceil(80*w)), 2*Padding+24*h)
	if img.Bounds().Size() != want {
		t.Errorf("image %v, want %v", img.Bounds().Size(), want)
	}
	if sz, _ := Size(80, 24); sz != want {
		t.Errorf("Size %v, want %v", sz, want)
	}
	for _, bad := range [][2]int{{0, 10}, {10, 0}, {-1, 5}, {100000, 10}} {
		if _, err := Render("x", bad[0], bad[1], Dark); err == nil {
			t.Errorf("size %v: no error", bad)
		}
	}
}

// cellRect is the pixel rectangle of the cell at (col, row).
func cellRect(t *testing.T, col, row int) image.Rectangle {
	w, h, err := CellSize()
	if err != nil {
		t.Fatal(err)
	}
	x0 := int(math.Round(Padding + float64(col)*w))
	x1 := int(math.Round(Padding + float64(col+1)*w))
	return image.Rect(x0, Padding+row*h, x1, Padding+(row+1)*h)
}

func allPixels(img *image.RGBA, r image.Rectangle, c color.RGBA) (image.Point, bool) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) != c {
				return image.Pt(x, y), false
			}
		}
	}
	return image.Point{}, true
}

func TestRenderColours(t *testing.T) {
	screen := "\x1b[48;2;200;10;20m  \x1b[m\x1b[44m \x1b[m\x1b[48;5;34m \x1b[m\x1b[7m \x1b[m\n" +
		"\x1b[38;2;9;105;218m██\x1b[m\x1b[38;5;208m▒\x1b[m\n" +
		"\x1b[38;2;9;105;218m██\x1b[m"
	img, err := Render(screen, 8, 4, Dark)
	if err != nil {
		t.Fatal(err)
	}
	red := hex(0xC80A14)
	for _, tc := range []struct {
		col, row int
		c        color.RGBA
	}{
		{0, 0, red}, {1, 0, red},
		{2, 0, hex(0x58A6FF)}, // 44: the theme's blue
		{3, 0, hex(0x00AF00)}, // 256-colour 34
		{4, 0, hex(0xE6EDF3)}, // reverse: the default foreground
		{5, 0, hex(0x0D1117)}, // default background
		{0, 1, hex(0x0969DA)}, // █ fills its cell
		{1, 1, hex(0x0969DA)}, //
		{0, 2, hex(0x0969DA)}, // … and the one below, gapless
		{7, 3, toRGBA(Dark.Background, color.RGBA{})},
	} {
		if p, ok := allPixels(img, cellRect(t, tc.col, tc.row), tc.c); !ok {
			t.Errorf("cell (%d,%d): pixel %v is %v, want %v", tc.col, tc.row, p, img.RGBAAt(p.X, p.Y), tc.c)
		}
	}
	// The padding around the cells is background.
	if c := img.RGBAAt(1, 1); c != hex(0x0D1117) {
		t.Errorf("padding %v", c)
	}
	// The two █ cells and the two rows of them make one solid bar.
	bar := cellRect(t, 0, 1).Union(cellRect(t, 1, 2))
	if p, ok := allPixels(img, bar, hex(0x0969DA)); !ok {
		t.Errorf("bar has a gap at %v", p)
	}
	// ▒ is half orange, half background.
	shade := cellRect(t, 2, 1)
	orange, n := 0, 0
	for y := shade.Min.Y; y < shade.Max.Y; y++ {
		for x := shade.Min.X; x < shade.Max.X; x++ {
			n++
			if img.RGBAAt(x, y) == hex(0xFF8700) {
				orange++
			}
		}
	}
	if orange*2 < n-2 || orange*2 > n+2 {
		t.Errorf("▒: %d of %d pixels orange", orange, n)
	}
}

// inked counts the pixels of r that are not the colour bg.
func inked(img *image.RGBA, r image.Rectangle, bg color.RGBA) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if img.RGBAAt(x, y) != bg {
				n++
			}
		}
	}
	return n
}

func TestRenderGlyphs(t *testing.T) {
	// Every character the UI uses shows something, and a blank shows
	// nothing.
	const chars = "A…●▲▼▸│█▒░·→≥✗⠋⠙⠹─╭╮╰╯├┼"
	img, err := Render(chars+" ", 40, 1, Dark)
	if err != nil {
		t.Fatal(err)
	}
	bg := hex(0x0D1117)
	for i, r := range []rune(chars) {
		if n := inked(img, cellRect(t, i, 0), bg); n < 4 {
			t.Errorf("%q: only %d pixels drawn", r, n)
		}
	}
	if n := inked(img, cellRect(t, len([]rune(chars)), 0), bg); n != 0 {
		t.Errorf("blank cell has %d pixels drawn", n)
	}

	// Box-drawing lines meet the cells next to them: a column of │ is
	// one unbroken line.
	img, err = Render("│\n│\n│", 3, 3, Dark)
	if err != nil {
		t.Fatal(err)
	}
	r0 := cellRect(t, 0, 0)
	for y := r0.Min.Y; y < r0.Min.Y+3*r0.Dy(); y++ {
		lit := false
		for x := r0.Min.X; x < r0.Max.X; x++ {
			if img.RGBAAt(x, y) == hex(0xE6EDF3) {
				lit = true
			}
		}
		if !lit {
			t.Fatalf("│ column broken at y=%d", y)
		}
	}
}

func TestRenderMissingGlyph(t *testing.T) {
	// A wide emoji the font lacks gets a box spanning both cells.
	img, err := Render("🐳\x1b[31m中\x1b[m", 6, 1, Light)
	if err != nil {
		t.Fatal(err)
	}
	bg := hex(0xFFFFFF)
	for col := range 4 {
		if n := inked(img, cellRect(t, col, 0), bg); n < 4 {
			t.Errorf("cell %d: %d pixels drawn", col, n)
		}
	}
}

func TestRenderAttributes(t *testing.T) {
	img, err := Render("A\x1b[1mA\x1b[0;2mA\x1b[0;3mA\x1b[0;4m \x1b[0;9m \x1b[0;8mA", 8, 1, Dark)
	if err != nil {
		t.Fatal(err)
	}
	bg := hex(0x0D1117)
	count := func(col int) int { return inked(img, cellRect(t, col, 0), bg) }
	plain, bold, italic := count(0), count(1), count(3)
	if bold <= plain {
		t.Errorf("bold A has %d pixels, plain %d", bold, plain)
	}
	if italic == 0 {
		t.Errorf("italic A drew nothing")
	}
	// Faint: no pixel brighter than halfway between fg and bg.
	half := mix(hex(0xE6EDF3), bg, 0.5)
	r := cellRect(t, 2, 0)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := img.RGBAAt(x, y); c.R > half.R+1 {
				t.Fatalf("faint pixel %v at %d,%d brighter than %v", c, x, y, half)
			}
		}
	}
	if count(4) == 0 || count(5) == 0 {
		t.Errorf("underline/strikethrough of a space drew nothing: %d %d", count(4), count(5))
	}
	if count(6) != 0 {
		t.Errorf("concealed text drew %d pixels", count(6))
	}
}

// sample is a screen in the style of the UI, made with Lip Gloss itself,
// using every character and kind of SGR sequence the UI uses.
func sample(cols int, dark bool) string {
	ld := lipgloss.LightDark(dark)
	fg := ld(lipgloss.Color("#1F2328"), lipgloss.Color("#E6EDF3"))
	muted := ld(lipgloss.Color("#6E7781"), lipgloss.Color("#8B949E"))
	accent := ld(lipgloss.Color("#0969DA"), lipgloss.Color("#58A6FF"))
	green := ld(lipgloss.Color("#1A7F37"), lipgloss.Color("#3FB950"))
	red := ld(lipgloss.Color("#CF222E"), lipgloss.Color("#F85149"))
	yellow := ld(lipgloss.Color("#9A6700"), lipgloss.Color("#D29922"))
	orange := ld(lipgloss.Color("#BC4C00"), lipgloss.Color("#DB6D28"))
	cursorBg := ld(lipgloss.Color("#DDF4FF"), lipgloss.Color("#1F3A5F"))
	tabBg := ld(lipgloss.Color("#0969DA"), lipgloss.Color("#1F6FEB"))
	title := lipgloss.NewStyle().Bold(true).Foreground(accent)
	mutedS := lipgloss.NewStyle().Foreground(muted)
	tabOn := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFFFF")).Background(tabBg).Padding(0, 1)
	tabOff := lipgloss.NewStyle().Foreground(muted).Padding(0, 1)
	colHead := lipgloss.NewStyle().Bold(true).Foreground(muted)
	cursor := lipgloss.NewStyle().Foreground(fg).Background(cursorBg).Bold(true)
	row := lipgloss.NewStyle().Foreground(fg)
	used := lipgloss.NewStyle().Foreground(accent)
	free := lipgloss.NewStyle().Foreground(orange)
	empty := lipgloss.NewStyle().Foreground(muted).Faint(true)
	bar := func(u, f int) string {
		return used.Render(strings.Repeat("█", u)) + free.Render(strings.Repeat("▒", f))
	}

	var lines []string
	header := title.Render("bilge") + " " + row.Render("unix:///var/run/docker.sock")
	right := lipgloss.NewStyle().Foreground(green).Render("● connected") + mutedS.Render(" · updated 2s ago")
	lines = append(lines, header+strings.Repeat(" ", max(1, cols-lipgloss.Width(header)-lipgloss.Width(right)))+right)
	lines = append(lines, tabOn.Render("1 Overview")+" "+tabOff.Render("2 Images")+" "+tabOff.Render("3 Containers")+" "+tabOff.Render("4 Volumes")+" "+tabOff.Render("5 Networks")+" "+tabOff.Render("6 Build cache"))
	lines = append(lines, "")
	lines = append(lines, "  "+colHead.Render("TYPE            TOTAL  ACTIVE       SIZE      RECLAIMABLE")+"  "+lipgloss.NewStyle().Bold(true).Foreground(accent).Render("SPACE ▼"))
	rows := []struct {
		name, total, active, size, recl string
		u, f                            int
	}{
		{"Images", "6", "4", "2.939GB", "410MB (13%)", 26, 4},
		{"Containers", "4", "1", "64.51MB", "1.512MB (2%)", 0, 1},
		{"Local Volumes", "3", "2", "3.145GB", "730MB (23%)", 24, 7},
		{"Build Cache", "2", "0", "640MB", "640MB (100%)", 0, 6},
	}
	for i, r := range rows {
		text := fmt.Sprintf("%-14s %6s %7s %10s %16s", r.name, r.total, r.active, r.size, r.recl)
		mark := "  "
		st := row
		if i == 0 {
			mark = title.Render("▸ ")
			st = cursor
		}
		lines = append(lines, mark+st.Render(text)+"  "+bar(r.u, r.f))
	}
	lines = append(lines, "")
	lines = append(lines, "  "+title.Render("Total")+" 6.789GB on disk, 1.782GB reclaimable"+mutedS.Render(" · docker system df says 2.862GB"))
	lines = append(lines, "  "+used.Render("█")+mutedS.Render(" stays  ")+free.Render("▒")+mutedS.Render(" reclaimable (each prune, exact; bars to scale) → ≥ 1 MB"))
	lines = append(lines, "")

	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(muted).Padding(0, 1).Render(
		lipgloss.NewStyle().Foreground(yellow).Bold(true).Render("⠋⠙⠹ pruning…") + "\n" +
			"  " + used.Render(strings.Repeat("█", 20)) + empty.Render(strings.Repeat("░", 12)) + mutedS.Render("  62% ") + "▲▼" + "\n" +
			"  " + lipgloss.NewStyle().Foreground(red).Render("✗") + " image nginx:latest: conflict" + "\n" +
			"  " + lipgloss.NewStyle().Foreground(green).Render("●") + " volume pgdata removed")
	lines = append(lines, strings.Split(box, "\n")...)
	lines = append(lines, "")

	attrs := "  " + lipgloss.NewStyle().Bold(true).Render("bold") + " " +
		lipgloss.NewStyle().Faint(true).Render("faint") + " " +
		lipgloss.NewStyle().Italic(true).Render("italic") + " " +
		lipgloss.NewStyle().Underline(true).Render("underline") + " " +
		lipgloss.NewStyle().Reverse(true).Render("reverse") + " " +
		lipgloss.NewStyle().Strikethrough(true).Render("strike") + " " +
		lipgloss.NewStyle().Foreground(muted).Faint(true).Italic(true).Render("stale, faint italic") + " " +
		"wide: 日本語 🐳 | " + lipgloss.NewStyle().Foreground(accent).Render("│") + " ok"
	lines = append(lines, attrs)
	var basic strings.Builder
	basic.WriteString("  ")
	for i := range 8 {
		fmt.Fprintf(&basic, "\x1b[%dm %d \x1b[m", 40+i, i)
	}
	for i := range 8 {
		fmt.Fprintf(&basic, "\x1b[%d;30m %d \x1b[m", 100+i, i+8)
	}
	basic.WriteString(" ")
	for i := range 8 {
		fmt.Fprintf(&basic, "\x1b[%dm%d\x1b[m\x1b[%dm%d\x1b[m", 30+i, i, 90+i, i)
	}
	lines = append(lines, basic.String())
	var cube strings.Builder
	cube.WriteString("  ")
	for i := 16; i < 256; i += 3 {
		fmt.Fprintf(&cube, "\x1b[48;5;%dm \x1b[m", i)
	}
	lines = append(lines, cube.String())
	lines = append(lines, "  \x1b]8;;https://example.com\x1b\\a hyperlink\x1b]8;;\x1b\\ and a line that is far too long for the screen, so it is cut at the right edge of the terminal no matter what "+strings.Repeat("x", 80))
	for len(lines) < 34 {
		lines = append(lines, "")
	}
	help := lipgloss.NewStyle().Foreground(accent).Render("tab") + mutedS.Render(" next tab • ") +
		lipgloss.NewStyle().Foreground(accent).Render("s") + mutedS.Render(" sort by size • ") +
		lipgloss.NewStyle().Foreground(accent).Render("/") + mutedS.Render(" filter • ") +
		lipgloss.NewStyle().Foreground(accent).Render("q") + mutedS.Render(" quit")
	lines = append(lines, help)
	return strings.Join(lines, "\n")
}

func TestRenderSample(t *testing.T) {
	for _, tc := range []struct {
		name  string
		theme Theme
		dark  bool
	}{{"shot-sample.png", Dark, true}, {"shot-sample-light.png", Light, false}} {
		img, err := Render(sample(120, tc.dark), 120, 35, tc.theme)
		if err != nil {
			t.Fatal(err)
		}
		// The sample is for looking at: write it where a person can open
		// it (SHOT_DIR, /tmp by default).
		dir := os.Getenv("SHOT_DIR")
		if dir == "" {
			dir = os.TempDir()
		}
		path := filepath.Join(dir, tc.name)
		if err := WritePNG(path, img); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		back, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if back.Bounds() != img.Bounds() {
			t.Errorf("PNG is %v, rendered %v", back.Bounds(), img.Bounds())
		}
		t.Logf("wrote %s (%v)", path, img.Bounds().Size())
	}
}

func TestWritePNGError(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	if err := WritePNG(filepath.Join(t.TempDir(), "no", "such", "dir.png"), img); err == nil {
		t.Error("no error writing into a missing directory")
	}
}

func TestRenderConcurrent(t *testing.T) {
	screen := sample(80, true)
	want, err := Render(screen, 80, 35, Dark)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := Render(screen, 80, 35, Dark)
			if err != nil {
				t.Error(err)
				return
			}
			if string(got.Pix) != string(want.Pix) {
				t.Error("concurrent render differs")
			}
		})
	}
	wg.Wait()
}

func BenchmarkRender120x35(b *testing.B) {
	screen := sample(120, true)
	if _, err := Render(screen, 120, 35, Dark); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(screen, 120, 35, Dark); err != nil {
			b.Fatal(err)
		}
	}
}
