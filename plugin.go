package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// bilge as a docker CLI plugin (~/.docker/cli-plugins/docker-bilge), as
// docker/cli's cli-plugins/manager runs plugins (v29):
//   - it first runs `docker-bilge docker-cli-plugin-metadata` and reads
//     the JSON metadata;
//   - `docker [global flags] bilge [args]` then runs docker-bilge with the
//     CLI's own arguments unchanged: its global flags (--context, -H, …),
//     "bilge", then ours. The plugin reads the flags itself: the CLI
//     passes no resolved host or context;
//   - the environment passes through, plus DOCKER_CLI_PLUGIN_SOCKET: a
//     socket the CLI closes when it is told to stop and its output is not
//     a terminal (on a terminal the signal reaches the plugin too).

const (
	pluginName        = "bilge"
	pluginBinary      = "docker-" + pluginName
	pluginMetadataCmd = "docker-cli-plugin-metadata"
	pluginSocketEnv   = "DOCKER_CLI_PLUGIN_SOCKET"
)

// pluginMetadata is cli-plugins/metadata.Metadata.
type pluginMetadata struct {
	SchemaVersion    string `json:",omitempty"`
	Vendor           string `json:",omitempty"`
	Version          string `json:",omitempty"`
	ShortDescription string `json:",omitempty"`
	URL              string `json:",omitempty"`
}

func writePluginMetadata(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "     ")
	return enc.Encode(pluginMetadata{
		SchemaVersion:    "0.1.0",
		Vendor:           "bilge",
		Version:          version,
		ShortDescription: "See where Docker's disk space went, and reclaim it",
	})
}

// invokedAsPlugin reports a run by the docker CLI: the binary is called by
// its plugin name (the link make install-plugin makes).
func invokedAsPlugin(argv0 string) bool {
	return strings.TrimSuffix(filepath.Base(argv0), ".exe") == pluginBinary
}

// dockerFlag is one of the docker CLI's global flags (cli/flags
// ClientOptions.InstallFlags): the CLI has checked them before starting
// the plugin; the plugin has to read them again.
type dockerFlag struct {
	long, short string
	value       bool // takes a value (else a boolean)
}

var dockerFlags = []dockerFlag{
	{"config", "", true}, {"context", "c", true}, {"debug", "D", false}, {"host", "H", true},
	{"log-level", "l", true}, {"tls", "", false}, {"tlscacert", "", true}, {"tlscert", "", true},
	{"tlskey", "", true}, {"tlsverify", "", false},
}

// pluginInvocation is what the docker CLI's arguments ask of bilge.
type pluginInvocation struct {
	args []string          // bilge's arguments: the global choices, then what followed "bilge"
	env  map[string]string // settings the docker flags make that bilge reads from the environment
}

// parsePluginArgs reads the docker CLI's invocation of the plugin: docker's
// global flags, "bilge", then bilge's own arguments. --context and -H
// become bilge's; --config, --tls and --tlsverify become the environment
// bilge reads (DOCKER_CONFIG, DOCKER_TLS, DOCKER_TLS_VERIFY), TLS files as
// DOCKER_CERT_PATH when they are the directory's ca.pem, cert.pem and
// key.pem; --debug and --log-level are docker's own and ignored.
func parsePluginArgs(args []string) (pluginInvocation, error) {
	inv := pluginInvocation{env: map[string]string{}}
	vals := map[string]string{}
	set := func(f dockerFlag, v string) error {
		if f.long == "host" && vals["host"] != "" {
			return errors.New("docker -H given twice: give one host")
		}
		vals[f.long] = v
		return nil
	}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == pluginName {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			return inv, fmt.Errorf("docker ran the plugin with %q where %q was expected: run it as docker [options] %s …", a, pluginName, pluginName)
		}
		if name, ok := strings.CutPrefix(a, "--"); ok {
			name, v, hasV := strings.Cut(name, "=")
			f, ok := findDockerFlag(func(f dockerFlag) bool { return f.long == name })
			if !ok {
				return inv, fmt.Errorf("docker flag --%s is not one bilge knows as a plugin", name)
			}
			if f.value && !hasV {
				if i+1 >= len(args) {
					return inv, fmt.Errorf("docker flag --%s needs a value", name)
				}
				i++
				v = args[i]
			} else if !f.value && !hasV {
				v = "true"
			}
			if err := set(f, v); err != nil {
				return inv, err
			}
			continue
		}
		// Shorthands, pflag style: -D, -H value, -Hvalue, -H=value, -DH value.
		for s := a[1:]; s != ""; {
			f, ok := findDockerFlag(func(f dockerFlag) bool { return f.short == s[:1] })
			if !ok {
				return inv, fmt.Errorf("docker flag -%s is not one bilge knows as a plugin", s[:1])
			}
			if !f.value {
				if err := set(f, "true"); err != nil {
					return inv, err
				}
				s = s[1:]
				continue
			}
			v := strings.TrimPrefix(s[1:], "=")
			if s[1:] == "" {
				if i+1 >= len(args) {
					return inv, fmt.Errorf("docker flag -%s needs a value", f.short)
				}
				i++
				v = args[i]
			}
			if err := set(f, v); err != nil {
				return inv, err
			}
			break
		}
	}
	if i == len(args) {
		return inv, fmt.Errorf("docker ran the plugin without %q in its arguments: run it as docker [options] %s …", pluginName, pluginName)
	}
	if v := vals["context"]; v != "" {
		inv.args = append(inv.args, "--context", v)
	}
	if v := vals["host"]; v != "" {
		inv.args = append(inv.args, "--host", v)
	}
	inv.args = append(inv.args, args[i+1:]...)
	if v := vals["config"]; v != "" {
		inv.env["DOCKER_CONFIG"] = v
	}
	if isTrue(vals["tls"]) {
		inv.env["DOCKER_TLS"] = "1"
	}
	if isTrue(vals["tlsverify"]) {
		inv.env["DOCKER_TLS_VERIFY"] = "1"
	}
	ca, cert, key := vals["tlscacert"], vals["tlscert"], vals["tlskey"]
	if ca != "" || cert != "" || key != "" {
		dir := filepath.Dir(ca)
		if ca == "" || filepath.Base(ca) != "ca.pem" || cert != filepath.Join(dir, "cert.pem") || key != filepath.Join(dir, "key.pem") {
			return inv, errors.New("as a docker plugin bilge takes TLS files as one directory holding ca.pem, cert.pem and key.pem: give --tlscacert, --tlscert and --tlskey in one directory with those names, or set DOCKER_CERT_PATH")
		}
		inv.env["DOCKER_CERT_PATH"] = dir
	}
	return inv, nil
}

func findDockerFlag(match func(dockerFlag) bool) (dockerFlag, bool) {
	for _, f := range dockerFlags {
		if match(f) {
			return f, true
		}
	}
	return dockerFlag{}, false
}

// isTrue reads a boolean flag's value as pflag does (strconv.ParseBool).
func isTrue(v string) bool {
	switch v {
	case "1", "t", "T", "true", "TRUE", "True":
		return true
	}
	return false
}

// watchPluginSocket connects to the docker CLI's plugin socket, when it
// gave one, and calls stop when the CLI closes it: the CLI's way to tell
// a plugin to stop when it cannot rely on the signal reaching it.
func watchPluginSocket(stop func()) {
	addr := os.Getenv(pluginSocketEnv)
	if addr == "" {
		return
	}
	conn, err := net.Dial("unix", addr)
	if err != nil {
		return
	}
	go func() {
		defer conn.Close()
		b := make([]byte, 1)
		for {
			if _, err := conn.Read(b); err != nil {
				if errors.Is(err, io.EOF) {
					stop()
				}
				return
			}
		}
	}()
}

// runPlugin is main for docker-bilge run by the docker CLI.
func runPlugin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == pluginMetadataCmd {
		if err := writePluginMetadata(stdout); err != nil {
			fmt.Fprintf(stderr, "bilge: %v\n", err)
			return 1
		}
		return 0
	}
	inv, err := parsePluginArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "bilge: %v\n", err)
		return 1
	}
	for k, v := range inv.env {
		os.Setenv(k, v)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	watchPluginSocket(func() { cancel(signalError{syscall.SIGTERM}) })
	return run(ctx, inv.args, stdout, stderr)
}
