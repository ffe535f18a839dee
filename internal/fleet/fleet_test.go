package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
)

// dockerConfig writes a docker config directory with the contexts given
// (name → docker endpoint host) and returns an Env reading it.
func dockerConfig(t *testing.T, contexts map[string]string, vars map[string]string) dockerapi.Env {
	t.Helper()
	dir := t.TempDir()
	for name, host := range contexts {
		d := filepath.Join(dir, "contexts", "meta", dockerapi.ContextDirName(name))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		meta, _ := json.Marshal(map[string]any{"Name": name, "Endpoints": map[string]any{"docker": map[string]any{"Host": host}}})
		if err := os.WriteFile(filepath.Join(d, "meta.json"), meta, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"DOCKER_CONFIG": dir, "HOME": dir}
	for k, v := range vars {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func TestList(t *testing.T) {
	t.Parallel()
	contexts := map[string]string{"build": "tcp://build-1:2375", "staging": "ssh://ops@staging", "laptop": "unix:///run/user/1000/docker.sock"}
	type want struct {
		names []string
		hosts []string
		err   string
	}
	for _, tc := range []struct {
		name   string
		sel    dockerapi.Selection
		subset []string
		vars   map[string]string
		want   want
	}{
		{name: "all contexts, default first", want: want{
			names: []string{"default", "build", "laptop", "staging"},
			hosts: []string{dockerapi.DefaultHost(), "tcp://build-1:2375", "unix:///run/user/1000/docker.sock", "ssh://ops@staging"}}},
		{name: "default is DOCKER_HOST", vars: map[string]string{"DOCKER_HOST": "tcp://10.0.0.9"}, subset: []string{"default"},
			want: want{names: []string{"default"}, hosts: []string{"tcp://10.0.0.9:2375"}}},
		{name: "a subset, in the listing's order", subset: []string{"staging", "build"},
			want: want{names: []string{"build", "staging"}, hosts: []string{"tcp://build-1:2375", "ssh://ops@staging"}}},
		{name: "an unknown name", subset: []string{"build", "prod"},
			want: want{err: `--fleet: there is no docker context "prod" (the contexts are default, build, laptop, staging)`}},
		{name: "-H adds its engine", sel: dockerapi.Selection{Host: "tcp://other:2375"}, subset: []string{"build"},
			want: want{names: []string{"build", "tcp://other:2375"}, hosts: []string{"tcp://build-1:2375", "tcp://other:2375"}}},
		{name: "-H of a context's engine is that context", sel: dockerapi.Selection{Host: "tcp://build-1"},
			want: want{names: []string{"default", "build", "laptop", "staging"},
				hosts: []string{dockerapi.DefaultHost(), "tcp://build-1:2375", "unix:///run/user/1000/docker.sock", "ssh://ops@staging"}}},
		{name: "--context joins a subset", sel: dockerapi.Selection{Context: "laptop"}, subset: []string{"build"},
			want: want{names: []string{"build", "laptop"}, hosts: []string{"tcp://build-1:2375", "unix:///run/user/1000/docker.sock"}}},
		{name: "--context that does not exist", sel: dockerapi.Selection{Context: "prod"},
			want: want{err: `--context: context "prod" does not exist (the contexts are default, build, laptop, staging)`}},
		{name: "a bad -H", sel: dockerapi.Selection{Host: "http://x"}, want: want{err: "invalid docker host"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := dockerConfig(t, contexts, tc.vars)
			got, err := List(tc.sel, tc.subset, env)
			if tc.want.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err %v, want one line with %q", err, tc.want.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names, hosts []string
			for _, m := range got {
				if m.Err != nil {
					t.Errorf("%s: %v", m.Name, m.Err)
				}
				names, hosts = append(names, m.Name), append(hosts, m.Endpoint.Host)
			}
			if !slices.Equal(names, tc.want.names) || !slices.Equal(hosts, tc.want.hosts) {
				t.Errorf("got %v %v, want %v %v", names, hosts, tc.want.names, tc.want.hosts)
			}
		})
	}
}

// A context that cannot be resolved is still a member, with its reason;
// no contexts directory is the default context alone.
func TestListBrokenAndEmpty(t *testing.T) {
	t.Parallel()
	env := dockerConfig(t, map[string]string{"good": "tcp://good:2375", "broken": "tcp://x"}, nil)
	meta := filepath.Join(env("DOCKER_CONFIG"), "contexts", "meta", dockerapi.ContextDirName("broken"), "meta.json")
	if err := os.WriteFile(meta, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := List(dockerapi.Selection{}, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Name != "default" || got[2].Name != "good" || got[2].Err != nil {
		t.Fatalf("members %+v", got)
	}
	if b := got[1]; b.Err == nil || b.Where() != "-" {
		t.Errorf("the broken context: %+v, want its error", b)
	}
	res := Measure(context.Background(), got[1:2], Options{}, nil)
	if res[0].OK() || !strings.Contains(res[0].Reason(), "not valid JSON") {
		t.Errorf("broken context measured: %q", res[0].Reason())
	}

	empty, err := List(dockerapi.Selection{}, nil, dockerConfig(t, nil, nil))
	if err != nil || len(empty) != 1 || empty[0].Name != "default" || empty[0].Endpoint.Host != dockerapi.DefaultHost() {
		t.Errorf("no contexts: %+v, %v", empty, err)
	}
}

// serveDemo serves a demo engine for the test and returns its host.
func serveDemo(t testing.TB, seed int64) string {
	t.Helper()
	d := demo.New(seed)
	host, err := d.Serve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return host
}

// hungEngine is a socket that accepts connections and never answers.
func hungEngine(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hung.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return "unix://" + path
}

// One hung engine does not hold a live one: the live one's result comes
// first, complete; the hung one's names the call and its deadline; a
// socket nobody listens on is a clear "cannot connect".
func TestMeasureDeadAndLive(t *testing.T) {
	t.Parallel()
	members := []Member{
		{Name: "hung", Endpoint: dockerapi.Endpoint{Host: hungEngine(t), Source: "context \"hung\""}},
		{Name: "gone", Endpoint: dockerapi.Endpoint{Host: "unix://" + filepath.Join(t.TempDir(), "none.sock"), Source: "context \"gone\""}},
		{Name: "live", Endpoint: dockerapi.Endpoint{Host: serveDemo(t, 3), Source: "demo"}, Demo: true},
	}
	var mu sync.Mutex
	var order []string
	res := Measure(context.Background(), members, Options{Deadline: 5 * time.Second}, func(r Result) {
		mu.Lock()
		order = append(order, r.Name)
		mu.Unlock()
	})
	if len(res) != 3 || res[0].Name != "hung" || res[1].Name != "gone" || res[2].Name != "live" {
		t.Fatalf("results not in the members' order: %+v", res)
	}
	if order[len(order)-1] != "hung" || slices.Index(order, "live") > slices.Index(order, "hung") {
		t.Errorf("arrival order %v: the live engine waited for the hung one", order)
	}
	if live := res[2]; !live.OK() || live.Index == nil || live.Snap.Engine.Version == "" || live.Storage != "overlay2" {
		t.Errorf("live engine: ok %v err %v storage %q", live.OK(), live.Err, live.Storage)
	}
	if r := res[0].Reason(); res[0].OK() || !strings.Contains(r, "did not answer within 5s (its deadline in the fleet)") {
		t.Errorf("hung engine: %q", r)
	}
	if r := res[1].Reason(); res[1].OK() || !strings.Contains(r, "cannot connect to the Docker engine at unix://") {
		t.Errorf("engine that is not there: %q", r)
	}

	var text bytes.Buffer
	if err := Text(&text, res); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "ENGINE") ||
		!strings.HasPrefix(lines[1], "live ") || !strings.Contains(lines[1], " ok ") ||
		!strings.HasPrefix(lines[2], "TOTAL") || !strings.Contains(lines[2], "1 of 3 engines") ||
		!strings.HasPrefix(lines[3], "hung ") || !strings.Contains(lines[3], "unreachable") || !strings.Contains(lines[3], "did not answer") ||
		!strings.HasPrefix(lines[4], "gone ") || !strings.Contains(lines[4], "unreachable  cannot connect") {
		t.Errorf("table:\n%s", text.String())
	}
	// The figures' columns line up with the header's.
	if h, r := strings.Index(lines[0], "IMAGES"), strings.Index(lines[1], strings.Fields(lines[1])[5]); h != r {
		t.Errorf("IMAGES at column %d, the live engine's at %d:\n%s", h, r, text.String())
	}
	// One engine answered: the TOTAL row is its row's figures.
	if f1, f2 := strings.Fields(lines[1]), strings.Fields(lines[2]); !slices.Equal(f1[len(f1)-5:], f2[len(f2)-5:]) {
		t.Errorf("TOTAL %v is not the one engine's %v", f2, f1)
	}

	var doc map[string]map[string]any
	var js bytes.Buffer
	if err := JSON(&js, res, false); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["hung"]["error"] == nil || doc["gone"]["error"] == nil || doc["live"]["error"] != nil || doc["live"]["images"] == nil {
		t.Errorf("JSON: %s", js.String())
	}
}

// figures add up, and an unknown part makes the sum a lower bound.
func TestCells(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		parts []figure
		want  string
	}{
		{nil, "-"},
		{[]figure{{bytes: 1_000_000, known: true}, {bytes: 500_000, known: true}}, "1.5MB"},
		{[]figure{{bytes: 1_000_000, known: true}, {}}, "≥1MB"},
		{[]figure{{bytes: 1_000_000, known: true, lower: true}}, "≥1MB"},
		{[]figure{{}, {}}, "-"},
	} {
		var sum figure
		for _, p := range tc.parts {
			sum.merge(p)
		}
		if got := sum.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.parts, got, tc.want)
		}
	}
}

// BenchmarkFleet is the time to a fleet's result: 5 demo engines, all in
// parallel, against one. The demo engines are served in this process, so
// their CPU work competes; the "slow-df" cases give each engine a system
// df that takes 500ms (a big remote host), where the fleet should take
// about as long as one engine, not five times as long.
func BenchmarkFleet(b *testing.B) {
	for _, bc := range []struct {
		name string
		n    int
		df   time.Duration
	}{{"1-engine", 1, 0}, {"5-engines", 5, 0}, {"1-engine-slow-df", 1, 500 * time.Millisecond}, {"5-engines-slow-df", 5, 500 * time.Millisecond}} {
		b.Run(bc.name, func(b *testing.B) {
			var members []Member
			for i := range bc.n {
				d := demo.New(int64(i))
				d.SetDiskUsageDelay(bc.df)
				host, err := d.Serve(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { d.Close() })
				members = append(members, Member{Name: "demo", Endpoint: dockerapi.Endpoint{Host: host, Source: "demo"}, Demo: true})
			}
			b.ResetTimer()
			for range b.N {
				for _, r := range Measure(context.Background(), members, Options{}, nil) {
					if !r.OK() {
						b.Fatal(r.Err)
					}
				}
			}
		})
	}
}

// A context name with control bytes reaches no terminal: not in an error,
// not in the table.
func TestHostileContextName(t *testing.T) {
	t.Parallel()
	evil := "evil\x1b]0;owned\x07\x1b[2J"
	env := dockerConfig(t, map[string]string{evil: "unix://" + filepath.Join(t.TempDir(), "none.sock")}, nil)
	_, err := List(dockerapi.Selection{}, []string{"nope"}, env)
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Errorf("error %q", err)
	}
	members, err := List(dockerapi.Selection{}, []string{evil}, env)
	if err != nil || len(members) != 1 {
		t.Fatalf("%+v, %v", members, err)
	}
	var out bytes.Buffer
	if err := Text(&out, Measure(context.Background(), members, Options{}, nil)); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") || !strings.Contains(out.String(), "unreachable") {
		t.Errorf("table %q", out.String())
	}
}
