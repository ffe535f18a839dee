package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
)

var decimalUnits = [...]string{"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}

// HumanSize prints a byte count as the docker CLI does (go-units
// HumanSize): decimal units, at most four significant digits ("1.98MB",
// "36.18GB", "512B"). n must be >= 0; use SizeText for sizes that may be
// Unknown. (A negative n prints as a plain byte count, as go-units does.)
func HumanSize(n int64) string { return HumanSizePrecision(n, 4) }

// HumanSizePrecision is HumanSize with p significant digits (go-units
// HumanSizeWithPrecision): the docker CLI lists objects' own sizes with 3.
func HumanSizePrecision(n int64, p int) string {
	size := float64(n)
	i := 0
	for size >= 1000 && i < len(decimalUnits)-1 {
		size /= 1000
		i++
	}
	return strconv.FormatFloat(size, 'g', p, 64) + decimalUnits[i]
}

// Pending is how a size that is not known yet (Unknown) is shown.
const Pending = "…"

// SizeText is HumanSize, N/A for NotReported, or Pending for an Unknown
// (negative) size.
func SizeText(n int64) string {
	if n == NotReported {
		return "N/A"
	}
	if n < 0 {
		return Pending
	}
	return HumanSize(n)
}

// Age prints how long ago something happened as the docker CLI does
// (go-units HumanDuration): "Less than a second", "About an hour",
// "3 days", "5 months". A negative d (a clock ahead of ours) reads as
// "Less than a second".
func Age(d time.Duration) string { return units.HumanDuration(d) }

// ShortID is the 12-character form of an ID the docker CLI prints, without
// its "sha256:" prefix.
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

const sizeHelp = "use a number with B, kB, MB, GB or TB"

// ParseSize reads a size as users type it: a decimal number and an
// optional decimal unit, case-insensitive, the "B" optional: "42", "512B",
// "100k", "500MB", "1.5G", "2tb". 1 kB is 1000 bytes, as in the sizes
// bilge prints. Fractions of a byte are rounded.
func ParseSize(s string) (int64, error) {
	n, ok := parseSize(s)
	if !ok {
		return 0, fmt.Errorf("invalid size %q: %s", s, sizeHelp)
	}
	return n, nil
}

func parseSize(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	num, unit := splitNumber(s)
	if num == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	var mult float64
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "", "b":
		mult = 1
	case "k", "kb":
		mult = 1e3
	case "m", "mb":
		mult = 1e6
	case "g", "gb":
		mult = 1e9
	case "t", "tb":
		mult = 1e12
	default:
		return 0, false
	}
	f = math.Round(f * mult)
	if f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// splitNumber splits s into a leading unsigned decimal number (digits with
// at most one '.', at least one digit) and the rest. num is "" when s does
// not start with such a number.
func splitNumber(s string) (num, rest string) {
	digits, dot := 0, false
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			digits++
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return "", s
	}
	return s[:i], s[i:]
}

const ageHelp = "use a number with s, m, h, d, w or y"

// ParseAge reads a duration as users type it: numbers each followed by a
// unit, s (seconds), m (minutes), h (hours), d (days), w (weeks) or y (365
// days), case-insensitive: "30d", "12h", "90m", "2w", "1y", and Go-style
// combinations such as "1h30m" or "1d12h". Fractions are allowed ("1.5h").
func ParseAge(s string) (time.Duration, error) {
	d, ok := parseAge(s)
	if !ok {
		return 0, fmt.Errorf("invalid age %q: %s, e.g. 30d, 12h or 1h30m", s, ageHelp)
	}
	return d, nil
}

func parseAge(s string) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, false
	}
	var total float64 // nanoseconds
	for s != "" {
		num, rest := splitNumber(s)
		if num == "" || rest == "" {
			return 0, false
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, false
		}
		var unit time.Duration
		switch rest[0] {
		case 's':
			unit = time.Second
		case 'm':
			unit = time.Minute
		case 'h':
			unit = time.Hour
		case 'd':
			unit = 24 * time.Hour
		case 'w':
			unit = 7 * 24 * time.Hour
		case 'y':
			unit = 365 * 24 * time.Hour
		default:
			return 0, false
		}
		total += f * float64(unit)
		s = rest[1:]
	}
	total = math.Round(total)
	if total >= math.MaxInt64 {
		return 0, false
	}
	return time.Duration(total), true
}
