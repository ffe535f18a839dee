package enginetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Podman (BILGE_E2E_ENGINE=podman) is the system's podman serving its
// Docker-compatible API (podman system service), started privately like
// the test dockerd: its own storage (--root, --runroot), temporary
// directory, socket, containers.conf, storage.conf, registries.conf,
// network configuration directory and XDG runtime directory, all under
// the daemon's directory; nothing of the machine's /etc/containers or
// /run/containers is read or written. Stop signals only its PID.
//
// Debian's Podman 4.3.1 starts containers only with ulimits it can set
// (default_ulimits below) and without a network namespace the test
// machine can build (netns "none" by default; networks can still be
// created, and a container created on one is attached by name).

// podmanConf is the private containers.conf; %[1]s is the daemon's
// directory, %[2]d its address-pool slot.
const podmanConf = `[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
events_logfile_path = "%[1]s/events.log"
tmp_dir = "%[1]s/tmp"
volume_path = "%[1]s/root/volumes"
static_dir = "%[1]s/root/libpod"
[network]
network_config_dir = "%[1]s/net"
default_subnet = "10.%[2]d.128.0/24"
default_subnet_pools = [{"base" = "10.%[2]d.0.0/17", "size" = 24}]
`

const podmanStorage = `[storage]
driver = "overlay"
graphroot = "%[1]s/root"
runroot = "%[1]s/run"
`

// privateMounts is the start of unshare's arguments that run podman (the
// binary at path, its arguments following) in a mount namespace of its
// own, with the daemon's directories ns-run and ns-varlib over /run and
// /var/lib: as root, Podman and its helpers keep state at fixed places
// there whatever the configuration says (/var/lib/containers/cache,
// /run/containers/networks, /run/runc, /run/netns), which a test must
// leave alone; kept in the daemon's directory, that state outlives a
// restart, as the containers do. Podman's own mounts (the overlay
// storage) live in that namespace. unshare execs the shell, which execs
// podman: the PID is podman's.
func privateMounts(dir, path string) []string {
	script := `mount --bind "$0/ns-run" /run && mount --bind "$0/ns-varlib" /var/lib && exec "$@"`
	return []string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, dir, path}
}

// startPodman is StartDaemon for EnginePodman.
func startPodman(d *Daemon) (*Daemon, error) {
	p, err := exec.LookPath("podman")
	if err != nil {
		return nil, fmt.Errorf("%w: podman is not installed (apt-get install podman)", ErrNoDaemon)
	}
	u, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("%w: unshare (util-linux) is missing: podman runs in a mount namespace of its own", ErrNoDaemon)
	}
	d.dockerd = u
	d.cli = p
	dir, err := os.MkdirTemp("", "bilge-podman-")
	if err != nil {
		return nil, err
	}
	d.dir = dir
	d.sock = filepath.Join(dir, "podman.sock")
	d.log = filepath.Join(dir, "podman.log")
	d.slot, err = claimPool(dir)
	if err != nil {
		d.cleanDir()
		return nil, err
	}
	for _, sub := range []string{"root", "run", "tmp", "net", "xdg", "home/.config/containers", "ns-run", "ns-varlib"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			d.slot.release()
			d.cleanDir()
			return nil, err
		}
	}
	files := map[string]string{
		"containers.conf": fmt.Sprintf(podmanConf, dir, d.slot.n),
		"storage.conf":    fmt.Sprintf(podmanStorage, dir),
		"registries.conf": "unqualified-search-registries = []\n",
		// The image trust policy: containers/image reads
		// $HOME/.config/containers/policy.json before /etc/containers'.
		"home/.config/containers/policy.json": `{"default":[{"type":"insecureAcceptAnything"}]}` + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			d.slot.release()
			d.cleanDir()
			return nil, err
		}
	}
	d.env = []string{
		"CONTAINERS_CONF=" + filepath.Join(dir, "containers.conf"),
		"CONTAINERS_STORAGE_CONF=" + filepath.Join(dir, "storage.conf"),
		"CONTAINERS_REGISTRIES_CONF=" + filepath.Join(dir, "registries.conf"),
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "xdg"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg", "config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "xdg", "data"),
		"HOME=" + filepath.Join(dir, "home"),
	}
	d.args = append(privateMounts(dir, p),
		"--root", filepath.Join(dir, "root"),
		"--runroot", filepath.Join(dir, "run"),
		"--tmpdir", filepath.Join(dir, "tmp"),
		"--events-backend", "file",
		"system", "service", "--time=0", "unix://"+d.sock,
	)
	if err := d.start(); err != nil {
		d.slot.release()
		d.cleanDir()
		return nil, err
	}
	return d, nil
}

// IsPodman reports whether the daemon is Podman.
func (d *Daemon) IsPodman() bool { return d.engine == EnginePodman }

// StorageDir is where the daemon keeps image layers and container
// layers (Podman's overlay directory; dockerd's data root otherwise):
// what `du` measures for the exact figure.
func (d *Daemon) StorageDir() string {
	if d.engine == EnginePodman {
		return filepath.Join(d.dir, "root", "overlay")
	}
	return filepath.Join(d.dir, "root")
}

// PodmanCmd is the podman CLI on the daemon's private storage and
// configuration (never the machine's).
func (d *Daemon) PodmanCmd(args ...string) *exec.Cmd {
	all := append(privateMounts(d.dir, d.cli), "--root", filepath.Join(d.dir, "root"), "--runroot", filepath.Join(d.dir, "run"), "--tmpdir", filepath.Join(d.dir, "tmp"))
	cmd := exec.Command(d.dockerd, append(all, args...)...)
	cmd.Env = append(append(os.Environ(), "PATH="+d.path), d.env...)
	return cmd
}
