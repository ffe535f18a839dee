package model

import (
	"strconv"
	"unicode/utf8"
)

// SafeText is s with everything that could drive a terminal, or reorder
// what it shows, written out visibly instead: C0 controls (ESC, BEL, CR,
// LF, TAB, …) and DEL as \x1b, C1 controls as \u009b, bidirectional
// overrides, embeddings, isolates and marks as \u202e, line and paragraph
// separators as \u2028, and each byte of invalid UTF-8 as \xff. Every
// other string, the ordinary case, comes back unchanged and without an
// allocation. The result is valid UTF-8, printable, and SafeText of it is
// itself.
//
// It is the one rule for text from the engine: dockerapi applies it where
// engine data enters bilge, so nothing the engine says reaches the
// terminal as a control sequence.
func SafeText(s string) string {
	i := firstUnsafe(s)
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b = appendEscape(b, `\x`, rune(c), 2)
		case r < 0x20 || r == 0x7f:
			b = appendEscape(b, `\x`, r, 2)
		case unsafeRune(r):
			b = appendEscape(b, `\u`, r, 4)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// IsSafeText reports whether SafeText leaves s as it is.
func IsSafeText(s string) bool { return firstUnsafe(s) == len(s) }

// firstUnsafe is the byte offset of the first byte or rune SafeText
// rewrites, or len(s).
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		// Eight bytes at a time while they are all printable ASCII, the
		// text of nearly every name and label.
		for i+8 <= len(s) && printableASCII8(s[i:i+8]) {
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < 0x80 {
			return i
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || unsafeRune(r) {
			return i
		}
		i += n
	}
	return len(s)
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// printableASCII8 reports whether the 8 bytes of s are all 0x20–0x7e.
func printableASCII8(s string) bool {
	_ = s[7]
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	// A byte below 0x20 borrows into its high bit; a byte of 0x7f or more
	// has it set, or carries into it when 1 is added. (A borrow or carry
	// into the next byte only ever follows a byte already caught.)
	below := (w - 0x20*ones) & ^w
	above := w | (w + ones)
	return (below|above)&highs == 0
}

// unsafeRune reports a rune above ASCII that SafeText writes out: C1
// controls and the invisible characters that change how the rest of a
// line is laid out (bidi controls; line and paragraph separators).
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls (CSI, OSC, ST, NEL, …)
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x2028 && r <= 0x202e: // LS, PS, LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

func appendEscape(b []byte, prefix string, r rune, digits int) []byte {
	b = append(b, prefix...)
	h := strconv.FormatInt(int64(r), 16)
	for range digits - len(h) {
		b = append(b, '0')
	}
	return append(b, h...)
}

// SafeTexts is SafeText of each string; the same slice when none changes.
func SafeTexts(ss []string) []string {
	for i, s := range ss {
		if IsSafeText(s) {
			continue
		}
		out := make([]string, len(ss))
		copy(out, ss[:i])
		for j := i; j < len(ss); j++ {
			out[j] = SafeText(ss[j])
		}
		return out
	}
	return ss
}

// SafeLabels is SafeText of each key and value; the same map when none
// changes. Two keys that become one keep the value of the key that was
// already safe, else of the smaller original, whatever the map order.
func SafeLabels(m map[string]string) map[string]string {
	clean := true
	for k, v := range m {
		if !IsSafeText(k) || !IsSafeText(v) {
			clean = false
			break
		}
	}
	if clean {
		return m
	}
	out := make(map[string]string, len(m))
	from := make(map[string]string, len(m))
	for k, v := range m {
		sk := SafeText(k)
		if prev, ok := from[sk]; ok && (prev == sk || (k != sk && prev < k)) {
			continue
		}
		from[sk] = k
		out[sk] = SafeText(v)
	}
	return out
}
