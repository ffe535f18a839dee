package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// Engine text an engine accepts from anyone who can reach it: network
// names, labels and commands are free-form (container and volume names
// and image tags are validated).
const (
	hostileNetSuffix = "\x1b[31mRED\x1b]0;nettitle\x07"
	hostileKey       = "k\x1b[5mey"
	hostileValue     = "v\u202eevil"
)

type hostileObjects struct {
	runID          string
	netID, netName string
	volName        string
	ctrID          string
}

// seedHostile creates, under a fresh run ID, a network with escape
// sequences in its name and a hostile label, and a volume and a created
// (never started) container with hostile labels and a command with control
// bytes, from an empty image it imports. Everything carries the run's
// label; the test's cleanup removes it.
func seedHostile(t *testing.T, e *enginetest.Engine) hostileObjects {
	t.Helper()
	runID := enginetest.NewRunID()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.Cleanup(ctx, runID); err != nil {
			t.Errorf("cleanup of run %s: %v", runID, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	labels := map[string]string{enginetest.Label: runID, hostileKey: hostileValue}
	h := hostileObjects{runID: runID, netName: "n" + runID + hostileNetSuffix, volName: "bilge-test-" + runID + "-hostile"}
	var net struct {
		ID string `json:"Id"`
	}
	if err := doJSON(ctx, e, http.MethodPost, "/networks/create", nil, map[string]any{"Name": h.netName, "Driver": "bridge", "Labels": labels}, &net); err != nil {
		t.Fatalf("create network %q: %v", h.netName, err)
	}
	h.netID = net.ID
	if err := doJSON(ctx, e, http.MethodPost, "/volumes/create", nil, map[string]any{"Name": h.volName, "Labels": labels}, nil); err != nil {
		t.Fatalf("create volume: %v", err)
	}
	// An empty image, labelled with the run so that its cleanup finds it.
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	if err := tw.WriteHeader(&tar.Header{Name: "empty/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	ref := "bilge-test/" + runID + ":hostile"
	q := url.Values{"fromSrc": {"-"}, "repo": {"bilge-test/" + runID}, "tag": {"hostile"}, "changes": {"LABEL " + enginetest.Label + "=" + runID}}
	if err := e.Do(ctx, http.MethodPost, "/images/create", q, &tarball, nil); err != nil {
		t.Fatalf("import image: %v", err)
	}
	var ctr struct {
		ID string `json:"Id"`
	}
	body := map[string]any{"Image": ref, "Cmd": []string{"/nothing", "\x1b]0;cmdtitle\x07\x1b[2J\r"}, "Labels": labels}
	if err := doJSON(ctx, e, http.MethodPost, "/containers/create", url.Values{"name": {"bilge-test-" + runID + "-hostile"}}, body, &ctr); err != nil {
		t.Fatalf("create container: %v", err)
	}
	h.ctrID = ctr.ID
	return h
}

func doJSON(ctx context.Context, e *enginetest.Engine, method, path string, q url.Values, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return e.Do(ctx, method, path, q, strings.NewReader(string(b)), out)
}

// TestDFHostileNames: bilge df -v prints engine text safe (no control
// byte but newlines, the escapes written out), and --json -v keeps the
// engine's exact bytes.
func TestDFHostileNames(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	h := seedHostile(t, e)

	_, text := bilgeDF(t, "-v")
	for i, c := range text {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			t.Fatalf("bilge df -v writes control byte %#x at %d:\n%q", c, i, text[max(i-80, 0):min(i+80, len(text))])
		}
	}
	if want := "n" + h.runID + `\x1b[31mRED\x1b]0;nettitle\x07`; !strings.Contains(string(text), want) {
		t.Errorf("bilge df -v does not show the network as %q:\n%s", want, text)
	}
	var netRow string
	for _, l := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(l, model.ShortID(h.netID)) {
			netRow = l
		}
	}
	if !strings.Contains(netRow, "bridge") || !strings.Contains(netRow, "local") {
		t.Errorf("the network's row lost what follows its name: %q", netRow)
	}

	kinds, _ := bilgeDF(t, "--json", "-v")
	find := func(kind, key, val string) map[string]any {
		for _, it := range kinds[kind].Items {
			if it[key] == val {
				return it
			}
		}
		t.Fatalf("%s %s=%q not in bilge df --json -v", kind, key, val)
		return nil
	}
	labelsOK := func(what string, it map[string]any) {
		l, _ := it["labels"].(map[string]any)
		if l[hostileKey] != hostileValue {
			t.Errorf("%s: labels %q, want %q=%q exactly", what, l, hostileKey, hostileValue)
		}
	}
	n := find("networks", "id", h.netID)
	if n["name"] != h.netName {
		t.Errorf("network name %q in JSON, want the engine's %q", n["name"], h.netName)
	}
	labelsOK("network", n)
	labelsOK("volume", find("volumes", "name", h.volName))
	labelsOK("container", find("containers", "id", h.ctrID))
}

// TestUIHostileNames: the Networks tab shows a hostile network name with
// its escapes written out, the rest of its row intact, and the terminal
// never receives the sequence (its title stays bilge's).
func TestUIHostileNames(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	h := seedHostile(t, e)
	tm := startBilge(t, e)
	tm.keys("5")
	tm.keys("/")
	tm.text("n" + h.runID)
	tm.keys("Enter")
	visible := `\x1b[31mRED`
	scr := tm.waitText(visible, 15*time.Second)
	var row string
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "n"+h.runID+visible) {
			row = l
		}
	}
	if row == "" {
		t.Fatalf("no row shows %q:\n%s", "n"+h.runID+visible, scr)
	}
	if !strings.Contains(row, "bridge") || !strings.Contains(row, "local") {
		t.Errorf("the row lost what follows the name: %q", row)
	}
	if strings.ContainsRune(scr, 0x1b) || strings.ContainsRune(scr, '\u202e') {
		t.Errorf("raw escape on screen:\n%q", scr)
	}
	if title := tm.display("#{pane_title}"); strings.Contains(title, "nettitle") {
		t.Errorf("the network's name set the terminal title: %q", title)
	}
	// The details show the hostile label written out.
	tm.keys("Enter")
	tm.waitText(`k\x1b[5mey`, 10*time.Second)
	scr = tm.waitText(`v\u202eevil`, 10*time.Second)
	if strings.ContainsRune(scr, 0x1b) || strings.ContainsRune(scr, '\u202e') {
		t.Errorf("raw escape on screen:\n%q", scr)
	}
	// Mark it, delete it: the dialog and the results show the name safe,
	// and the engine removes the network (by ID).
	tm.keys("Escape", "Space", "d")
	scr = tm.waitText("Delete 1 object?", 10*time.Second)
	row = ""
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "n"+h.runID+visible) {
			row = l
		}
	}
	if !strings.HasSuffix(strings.TrimSpace(row), "│") {
		t.Errorf("the dialog's row of the network lost its end: %q\n%s", row, scr)
	}
	if strings.ContainsRune(scr, 0x1b) {
		t.Errorf("raw escape on screen:\n%q", scr)
	}
	tm.keys("y")
	tm.waitText("1 deleted, 0 failed", 20*time.Second)
	err := e.Do(context.Background(), http.MethodGet, "/networks/"+h.netID, nil, nil, nil)
	if enginetest.StatusCode(err) != http.StatusNotFound {
		t.Errorf("the network is still there after its deletion: %v", err)
	}
}
