//! Harness for end-to-end tests: a real server on a fresh database, serving
//! the site `scripts/test.sh` built, and a headless Chromium driven through
//! chromedriver. Tests wait for facts (the `data-hydrated` marker, an
//! element, a text), never for fixed sleeps.

use std::{
    net::{SocketAddr, TcpListener},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
use server::{
    Application, Config, Database,
    auth::{self, SessionLimits, SessionSettings},
};
use shared_schema::auth::Register;
use sqlx::{Connection, Executor, PgConnection, PgPool};
use tokio::sync::oneshot;

/// How long any wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Credentials of an account created by [`TestApp::account`].
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
}

/// The server under test, on its own database and an ephemeral port.
#[derive(Debug)]
pub struct TestApp {
    pub address: SocketAddr,
    pub pool: PgPool,
    database: String,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// Creates a fresh database, migrates it and serves the built site.
    pub async fn spawn() -> anyhow::Result<Self> {
        let site_root = site_root()?;
        let database_name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
        let database_url = create_database(&database_name).await?;
        let mut config = Config::default_for_tests();
        config.listen = "127.0.0.1:0".parse()?;
        config.database_url = Some(database_url.into());
        config.db_max_connections = 4;
        // Every browser of a test shares 127.0.0.1: keep limits out of the way.
        config.rate_limit_per_minute = 100_000;
        config.auth_rate_limit_per_15_min = 100_000;
        config.site_root = site_root;
        let database = Database::connect(&config).await?;
        let pool = database.pool.clone();
        let app = Application::with_database(config, database).await?;
        let address = app.local_addr()?;
        let (stop, stopped) = oneshot::channel();
        let served = tokio::spawn(app.run_until(async {
            stopped.await.ok();
        }));
        Ok(Self {
            address,
            pool,
            database: database_name,
            stop: Some(stop),
            served: Some(served),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Creates an account (an admin when `admin`); sign in with
    /// [`Browser::sign_in`].
    pub async fn account(&self, name: &str, admin: bool) -> anyhow::Result<Account> {
        let account = Account {
            email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
            password: "correct horse battery staple".to_owned(),
        };
        let register = Register {
            email: account.email.clone(),
            name: name.to_owned(),
            password: account.password.clone(),
        };
        if admin {
            auth::create_admin(&self.pool, register, false).await?;
        } else {
            let limits = SessionLimits {
                idle_minutes: 60,
                absolute_hours: 1,
            };
            let settings = SessionSettings {
                guest: limits,
                admin: limits,
            };
            auth::register(&self.pool, settings, register).await?;
        }
        Ok(account)
    }

    /// A room of `units` identical units at 120.00 EUR a night, with its
    /// nights from today on. One statement, so the server's horizon upkeep
    /// (which adds missing nights for every active room) never sees the
    /// room without its nights.
    pub async fn seed_room(&self, name: &str, units: i32) -> anyhow::Result<uuid::Uuid> {
        let today = chrono::Utc::now().date_naive();
        let id = sqlx::query_scalar(
            "with room as (
                 insert into rooms (name, description, capacity, price_cents, currency, total_inventory)
                 values ($1, 'Quiet, bright, with a view of the courtyard.', 2, 12000, 'EUR', $2)
                 returning id
             ), nights as (
                 insert into room_availability (room_id, night, total, price_cents)
                 select room.id, night::date, $2, 12000
                   from room, generate_series($3::date, $3::date + 120, interval '1 day') as night
             )
             select id from room",
        )
        .bind(name)
        .bind(units)
        .bind(today)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Units booked on `night` of a room.
    pub async fn booked(&self, room: uuid::Uuid, night: chrono::NaiveDate) -> anyhow::Result<i32> {
        Ok(sqlx::query_scalar(
            "select booked from room_availability where room_id = $1 and night = $2",
        )
        .bind(room)
        .bind(night)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Stops the server gracefully, reports how serving ended, and drops
    /// the test's database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        let served = match self.served.take() {
            Some(served) => served.await?,
            None => Ok(()),
        };
        self.pool.close().await;
        let mut admin = PgConnection::connect(&admin_url()).await?;
        admin
            .execute(
                format!(
                    r#"drop database if exists "{}" with (force)"#,
                    self.database
                )
                .as_str(),
            )
            .await?;
        served
    }
}

/// `<workspace>/target/site` (or `LEPTOS_SITE_ROOT`), which `build_site` in
/// `scripts/lib.sh` fills.
fn site_root() -> anyhow::Result<PathBuf> {
    let root = std::env::var_os("LEPTOS_SITE_ROOT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site"),
        PathBuf::from,
    );
    let wasm = root
        .join("pkg")
        .join(format!("{}.wasm", server::OUTPUT_NAME));
    if !wasm.exists() {
        bail!(
            "{} is missing: build the site first (scripts/test.sh does)",
            wasm.display()
        );
    }
    Ok(root)
}

/// The server `DATABASE_URL` points at, where tests may create databases.
fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new, empty database `name`; returns its URL.
async fn create_database(name: &str) -> anyhow::Result<String> {
    let admin_url = admin_url();
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .context("cannot reach PostgreSQL for the end-to-end tests (DATABASE_URL)")?;
    admin
        .execute(format!(r#"create database "{name}""#).as_str())
        .await?;
    admin.close().await?;
    Ok(url_with_database(&admin_url, name))
}

/// Replaces the database name in a `postgres://` URL, keeping any query.
fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |scheme| {
        scheme
            + 3
            + base[scheme + 3..]
                .find('/')
                .unwrap_or(base.len() - scheme - 3)
    });
    let mut result = format!("{}/{database}", &base[..authority_end]);
    if let Some(query) = query {
        result.push('?');
        result.push_str(query);
    }
    result
}

/// A chromedriver process (in its own process group, so that killing it
/// also kills every Chromium it started) and one browser session.
#[derive(Debug)]
pub struct Browser {
    pub client: Client,
    _driver: Driver,
}

/// The chromedriver process group; killed on drop, whatever happened.
#[derive(Debug)]
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()
            .ok();
        self.0.wait().ok();
    }
}

impl Browser {
    pub async fn start() -> anyhow::Result<Self> {
        let port = free_port()?;
        let driver = Driver(
            spawn_in_own_group(
                Command::new(chromedriver())
                    .arg(format!("--port={port}"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            )
            .context("cannot start chromedriver (install chromium-driver: scripts/test.sh does)")?,
        );
        let client = connect(port).await?;
        client.set_window_size(1280, 900).await?;
        Ok(Self {
            client,
            _driver: driver,
        })
    }

    /// Opens `url` and waits until the WASM has hydrated the page.
    pub async fn open_hydrated(&self, url: &str) -> anyhow::Result<()> {
        self.client.goto(url).await?;
        self.wait_for("html[data-hydrated]").await?;
        Ok(())
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("waited {WAIT:?} for `{css}`"))
    }

    /// Waits until the element's text equals `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> anyhow::Result<()> {
        self.poll_text(css, |text| text.trim() == expected, "equal", expected)
            .await
            .map(drop)
    }

    /// Waits until the element's text contains `part`; answers the text.
    pub async fn wait_for_text_containing(&self, css: &str, part: &str) -> anyhow::Result<String> {
        self.poll_text(css, |text| text.contains(part), "contain", part)
            .await
    }

    async fn poll_text(
        &self,
        css: &str,
        done: impl Fn(&str) -> bool,
        relation: &str,
        expected: &str,
    ) -> anyhow::Result<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if done(&last) {
                    return Ok(last);
                }
            }
            // Polling interval of the DOM, not a wait for an outcome.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("`{css}` shows {last:?}, expected it to {relation} {expected:?}")
    }

    /// Signs this browser in through the sign-in server function, as the
    /// login page would; the session cookie lands in the browser's jar.
    pub async fn sign_in(&self, app: &TestApp, account: &Account) -> anyhow::Result<()> {
        self.client.goto(&app.url("/healthz")).await?;
        let status = self
            .client
            .execute_async(
                "const [email, password, done] = arguments;
                 const body = new URLSearchParams({ 'input[email]': email, 'input[password]': password });
                 fetch('/api/login', { method: 'POST', body }).then(r => done(r.status), () => done(0));",
                vec![account.email.clone().into(), account.password.clone().into()],
            )
            .await?;
        if status != 200 {
            bail!("signing in answered {status}");
        }
        Ok(())
    }

    /// Clicks the element matching `css` once it exists.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.wait_for(css).await?.click().await?;
        Ok(())
    }

    /// Replaces the value of the input matching `css` by typing `text`.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let input = self.wait_for(css).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// Types a date into an `<input type="date">` as a person would
    /// (Chromium's en-US field order is month, day, year). Keys go to the
    /// focused segment; focusing (not clicking the middle) starts at the month.
    pub async fn type_date(&self, css: &str, date: chrono::NaiveDate) -> anyhow::Result<()> {
        let input = self.wait_for(css).await?;
        input.clear().await?;
        input.send_keys(&date.format("%m%d%Y").to_string()).await?;
        Ok(())
    }

    /// Paths of every request the page made to server functions so far.
    pub async fn server_function_requests(&self) -> anyhow::Result<Vec<String>> {
        let value = self
            .client
            .execute(
                "return performance.getEntriesByType('resource')
                    .map(e => new URL(e.name).pathname)
                    .filter(p => p.startsWith('/api/'));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// Saves a PNG of the viewport under `target/screenshots/` (the README
    /// shows copies from `docs/screenshots/`).
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await?)?;
        Ok(path)
    }

    /// Ends the browser session and the driver.
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }
}

fn chromedriver() -> PathBuf {
    std::env::var_os("CHROMEDRIVER").map_or_else(|| PathBuf::from("chromedriver"), PathBuf::from)
}

fn spawn_in_own_group(command: &mut Command) -> std::io::Result<Child> {
    use std::os::unix::process::CommandExt;
    command.process_group(0).spawn()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Connects to chromedriver once it is up, with flags that work as root on a
/// closed network, a fresh profile per browser.
async fn connect(port: u16) -> anyhow::Result<Client> {
    let profile = std::env::temp_dir().join(format!("e2e-chromium-{}", uuid::Uuid::new_v4()));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=en-US",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return Ok(client),
            Err(_) if tokio::time::Instant::now() < deadline => {
                // chromedriver is still starting: retry shortly.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(error).context("chromedriver did not accept a session"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::url_with_database;

    #[test]
    fn database_name_is_replaced_and_query_kept() {
        assert_eq!(
            url_with_database("postgres://postgres@127.0.0.1:5432/postgres", "e2e_1"),
            "postgres://postgres@127.0.0.1:5432/e2e_1"
        );
        assert_eq!(
            url_with_database("postgres://postgres@localhost/postgres?host=/tmp/pg", "x"),
            "postgres://postgres@localhost/x?host=/tmp/pg"
        );
        assert_eq!(
            url_with_database("postgres://u:p@h:1", "x"),
            "postgres://u:p@h:1/x"
        );
    }
}
