package model

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "postgres:16", "postgres:16"},
		{"backslash stays", `C:\data\x1b`, `C:\data\x1b`},
		{"unicode stays", "données-日本-🐳-e\u0301", "données-日本-🐳-e\u0301"},
		{"replacement char stays", "a\uFFFDb", "a\uFFFDb"},
		{"osc title bel", "net\x1b[31mRED\x1b]0;nettitle\x07", `net\x1b[31mRED\x1b]0;nettitle\x07`},
		{"osc title st", "a\x1b]0;t\x1b\\b", `a\x1b]0;t\x1b\b`},
		{"sgr conceal", "hide\x1b[8m", `hide\x1b[8m`},
		{"blink label", "k\x1b[5mey", `k\x1b[5mey`},
		{"cr lf tab", "a\rb\nc\td", `a\x0db\x0ac\x09d`},
		{"nul del", "a\x00b\x7f", `a\x00b\x7f`},
		{"c1 rune csi", "a\u009b31mb", `a\u009b31mb`},
		{"c1 rune nel", "a\u0085b", `a\u0085b`},
		{"c1 raw byte", "a\x9b31m", `a\x9b31m`},
		{"raw bytes 80-9f", "\x80\x9f", `\x80\x9f`},
		{"rlo", "evil\u202Etxt.exe", `evil\u202etxt.exe`},
		{"isolates", "\u2066x\u2069", `\u2066x\u2069`},
		{"marks", "\u200e\u200f\u061c", `\u200e\u200f\u061c`},
		{"line separator", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"invalid utf8", "ok\xff\xfe", `ok\xff\xfe`},
		{"truncated rune", "日"[:2], `\xe6\x97`},
		{"surrogate", "\xed\xa0\x80", `\xed\xa0\x80`},
		{"overlong", "\xc0\xaf", `\xc0\xaf`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SafeText(tc.in); got != tc.want {
				t.Errorf("SafeText(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if IsSafeText(tc.in) != (tc.in == tc.want) {
				t.Errorf("IsSafeText(%q) = %v", tc.in, IsSafeText(tc.in))
			}
		})
	}
}

func TestSafeTextNoAllocWhenSafe(t *testing.T) {
	s := strings.Repeat("com.docker.compose.project=données ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = SafeText(s) }); n != 0 {
		t.Errorf("SafeText of safe text allocates %v times", n)
	}
}

func TestSafeTexts(t *testing.T) {
	t.Parallel()
	in := []string{"a", "b"}
	if got := SafeTexts(in); &got[0] != &in[0] {
		t.Error("SafeTexts copied a safe slice")
	}
	in = []string{"a", "b\x1b", "c"}
	got := SafeTexts(in)
	if strings.Join(got, ",") != `a,b\x1b,c` || in[1] != "b\x1b" {
		t.Errorf("SafeTexts = %q, input now %q", got, in)
	}
	if SafeTexts(nil) != nil {
		t.Error("SafeTexts(nil) not nil")
	}
}

func TestSafeLabels(t *testing.T) {
	t.Parallel()
	safe := map[string]string{"a": "1", "b": "2"}
	got := SafeLabels(safe)
	got["c"] = "3"
	if len(safe) != 3 {
		t.Error("SafeLabels copied a safe map")
	}
	hostile := map[string]string{"k\x1b[5mey": "v\u202e", "ok": "fine"}
	got = SafeLabels(hostile)
	want := map[string]string{`k\x1b[5mey`: `v\u202e`, "ok": "fine"}
	if len(got) != len(want) || got[`k\x1b[5mey`] != want[`k\x1b[5mey`] || got["ok"] != "fine" {
		t.Errorf("SafeLabels = %q, want %q", got, want)
	}
	if _, ok := hostile["k\x1b[5mey"]; !ok {
		t.Error("SafeLabels changed its input")
	}
	// Two keys that become one: the smaller original wins, whatever the
	// map order.
	for range 20 {
		got = SafeLabels(map[string]string{"a\x1b": "esc", `a\x1b`: "literal"})
		if len(got) != 1 || got[`a\x1b`] != "literal" {
			t.Fatalf("colliding keys: %q", got)
		}
	}
}

// forbidden reports a rune SafeText must never let through.
func forbidden(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
		r == 0x061c || r == 0x200e || r == 0x200f ||
		(r >= 0x2028 && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func FuzzSafeText(f *testing.F) {
	for _, s := range []string{
		"", "plain", `back\slash \x1b`, "données 日本 🐳",
		"\x1b]0;title\x07", "\x1b]0;title\x1b\\", "\x1b]8;;http://x\x07link\x1b]8;;\x07",
		"\x1b[31mred\x1b[0m", "\x1b[8mhidden", "\x1b[2J\x1b[H", "\x1b[?1049h", "\x1bP+q\x1b\\",
		"\u009b31m", "\u009d0;t\u009c", "\x9b31m", "\x9d0;t\x9c", string([]byte{0x80, 0x85, 0x8d, 0x90, 0x9f}),
		"evil\u202etxt.exe", "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u200e\u200f\u061c",
		"a\u2028b\u2029", "\xff\xfe\xfd", "日本"[:4], "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80",
		"\r\n\t\x00\x07\x08\x7f", strings.Repeat("\x1b[5m", 1000), strings.Repeat("ok-", 5000) + "\x1b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SafeText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("SafeText(%q) = %q: invalid UTF-8", in, out)
		}
		for _, r := range out {
			if forbidden(r) {
				t.Fatalf("SafeText(%q) = %q: keeps %U", in, out, r)
			}
		}
		if again := SafeText(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		if !IsSafeText(out) {
			t.Fatalf("IsSafeText(SafeText(%q)) is false", in)
		}
		safe := utf8.ValidString(in)
		for _, r := range in {
			safe = safe && !forbidden(r)
		}
		if safe != (out == in) || safe != IsSafeText(in) {
			t.Fatalf("input safe=%v but SafeText(%q) = %q, IsSafeText %v", safe, in, out, IsSafeText(in))
		}
	})
}
