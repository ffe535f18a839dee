package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bilge/ui"
)

// The UI's policy: --policy or the default file when it exists; a file
// that does not parse still lets the UI start with one line saying why;
// --policy naming a missing file is an error.
func TestUIPolicy(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".config", "bilge")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(home, "good.yaml")
	bad := filepath.Join(home, "bad.yaml")
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(good, "rules:\n  - remove: dangling\n")
	write(bad, "rules:\n  - remove: images\n    older: 1 day\n")
	env := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	for _, c := range []struct {
		name, flag, defaultFile string
		wantPath, wantErr       string // wantErr: of uiPolicy, or else PolicyErr
		policy                  bool
	}{
		{name: "none", wantPath: ""},
		{name: "flag", flag: good, wantPath: "~/good.yaml", policy: true},
		{name: "default", defaultFile: "rules:\n  - remove: networks\n", wantPath: "~/.config/bilge/policy.yaml", policy: true},
		{name: "bad flag", flag: bad, wantPath: "~/bad.yaml", wantErr: "line 3: rules[0].older: "},
		{name: "bad default", defaultFile: "nope: 1\n", wantPath: "~/.config/bilge/policy.yaml", wantErr: "line 1: nope: unknown key"},
		{name: "missing flag", flag: filepath.Join(home, "missing.yaml"), wantErr: "missing.yaml: no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			def := filepath.Join(cfg, "policy.yaml")
			os.Remove(def)
			if c.defaultFile != "" {
				write(def, c.defaultFile)
			}
			var uo ui.Options
			err := uiPolicy(&uo, c.flag, env)
			if c.name == "missing flag" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err %v, want one naming the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if uo.PolicyPath != c.wantPath || (uo.Policy != nil) != c.policy {
				t.Errorf("path %q policy %v, want %q %v", uo.PolicyPath, uo.Policy != nil, c.wantPath, c.policy)
			}
			if !strings.HasPrefix(uo.PolicyErr, c.wantErr) || (c.wantErr == "") != (uo.PolicyErr == "") || strings.Contains(uo.PolicyErr, "\n") {
				t.Errorf("PolicyErr %q, want one line starting %q", uo.PolicyErr, c.wantErr)
			}
		})
	}
}
