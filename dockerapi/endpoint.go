package dockerapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// DefaultHost is the engine's socket when nothing else is configured.
func DefaultHost() string {
	if runtime.GOOS == "windows" {
		return "npipe:////./pipe/docker_engine"
	}
	return "unix:///var/run/docker.sock"
}

// Selection is what the user asked for on the command line.
type Selection struct {
	Host    string // --host / -H
	Context string // --context
}

// Endpoint is a resolved engine address, chosen exactly as the docker CLI
// chooses it.
type Endpoint struct {
	Host    string // unix://, tcp://, npipe://, ssh:// URL
	Context string // the context it came from, "" when none
	Source  string // how it was chosen, for error messages: "--host", "DOCKER_HOST", "context \"x\"", "default socket"
	TLS     *TLSFiles
	// Warning is a problem met on the way that did not matter for this
	// choice (a docker config that cannot be read when the engine was
	// named otherwise), worth one line on stderr; "" when none.
	Warning string
}

// TLSFiles names the TLS material for a tcp:// endpoint. Empty fields mean
// "not provided".
type TLSFiles struct {
	CA, Cert, Key string
	SkipVerify    bool
}

// Env reads an environment variable; tests pass a map-backed one.
type Env func(string) string

// Resolve picks the engine as the docker CLI does: --context and --host
// together are an error; then --context, --host, DOCKER_HOST,
// DOCKER_CONTEXT, currentContext in the docker config, the default socket.
//
// A docker config that cannot be read is, as in the CLI, only a warning
// (Endpoint.Warning) when the engine is named otherwise; when bilge needs
// it to learn the current context it is an error, rather than a silent
// fall-back to the default socket, which may be another engine than the
// one the user works with.
func Resolve(sel Selection, env Env) (Endpoint, error) {
	if env == nil {
		env = os.Getenv
	}
	if sel.Context != "" && sel.Host != "" {
		return Endpoint{}, errors.New("--context and --host cannot be used together: pick one")
	}
	cur, cfgErr := currentContext(env)
	var ep Endpoint
	var err error
	switch {
	case sel.Context != "":
		ep, err = resolveContext(sel.Context, "--context", env)
	case sel.Host != "":
		ep, err = hostEndpoint(sel.Host, "--host", env)
	case env("DOCKER_HOST") != "":
		ep, err = hostEndpoint(env("DOCKER_HOST"), "DOCKER_HOST", env)
	case env("DOCKER_CONTEXT") != "":
		ep, err = resolveContext(env("DOCKER_CONTEXT"), "DOCKER_CONTEXT", env)
	case cfgErr != nil:
		return Endpoint{}, fmt.Errorf("%v: it names the current docker context, so bilge cannot tell which engine to use: fix it, or choose the engine with --host, DOCKER_HOST, --context or DOCKER_CONTEXT", cfgErr)
	case cur != "":
		return resolveContext(cur, "currentContext in "+configFile(env), env)
	default:
		return hostEndpoint("", "default socket", env)
	}
	if err == nil && cfgErr != nil {
		ep.Warning = fmt.Sprintf("%v; ignored, as %s chooses the engine", cfgErr, ep.Source)
	}
	return ep, err
}

// ConfigDir is $DOCKER_CONFIG, or ~/.docker.
func ConfigDir(env Env) string {
	if d := env("DOCKER_CONFIG"); d != "" {
		return d
	}
	home := env("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".docker")
}

func configFile(env Env) string { return filepath.Join(ConfigDir(env), "config.json") }

func currentContext(env Env) (string, error) {
	data, err := os.ReadFile(configFile(env))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot read the docker config %s: %v", configFile(env), oneLine(err))
	}
	var cfg struct {
		CurrentContext string `json:"currentContext"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return "", fmt.Errorf("the docker config %s is not valid JSON (%v)", configFile(env), oneLine(err))
	}
	return cfg.CurrentContext, nil
}

// hostEndpoint normalises a host as the docker CLI does and attaches TLS
// material from the environment: DOCKER_TLS_VERIFY (any value) or
// DOCKER_TLS turn TLS on, with the files in DOCKER_CERT_PATH or the docker
// config directory; a missing client cert or key means TLS without one.
// An empty host is the default socket, or tcp://localhost:2376 with TLS.
func hostEndpoint(host, source string, env Env) (Endpoint, error) {
	verify := env("DOCKER_TLS_VERIFY") != ""
	useTLS := verify || env("DOCKER_TLS") != ""
	if host == "" {
		host = DefaultHost()
		if useTLS {
			host = "tcp://localhost:2376"
		}
	}
	host, err := normalizeHost(host)
	if err != nil {
		return Endpoint{}, fmt.Errorf("%s: %w", source, err)
	}
	ep := Endpoint{Host: host, Source: source}
	if !useTLS || !strings.HasPrefix(host, "tcp://") {
		return ep, nil
	}
	certPath := env("DOCKER_CERT_PATH")
	if certPath == "" {
		certPath = ConfigDir(env) // the CLI's fallback
	}
	files := &TLSFiles{SkipVerify: !verify}
	if verify {
		files.CA = filepath.Join(certPath, "ca.pem")
		if _, err := os.Stat(files.CA); err != nil {
			return Endpoint{}, fmt.Errorf("TLS for %s: cannot read %s: set DOCKER_CERT_PATH to the directory holding ca.pem (and cert.pem, key.pem)", host, files.CA)
		}
	}
	cert, key := filepath.Join(certPath, "cert.pem"), filepath.Join(certPath, "key.pem")
	_, cerr := os.Stat(cert)
	_, kerr := os.Stat(key)
	switch {
	case cerr == nil && kerr == nil:
		files.Cert, files.Key = cert, key
	case cerr == nil:
		return Endpoint{}, fmt.Errorf("TLS for %s: %s has cert.pem but no key.pem", host, certPath)
	case kerr == nil:
		return Endpoint{}, fmt.Errorf("TLS for %s: %s has key.pem but no cert.pem", host, certPath)
	}
	ep.TLS = files
	return ep, nil
}

// normalizeHost checks a host URL and fills in what the docker CLI fills
// in: tcp:// is the scheme of a bare host:port, tcp's port defaults to
// 2375 and its host to localhost, and unix:// alone is the default socket.
func normalizeHost(host string) (string, error) {
	orig := host
	host = strings.TrimSpace(host)
	proto, addr, ok := strings.Cut(host, "://")
	if !ok {
		if strings.HasPrefix(host, "/") {
			return "", fmt.Errorf("invalid docker host %q: write unix://%s for a socket", orig, host)
		}
		proto, addr = "tcp", host
	}
	switch proto {
	case "unix":
		if addr == "" {
			return DefaultHost(), nil
		}
		return "unix://" + addr, nil
	case "npipe":
		if addr == "" {
			return "", fmt.Errorf("invalid docker host %q: expected npipe:////./pipe/name", orig)
		}
		return host, nil
	case "tcp":
		if strings.ContainsAny(addr, " \t") {
			return "", fmt.Errorf("invalid docker host %q: the address contains spaces", orig)
		}
		hostport, path, _ := strings.Cut(addr, "/")
		h, port, err := net.SplitHostPort(hostport)
		if err != nil {
			// No port (or a bare IPv6 address): the CLI's default.
			h, port = strings.Trim(hostport, "[]"), "2375"
		}
		if h == "" {
			h = "localhost"
		}
		if port == "" {
			port = "2375"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("invalid docker host %q: bad port %q", orig, port)
		}
		out := "tcp://" + net.JoinHostPort(h, port)
		if path != "" {
			out += "/" + path
		}
		return out, nil
	case "ssh":
		if addr == "" || strings.ContainsAny(addr, " \t") {
			return "", fmt.Errorf("invalid docker host %q: expected ssh://[user@]host[:port]", orig)
		}
		return host, nil
	case "http", "https":
		return "", fmt.Errorf("invalid docker host %q: use tcp://%s (with DOCKER_TLS_VERIFY=1 for TLS)", orig, addr)
	}
	return "", fmt.Errorf("invalid docker host %q: unsupported scheme %q (use unix://, tcp:// or ssh://)", orig, proto)
}

// contextMeta is the part of a context's meta.json bilge reads.
type contextMeta struct {
	Name      string `json:"Name"`
	Endpoints map[string]struct {
		Host          string `json:"Host"`
		SkipTLSVerify bool   `json:"SkipTLSVerify"`
	} `json:"Endpoints"`
}

// ContextDirName is the directory the docker CLI stores a context under.
func ContextDirName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func resolveContext(name, source string, env Env) (Endpoint, error) {
	if name == "default" {
		// The default context is what -H/DOCKER_HOST and the TLS
		// environment say, as in the CLI.
		ep, err := hostEndpoint(env("DOCKER_HOST"), "default context", env)
		ep.Context = "default"
		return ep, err
	}
	dir := ContextDirName(name)
	metaPath := filepath.Join(ConfigDir(env), "contexts", "meta", dir, "meta.json")
	data, err := os.ReadFile(metaPath)
	if errors.Is(err, os.ErrNotExist) {
		return Endpoint{}, fmt.Errorf("context %q (from %s) does not exist: list contexts with `docker context ls`", name, source)
	}
	if err != nil {
		return Endpoint{}, fmt.Errorf("read context %q: %w", name, err)
	}
	var meta contextMeta
	if err := json.Unmarshal(data, &meta); err != nil {
		return Endpoint{}, fmt.Errorf("context %q: %s is not valid JSON: %v", name, metaPath, err)
	}
	dockerEP, ok := meta.Endpoints["docker"]
	if !ok || dockerEP.Host == "" {
		return Endpoint{}, fmt.Errorf("context %q has no docker endpoint", name)
	}
	host, err := normalizeHost(dockerEP.Host)
	if err != nil {
		return Endpoint{}, fmt.Errorf("context %q: %w", name, err)
	}
	ep := Endpoint{Host: host, Context: name, Source: fmt.Sprintf("context %q", name)}
	tlsDir := filepath.Join(ConfigDir(env), "contexts", "tls", dir, "docker")
	files := &TLSFiles{SkipVerify: dockerEP.SkipTLSVerify}
	found := false
	for _, f := range []struct {
		name string
		dst  *string
	}{{"ca.pem", &files.CA}, {"cert.pem", &files.Cert}, {"key.pem", &files.Key}} {
		p := filepath.Join(tlsDir, f.name)
		if _, err := os.Stat(p); err == nil {
			*f.dst = p
			found = true
		}
	}
	if (files.Cert == "") != (files.Key == "") {
		return Endpoint{}, fmt.Errorf("context %q: TLS material in %s needs both cert.pem and key.pem", name, tlsDir)
	}
	if found || dockerEP.SkipTLSVerify {
		ep.TLS = files
	}
	return ep, nil
}
