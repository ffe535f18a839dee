package enginetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSFiles are PEM files: a CA certificate, and a certificate and key it
// signed (empty for a CA alone).
type TLSFiles struct {
	CA, Cert, Key string
}

// certAuthority is a CA made for one test: its certificate and key.
type certAuthority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// newCA makes a self-signed CA named name, valid for a day.
func newCA(name string) (*certAuthority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &certAuthority{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// issue writes a certificate the CA signs, its key and the CA's
// certificate into dir as ca.pem, cert.pem and key.pem. server: for
// 127.0.0.1 and localhost; else a client certificate.
func (ca *certAuthority) issue(dir, name string, server bool) (TLSFiles, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return TLSFiles{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return TLSFiles{}, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return TLSFiles{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return TLSFiles{}, err
	}
	f := TLSFiles{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}
	for _, w := range []struct {
		path string
		data []byte
	}{
		{f.CA, ca.pem},
		{f.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})},
		{f.Key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})},
	} {
		if err := os.WriteFile(w.path, w.data, 0o600); err != nil {
			return TLSFiles{}, err
		}
	}
	return f, nil
}

// OtherCA writes the certificate of a fresh CA, one that signed nothing
// of any daemon's, to dir/ca.pem, and returns its path: a client that
// trusts only it must refuse the daemon's certificate.
func OtherCA(dir string) (string, error) {
	ca, err := newCA("bilge test: a CA nobody uses")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "ca.pem")
	return p, os.WriteFile(p, ca.pem, 0o600)
}

// TLSHost is the daemon's tcp:// address with TLS verified both ways ("" when
// it was not started with StartTLSDaemon).
func (d *Daemon) TLSHost() string { return d.tlsHost }

// ClientTLS is the client material for TLSHost: the CA that signed the
// daemon's certificate, and a client certificate it accepts.
func (d *Daemon) ClientTLS() TLSFiles { return d.clientTLS }

// StartTLSDaemon starts a daemon as StartDaemon does that also listens on
// tcp://127.0.0.1:PORT with --tlsverify: a CA, a server certificate (for
// 127.0.0.1) and a client certificate are made for it under its
// directory. Its unix socket stays (the tests' own setup uses it).
func StartTLSDaemon(engine string) (*Daemon, error) {
	return startDaemon(engine, true)
}

// setupTLS makes the daemon's certificates and returns dockerd's
// arguments for the TLS listener.
func (d *Daemon) setupTLS() ([]string, error) {
	ca, err := newCA("bilge test CA")
	if err != nil {
		return nil, err
	}
	server, err := ca.issue(filepath.Join(d.dir, "tls", "server"), "bilge test daemon", true)
	if err != nil {
		return nil, err
	}
	if d.clientTLS, err = ca.issue(filepath.Join(d.dir, "tls", "client"), "bilge test client", false); err != nil {
		return nil, err
	}
	// A free port now; nothing else on this machine binds ports in
	// 127.0.0.1's ephemeral range between this and dockerd's start but
	// other tests' clients, whose ports are connected, not listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	d.tlsHost = "tcp://" + addr
	return []string{"-H", d.tlsHost, "--tlsverify", "--tlscacert", server.CA, "--tlscert", server.Cert, "--tlskey", server.Key}, nil
}

// WriteContext writes a docker context named name for host into the
// docker config directory config as the docker CLI stores it: its
// meta.json under contexts/meta/<sha256 of the name>/, and, when tls is
// not nil, the TLS material under contexts/tls/<same>/docker/ (ca.pem,
// and cert.pem and key.pem when given).
func WriteContext(config, name, host string, tls *TLSFiles) error {
	sum := sha256.Sum256([]byte(name))
	dir := hex.EncodeToString(sum[:])
	meta := filepath.Join(config, "contexts", "meta", dir)
	if err := os.MkdirAll(meta, 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(map[string]any{
		"Name":      name,
		"Metadata":  map[string]any{},
		"Endpoints": map[string]any{"docker": map[string]any{"Host": host, "SkipTLSVerify": false}},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(meta, "meta.json"), b, 0o600); err != nil {
		return err
	}
	if tls == nil {
		return nil
	}
	tdir := filepath.Join(config, "contexts", "tls", dir, "docker")
	if err := os.MkdirAll(tdir, 0o700); err != nil {
		return err
	}
	for _, f := range []struct{ src, name string }{{tls.CA, "ca.pem"}, {tls.Cert, "cert.pem"}, {tls.Key, "key.pem"}} {
		if f.src == "" {
			continue
		}
		data, err := os.ReadFile(f.src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tdir, f.name), data, 0o600); err != nil {
			return fmt.Errorf("context %s: %w", name, err)
		}
	}
	return nil
}
