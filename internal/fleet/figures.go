package fleet

// SizedKinds are the kinds that hold disk space, in bilge df's order: the
// order of Figures.
var SizedKinds = sizedKinds

// Figure is a size or an exact reclaimable amount, as bilge df --fleet
// prints it: Bytes, a lower bound when Lower (some part unknown), unknown
// when !Known.
type Figure struct {
	Bytes int64
	Lower bool
	Known bool
}

// Figures are an answered engine's SIZE and EXACT RECLAIMABLE of each of
// SizedKinds: the figures of bilge df --fleet's table (the fleet UI shows
// the same).
func Figures(r Result) (size, exact []Figure) {
	per, _ := cells(r)
	for _, c := range per {
		size = append(size, Figure{Bytes: c.size.bytes, Lower: c.size.lower, Known: c.size.known})
		exact = append(exact, Figure{Bytes: c.exact.bytes, Lower: c.exact.lower, Known: c.exact.known})
	}
	return size, exact
}
