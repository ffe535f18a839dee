package fleet

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"bilge/internal/report"
	"bilge/model"
)

// sizedKinds are the kinds that hold disk space, in bilge df's order.
var sizedKinds = []model.Kind{model.KindImage, model.KindContainer, model.KindVolume, model.KindBuildCache}

// figure is a size or an exact reclaimable amount: its bytes, and whether
// they are only a lower bound (unknown parts left out).
type figure struct {
	bytes int64
	lower bool // some part is unknown: at least bytes
	known bool // any part is known
}

func (f *figure) add(n int64, known bool) {
	if !known || n < 0 {
		f.lower = true
		return
	}
	f.bytes += n
	f.known = true
}

func (f figure) String() string {
	if !f.known {
		return "-"
	}
	s := model.HumanSizePrecision(f.bytes, 3)
	if f.lower {
		s = "≥" + s
	}
	return s
}

// cell is one kind (or the total) of one engine: SIZE/EXACT.
type cell struct{ size, exact figure }

func (c cell) String() string { return c.size.String() + "/" + c.exact.String() }

func (c *cell) addCell(o cell) {
	c.size.merge(o.size)
	c.exact.merge(o.exact)
}

func (f *figure) merge(o figure) {
	f.bytes += o.bytes
	f.known = f.known || o.known
	f.lower = f.lower || o.lower || !o.known
}

// cells are an answered engine's figures per sized kind, and their total.
func cells(r Result) (per []cell, total cell) {
	var exact map[model.Kind]model.KindReclaim
	if r.Index != nil {
		exact = r.Index.ExactReclaimable()
	}
	for _, k := range sizedKinds {
		var c cell
		c.size.add(r.Snap.UsageOf(k).Size, true)
		e, ok := exact[k]
		c.exact.add(e.Bytes, ok)
		if ok && e.Pending {
			c.exact.lower = true
		}
		per = append(per, c)
		total.addCell(c)
	}
	return per, total
}

// Text writes the fleet as one table: a row per engine that answered,
// each sized kind as SIZE/EXACT RECLAIMABLE, a TOTAL row over them, and
// then a row per engine that did not answer, with its reason.
func Text(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ENGINE\tENDPOINT\tSTATE\tVERSION\tSTORAGE\tIMAGES\tCONTAINERS\tVOLUMES\tBUILD CACHE\tTOTAL")
	sum := make([]cell, len(sizedKinds))
	var all cell
	answered := 0
	for _, r := range results {
		if !r.OK() {
			continue
		}
		per, total := cells(r)
		storage := r.Storage
		if storage == "" {
			storage = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\tok\t%s\t%s\t", model.SafeText(r.Name), model.SafeText(r.Where()), r.Snap.Engine.VersionLabel(), storage)
		for i, c := range per {
			fmt.Fprintf(tw, "%s\t", c)
			sum[i].addCell(c)
		}
		fmt.Fprintf(tw, "%s\n", total)
		all.addCell(total)
		answered++
	}
	if answered > 0 {
		fmt.Fprintf(tw, "TOTAL\t%d of %d engines\t\t\t\t", answered, len(results))
		for _, c := range sum {
			fmt.Fprintf(tw, "%s\t", c)
		}
		fmt.Fprintf(tw, "%s\n", all)
	}
	// Last, as a line with fewer cells ends tabwriter's column block: the
	// reason is the last cell, no column, so it does not widen the table.
	for _, r := range results {
		if !r.OK() {
			fmt.Fprintf(tw, "%s\t%s\tunreachable\t%s\n", model.SafeText(r.Name), model.SafeText(r.Where()), r.Reason())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "Each kind: SIZE/EXACT RECLAIMABLE (what pruning it frees, exactly; ≥ a lower bound, - unknown).")
	return err
}

// Engine is one engine's entry of the --json document: its bilge df
// --json document, with the endpoint and image store, or the error.
type Engine struct {
	Endpoint string `json:"endpoint"`
	Storage  string `json:"storage,omitempty"`
	Error    string `json:"error,omitempty"`
	*report.Document
}

// Document is bilge df --fleet --json: the engines by name.
func Document(results []Result, verbose bool) map[string]Engine {
	out := make(map[string]Engine, len(results))
	for _, r := range results {
		e := Engine{Endpoint: r.Where()}
		if r.OK() {
			d := report.BuildDocument(r.Snap, r.Index, verbose)
			e.Document, e.Storage = &d, r.Storage
		} else {
			e.Error = r.Reason()
		}
		out[r.Name] = e
	}
	return out
}

// JSON writes Document, indented, with a trailing newline.
func JSON(w io.Writer, results []Result, verbose bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Document(results, verbose))
}
