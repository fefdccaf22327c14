//! A real OpenLDAP (`slapd`) per test, on a free loopback port, in a temp dir of its own.
//!
//! slapd runs in the foreground (`-d 0`) as our child: it stays in the test's process group,
//! so Ctrl-C on `cargo test` ends it too, and `Drop` kills and reaps it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SLAPD: &str = "/usr/sbin/slapd";
const SUFFIX: &str = "dc=example,dc=com";

/// Knobs for [`Slapd::start_with`]; `Default` is what [`Slapd::start`] uses.
#[derive(Debug, Clone, Default)]
pub struct SlapdOptions {
    /// Caps how many entries one search by a non-admin account may return, paged or not
    /// (`limits users size=N`). Unset: unpaged searches stop at slapd's default 500 entries,
    /// paged ones are unlimited (roughly what Active Directory does).
    pub size_limit: Option<u32>,
    /// Also listen on `ldaps://` and allow StartTLS, with a certificate for `localhost` and
    /// `127.0.0.1` signed by a fresh test CA (see [`Slapd::ca_pem`]).
    pub tls: bool,
}

pub struct Slapd {
    /// `ldap://127.0.0.1:PORT/` (StartTLS-capable when started with `tls`).
    pub url: String,
    /// `ldaps://127.0.0.1:PORT/` when started with `tls`.
    pub ldaps_url: Option<String>,
    /// PEM of the CA that signed the server certificate, when started with `tls`.
    pub ca_pem: Option<String>,
    pub base_dn: String,
    /// The rootdn: not subject to access controls or size limits.
    pub admin_dn: String,
    pub admin_password: String,
    child: Option<Child>,
    dir: tempfile::TempDir,
    /// The ports this slapd listens on, reserved while it runs.
    ports: Vec<crate::PortLease>,
}

impl Slapd {
    /// Starts slapd and adds `seed_ldif` online (so the memberOf overlay fills `memberOf`).
    pub fn start(seed_ldif: &str) -> anyhow::Result<Slapd> {
        Self::start_with(seed_ldif, SlapdOptions::default())
    }

    pub fn start_with(seed_ldif: &str, options: SlapdOptions) -> anyhow::Result<Slapd> {
        anyhow::ensure!(
            Path::new(SLAPD).exists(),
            "{SLAPD} is missing: install the Debian packages slapd and ldap-utils (.ci/services)"
        );
        let dir = tempfile::Builder::new().prefix("slapd-").tempdir()?;
        std::fs::create_dir(dir.path().join("data"))?;
        let ca_pem = if options.tls {
            Some(make_certificates(dir.path())?)
        } else {
            None
        };
        let admin_password = crate::unique("admin-");
        let conf = dir.path().join("slapd.conf");
        std::fs::write(&conf, config(dir.path(), &admin_password, &options))?;
        let mut slapd = Slapd {
            url: String::new(),
            ldaps_url: None,
            ca_pem,
            base_dn: SUFFIX.to_owned(),
            admin_dn: format!("cn=admin,{SUFFIX}"),
            admin_password,
            child: None,
            dir,
            ports: Vec::new(),
        };
        // The port is free when picked but another test may grab it first: retry a few times.
        let mut last_error = None;
        for _ in 0..5 {
            match slapd.launch(&conf, options.tls) {
                Ok(()) => {
                    slapd.apply_ldif(seed_ldif)?;
                    return Ok(slapd);
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("slapd did not start")))
    }

    fn launch(&mut self, conf: &Path, tls: bool) -> anyhow::Result<()> {
        let lease = crate::lease_port()?;
        let port = lease.port;
        let url = format!("ldap://127.0.0.1:{port}/");
        let mut listeners = url.clone();
        let mut leases = vec![lease];
        let ldaps = if tls {
            let tls_lease = crate::lease_port()?;
            let tls_port = tls_lease.port;
            leases.push(tls_lease);
            let ldaps = format!("ldaps://127.0.0.1:{tls_port}/");
            write!(listeners, " {ldaps}")?;
            Some((ldaps, tls_port))
        } else {
            None
        };
        let log = std::fs::File::create(self.dir.path().join("slapd.log"))?;
        let mut child = Command::new(SLAPD)
            .arg("-d")
            .arg("0")
            .arg("-f")
            .arg(conf)
            .arg("-h")
            .arg(&listeners)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let ports = [Some(port), ldaps.as_ref().map(|(_, p)| *p)];
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait()? {
                let log = std::fs::read_to_string(self.dir.path().join("slapd.log"))?;
                anyhow::bail!("slapd exited at start ({status}): {log}");
            }
            if ports.iter().flatten().all(|p| accepts(*p)) {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                anyhow::bail!("slapd did not listen on {listeners} within 10 s");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.url = url;
        self.ldaps_url = ldaps.map(|(u, _)| u);
        self.child = Some(child);
        self.ports = leases;
        Ok(())
    }

    /// Applies LDIF as the admin with `ldapmodify -a`: records without `changetype` are added.
    pub fn apply_ldif(&self, ldif: &str) -> anyhow::Result<()> {
        let file = self
            .dir
            .path()
            .join(format!("{}.ldif", crate::unique("change-")));
        std::fs::write(&file, ldif)?;
        let out = Command::new("ldapmodify")
            .args(["-a", "-x", "-H", &self.url, "-D", &self.admin_dn, "-w"])
            .arg(&self.admin_password)
            .arg("-f")
            .arg(&file)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "ldapmodify failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// Kills slapd, to test "directory down". Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
        // The temp dir removes itself when `dir` drops.
    }
}

fn accepts(port: u16) -> bool {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

fn config(dir: &Path, admin_password: &str, options: &SlapdOptions) -> String {
    let dir = dir.display();
    let tls = if options.tls {
        format!(
            "TLSCACertificateFile {dir}/ca.pem\nTLSCertificateFile {dir}/server.pem\n\
             TLSCertificateKeyFile {dir}/server.key\n"
        )
    } else {
        String::new()
    };
    let limits = match options.size_limit {
        Some(n) => format!("limits users size={n}"),
        None => "limits users size.prtotal=unlimited".to_owned(),
    };
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {dir}/slapd.pid
{tls}
# Accept \"unauthenticated binds\" (a DN with an empty password) as anonymous, like Active
# Directory does, so tests can show a client never mistakes one for a login.
allow bind_anon_dn

# Passwords are for binding only, never for reading (like any sane directory).
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by * read

database mdb
maxsize 16777216
suffix \"{SUFFIX}\"
rootdn \"cn=admin,{SUFFIX}\"
rootpw {admin_password}
directory {dir}/data
{limits}
overlay memberof
"
    )
}

/// Makes a test CA and a server certificate for localhost/127.0.0.1; returns the CA PEM.
fn make_certificates(dir: &Path) -> anyhow::Result<String> {
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )?;
    let new_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    openssl(
        dir,
        &format!(
            "req -x509 -days 2 {new_key} -keyout ca.key -out ca.pem -subj /CN=Strongroom-Test-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
        ),
    )?;
    openssl(
        dir,
        &format!("req {new_key} -keyout server.key -out server.csr -subj /CN=localhost"),
    )?;
    openssl(
        dir,
        "x509 -req -days 2 -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
         -extfile server.ext -out server.pem",
    )?;
    Ok(std::fs::read_to_string(dir.join("ca.pem"))?)
}

/// Runs openssl in `dir`; `args` are split on whitespace (none of ours contain spaces).
fn openssl(dir: &Path, args: &str) -> anyhow::Result<()> {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "openssl {args} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Password of every user in [`SAMPLE_DIRECTORY_LDIF`]: `<uid>-pass-1`.
pub fn sample_password(uid: &str) -> String {
    format!("{uid}-pass-1")
}

/// A non-admin service account in [`SAMPLE_DIRECTORY_LDIF`] (subject to ACLs and limits).
pub const SAMPLE_READER_DN: &str = "cn=strongroom-reader,ou=Services,dc=example,dc=com";
pub const SAMPLE_READER_PASSWORD: &str = "reader-pass-1";

/// A small company: People/Engineering (jdoe, asmith, bchan), People/Sales (cmiller, dlee),
/// groups `dba` (jdoe, asmith) and `netops` (jdoe, bchan), a service account, and a
/// meeting room: an inetOrgPerson without `uid` or `mail`.
pub const SAMPLE_DIRECTORY_LDIF: &str = "\
dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: Example Corp

dn: ou=People,dc=example,dc=com
objectClass: organizationalUnit
ou: People

dn: ou=Engineering,ou=People,dc=example,dc=com
objectClass: organizationalUnit
ou: Engineering

dn: ou=Sales,ou=People,dc=example,dc=com
objectClass: organizationalUnit
ou: Sales

dn: ou=Groups,dc=example,dc=com
objectClass: organizationalUnit
ou: Groups

dn: ou=Services,dc=example,dc=com
objectClass: organizationalUnit
ou: Services

dn: cn=strongroom-reader,ou=Services,dc=example,dc=com
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: strongroom-reader
userPassword: reader-pass-1

dn: uid=jdoe,ou=Engineering,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: jdoe
cn: John Doe
givenName: John
sn: Doe
mail: jdoe@example.com
departmentNumber: Engineering
l: Berlin
userPassword: jdoe-pass-1

dn: uid=asmith,ou=Engineering,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: asmith
cn: Alice Smith
givenName: Alice
sn: Smith
mail: asmith@example.com
departmentNumber: Engineering
l: Paris
userPassword: asmith-pass-1

dn: uid=bchan,ou=Engineering,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: bchan
cn: Bo Chan
givenName: Bo
sn: Chan
mail: bchan@example.com
departmentNumber: Engineering
l: Berlin
userPassword: bchan-pass-1

dn: uid=cmiller,ou=Sales,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: cmiller
cn: Carol Miller
givenName: Carol
sn: Miller
mail: cmiller@example.com
departmentNumber: Sales
l: London
userPassword: cmiller-pass-1

dn: uid=dlee,ou=Sales,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
uid: dlee
cn: Dan Lee
givenName: Dan
sn: Lee
mail: dlee@example.com
departmentNumber: Sales
l: London
userPassword: dlee-pass-1

dn: cn=Meeting Room 1,ou=People,dc=example,dc=com
objectClass: inetOrgPerson
cn: Meeting Room 1
sn: Room

dn: cn=dba,ou=Groups,dc=example,dc=com
objectClass: groupOfNames
cn: dba
member: uid=jdoe,ou=Engineering,ou=People,dc=example,dc=com
member: uid=asmith,ou=Engineering,ou=People,dc=example,dc=com

dn: cn=netops,ou=Groups,dc=example,dc=com
objectClass: groupOfNames
cn: netops
member: uid=jdoe,ou=Engineering,ou=People,dc=example,dc=com
member: uid=bchan,ou=Engineering,ou=People,dc=example,dc=com
";
