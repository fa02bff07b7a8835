//! Time to interactive of the home page in headless Chromium: from the start
//! of navigation to the moment the WASM has hydrated the page (the
//! `data-hydrated` marker), read from the page's own clock.
//!
//! Start a server first (`scripts/run.sh` for the release build), then:
//!
//! ```sh
//! cargo run -p end2end --example time_to_interactive -- http://127.0.0.1:3000/ 20
//! ```
//!
//! Each load uses a fresh cache (`Network.clearBrowserCache` is not exposed
//! by WebDriver, so every run opens its own browser profile).

use end2end::Browser;

/// Resolves with `performance.now()` when `<html data-hydrated>` appears,
/// together with the DOMContentLoaded time and the transferred bytes.
const MEASURE: &str = "
    const done = arguments[0];
    const report = () => {
        const nav = performance.getEntriesByType('navigation')[0];
        const bytes = performance.getEntriesByType('resource')
            .reduce((sum, e) => sum + (e.transferSize || 0), nav ? nav.transferSize : 0);
        done([performance.now(), nav ? nav.domContentLoadedEventEnd : 0, bytes]);
    };
    if (document.documentElement.hasAttribute('data-hydrated')) { report(); return; }
    new MutationObserver((_, observer) => {
        if (document.documentElement.hasAttribute('data-hydrated')) { observer.disconnect(); report(); }
    }).observe(document.documentElement, { attributes: true });
";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:3000/".to_owned());
    let runs: usize = args.next().map_or(Ok(10), |n| n.parse())?;
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let browser = Browser::start().await?;
        browser.client.goto(&url).await?;
        let value = browser.client.execute_async(MEASURE, vec![]).await?;
        let [interactive, dom_ready, bytes]: [f64; 3] = serde_json::from_value(value)?;
        samples.push((interactive, dom_ready, bytes));
        browser.close().await?;
    }
    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = samples[samples.len() / 2];
    let worst = samples[samples.len() - 1];
    println!(
        "{runs} cold loads of {url}: time to interactive median {:.0} ms (DOMContentLoaded {:.0} ms), worst {:.0} ms; {:.0} kB transferred",
        median.0,
        median.1,
        worst.0,
        median.2 / 1000.0
    );
    Ok(())
}
