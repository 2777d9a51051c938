//! Fixtures for the TLS tests: certificates made in the test and a second
//! Docker daemon on this host that speaks only TLS.
//!
//! - [`Certificates`]: a CA, the daemon's certificate (127.0.0.1 and
//!   `localhost`), a client certificate it signed, and a client
//!   certificate signed by another CA, each client's as the Docker CLI
//!   reads them (a directory of `ca.pem`, `cert.pem`, `key.pem`);
//! - [`SecondDaemon`]: `dockerd --tlsverify` on 127.0.0.1 at a free port,
//!   with its own data root, exec root (and so its own containerd), its
//!   own bridge and no iptables rules, so that the machine's Engine is not
//!   disturbed; stopped, its bridge and directories removed when it
//!   drops, even when the test failed.
//!
//! Not `--bridge none`: a daemon started so deletes the host's `docker0`
//! (it clears "its" default bridge), which the machine's Engine needs.

#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};

/// How long the second daemon may take to listen.
const START_LIMIT: Duration = Duration::from_secs(60);

/// How long it may take to stop on SIGTERM before it is killed.
const STOP_LIMIT: Duration = Duration::from_secs(20);

/// The certificates of one test, in a temporary directory.
pub struct Certificates {
    dir: tempfile::TempDir,
}

impl Certificates {
    /// Makes the CA, the daemon's certificate and both clients'.
    pub fn generate() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ca = issuer("chaos-engine test CA");
        let other_ca = issuer("another CA");
        let ca_pem = ca.pem();
        write_dir(
            &dir.path().join("server"),
            &ca_pem,
            &leaf(&ca, "localhost", ExtendedKeyUsagePurpose::ServerAuth),
        );
        write_dir(
            &dir.path().join("client"),
            &ca_pem,
            &leaf(&ca, "client", ExtendedKeyUsagePurpose::ClientAuth),
        );
        // Trusts the right CA, but its own certificate is another CA's.
        write_dir(
            &dir.path().join("stranger"),
            &ca_pem,
            &leaf(&other_ca, "stranger", ExtendedKeyUsagePurpose::ClientAuth),
        );
        Certificates { dir }
    }

    /// The daemon's `ca.pem`, `cert.pem`, `key.pem`.
    pub fn server(&self) -> PathBuf {
        self.dir.path().join("server")
    }

    /// A client's, signed by the daemon's CA.
    pub fn client(&self) -> PathBuf {
        self.dir.path().join("client")
    }

    /// A client's signed by another CA (the daemon refuses it).
    pub fn stranger(&self) -> PathBuf {
        self.dir.path().join("stranger")
    }
}

/// A self-signed CA called `name`.
fn issuer(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA")
}

/// A certificate called `name`, for `usage`, signed by `ca`: its PEM and
/// its key's.
fn leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    name: &str,
    usage: ExtendedKeyUsagePurpose,
) -> (String, String) {
    let mut params =
        CertificateParams::new(vec!["localhost".to_owned()]).expect("certificate parameters");
    params
        .subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, ca).expect("certificate");
    (cert.pem(), key.serialize_pem())
}

/// Writes `ca.pem`, `cert.pem` and `key.pem` into `dir`.
fn write_dir(dir: &Path, ca_pem: &str, (cert, key): &(String, String)) {
    std::fs::create_dir_all(dir).expect("certificate directory");
    std::fs::write(dir.join("ca.pem"), ca_pem).expect("ca.pem");
    std::fs::write(dir.join("cert.pem"), cert).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), key).expect("key.pem");
}

/// A free port on 127.0.0.1 (free when asked; the daemon takes it just
/// after).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// The cgroup parent of the containers of the daemon whose directory is
/// `root` (named as it is).
fn cgroup_parent(root: &Path) -> String {
    root.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ce-tls".to_owned())
}

/// A second Docker daemon speaking only TLS on 127.0.0.1.
pub struct SecondDaemon {
    /// Its data root, exec root, pid file, configuration and log.
    root: PathBuf,
    /// Its bridge, made for it (an interface name: at most 15 bytes).
    bridge: String,
    child: Option<Child>,
    port: u16,
    /// How long it took to listen.
    pub started_in: Duration,
}

impl SecondDaemon {
    /// Starts it with the daemon certificates in `server` and waits until
    /// it listens.
    pub fn start(server: &Path) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let pid = std::process::id();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // Short: containerd's socket lives under the exec root, and a
        // socket path may not be longer than 107 bytes.
        let root = PathBuf::from(format!("/tmp/ce-tls-{pid}-{n}"));
        let bridge = format!("cetls{}-{n}", pid % 100_000);
        // Its own subnet, out of Docker's default pools (a daemon of
        // another test may run meanwhile).
        let address = format!("10.213.{}.1/24", n % 250);
        let _ = Command::new("ip")
            .args(["link", "del", &bridge])
            .stderr(Stdio::null())
            .status();
        let made = [
            vec!["link", "add", &bridge, "type", "bridge"],
            vec!["addr", "add", &address, "dev", &bridge],
            vec!["link", "set", &bridge, "up"],
        ]
        .iter()
        .all(|args| {
            Command::new("ip")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        });
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("the daemon's directory");
        // Its own, empty configuration: the machine's daemon.json names
        // the main Engine's data root.
        std::fs::write(root.join("daemon.json"), "{}").expect("daemon.json");
        let log = std::fs::File::create(root.join("dockerd.log")).expect("dockerd.log");
        let port = free_port();
        let path = |name: &str| root.join(name).display().to_string();
        let pem = |name: &str| server.join(name).display().to_string();
        let host_docker0 = Path::new("/sys/class/net/docker0");
        let had_docker0 = host_docker0.exists();
        let started = Instant::now();
        let child = Command::new("dockerd")
            .args(["--config-file", &path("daemon.json")])
            .args(["--tlsverify", "--tlscacert", &pem("ca.pem")])
            .args(["--tlscert", &pem("cert.pem"), "--tlskey", &pem("key.pem")])
            .args(["-H", &format!("tcp://127.0.0.1:{port}")])
            .args(["--data-root", &path("data"), "--exec-root", &path("exec")])
            .args(["--pidfile", &path("dockerd.pid")])
            .args(["--bridge", &bridge, "--iptables=false", "--ip6tables=false"])
            .arg("--ip-masq=false")
            .args([
                "--storage-driver",
                "vfs",
                "--cgroup-parent",
                &cgroup_parent(&root),
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let mut daemon = SecondDaemon {
            root,
            bridge,
            child: Some(child),
            port,
            started_in: Duration::ZERO,
        };
        assert!(made, "cannot make the bridge {}", daemon.bridge);
        daemon.wait_until_listening(started);
        assert!(
            !had_docker0 || host_docker0.exists(),
            "the second daemon removed the host's docker0"
        );
        daemon
    }

    fn wait_until_listening(&mut self, started: Instant) {
        while !self.log().contains("API listen on") {
            let exited = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten());
            if let Some(status) = exited {
                panic!("dockerd exited with {status}:\n{}", self.log());
            }
            if started.elapsed() > START_LIMIT {
                panic!(
                    "dockerd did not listen within {START_LIMIT:?}:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok(),
            "dockerd says it listens on {}, but nothing answers",
            self.port
        );
        self.started_in = started.elapsed();
        eprintln!("second dockerd listened after {:?}", self.started_in);
    }

    /// `tcp://127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    /// What it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("dockerd.log")).unwrap_or_default()
    }

    /// `docker --tlsverify` on this daemon with the client certificates in
    /// `certs`, then `args`.
    pub fn docker(&self, certs: &Path, args: &[&str]) -> Command {
        let pem = |name: &str| certs.join(name).display().to_string();
        let mut command = Command::new("docker");
        command
            .args(["--tlsverify", "--tlscacert", &pem("ca.pem")])
            .args(["--tlscert", &pem("cert.pem"), "--tlskey", &pem("key.pem")])
            .args(["-H", &self.host()])
            .args(args);
        command
    }

    /// The mounts left under its directory (none once it stopped).
    fn mounts(&self) -> Vec<String> {
        let prefix = self.root.display().to_string();
        std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap_or_default()
            .lines()
            .filter_map(|line| line.split(' ').nth(4))
            .filter(|point| point.starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for SecondDaemon {
    /// SIGTERM (its containers stop with it), SIGKILL after
    /// [`STOP_LIMIT`]; then what it mounted is unmounted, its bridge and
    /// its directory removed.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + STOP_LIMIT;
            while child.try_wait().ok().flatten().is_none() {
                if Instant::now() > deadline {
                    eprintln!("dockerd did not stop on SIGTERM; killing it and its containerd");
                    let _ = child.kill();
                    let _ = child.wait();
                    let containerd = self.root.join("exec/containerd/containerd.pid");
                    if let Ok(pid) = std::fs::read_to_string(containerd) {
                        let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
                    }
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let mut mounts = self.mounts();
        mounts.reverse();
        for point in mounts {
            let _ = Command::new("umount").args(["-l", &point]).status();
        }
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .status();
        // The cgroups its containers were under (empty once they are gone).
        if let Ok(controllers) = std::fs::read_dir("/sys/fs/cgroup") {
            for controller in controllers.flatten() {
                let _ = std::fs::remove_dir(controller.path().join(cgroup_parent(&self.root)));
            }
        }
        if let Err(err) = std::fs::remove_dir_all(&self.root) {
            eprintln!("cannot remove {}: {err}", self.root.display());
        }
    }
}
