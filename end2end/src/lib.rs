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

    /// Closes `night` of a room, or books all of its units (sold out).
    pub async fn set_night(
        &self,
        room: uuid::Uuid,
        night: chrono::NaiveDate,
        closed: bool,
        sold_out: bool,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "update room_availability
                set closed = $3, booked = case when $4 then total else booked end
              where room_id = $1 and night = $2",
        )
        .bind(room)
        .bind(night)
        .bind(closed)
        .bind(sold_out)
        .execute(&self.pool)
        .await?;
        Ok(())
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
    // `build_site` writes the manifest of the site's hashed file names last.
    let assets = root.join(server::ASSETS_FILE);
    if !assets.exists() {
        bail!(
            "{} is missing: build the site first (scripts/test.sh does)",
            assets.display()
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

/// How a browser is started: its colour scheme, window and JavaScript.
#[derive(Debug, Clone, Copy)]
pub struct BrowserOptions {
    /// Ask pages for their dark scheme (`prefers-color-scheme: dark`).
    pub dark: bool,
    /// Window width and height in CSS pixels.
    pub size: (u32, u32),
    /// Run page scripts (false: the site as a browser without JavaScript,
    /// or before its WASM arrives, sees it).
    pub javascript: bool,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            dark: false,
            size: (1280, 900),
            javascript: true,
        }
    }
}

/// A phone's viewport (CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);

/// The serious and critical violations axe-core finds on the page, with
/// the WCAG 2.1 A/AA rules and label-in-name (WCAG 2.5.3); one line each.
const AXE_RUN: &str = r"
const done = arguments[arguments.length - 1];
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const rules = axe.getRules(tags)
  .filter(rule => !rule.tags.includes('experimental'))
  .map(rule => rule.ruleId)
  .concat(['label-content-name-mismatch']);
axe.run(document, { runOnly: { type: 'rule', values: rules }, resultTypes: ['violations'] })
  .then(result => done(result.violations
      .filter(v => v.impact === 'serious' || v.impact === 'critical')
      .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${v.help} at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`))),
        error => done([`axe failed: ${error}`]));
";

impl Browser {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(BrowserOptions::default()).await
    }

    pub async fn start_with(options: BrowserOptions) -> anyhow::Result<Self> {
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
        let client = connect(port, options).await?;
        client
            .set_window_size(options.size.0, options.size.1)
            .await?;
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

    /// A browser with JavaScript off (as before the WASM arrives).
    pub async fn without_javascript() -> anyhow::Result<Self> {
        Self::start_with(BrowserOptions {
            javascript: false,
            ..BrowserOptions::default()
        })
        .await
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

    /// The `textContent` of the element matching `css` (hidden words too:
    /// what a screen reader reads).
    pub async fn text_content(&self, css: &str) -> anyhow::Result<String> {
        Ok(self
            .wait_for(css)
            .await?
            .prop("textContent")
            .await?
            .unwrap_or_default())
    }

    /// The `id` of the element that has the keyboard focus.
    pub async fn focused_id(&self) -> anyhow::Result<String> {
        let id = self
            .client
            .execute(
                "return document.activeElement ? document.activeElement.id : '';",
                vec![],
            )
            .await?;
        Ok(id.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the element `id` has the keyboard focus.
    pub async fn wait_for_focus(&self, id: &str) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut last = String::new();
        while tokio::time::Instant::now() < deadline {
            last = self.focused_id().await?;
            if last == id {
                return Ok(());
            }
            // Polling interval of the DOM, not a wait for an outcome.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("focus is on #{last:?}, expected it on #{id}")
    }

    /// Waits until the current URL satisfies `done`; answers it.
    pub async fn wait_for_url(
        &self,
        what: &str,
        done: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await?.to_string();
            if done(&url) {
                return Ok(url);
            }
            if tokio::time::Instant::now() >= deadline {
                bail!("the address is {url}, expected {what}");
            }
            // Polling interval of the address, not a wait for an outcome.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Fails unless the open dialog shows all of its text: inside the
    /// window, and no heading, paragraph or button cut off.
    pub async fn assert_dialog_shows_all_text(&self) -> anyhow::Result<()> {
        let clipped = self
            .client
            .execute(
                "const d = document.querySelector('dialog[open]');
                 if (!d) return ['no open dialog'];
                 const r = d.getBoundingClientRect();
                 const out = [];
                 if (r.left < 0 || r.right > window.innerWidth || r.top < 0 || r.bottom > window.innerHeight)
                     out.push('the dialog leaves the window');
                 if (d.scrollWidth > d.clientWidth || d.scrollHeight > d.clientHeight)
                     out.push('the dialog scrolls');
                 for (const e of d.querySelectorAll('h2, p, button'))
                     if (e.scrollWidth > e.clientWidth + 1) out.push(`cut off: ${e.textContent}`);
                 return out;",
                vec![],
            )
            .await?;
        let problems: Vec<String> = serde_json::from_value(clipped)?;
        if !problems.is_empty() {
            bail!("the open dialog: {}", problems.join("; "));
        }
        Ok(())
    }

    /// Runs axe-core on the page as it is now and fails listing every
    /// serious or critical violation (see [`AXE_RUN`]). `what` names the
    /// page and the conditions in the failure.
    pub async fn assert_accessible(&self, what: &str) -> anyhow::Result<()> {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await?;
        if loaded != serde_json::Value::Bool(true) {
            self.client.execute(&axe_source()?, vec![]).await?;
        }
        let found = self.client.execute_async(AXE_RUN, vec![]).await?;
        let violations: Vec<String> = serde_json::from_value(found)?;
        if !violations.is_empty() {
            bail!(
                "axe found {} serious or critical violation(s) on {what}:\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
        Ok(())
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

    /// On an admin room page whose inventory form has its nights: chooses
    /// "Close these nights", applies the form and waits until it says it
    /// updated `count` nights.
    pub async fn close_chosen_nights(&self, count: usize) -> anyhow::Result<()> {
        self.client
            .execute(
                "const s = document.querySelector('#inventory-closed'); s.value = 'close';
                 s.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![],
            )
            .await?;
        self.click("#inventory-title ~ form button[type=submit]")
            .await?;
        self.wait_for_text_containing(".alert.success", &format!("Updated {count} night"))
            .await?;
        Ok(())
    }

    /// A browser signed in as a new admin, "Ada Admin" (one per app).
    pub async fn admin(app: &TestApp) -> anyhow::Result<Self> {
        let browser = Self::start().await?;
        browser
            .sign_in(app, &app.account("Ada Admin", true).await?)
            .await?;
        Ok(browser)
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

    /// Books a stay through the booking server function, as the room page
    /// would; answers the booking's id.
    pub async fn book(
        &self,
        room: uuid::Uuid,
        check_in: chrono::NaiveDate,
        check_out: chrono::NaiveDate,
    ) -> anyhow::Result<String> {
        let answer = self
            .client
            .execute_async(
                "const [room, checkIn, checkOut, done] = arguments;
                 const body = new URLSearchParams({ room_id: room, 'form[check_in]': checkIn,
                     'form[check_out]': checkOut, 'form[guests]': '1', 'form[units]': '1' });
                 fetch('/api/book', { method: 'POST', body })
                     .then(r => r.ok ? r.json().then(b => done(b.id)) : done(''), () => done(''));",
                vec![
                    room.to_string().into(),
                    check_in.to_string().into(),
                    check_out.to_string().into(),
                ],
            )
            .await?;
        match answer.as_str() {
            Some(id) if !id.is_empty() => Ok(id.to_owned()),
            _ => bail!("booking {check_in}..{check_out} failed"),
        }
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

    /// Whether an element matching `css` is on the page now (no waiting:
    /// for asserting that something is absent after what was awaited).
    pub async fn is_present(&self, css: &str) -> anyhow::Result<bool> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    /// Whether the element matching `css` is rendered (not `display: none`).
    pub async fn is_shown(&self, css: &str) -> anyhow::Result<bool> {
        Ok(self.wait_for(css).await?.is_displayed().await?)
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

/// axe-core's browser bundle (`scripts/lib.sh` `ensure_axe` installs it):
/// `AXE_CORE_JS`, else the tools folder the scripts use.
fn axe_source() -> anyhow::Result<String> {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(source) = SOURCE.get() {
        return Ok(source.clone());
    }
    let path = std::env::var_os("AXE_CORE_JS").map_or_else(
        || {
            let tools = std::env::var_os("ROOMBOOK_TOOLS_DIR").map_or_else(
                || {
                    let cache = std::env::var_os("XDG_CACHE_HOME").map_or_else(
                        || {
                            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                                .join(".cache")
                        },
                        PathBuf::from,
                    );
                    cache.join("roombook-tools")
                },
                PathBuf::from,
            );
            tools.join("node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    let source = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read axe-core at {} (scripts/test.sh installs it: `ensure_axe`)",
            path.display()
        )
    })?;
    Ok(SOURCE.get_or_init(|| source).clone())
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
async fn connect(port: u16, options: BrowserOptions) -> anyhow::Result<Client> {
    let profile = std::env::temp_dir().join(format!("e2e-chromium-{}", uuid::Uuid::new_v4()));
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--lang=en-US".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    if options.dark {
        args.push("--force-dark-mode".to_owned());
    }
    let mut chrome_options = serde_json::json!({
        "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
        "args": args,
    });
    if !options.javascript {
        // Content settings, not `scriptEnabled=false`: chromedriver still
        // runs its own scripts (finding and clicking elements).
        chrome_options["prefs"] = serde_json::json!({
            "profile.managed_default_content_settings.javascript": 2,
        });
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), chrome_options);
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
