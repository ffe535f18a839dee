package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestPluginMetadata: the answer the docker CLI checks before running the
// plugin (cli-plugins/manager: SchemaVersion below 2.0.0, a Vendor).
func TestPluginMetadata(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runPlugin(context.Background(), []string{"docker-cli-plugin-metadata"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["SchemaVersion"] != "0.1.0" || m["Vendor"] != "bilge" || m["Version"] != version || m["ShortDescription"] == "" {
		t.Errorf("metadata %v", m)
	}
}

func TestInvokedAsPlugin(t *testing.T) {
	for argv0, want := range map[string]bool{
		"/home/u/.docker/cli-plugins/docker-bilge": true, "docker-bilge.exe": true,
		"bilge": false, "/usr/local/bin/bilge": false, "docker-bilgex": false,
	} {
		if got := invokedAsPlugin(argv0); got != want {
			t.Errorf("invokedAsPlugin(%q) = %v", argv0, got)
		}
	}
}

// TestParsePluginArgs: the docker CLI passes its own arguments: global
// flags in any pflag spelling, "bilge", then bilge's.
func TestParsePluginArgs(t *testing.T) {
	dir := t.TempDir()
	env := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		in   []string
		args []string
		env  map[string]string
	}{
		{[]string{"bilge"}, nil, env()},
		{[]string{"bilge", "df", "--json"}, []string{"df", "--json"}, env()},
		{[]string{"--context", "prod", "bilge", "df"}, []string{"--context", "prod", "df"}, env()},
		{[]string{"--context=prod", "bilge"}, []string{"--context", "prod"}, env()},
		{[]string{"-c", "prod", "bilge", "df"}, []string{"--context", "prod", "df"}, env()},
		{[]string{"-cprod", "bilge"}, []string{"--context", "prod"}, env()},
		{[]string{"-H", "unix:///x.sock", "bilge", "df"}, []string{"--host", "unix:///x.sock", "df"}, env()},
		{[]string{"-H=tcp://h:2375", "bilge"}, []string{"--host", "tcp://h:2375"}, env()},
		{[]string{"--host", "ssh://u@h", "bilge"}, []string{"--host", "ssh://u@h"}, env()},
		{[]string{"-DH", "unix:///x.sock", "-l", "debug", "--debug", "bilge"}, []string{"--host", "unix:///x.sock"}, env()},
		// A flag's value may be the word bilge.
		{[]string{"--context", "bilge", "bilge", "df"}, []string{"--context", "bilge", "df"}, env()},
		{[]string{"--config", dir, "bilge"}, nil, env("DOCKER_CONFIG", dir)},
		{[]string{"--tlsverify", "--tlscacert", dir + "/ca.pem", "--tlscert=" + dir + "/cert.pem", "--tlskey", dir + "/key.pem", "-H", "tcp://h:2376", "bilge"},
			[]string{"--host", "tcp://h:2376"}, env("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", dir)},
		{[]string{"--tls", "--tlsverify=false", "bilge"}, nil, env("DOCKER_TLS", "1")},
	} {
		got, err := parsePluginArgs(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got.args, c.args) || !reflect.DeepEqual(got.env, c.env) {
			t.Errorf("%q: args %q env %v, want %q %v", c.in, got.args, got.env, c.args, c.env)
		}
	}
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"df"}, `with "df" where "bilge" was expected`},
		{[]string{"--context"}, "--context needs a value"},
		{[]string{"-H"}, "-H needs a value"},
		{[]string{"--orchestrator", "x", "bilge"}, "docker flag --orchestrator is not one bilge knows"},
		{[]string{"-x", "bilge"}, "docker flag -x is not one bilge knows"},
		{[]string{"-H", "a", "-H", "b", "bilge"}, "docker -H given twice"},
		{[]string{"--tlscacert", filepath.Join(dir, "my-ca.crt"), "bilge"}, "one directory holding ca.pem, cert.pem and key.pem"},
		{[]string{"-D"}, `without "bilge"`},
	} {
		_, err := parsePluginArgs(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line with %q", c.in, err, c.want)
		}
	}
}

// TestPluginBadInvocation: one line, exit 1.
func TestPluginBadInvocation(t *testing.T) {
	var out, errb bytes.Buffer
	code := runPlugin(context.Background(), []string{"--bogus", "bilge"}, &out, &errb)
	assertOneLine(t, code, errb.String(), "--bogus")
}

// TestPluginSocketStops: the docker CLI closing its plugin socket stops
// the plugin.
func TestPluginSocketStops(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "cli.sock")
	l, err := net.Listen("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Setenv(pluginSocketEnv, addr)
	stopped := make(chan struct{})
	watchPluginSocket(func() { close(stopped) })
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
		t.Fatal("stopped while the CLI holds the socket")
	default:
	}
	conn.Close()
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("not stopped when the CLI closed the socket")
	}
}
