package deletionlog

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"bilge/model"
)

// Select keeps the entries logged at or after since (all when zero) from
// the engine named engine (all when ""): its ID, name, context or host.
func Select(entries []Entry, since time.Time, engine string) []Entry {
	var out []Entry
	for _, e := range entries {
		if !since.IsZero() && e.Time.Before(since) {
			continue
		}
		if engine != "" && engine != e.Engine.ID && engine != e.Engine.Name && engine != e.Engine.Context && engine != e.Engine.Host {
			continue
		}
		out = append(out, e)
	}
	return out
}

// Table writes the entries, oldest first as in the file (the newest end up
// next to the prompt), one a line, then the count and what they freed.
// Text from the engine goes through model.SafeText; times are in loc.
func Table(w io.Writer, entries []Entry, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tENGINE\tKIND\tNAME\tID\tSIZE\tRULE")
	var total int64
	unknown := 0
	for _, e := range entries {
		size := "?"
		if e.Size != nil {
			size = model.HumanSize(*e.Size)
			total += *e.Size
		} else {
			unknown++
		}
		id := model.ShortID(e.ID)
		if e.Kind == "volume" {
			id = "-" // a volume's ID is its name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.In(loc).Format("2006-01-02 15:04:05"), safe(engineName(e.Engine)),
			safe(e.Kind), safe(entryName(e)), safe(id), size, safe(e.Rule))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := fmt.Sprintf("%d deletions, %s freed", len(entries), model.HumanSize(total))
	if len(entries) == 1 {
		s = "1 deletion, " + model.HumanSize(total) + " freed"
	}
	if unknown > 0 {
		s += fmt.Sprintf(" (and %d of unknown size)", unknown)
	}
	_, err := fmt.Fprintln(w, s)
	return err
}

// engineName is what the table calls an engine: its docker context, else
// its own name, else the address used.
func engineName(e Engine) string {
	switch {
	case e.Context != "":
		return e.Context
	case e.Name != "":
		return e.Name
	}
	return e.Host
}

// entryName is what the user calls the object: its first name (an image's
// first tag), a volume's name, <none>:<none> for an untagged image.
func entryName(e Entry) string {
	switch {
	case len(e.Names) > 0:
		return e.Names[0]
	case e.Kind == "volume":
		return e.ID
	case e.Kind == "image":
		return "<none>:<none>"
	}
	return "-"
}

// safe is engine text as the terminal may show it, on one line, cut to a
// width a table can hold.
func safe(s string) string {
	s = model.SafeText(s)
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	if s == "" {
		return "-"
	}
	return s
}
