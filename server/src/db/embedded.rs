//! Embedded Postgres: a private cluster the server runs itself when no
//! `DATABASE_URL` is configured.
//!
//! Owns: finding the machine's Postgres binaries, initialising a data
//! folder (`initdb`), starting a server on a unix socket inside it and
//! stopping it again (`pg_ctl`). It does not create the application database
//! or run migrations: the caller does that over the URL from
//! [`EmbeddedPostgres::database_url`]. It never stops or changes a server
//! other than the one belonging to the data folder it was given.
//!
//! Choices worth knowing:
//! - The server listens on a unix socket only (`listen_addresses = ''`), so
//!   there is no TCP port to clash with and nothing reachable from the
//!   network; local connections use trust auth, host connections are
//!   rejected. The socket folder is private (mode 700).
//! - `initdb` and `postgres` refuse to run as root. When this process is root
//!   they run as the `postgres` system user through `runuser`, and the data
//!   folder is handed to that user (`chown -R`, only ever on an empty folder
//!   or an existing cluster). If that user cannot reach the folder (e.g. it
//!   lies under `/root`), starting fails with a message naming the folder
//!   rather than guessing another location.
//! - A server still running on the same data folder (left behind by a run
//!   that was killed before it could stop it) is stopped and started again,
//!   so it always runs with this module's settings (socket folder, no TCP).
//!   Two live roombook servers on one data folder are a misconfiguration
//!   this cannot fix: the second one restarts the first one's database.
//! - The socket folder is `<data_dir>/run`, or `/tmp/roombook-pg-<uid>-<hash>`
//!   when that path would be too long for a unix socket (107 bytes) or holds
//!   characters `pg_ctl`'s shell would interpret. The server log is
//!   `<data_dir>/postgres.log` (appended to, never rotated).
//! - `Drop` stops the server synchronously if [`EmbeddedPostgres::stop`] was
//!   not called, so a panic or an early return does not leave a postmaster
//!   behind. A `SIGKILL`ed server cannot clean up; the next start handles
//!   what it left.

use std::collections::hash_map::DefaultHasher;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

/// Superuser created by `initdb -U`; the caller connects as this role.
const SUPERUSER: &str = "postgres";
/// System user that runs the cluster when this process is root.
const SERVICE_USER: &str = "postgres";
/// Only names the socket file (`.s.PGSQL.5432`): there is no TCP listener.
/// Passed explicitly everywhere so a `PGPORT` in the environment changes nothing.
const PORT: u16 = 5432;
/// Where Debian and Ubuntu install server binaries (`<version>/bin`).
const LIB_ROOT: &str = "/usr/lib/postgresql";
/// `sun_path` holds 108 bytes including the terminating NUL; Postgres
/// refuses a longer socket path.
const SOCKET_PATH_MAX: usize = 107;
const PG_CTL_START_TIMEOUT_SECS: u64 = 30;
const PG_CTL_STOP_TIMEOUT_SECS: u64 = 30;
const DROP_STOP_TIMEOUT_SECS: u64 = 10;
const INITDB_TIMEOUT: Duration = Duration::from_mins(2);
/// For quick helper commands (`id`, `chown`, `pg_ctl status`, ...).
const SHORT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long to poll `pg_isready` after `pg_ctl start -w` returned.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a failing command's output (or of the server log) an error keeps.
const DETAIL_MAX: usize = 2000;

/// Why the embedded cluster could not be started or stopped. Messages say
/// what to do; none holds a secret (trust auth, no passwords).
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under \
         /usr/lib/postgresql/*/bin; install them (`sudo apt-get install postgresql`) \
         or set DATABASE_URL to an existing database"
    )]
    BinariesNotFound,
    #[error(
        "running as root, but there is no `{user}` system user to run PostgreSQL as \
         (initdb and postgres refuse to run as root); install the postgresql package \
         (it creates the user), run the server as an unprivileged user, \
         or set DATABASE_URL to an existing database"
    )]
    ServiceUserMissing { user: &'static str },
    #[error(
        "running as root, but `runuser` (util-linux) was not found; it is needed to run \
         PostgreSQL as the `{user}` user. Install util-linux, run the server as an \
         unprivileged user, or set DATABASE_URL to an existing database"
    )]
    RunuserNotFound { user: &'static str },
    #[error(
        "the `{user}` user cannot write to the data folder {}: a parent folder is probably \
         private (e.g. under /root); pass a --data-dir it can reach (e.g. under /var/lib or /srv)",
        dir.display()
    )]
    DataDirUnreachable { dir: PathBuf, user: &'static str },
    #[error(
        "the data folder {} is not empty and holds no PostgreSQL cluster (no PG_VERSION); \
         pass a new or empty --data-dir",
        dir.display()
    )]
    NotACluster { dir: PathBuf },
    #[error(
        "the data folder path {} contains a character pg_ctl cannot pass through its shell \
         (one of \" $ ` \\ or a newline); pass another --data-dir",
        dir.display()
    )]
    UnsupportedPath { dir: PathBuf },
    #[error(
        "the socket folder {} already exists but is not a folder owned by uid {uid}; \
         remove it or pass another --data-dir",
        dir.display()
    )]
    SocketDirUnsafe { dir: PathBuf, uid: u32 },
    // The cause is part of the message rather than a `#[source]`, so it
    // shows once whether the caller prints the error alone or its chain.
    #[error("could not run {program}: {cause}")]
    Spawn { program: String, cause: io::Error },
    #[error("{action} failed ({status}): {detail}")]
    CommandFailed {
        action: &'static str,
        status: String,
        detail: String,
    },
    #[error("{action} did not finish within {} s", timeout.as_secs())]
    Timeout {
        action: &'static str,
        timeout: Duration,
    },
    #[error(
        "PostgreSQL started but does not accept connections on {} after {} s; see {}",
        socket_dir.display(),
        READY_TIMEOUT.as_secs(),
        log.display()
    )]
    NotReady { socket_dir: PathBuf, log: PathBuf },
    #[error("{}: {cause}", path.display())]
    Io { path: PathBuf, cause: io::Error },
}

impl EmbeddedError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |cause| Self::Io {
            path: path.to_path_buf(),
            cause,
        }
    }
}

/// Who runs `initdb`, `pg_ctl` and therefore the server.
#[derive(Debug, Clone)]
enum RunAs {
    /// Not root: run the binaries directly as ourselves.
    CurrentUser { uid: u32 },
    /// Root: run them as an unprivileged system user through `runuser`.
    ServiceUser {
        name: &'static str,
        uid: u32,
        runuser: PathBuf,
    },
}

impl RunAs {
    async fn detect() -> Result<Self, EmbeddedError> {
        let euid = effective_uid().await?;
        if euid != 0 {
            return Ok(Self::CurrentUser { uid: euid });
        }
        let runuser =
            find_runuser().ok_or(EmbeddedError::RunuserNotFound { user: SERVICE_USER })?;
        let mut id = std::process::Command::new("id");
        id.args(["-u", SERVICE_USER]);
        let output = run(id, "looking up the postgres user", SHORT_TIMEOUT).await?;
        let uid = String::from_utf8_lossy(&output.stdout).trim().parse().ok();
        match uid {
            Some(uid) if output.status.success() => Ok(Self::ServiceUser {
                name: SERVICE_USER,
                uid,
                runuser,
            }),
            _ => Err(EmbeddedError::ServiceUserMissing { user: SERVICE_USER }),
        }
    }

    fn uid(&self) -> u32 {
        match self {
            Self::CurrentUser { uid } | Self::ServiceUser { uid, .. } => *uid,
        }
    }

    /// A command running `program` as this user, from `/` (the service user
    /// may not be allowed into our working directory) with no stdin.
    fn command(&self, program: &Path) -> std::process::Command {
        let mut command = match self {
            Self::CurrentUser { .. } => std::process::Command::new(program),
            Self::ServiceUser { name, runuser, .. } => {
                let mut command = std::process::Command::new(runuser);
                command.args(["-u", name, "--"]).arg(program);
                command
            }
        };
        command
            .current_dir("/")
            .stdin(Stdio::null())
            .env_remove("PGDATA");
        command
    }

    /// `chown -R <user>: <path>` when running as root; nothing otherwise.
    async fn take_ownership(&self, path: &Path) -> Result<(), EmbeddedError> {
        let Self::ServiceUser { name, .. } = self else {
            return Ok(());
        };
        let mut chown = std::process::Command::new("chown");
        chown.arg("-R").arg(format!("{name}:")).arg(path);
        check(run(chown, "chown", SHORT_TIMEOUT).await?, "chown").map(drop)
    }
}

/// A Postgres server this process started on its own data folder.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    data_dir: PathBuf,
    socket_dir: PathBuf,
    bin_dir: PathBuf,
    run_as: RunAs,
    /// Whether `Drop` still has to stop the server.
    running: bool,
}

impl EmbeddedPostgres {
    /// Finds `initdb` and `pg_ctl`, initialises `data_dir` if it holds no
    /// cluster, starts the server and waits until it accepts connections.
    ///
    /// # Errors
    ///
    /// [`EmbeddedError::BinariesNotFound`] without a Postgres installation;
    /// when root, a missing `postgres` user or `runuser`, or a data folder
    /// that user cannot reach; a data folder holding something else than a
    /// cluster; `initdb` or `pg_ctl` failing (with their output and the end of
    /// the server log), or the server not accepting connections in time.
    pub async fn start(data_dir: &Path) -> Result<Self, EmbeddedError> {
        let began = Instant::now();
        let bin_dir = find_binaries(std::env::var_os("PATH").as_deref(), Path::new(LIB_ROOT))?;
        let run_as = RunAs::detect().await?;
        let data_dir = match prepare_data_dir(data_dir, &run_as).await {
            // A checkout in a private folder (root's home, a `mktemp -d`):
            // the service user cannot reach it, so the cluster goes to a
            // folder it can, named after the requested one so that the next
            // start finds it again.
            Err(EmbeddedError::DataDirUnreachable { dir, user }) => {
                let fallback = reachable_fallback(&dir);
                tracing::warn!(
                    requested = %dir.display(),
                    data_dir = %fallback.display(),
                    user,
                    "the database user cannot reach the data folder; using another one"
                );
                // Only our own empty folder is left behind; the cluster was never there.
                let _ = tokio::fs::remove_dir(&dir).await;
                prepare_data_dir(&fallback, &run_as).await?
            }
            other => other?,
        };
        let socket_dir = socket_dir_for(&data_dir, run_as.uid());
        let mut pg = Self {
            data_dir,
            socket_dir,
            bin_dir,
            run_as,
            running: false,
        };
        tracing::info!(
            data_dir = %pg.data_dir.display(),
            socket_dir = %pg.socket_dir.display(),
            bin_dir = %pg.bin_dir.display(),
            "starting embedded PostgreSQL"
        );

        let has_cluster = tokio::fs::try_exists(pg.data_dir.join("PG_VERSION"))
            .await
            .map_err(EmbeddedError::io(&pg.data_dir))?;
        if !has_cluster {
            pg.initdb().await?;
        }
        ensure_socket_dir(&pg.socket_dir, &pg.run_as).await?;

        if pg.is_running().await? {
            // Most likely left behind by a run that was killed before it could
            // stop it. Restart it so it runs with our settings.
            tracing::warn!(
                data_dir = %pg.data_dir.display(),
                "a PostgreSQL server is already running on this data folder; restarting it"
            );
            pg.pg_ctl_stop().await?;
        }

        // From here on a failure (or a cancelled future) leaves a server that
        // `Drop` must stop.
        pg.running = true;
        pg.pg_ctl_start().await?;
        pg.wait_until_ready().await?;
        tracing::info!(
            data_dir = %pg.data_dir.display(),
            elapsed_ms = began.elapsed().as_millis(),
            "embedded PostgreSQL started"
        );
        Ok(pg)
    }

    /// Connection string for sqlx (and libpq) reaching `database` as the
    /// superuser over the unix socket, e.g.
    /// `postgres://postgres@localhost:5432/roombook?host=/srv/roombook/pg/run`.
    ///
    /// sqlx 0.8 treats a `host` query parameter starting with `/` as the
    /// socket folder (overriding `localhost`); the port names the socket file.
    #[must_use]
    pub fn database_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost:{PORT}/{}?host={}",
            percent_encode(database.as_bytes(), URL_COMPONENT),
            percent_encode(self.socket_dir.as_os_str().as_bytes(), URL_PATH),
        )
    }

    /// Fast shutdown (`pg_ctl stop -m fast`), waiting until the server is gone.
    ///
    /// # Errors
    ///
    /// `pg_ctl stop` failing or timing out while the server still runs.
    pub async fn stop(mut self) -> Result<(), EmbeddedError> {
        // Whatever happens below, `Drop` must not try again.
        self.running = false;
        let began = Instant::now();
        if let Err(err) = self.pg_ctl_stop().await {
            // Someone else stopped it already: that is what we wanted.
            let already_stopped =
                matches!(err, EmbeddedError::CommandFailed { .. }) && !self.is_running().await?;
            if !already_stopped {
                return Err(err);
            }
        }
        tracing::info!(
            data_dir = %self.data_dir.display(),
            elapsed_ms = began.elapsed().as_millis(),
            "embedded PostgreSQL stopped"
        );
        self.remove_tmp_socket_dir();
        Ok(())
    }

    /// Removes the `/tmp` fallback socket folder (empty once the server is
    /// down), so they do not pile up; `<data_dir>/run` stays.
    fn remove_tmp_socket_dir(&self) {
        if !self.socket_dir.starts_with(&self.data_dir) {
            // Fails harmlessly if not empty, i.e. if a server still uses it.
            let _ = std::fs::remove_dir(&self.socket_dir);
        }
    }

    fn pg_ctl(&self) -> std::process::Command {
        let mut command = self.run_as.command(&self.bin_dir.join("pg_ctl"));
        command.arg("-D").arg(&self.data_dir);
        command
    }

    fn log_file(&self) -> PathBuf {
        self.data_dir.join("postgres.log")
    }

    async fn initdb(&self) -> Result<(), EmbeddedError> {
        tracing::info!(data_dir = %self.data_dir.display(), "initialising a new PostgreSQL cluster");
        let mut output = self.run_initdb("C.UTF-8").await?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() && stderr.contains("locale") {
            // initdb rejects an unknown locale before writing anything, so the
            // folder is still empty for the second attempt.
            tracing::warn!("locale C.UTF-8 is not available; initialising with locale C");
            output = self.run_initdb("C").await?;
        }
        check(output, "initdb").map(drop)
    }

    async fn run_initdb(&self, locale: &str) -> Result<Output, EmbeddedError> {
        let mut initdb = self.run_as.command(&self.bin_dir.join("initdb"));
        initdb
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-U", SUPERUSER, "-E", "UTF8"])
            .arg(format!("--locale={locale}"))
            .args(["--auth-local=trust", "--auth-host=reject"]);
        run(initdb, "initdb", INITDB_TIMEOUT).await
    }

    async fn is_running(&self) -> Result<bool, EmbeddedError> {
        let mut status = self.pg_ctl();
        status.arg("status");
        let output = run(status, "pg_ctl status", SHORT_TIMEOUT).await?;
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data folder.
        match output.status.code() {
            Some(0) => Ok(true),
            Some(3) => Ok(false),
            _ => check(output, "pg_ctl status").map(|_| false),
        }
    }

    async fn pg_ctl_start(&self) -> Result<(), EmbeddedError> {
        // pg_ctl hands `-o` to `/bin/sh`: the socket folder holds only
        // shell-safe characters (see `socket_dir_is_usable`), and `''` is
        // the shell's way to say "empty value".
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories={} -p {PORT}",
            self.socket_dir.display()
        );
        let log = self.log_file();
        let mut start = self.pg_ctl();
        start
            .args(["start", "-w", "-t"])
            .arg(PG_CTL_START_TIMEOUT_SECS.to_string())
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(options);
        let timeout = Duration::from_secs(PG_CTL_START_TIMEOUT_SECS + 15);
        let output = run(start, "pg_ctl start", timeout).await?;
        if output.status.success() {
            return Ok(());
        }
        let mut detail = output_detail(&output);
        if let Ok(text) = tokio::fs::read_to_string(&log).await {
            let _ = write!(detail, "; end of {}: {}", log.display(), tail(&text, 8));
        }
        Err(EmbeddedError::CommandFailed {
            action: "pg_ctl start",
            status: output.status.to_string(),
            detail: truncate(detail),
        })
    }

    async fn pg_ctl_stop(&self) -> Result<(), EmbeddedError> {
        let mut stop = self.pg_ctl();
        stop.args(["stop", "-m", "fast", "-w", "-t"])
            .arg(PG_CTL_STOP_TIMEOUT_SECS.to_string());
        let timeout = Duration::from_secs(PG_CTL_STOP_TIMEOUT_SECS + 15);
        check(run(stop, "pg_ctl stop", timeout).await?, "pg_ctl stop").map(drop)
    }

    /// `pg_ctl start -w` already waits for the server to report itself ready;
    /// `pg_isready` (when installed) confirms it over the very socket the
    /// application will use.
    async fn wait_until_ready(&self) -> Result<(), EmbeddedError> {
        let Some(pg_isready) = find_executable("pg_isready", &self.bin_dir) else {
            tracing::debug!("pg_isready not found; relying on pg_ctl start -w");
            return Ok(());
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let mut probe = std::process::Command::new(&pg_isready);
            probe
                .arg("-q")
                .arg("-h")
                .arg(&self.socket_dir)
                .args(["-p", &PORT.to_string(), "-U", SUPERUSER, "-d", "postgres"])
                .args(["-t", "2"])
                .stdin(Stdio::null());
            if run(probe, "pg_isready", SHORT_TIMEOUT)
                .await?
                .status
                .success()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(EmbeddedError::NotReady {
                    socket_dir: self.socket_dir.clone(),
                    log: self.log_file(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if !self.running {
            return;
        }
        // Blocking on purpose: Drop cannot await, and it only gets here when
        // `stop` was skipped (panic, early return). Holding a runtime thread
        // for a fraction of a second beats leaving a postmaster behind.
        let mut stop = self.pg_ctl();
        stop.args(["stop", "-m", "fast", "-w", "-t"])
            .arg(DROP_STOP_TIMEOUT_SECS.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match stop.status() {
            Ok(status) if status.success() => {
                tracing::info!(
                    data_dir = %self.data_dir.display(),
                    "embedded PostgreSQL stopped on drop"
                );
                self.remove_tmp_socket_dir();
            }
            Ok(status) => tracing::warn!(
                data_dir = %self.data_dir.display(),
                %status,
                "could not stop embedded PostgreSQL on drop"
            ),
            Err(err) => tracing::warn!(
                data_dir = %self.data_dir.display(),
                error = %err,
                "could not run pg_ctl to stop embedded PostgreSQL on drop"
            ),
        }
    }
}

/// The folder holding both `initdb` and `pg_ctl`: the first such folder on
/// `path`, else the highest `<lib_root>/<version>/bin`. Both must come from
/// one folder so they belong to the same Postgres version.
fn find_binaries(path: Option<&OsStr>, lib_root: &Path) -> Result<PathBuf, EmbeddedError> {
    let on_path = path
        .into_iter()
        .flat_map(std::env::split_paths)
        // An empty or relative entry would search the working directory.
        .filter(|dir| dir.is_absolute())
        .find(|dir| has_server_binaries(dir));
    if let Some(dir) = on_path {
        return Ok(real_bin_dir(dir));
    }

    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for entry in std::fs::read_dir(lib_root).into_iter().flatten().flatten() {
        let Some(version) = entry.file_name().to_str().and_then(parse_version) else {
            continue;
        };
        let bin = entry.path().join("bin");
        if has_server_binaries(&bin) && best.as_ref().is_none_or(|(seen, _)| version > *seen) {
            best = Some((version, bin));
        }
    }
    best.map(|(_, bin)| bin)
        .ok_or(EmbeddedError::BinariesNotFound)
}

/// `dir` itself, or the folder both binaries really live in when they are
/// symlinks (e.g. `/usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl`):
/// `pg_isready` and `psql` sit beside the real ones.
fn real_bin_dir(dir: PathBuf) -> PathBuf {
    let real_parent = |name: &str| {
        std::fs::canonicalize(dir.join(name))
            .ok()
            .and_then(|path| path.parent().map(Path::to_path_buf))
    };
    match (real_parent("initdb"), real_parent("pg_ctl")) {
        (Some(initdb), Some(pg_ctl)) if initdb == pg_ctl => pg_ctl,
        _ => dir,
    }
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("pg_ctl"))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// `"15"` -> `[15]`, `"9.6"` -> `[9, 6]`; anything else is not a version folder.
fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

/// `name` in `preferred_dir`, else on `PATH`.
fn find_executable(name: &str, preferred_dir: &Path) -> Option<PathBuf> {
    let preferred = preferred_dir.join(name);
    if is_executable(&preferred) {
        return Some(preferred);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// `runuser` lives in sbin, which a non-login root `PATH` may lack.
fn find_runuser() -> Option<PathBuf> {
    find_executable("runuser", Path::new("/usr/sbin"))
        .or_else(|| Some(PathBuf::from("/sbin/runuser")).filter(|path| is_executable(path)))
}

async fn effective_uid() -> Result<u32, EmbeddedError> {
    if let Ok(status) = tokio::fs::read_to_string("/proc/self/status").await
        && let Some(uid) = parse_effective_uid(&status)
    {
        return Ok(uid);
    }
    // No procfs (an unusual container): ask `id`.
    let mut id = std::process::Command::new("id");
    id.arg("-u");
    let output = check(run(id, "id -u", SHORT_TIMEOUT).await?, "id -u")?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| EmbeddedError::CommandFailed {
            action: "id -u",
            status: output.status.to_string(),
            detail: "unexpected output".to_owned(),
        })
}

/// The effective uid from `/proc/self/status` (`Uid: real effective saved fs`).
fn parse_effective_uid(status: &str) -> Option<u32> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|uid| uid.parse().ok())
}

/// Creates `requested` if needed, checks it is empty or a cluster, makes it
/// private and (as root) hands it to the service user. Returns its absolute path.
async fn prepare_data_dir(requested: &Path, run_as: &RunAs) -> Result<PathBuf, EmbeddedError> {
    tokio::fs::create_dir_all(requested)
        .await
        .map_err(EmbeddedError::io(requested))?;
    let dir = tokio::fs::canonicalize(requested)
        .await
        .map_err(EmbeddedError::io(requested))?;
    // pg_ctl puts -D and -l inside double quotes in a `/bin/sh -c` line.
    if dir
        .as_os_str()
        .as_bytes()
        .iter()
        .any(|byte| b"\"$`\\\n".contains(byte))
    {
        return Err(EmbeddedError::UnsupportedPath { dir });
    }

    let has_cluster = tokio::fs::try_exists(dir.join("PG_VERSION"))
        .await
        .map_err(EmbeddedError::io(&dir))?;
    if !has_cluster {
        let mut entries = tokio::fs::read_dir(&dir)
            .await
            .map_err(EmbeddedError::io(&dir))?;
        if entries
            .next_entry()
            .await
            .map_err(EmbeddedError::io(&dir))?
            .is_some()
        {
            return Err(EmbeddedError::NotACluster { dir });
        }
    }

    // Only ever an empty folder or a cluster (checked above): never chown -R
    // an arbitrary tree.
    run_as.take_ownership(&dir).await?;
    // initdb and postgres insist on 0700 (or 0750).
    tokio::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
        .await
        .map_err(EmbeddedError::io(&dir))?;

    if let RunAs::ServiceUser { name, .. } = run_as {
        let mut probe = run_as.command(Path::new("test"));
        probe.arg("-w").arg(&dir).arg("-a").arg("-x").arg(&dir);
        if !run(probe, "checking the data folder", SHORT_TIMEOUT)
            .await?
            .status
            .success()
        {
            return Err(EmbeddedError::DataDirUnreachable { dir, user: name });
        }
    }
    Ok(dir)
}

/// Where a cluster goes when the service user cannot reach `requested`:
/// under world-traversable `/var/tmp`, one folder per requested path.
fn reachable_fallback(requested: &Path) -> PathBuf {
    use sha2::Digest;
    // A hash that stays the same across Rust releases, unlike `DefaultHasher`.
    let digest = sha2::Sha256::digest(requested.as_os_str().as_bytes());
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    PathBuf::from(format!(
        "/var/tmp/roombook-data-{:016x}",
        u64::from_be_bytes(first)
    ))
}

/// `<data_dir>/run` when its socket path fits and needs no quoting, else a
/// short private folder under `/tmp`. The fallback exists because
/// `sun_path` is limited to 107 bytes and deep data folders (CI checkouts,
/// temp dirs) easily exceed it; it is keyed by uid and a hash of the data
/// folder so different clusters never share one.
fn socket_dir_for(data_dir: &Path, uid: u32) -> PathBuf {
    let preferred = data_dir.join("run");
    if socket_dir_is_usable(&preferred) {
        return preferred;
    }
    let mut hasher = DefaultHasher::new();
    data_dir.hash(&mut hasher);
    PathBuf::from(format!("/tmp/roombook-pg-{uid}-{:016x}", hasher.finish()))
}

/// Short enough for `sun_path`, and free of characters that the `/bin/sh`
/// `pg_ctl` uses, or `unix_socket_directories`' list syntax, would interpret.
fn socket_dir_is_usable(dir: &Path) -> bool {
    let bytes = dir.as_os_str().as_bytes();
    let socket_file = format!("/.s.PGSQL.{PORT}");
    bytes.len() + socket_file.len() <= SOCKET_PATH_MAX
        && bytes
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || b"/._+-".contains(byte))
}

/// Creates the socket folder (mode 700, owned by whoever runs the server),
/// or checks that an existing one is a real folder owned by that user (or by
/// root, who then hands it over): it may sit in world-writable `/tmp`.
async fn ensure_socket_dir(dir: &Path, run_as: &RunAs) -> Result<(), EmbeddedError> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.mode(0o700);
    match builder.create(dir).await {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
            let meta = tokio::fs::symlink_metadata(dir)
                .await
                .map_err(EmbeddedError::io(dir))?;
            let owner_ok = meta.uid() == run_as.uid()
                || (matches!(run_as, RunAs::ServiceUser { .. }) && meta.uid() == 0);
            if !meta.file_type().is_dir() || !owner_ok {
                return Err(EmbeddedError::SocketDirUnsafe {
                    dir: dir.to_path_buf(),
                    uid: run_as.uid(),
                });
            }
        }
        Err(err) => return Err(EmbeddedError::io(dir)(err)),
    }
    run_as.take_ownership(dir).await?;
    tokio::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .await
        .map_err(EmbeddedError::io(dir))
}

async fn run(
    command: std::process::Command,
    action: &'static str,
    timeout: Duration,
) -> Result<Output, EmbeddedError> {
    let program = command.get_program().to_string_lossy().into_owned();
    tracing::debug!(?command, "running");
    let mut command = tokio::process::Command::from(command);
    command.kill_on_drop(true);
    match tokio::time::timeout(timeout, command.output()).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(cause)) => Err(EmbeddedError::Spawn { program, cause }),
        Err(_) => Err(EmbeddedError::Timeout { action, timeout }),
    }
}

fn check(output: Output, action: &'static str) -> Result<Output, EmbeddedError> {
    if output.status.success() {
        Ok(output)
    } else {
        Err(EmbeddedError::CommandFailed {
            action,
            status: output.status.to_string(),
            detail: truncate(output_detail(&output)),
        })
    }
}

fn output_detail(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    match (stderr.trim(), stdout.trim()) {
        ("", stdout) => stdout.to_owned(),
        (stderr, "") => stderr.to_owned(),
        (stderr, stdout) => format!("{stderr}\n{stdout}"),
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn truncate(mut text: String) -> String {
    if text.len() > DETAIL_MAX {
        let mut end = DETAIL_MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str(" [...]");
    }
    text
}

/// Everything but RFC 3986 unreserved characters is percent-encoded; `+`
/// too, since sqlx decodes query values as form data (`+` = space).
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// As [`URL_COMPONENT`], keeping the `/` of a path.
const URL_PATH: &AsciiSet = &URL_COMPONENT.remove(b'/');

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh folder under /tmp (reachable by the postgres user when the
    /// tests run as root), removed again on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(label: &str) -> Self {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let path = PathBuf::from(format!(
                "/tmp/roombook-embedded-test-{}-{}-{label}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("test setup");
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn make_executable(path: &Path) {
        std::fs::create_dir_all(path.parent().expect("test setup")).expect("test setup");
        std::fs::write(path, "#!/bin/sh\n").expect("test setup");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("test setup");
    }

    /// `None` (and a note on stderr) on a machine without Postgres.
    async fn start_or_skip(data_dir: &Path) -> Option<EmbeddedPostgres> {
        match EmbeddedPostgres::start(data_dir).await {
            Ok(pg) => Some(pg),
            Err(EmbeddedError::BinariesNotFound) => {
                eprintln!("SKIPPED: no PostgreSQL binaries on this machine");
                None
            }
            Err(err) => panic!("start failed: {err}"),
        }
    }

    /// Runs `sql` with psql over `url` (libpq reads the same URL format as
    /// sqlx), returning trimmed, unaligned output.
    #[track_caller]
    fn psql(pg: &EmbeddedPostgres, url: &str, sql: &str) -> String {
        let psql = find_executable("psql", &pg.bin_dir).expect("psql is installed");
        let output = std::process::Command::new(psql)
            .args([
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                url,
                "-c",
                sql,
            ])
            .env_remove("PGHOST")
            .env_remove("PGPORT")
            .output()
            .expect("psql runs");
        assert!(
            output.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .expect("psql output is UTF-8")
            .trim()
            .to_owned()
    }

    #[track_caller]
    fn assert_stopped(data_dir: &Path) {
        // pg_ctl stop -w returns once the postmaster removed its pid file.
        assert!(
            !data_dir.join("postmaster.pid").exists(),
            "server still running on {}",
            data_dir.display()
        );
    }

    #[test]
    fn binaries_not_found_renders_an_actionable_message() {
        let err = find_binaries(
            Some(OsStr::new("")),
            Path::new("/nonexistent/roombook/postgresql"),
        )
        .expect_err("should fail");
        assert!(matches!(err, EmbeddedError::BinariesNotFound));
        let message = err.to_string();
        for needle in [
            "PATH",
            "/usr/lib/postgresql/*/bin",
            "sudo apt-get install postgresql",
            "DATABASE_URL",
        ] {
            assert!(
                message.contains(needle),
                "{needle:?} missing in {message:?}"
            );
        }
    }

    #[test]
    fn discovery_prefers_path_then_the_highest_complete_lib_version() {
        let tmp = TempDir::new("discovery");
        let lib = tmp.0.join("lib");
        for version in ["9.6", "15", "16"] {
            make_executable(&lib.join(version).join("bin/initdb"));
        }
        make_executable(&lib.join("9.6/bin/pg_ctl"));
        make_executable(&lib.join("15/bin/pg_ctl"));
        // 16 lacks pg_ctl; a non-version folder is ignored.
        make_executable(&lib.join("extra/bin/initdb"));
        make_executable(&lib.join("extra/bin/pg_ctl"));

        let from_lib = find_binaries(None, &lib).expect("binaries found");
        assert_eq!(from_lib, lib.join("15/bin"));

        let on_path = tmp.0.join("path-bin");
        make_executable(&on_path.join("initdb"));
        make_executable(&on_path.join("pg_ctl"));
        let path =
            std::env::join_paths([tmp.0.join("empty"), on_path.clone()]).expect("test setup");
        assert_eq!(
            find_binaries(Some(&path), &lib).expect("binaries found"),
            on_path
        );

        // Symlinks on PATH resolve to the folder holding the real binaries.
        let linked = tmp.0.join("linked-bin");
        std::fs::create_dir_all(&linked).expect("test setup");
        for name in ["initdb", "pg_ctl"] {
            std::os::unix::fs::symlink(lib.join("15/bin").join(name), linked.join(name))
                .expect("test setup");
        }
        assert_eq!(
            find_binaries(Some(linked.as_os_str()), &lib).expect("binaries found"),
            lib.join("15/bin")
        );
    }

    #[test]
    fn effective_uid_is_the_second_uid_field() {
        let status = "Name:\tx\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t1\t1\t1\t1\n";
        assert_eq!(parse_effective_uid(status), Some(0));
        assert_eq!(parse_effective_uid("Name:\tx\n"), None);
    }

    #[test]
    fn socket_dir_falls_back_to_tmp_when_too_long_or_unsafe() {
        let short = Path::new("/srv/roombook/pg");
        assert_eq!(socket_dir_for(short, 0), short.join("run"));

        let long = PathBuf::from(format!("/srv/{}", "d".repeat(100)));
        let fallback = socket_dir_for(&long, 0);
        assert!(fallback.starts_with("/tmp"), "{}", fallback.display());
        assert!(socket_dir_is_usable(&fallback));
        assert_ne!(fallback, socket_dir_for(&long.join("other"), 0));

        let spaced = Path::new("/srv/room book/pg");
        assert!(socket_dir_for(spaced, 0).starts_with("/tmp"));
    }

    #[test]
    fn database_url_names_the_socket_dir_and_database() {
        let pg = EmbeddedPostgres {
            data_dir: PathBuf::from("/srv/pg"),
            socket_dir: PathBuf::from("/tmp/roombook-pg-0-a+b"),
            bin_dir: PathBuf::from("/usr/lib/postgresql/15/bin"),
            run_as: RunAs::CurrentUser { uid: 1000 },
            running: false,
        };
        assert_eq!(
            pg.database_url("roombook"),
            "postgres://postgres@localhost:5432/roombook?host=/tmp/roombook-pg-0-a%2Bb"
        );
        assert_eq!(
            pg.database_url("a b/c"),
            "postgres://postgres@localhost:5432/a%20b%2Fc?host=/tmp/roombook-pg-0-a%2Bb"
        );
    }

    #[tokio::test]
    async fn a_folder_holding_other_files_is_refused() {
        let tmp = TempDir::new("not-a-cluster");
        std::fs::write(tmp.0.join("notes.txt"), "keep me").expect("test setup");
        let err = prepare_data_dir(&tmp.0, &RunAs::detect().await.expect("test setup"))
            .await
            .expect_err("should fail");
        assert!(matches!(err, EmbeddedError::NotACluster { .. }), "{err}");
        assert!(tmp.0.join("notes.txt").exists());
    }

    #[tokio::test]
    async fn cluster_starts_is_reused_and_survives_a_crashed_run() {
        let tmp = TempDir::new("lifecycle");
        let data_dir = tmp.0.join("pg");

        let began = Instant::now();
        let Some(pg) = start_or_skip(&data_dir).await else {
            return;
        };
        eprintln!("fresh start (initdb + start): {:?}", began.elapsed());
        assert_eq!(pg.socket_dir, data_dir.join("run"));
        let url = pg.database_url("postgres");
        assert_eq!(psql(&pg, &url, "select 1"), "1");
        assert_eq!(psql(&pg, &url, "show listen_addresses"), "");
        psql(&pg, &url, "create table reuse_marker (id int)");

        let began = Instant::now();
        pg.stop().await.expect("stop");
        eprintln!("stop: {:?}", began.elapsed());
        assert_stopped(&data_dir);

        // Second start on the same folder: the cluster (and its table) is reused.
        let began = Instant::now();
        let pg = start_or_skip(&data_dir)
            .await
            .expect("binaries were found before");
        eprintln!("restart on an existing cluster: {:?}", began.elapsed());
        assert_eq!(psql(&pg, &url, "select count(*) from reuse_marker"), "0");

        // A killed server process never runs Drop: its postmaster keeps running.
        std::mem::forget(pg);
        let began = Instant::now();
        let pg = start_or_skip(&data_dir)
            .await
            .expect("binaries were found before");
        eprintln!("start over a server left running: {:?}", began.elapsed());
        assert_eq!(psql(&pg, &url, "select count(*) from reuse_marker"), "0");

        // Dropping without stop() still stops the server.
        drop(pg);
        assert_stopped(&data_dir);
    }

    #[tokio::test]
    async fn deep_data_folder_gets_a_short_private_socket_dir() {
        let tmp = TempDir::new("deep");
        let data_dir = tmp.0.join("d".repeat(90));
        let Some(pg) = start_or_skip(&data_dir).await else {
            return;
        };
        assert!(
            pg.socket_dir
                .to_string_lossy()
                .starts_with("/tmp/roombook-pg-"),
            "{}",
            pg.socket_dir.display()
        );
        let meta = std::fs::metadata(&pg.socket_dir).expect("socket dir exists");
        assert_eq!(meta.mode() & 0o777, 0o700);
        assert_eq!(meta.uid(), pg.run_as.uid());
        assert_eq!(psql(&pg, &pg.database_url("postgres"), "select 1"), "1");
        let socket_dir = pg.socket_dir.clone();
        pg.stop().await.expect("stop");
        assert_stopped(&data_dir);
        assert!(!socket_dir.exists(), "{} left behind", socket_dir.display());
    }
}
