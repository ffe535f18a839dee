// Package dockerapi is bilge's only door to the Docker engine: it resolves
// the endpoint, owns the moby client, and maps engine types to model types.
package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/go-connections/tlsconfig"
	"github.com/moby/moby/client"

	"bilge/model"
)

// api is the narrow set of engine calls bilge uses; *client.Client
// satisfies it. The deletions (deleter) are part of it, so an Engine can
// always delete.
type api interface {
	deleter
	Ping(ctx context.Context, opts client.PingOptions) (client.PingResult, error)
	ServerVersion(ctx context.Context, opts client.ServerVersionOptions) (client.ServerVersionResult, error)
	Info(ctx context.Context, opts client.InfoOptions) (client.SystemInfoResult, error)
	ImageList(ctx context.Context, opts client.ImageListOptions) (client.ImageListResult, error)
	ImageHistory(ctx context.Context, imageID string, opts ...client.ImageHistoryOption) (client.ImageHistoryResult, error)
	VolumeList(ctx context.Context, opts client.VolumeListOptions) (client.VolumeListResult, error)
	NetworkList(ctx context.Context, opts client.NetworkListOptions) (client.NetworkListResult, error)
	DiskUsage(ctx context.Context, opts client.DiskUsageOptions) (client.DiskUsageResult, error)
	Events(ctx context.Context, opts client.EventsListOptions) client.EventsResult
	ClientVersion() string
	io.Closer
}

// Engine is a connection to one Docker engine.
type Engine struct {
	api api
	ep  Endpoint
	// now is the clock, replaceable in tests.
	now      func() time.Time
	timeouts Timeouts

	cacheOnce  sync.Once
	layerCache *LayerCache

	names rawNames // engine spellings of names SafeText changed
	// callTimeout bounds each call of a deletion (0: DefaultCallTimeout).
	callTimeout time.Duration
	// containerd is set once an image list shows the containerd image
	// store (see contentSize); layers are then read without fitting them
	// to inspect's Size.
	containerd atomic.Bool
	// podman is set once /version has named Podman (see podman.go);
	// identified once /version has answered at all.
	podman, identified atomic.Bool

	listedMu sync.Mutex
	listed   map[string]listFacts // by image ID, from the last image list

	// ssh is an ssh engine's shared connection (nil for others).
	ssh *sshMux
}

// Endpoint returns where the engine was found.
func (e *Engine) Endpoint() Endpoint { return e.ep }

// Close releases the client's connections (an ssh engine's shared ssh
// connection too).
func (e *Engine) Close() error {
	err := e.api.Close()
	if e.ssh != nil {
		e.ssh.close()
	}
	return err
}

// An ssh engine's connections are sessions of one shared ssh connection,
// and sshd allows only so many at once (MaxSessions, 10 by default): at
// most sshMaxConns are open (further calls wait for one), all of them kept
// when idle, so each call reuses one rather than starting an ssh client
// process; they close after sshIdleTimeout unused.
const (
	sshMaxConns    = 8
	sshIdleTimeout = 30 * time.Second
)

// New builds a client for the endpoint without talking to the engine.
func New(ep Endpoint) (*Engine, error) {
	var opts []client.Opt
	host := ep.Host
	var mux *sshMux
	if strings.HasPrefix(ep.Host, "ssh://") {
		t, err := parseSSH(ep.Host)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ep.Source, err)
		}
		// The HTTP host is a placeholder: every connection goes through ssh.
		host = "http://docker.example.com"
		mux = &sshMux{t: t}
		opts = append(opts, client.WithHTTPClient(&http.Client{Transport: &http.Transport{
			DialContext:         mux.dialer(),
			MaxConnsPerHost:     sshMaxConns,
			MaxIdleConnsPerHost: sshMaxConns,
			IdleConnTimeout:     sshIdleTimeout,
		}}))
	}
	if ep.TLS != nil {
		cfg, err := tlsconfig.Client(tlsconfig.Options{
			CAFile:             ep.TLS.CA,
			CertFile:           ep.TLS.Cert,
			KeyFile:            ep.TLS.Key,
			InsecureSkipVerify: ep.TLS.SkipVerify,
			ExclusiveRootPools: ep.TLS.CA != "",
		})
		if err != nil {
			return nil, fmt.Errorf("TLS for %s (%s): %v", ep.Host, ep.Source, oneLine(err))
		}
		opts = append(opts, client.WithHTTPClient(&http.Client{
			Transport:     &http.Transport{TLSClientConfig: cfg},
			CheckRedirect: client.CheckRedirect,
		}))
	}
	opts = append(opts, client.WithHost(host), client.WithAPIVersionFromEnv(), client.WithUserAgent("bilge"))
	if mux != nil {
		opts = append(opts, client.WithDialContext(mux.dialer()))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %v", ep.Host, ep.Source, oneLine(err))
	}
	return &Engine{api: c, ep: ep, now: time.Now, timeouts: defaultTimeouts, ssh: mux}, nil
}

// Open resolves the endpoint and builds the client without talking to the
// engine: every mistake in the setup (flags, contexts, hosts, TLS files)
// shows here, before anything waits on the network.
func Open(sel Selection) (*Engine, error) {
	ep, err := Resolve(sel, nil)
	if err != nil {
		return nil, err
	}
	return New(ep)
}

// Connect opens the endpoint and checks the engine answers, so a bad setup
// fails at once with one clear line.
func Connect(ctx context.Context, sel Selection) (*Engine, error) {
	e, err := Open(sel)
	if err != nil {
		return nil, err
	}
	if err := e.Ping(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Ping checks the engine answers (and negotiates the API version).
func (e *Engine) Ping(ctx context.Context) error {
	ctx, done := e.start(ctx, "HEAD /_ping", e.timeouts.Call)
	_, err := e.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	if err = done(err); err != nil {
		if cerrdefs.IsNotFound(err) {
			// Every engine answers /_ping: a 404 is some other server.
			return &ConnectError{Err: err, Msg: fmt.Sprintf("%s (%s) is not a Docker engine: it answers /_ping with 404 Not Found", e.ep.Host, e.ep.Source)}
		}
		return e.explain(err)
	}
	return nil
}

// Identity asks the engine who it is.
func (e *Engine) Identity(ctx context.Context) (model.Engine, error) {
	ctx, done := e.start(ctx, "GET /version", e.timeouts.Call)
	v, err := e.api.ServerVersion(ctx, client.ServerVersionOptions{})
	if err = done(err); err != nil {
		return model.Engine{}, e.explain(err)
	}
	id := model.Engine{
		Host:       e.ep.Host,
		Context:    e.ep.Context,
		Version:    v.Version,
		APIVersion: e.api.ClientVersion(),
		OS:         v.Os,
		Arch:       v.Arch,
	}
	if isPodman(v.Components) {
		e.podman.Store(true)
		podmanIdentity(&id)
	}
	e.identified.Store(true)
	return safeIdentity(id), nil
}

// Daemon asks the engine for its own identity (/info's ID and Name),
// which tells engines apart whatever address reached them: the deletions
// log names each deletion's engine by it. Only Host, Context, ID and Name
// are set.
func (e *Engine) Daemon(ctx context.Context) (model.Engine, error) {
	ctx, done := e.start(ctx, "GET /info", e.timeouts.Call)
	res, err := e.api.Info(ctx, client.InfoOptions{})
	if err = done(err); err != nil {
		return model.Engine{}, e.explain(err)
	}
	return safeIdentity(model.Engine{Host: e.ep.Host, Context: e.ep.Context, ID: res.Info.ID, Name: res.Info.Name}), nil
}

// explain turns a connection failure into one line that names the host
// tried and the likely cause. Other errors pass through unchanged.
func (e *Engine) explain(err error) error {
	var te *TimeoutError
	if err == nil || errors.Is(err, context.Canceled) || errors.As(err, &te) {
		return err
	}
	err = safeErr(err) // the engine's (or ssh's) words: shown, never sent raw
	where := fmt.Sprintf("%s (%s)", e.ep.Host, e.ep.Source)
	msg := err.Error()
	if i := strings.Index(msg, "ssh "+sshHostOf(e.ep.Host)+": "); i >= 0 && strings.HasPrefix(e.ep.Host, "ssh://") {
		reason := strings.TrimSpace(msg[i+len("ssh "+sshHostOf(e.ep.Host)+": "):])
		return &ConnectError{Err: err, Msg: fmt.Sprintf("cannot reach the Docker engine over ssh at %s: %s", where, strings.Join(strings.Fields(reason), " "))}
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		reason := "no such host"
		if !dnsErr.IsNotFound {
			reason = dnsErr.Err
		}
		return &ConnectError{Err: err, Msg: fmt.Sprintf("cannot connect to the Docker engine at %s: cannot resolve host %q (%s)", where, dnsErr.Name, reason)}
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return &ConnectError{Err: err, Msg: fmt.Sprintf("TLS failure talking to the Docker engine at %s: it speaks plain HTTP, not TLS: unset DOCKER_TLS_VERIFY/DOCKER_TLS or use its TLS port", where)}
	case strings.Contains(msg, "Client sent an HTTP request to an HTTPS server"):
		return &ConnectError{Err: err, Msg: fmt.Sprintf("TLS failure talking to the Docker engine at %s: it expects TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (or use a context with TLS material)", where)}
	case errors.Is(err, context.DeadlineExceeded):
		return &ConnectError{Err: err, Msg: fmt.Sprintf("cannot connect to the Docker engine at %s: it did not answer in time", where)}
	case strings.Contains(msg, "permission denied"):
		return &ConnectError{Err: err, Msg: fmt.Sprintf("permission denied on the Docker engine at %s: add your user to the docker group or use sudo", where)}
	case strings.Contains(msg, "certificate") || strings.Contains(msg, "tls:") || strings.Contains(msg, "TLS") || strings.Contains(msg, "x509"):
		return &ConnectError{Err: err, Msg: fmt.Sprintf("TLS failure talking to the Docker engine at %s: %s: check DOCKER_CERT_PATH / DOCKER_TLS_VERIFY or the context's TLS material", where, lastPart(msg))}
	case client.IsErrConnectionFailed(err) || isNetErr(msg):
		return &ConnectError{Err: err, Msg: fmt.Sprintf("cannot connect to the Docker engine at %s: is the daemon running? (start it, choose another engine with --host or --context, or try bilge --demo)", where)}
	}
	return err
}

func isNetErr(msg string) bool {
	for _, s := range []string{"connection refused", "no such file or directory", "no such host", "i/o timeout", "connection reset", "EOF", "network is unreachable"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// ConnectError is a failure to reach the engine, worded for the user.
type ConnectError struct {
	Err error
	Msg string
}

func (c *ConnectError) Error() string { return c.Msg }
func (c *ConnectError) Unwrap() error { return c.Err }

// Unreachable says the engine cannot be reached: the UI checks for it with
// errors.As on an interface, without importing this package.
func (c *ConnectError) Unreachable() bool { return true }

// IsConnectError reports a failure to reach the engine at all, or an
// engine that stopped answering (a *TimeoutError).
// It checks the Unreachable method both report, as the UI does.
func IsConnectError(err error) bool {
	var u interface{ Unreachable() bool }
	return errors.As(err, &u) && u.Unreachable()
}

// Timeouts bound engine calls whose context has no deadline of its own; a
// caller's deadline, when it has one, governs instead.
type Timeouts struct {
	// Call bounds one request.
	Call time.Duration
	// DiskUsage bounds system df, which walks every volume's files and
	// takes minutes on some hosts.
	DiskUsage time.Duration
	// StreamConnect bounds the connection of an event stream. Once
	// connected, a stream may stay silent for ever: that is a quiet host.
	StreamConnect time.Duration
}

var defaultTimeouts = Timeouts{Call: 2 * time.Minute, DiskUsage: 30 * time.Minute, StreamConnect: 15 * time.Second}

// SetTimeouts replaces the default bounds; zero fields keep theirs.
func (e *Engine) SetTimeouts(t Timeouts) {
	if t.Call > 0 {
		e.timeouts.Call = t.Call
	}
	if t.DiskUsage > 0 {
		e.timeouts.DiskUsage = t.DiskUsage
	}
	if t.StreamConnect > 0 {
		e.timeouts.StreamConnect = t.StreamConnect
	}
}

// TimeoutError is an engine call that did not answer in time: the engine
// is hung, stopped (SIGSTOP), or something that accepts connections and
// never answers. It unwraps to context.DeadlineExceeded.
type TimeoutError struct {
	Host  string        // the engine's address
	Call  string        // the request, e.g. "GET /system/df"
	After time.Duration // how long it was given
	Err   error
}

func (t *TimeoutError) Error() string {
	return fmt.Sprintf("engine at %s: %s did not answer within %s", t.Host, t.Call, ShortDuration(t.After))
}
func (t *TimeoutError) Unwrap() error { return t.Err }

// Unreachable says the engine stopped answering (see ConnectError).
func (t *TimeoutError) Unreachable() bool { return true }

// ShortDuration prints a time limit as a person would write it: 60s, 1.5s,
// 250ms, 30m.
func ShortDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d >= 10*time.Second:
		return fmt.Sprintf("%ds", (d+time.Second/2)/time.Second)
	case d >= time.Second:
		return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + "s"
	case d >= time.Millisecond:
		return fmt.Sprintf("%dms", (d+time.Millisecond/2)/time.Millisecond)
	}
	return d.String()
}

// start bounds one engine call: by ctx's deadline when it has one, else by
// limit. done must be called with the call's error (nil too): it releases
// the bound and turns a missed deadline into a *TimeoutError naming call.
func (e *Engine) start(ctx context.Context, call string, limit time.Duration) (context.Context, func(error) error) {
	if limit <= 0 { // an Engine built without New
		limit = defaultTimeouts.Call
	}
	within := limit
	var cctx context.Context
	var cancel context.CancelFunc
	if dl, ok := ctx.Deadline(); ok {
		within = time.Until(dl)
		cctx, cancel = context.WithCancel(ctx)
	} else {
		cctx, cancel = context.WithTimeout(ctx, limit)
	}
	return cctx, func(err error) error {
		timedOut := errors.Is(cctx.Err(), context.DeadlineExceeded)
		cancel()
		if err != nil && timedOut {
			return &TimeoutError{Host: e.ep.Host, Call: call, After: within, Err: context.DeadlineExceeded}
		}
		return err
	}
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func lastPart(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if i := strings.LastIndex(msg, ": "); i >= 0 && i+2 < len(msg) {
		return msg[i+2:]
	}
	return msg
}

func sshHostOf(host string) string {
	t, err := parseSSH(host)
	if err != nil {
		return ""
	}
	return t.host
}
