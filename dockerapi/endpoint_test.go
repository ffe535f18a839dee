package dockerapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mapEnv(m map[string]string) Env { return func(k string) string { return m[k] } }

func writeContext(t *testing.T, cfg, name, host string, skipVerify bool) {
	t.Helper()
	dir := filepath.Join(cfg, "contexts", "meta", ContextDirName(name))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	skip := "false"
	if skipVerify {
		skip = "true"
	}
	meta := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":` + skip + `}}}`
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestResolvePrecedence(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	writeContext(t, cfg, "ctxflag", "unix:///ctx/flag.sock", false)
	writeContext(t, cfg, "ctxenv", "unix:///ctx/env.sock", false)
	writeContext(t, cfg, "ctxcur", "tcp://10.0.0.9:2375", false)
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"auths":{},"currentContext":"ctxcur"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyCfg := t.TempDir()
	cases := []struct {
		name    string
		sel     Selection
		env     map[string]string
		host    string
		context string
	}{
		{"--context wins over env", Selection{Context: "ctxflag"}, map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONFIG": cfg}, "unix:///ctx/flag.sock", "ctxflag"},
		{"--host wins over env", Selection{Host: "unix:///flag.sock"}, map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "ctxenv", "DOCKER_CONFIG": cfg}, "unix:///flag.sock", ""},
		{"DOCKER_HOST over DOCKER_CONTEXT", Selection{}, map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "ctxenv", "DOCKER_CONFIG": cfg}, "unix:///env.sock", ""},
		{"DOCKER_CONTEXT over currentContext", Selection{}, map[string]string{"DOCKER_CONTEXT": "ctxenv", "DOCKER_CONFIG": cfg}, "unix:///ctx/env.sock", "ctxenv"},
		{"currentContext", Selection{}, map[string]string{"DOCKER_CONFIG": cfg}, "tcp://10.0.0.9:2375", "ctxcur"},
		{"default context name", Selection{Context: "default"}, map[string]string{"DOCKER_CONFIG": cfg}, DefaultHost(), "default"},
		{"default context is DOCKER_HOST", Selection{Context: "default"}, map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_HOST": "tcp://1.2.3.4:5"}, "tcp://1.2.3.4:5", "default"},
		{"DOCKER_CONTEXT=default", Selection{}, map[string]string{"DOCKER_CONFIG": cfg, "DOCKER_CONTEXT": "default"}, DefaultHost(), "default"},
		{"TLS without a host", Selection{}, map[string]string{"DOCKER_CONFIG": emptyCfg, "DOCKER_TLS": "1"}, "tcp://localhost:2376", ""},
		{"no config at all", Selection{}, map[string]string{"DOCKER_CONFIG": emptyCfg}, DefaultHost(), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ep, err := Resolve(c.sel, mapEnv(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if ep.Host != c.host || ep.Context != c.context {
				t.Fatalf("got host %q context %q, want %q %q", ep.Host, ep.Context, c.host, c.context)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	cfg := t.TempDir()
	badJSON := t.TempDir()
	if err := os.WriteFile(filepath.Join(badJSON, "config.json"), []byte(`{not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	writeContext(t, cfg, "weird", "gopher://x", false)
	certOnly := t.TempDir()
	if err := os.WriteFile(filepath.Join(certOnly, "cert.pem"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		sel  Selection
		env  map[string]string
		want string
	}{
		{"both", Selection{Host: "unix:///a", Context: "b"}, nil, "cannot be used together"},
		{"socket path without scheme", Selection{Host: "/var/run/docker.sock"}, nil, "write unix:///var/run/docker.sock"},
		{"bad port", Selection{Host: "tcp://h:99999"}, nil, "bad port"},
		{"empty ssh", Selection{Host: "ssh://"}, nil, "invalid docker host"},
		{"client cert without key", Selection{Host: "tcp://h:2376"}, map[string]string{"DOCKER_CERT_PATH": certOnly, "DOCKER_TLS": "1"}, "no key.pem"},
		{"unknown context", Selection{Context: "nope"}, map[string]string{"DOCKER_CONFIG": cfg}, "does not exist"},
		{"bad context host", Selection{Context: "weird"}, map[string]string{"DOCKER_CONFIG": cfg}, "unsupported scheme"},
		{"corrupt config", Selection{}, map[string]string{"DOCKER_CONFIG": badJSON}, "not valid JSON"},
		{"cert path missing", Selection{Host: "tcp://h:2376"}, map[string]string{"DOCKER_CERT_PATH": "/nonexistent", "DOCKER_TLS_VERIFY": "1"}, "ca.pem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Resolve(c.sel, mapEnv(c.env))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
		})
	}
}

// TestNormalizeHost: hosts are completed the way the docker CLI completes
// them (opts.ParseHost).
func TestNormalizeHost(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"unix:///var/run/docker.sock", "unix:///var/run/docker.sock"},
		{"unix://", DefaultHost()},
		{"tcp://10.0.0.1:2376", "tcp://10.0.0.1:2376"},
		{"tcp://10.0.0.1", "tcp://10.0.0.1:2375"},
		{"tcp://", "tcp://localhost:2375"},
		{"tcp://:2380", "tcp://localhost:2380"},
		{"localhost:2375", "tcp://localhost:2375"},
		{"example.com", "tcp://example.com:2375"},
		{"tcp://[::1]:2376", "tcp://[::1]:2376"},
		{"tcp://h:2375/prefix", "tcp://h:2375/prefix"},
		{" tcp://h:1 ", "tcp://h:1"},
		{"ssh://me@h:22", "ssh://me@h:22"},
	}
	for _, c := range cases {
		got, err := normalizeHost(c.in)
		if err != nil || got != c.want {
			t.Errorf("normalizeHost(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestTLSFromEnv follows the CLI: TLS only with DOCKER_TLS_VERIFY or
// DOCKER_TLS; a missing client cert means TLS without one; the CA is read
// only when verifying.
func TestTLSFromEnv(t *testing.T) {
	t.Parallel()
	full, caOnly, empty := t.TempDir(), t.TempDir(), t.TempDir()
	for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(full, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(caOnly, "ca.pem"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		want *TLSFiles
	}{
		{"cert path alone: plain tcp", map[string]string{"DOCKER_CERT_PATH": full}, nil},
		{"verify", map[string]string{"DOCKER_CERT_PATH": full, "DOCKER_TLS_VERIFY": "1"}, &TLSFiles{CA: filepath.Join(full, "ca.pem"), Cert: filepath.Join(full, "cert.pem"), Key: filepath.Join(full, "key.pem")}},
		{"verify, CA only", map[string]string{"DOCKER_CERT_PATH": caOnly, "DOCKER_TLS_VERIFY": "1"}, &TLSFiles{CA: filepath.Join(caOnly, "ca.pem")}},
		{"DOCKER_TLS: no verification", map[string]string{"DOCKER_CERT_PATH": empty, "DOCKER_TLS": "1"}, &TLSFiles{SkipVerify: true}},
		{"verify falls back to the config dir", map[string]string{"DOCKER_CONFIG": full, "DOCKER_TLS_VERIFY": "1"}, &TLSFiles{CA: filepath.Join(full, "ca.pem"), Cert: filepath.Join(full, "cert.pem"), Key: filepath.Join(full, "key.pem")}},
	}
	for _, c := range cases {
		ep, err := Resolve(Selection{Host: "tcp://h:2376"}, mapEnv(c.env))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if (ep.TLS == nil) != (c.want == nil) || (ep.TLS != nil && *ep.TLS != *c.want) {
			t.Errorf("%s: TLS = %+v, want %+v", c.name, ep.TLS, c.want)
		}
	}
}

// writeCA writes a fresh self-signed CA certificate as ca.pem in dir.
func writeCA(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "not the server's CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTLSFailureIsOneLine dials a real TLS server through a context whose
// CA does not match: the error names the host and says it is TLS.
func TestTLSFailureIsOneLine(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Write([]byte("OK"))
	}))
	defer srv.Close()
	cfg := t.TempDir()
	host := "tcp://" + strings.TrimPrefix(srv.URL, "https://")
	writeContext(t, cfg, "remote", host, false)
	writeCA(t, filepath.Join(cfg, "contexts", "tls", ContextDirName("remote"), "docker"))
	ep, err := Resolve(Selection{Context: "remote"}, mapEnv(map[string]string{"DOCKER_CONFIG": cfg}))
	if err != nil {
		t.Fatal(err)
	}
	if ep.TLS == nil || ep.TLS.CA == "" {
		t.Fatalf("context TLS material not picked up: %+v", ep.TLS)
	}
	err = pingEndpoint(t, ep)
	if err == nil {
		t.Fatal("ping through a wrong CA succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "TLS") || !strings.Contains(msg, host) || strings.Contains(msg, "\n") {
		t.Fatalf("unclear TLS error: %q", msg)
	}
	if !IsConnectError(err) {
		t.Error("TLS failure not classified as a connection error")
	}
}

// pingEndpoint builds a client for ep and pings once, within 5 s.
func pingEndpoint(t *testing.T, ep Endpoint) error {
	t.Helper()
	e, err := New(ep)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return e.Ping(ctx)
}

// TestTLSMismatch: TLS spoken to a plain engine, and plain HTTP spoken to
// a TLS engine, are both reported as TLS failures naming the host.
func TestTLSMismatch(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Write([]byte("OK"))
	})
	plain := httptest.NewServer(ok)
	defer plain.Close()
	secure := httptest.NewTLSServer(ok)
	defer secure.Close()
	cases := []struct {
		name, host string
		env        map[string]string
		want       string
	}{
		{"TLS to plain", "tcp://" + strings.TrimPrefix(plain.URL, "http://"), map[string]string{"DOCKER_TLS": "1", "DOCKER_CERT_PATH": t.TempDir()}, "plain HTTP"},
		{"plain to TLS", "tcp://" + strings.TrimPrefix(secure.URL, "https://"), nil, "expects TLS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, err := Resolve(Selection{Host: c.host}, mapEnv(c.env))
			if err != nil {
				t.Fatal(err)
			}
			err = pingEndpoint(t, ep)
			if err == nil || !strings.Contains(err.Error(), "TLS failure") || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.host) {
				t.Fatalf("err = %v, want a TLS failure naming %s that says %q", err, c.host, c.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"Exited (137) 5 minutes ago": 137, "Exited (0) 1 second ago": 0, "Up 3 hours": 0, "Created": 0, "Exited (x)": 0} {
		if got := exitCode(in); got != want {
			t.Errorf("exitCode(%q) = %d, want %d", in, got, want)
		}
	}
}
