//! The HTML report as a browser draws it: headless Chromium screenshots the
//! page of the fixture journal, and the PNG must show the timeline (many
//! colours, the scenario colours among them), not a blank or broken page,
//! and the timeline must stretch across a wide window.
//!
//! Without a `chromium` binary the test prints a notice and passes, unless
//! `CHAOS_REQUIRE_CHROMIUM=1` (set by `.ci/run`), where it fails.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::helpers::{run_once, Workspace};
use crate::report::fixture;

/// Chromium can take a while to start on a small, busy machine.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// How every test runs Chromium: headless, offline, no first-run dialogs.
pub const HEADLESS: [&str; 6] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--hide-scrollbars",
];

/// The first of `names` found on PATH.
fn find_on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The browser, or `None` after printing that `untested` is not tested.
pub fn chromium(untested: &str) -> Option<PathBuf> {
    if let Some(found) = find_on_path(&["chromium", "chromium-browser"]) {
        return Some(found);
    }
    if std::env::var("CHAOS_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
        panic!(
            "CHAOS_REQUIRE_CHROMIUM=1 but no `chromium` (or `chromium-browser`) on PATH; \
             install it (Debian: apt-get install chromium) or unset the variable"
        );
    }
    eprintln!(
        "notice: no chromium on PATH: {untested} is not tested \
         (set CHAOS_REQUIRE_CHROMIUM=1 to make this a failure)"
    );
    None
}

/// Screenshots `page` in a window of `size` (width, height) into `png`;
/// panics when the browser fails or hangs (it is killed after
/// [`BROWSER_TIMEOUT`]).
fn screenshot(
    browser: &Path,
    page: &Path,
    png: &Path,
    scratch: &Path,
    size: (u32, u32),
) -> Duration {
    let started = Instant::now();
    let log = std::fs::File::create(scratch.join("chromium.log")).unwrap();
    let mut child = Command::new(browser)
        .args(HEADLESS)
        .arg(format!(
            "--user-data-dir={}",
            scratch.join(format!("profile-{}", size.0)).display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(format!("file://{}", page.display()))
        .env("HOME", scratch)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!(
                "chromium did not finish within {BROWSER_TIMEOUT:?}; its log:\n{}",
                std::fs::read_to_string(scratch.join("chromium.log")).unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success() && png.is_file(),
        "chromium failed ({status}); its log:\n{}",
        std::fs::read_to_string(scratch.join("chromium.log")).unwrap_or_default()
    );
    started.elapsed()
}

/// The RGB pixels of a PNG, with its width and height.
fn decode(png: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::io::BufReader::new(std::fs::File::open(png).unwrap());
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).expect("one frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    let pixels = buffer[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

fn hex(colour: &str) -> [u8; 3] {
    let byte = |i: usize| u8::from_str_radix(&colour[i..i + 2], 16).unwrap();
    [byte(1), byte(3), byte(5)]
}

/// Pixels within 3 of `colour` on every channel.
fn count_near(pixels: &[[u8; 3]], colour: [u8; 3]) -> usize {
    pixels
        .iter()
        .filter(|p| p.iter().zip(colour).all(|(a, b)| a.abs_diff(b) <= 3))
        .count()
}

/// Writes the fixture's HTML report to `page`; returns the page's text.
fn write_report(page: &Path) -> String {
    let journal = fixture();
    let output = run_once(
        &[
            "report",
            "--journal",
            journal.to_str().unwrap(),
            "--format",
            "html",
            "--out",
            page.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
    std::fs::read_to_string(page).unwrap()
}

/// A scenario's colour, as the page's legend declares it.
fn legend_colour(html: &str, scenario: &str) -> String {
    html.split(&format!("data-scenario=\"{scenario}\" data-colour=\""))
        .nth(1)
        .and_then(|rest| rest.get(..7))
        .unwrap_or_else(|| panic!("{scenario} in the legend"))
        .to_owned()
}

#[test]
fn chromium_draws_the_html_report_with_the_scenario_colours() {
    let Some(browser) = chromium("the HTML report's browser rendering") else {
        return;
    };
    let ws = Workspace::new();
    let page = ws.path("report.html");
    let html = write_report(&page);
    let png = ws.path("report.png");
    let took = screenshot(&browser, &page, &png, ws.dir.path(), (1200, 800));
    let decoding = Instant::now();
    let (width, height, pixels) = decode(&png);
    eprintln!(
        "chromium rendered the report in {took:.1?}; decoding the PNG took {:.1?}",
        decoding.elapsed()
    );
    assert_eq!((width, height), (1200, 800));
    let white = count_near(&pixels, [255, 255, 255]);
    assert!(
        white < pixels.len() * 97 / 100,
        "the page is (almost) blank: {white} of {} pixels white",
        pixels.len()
    );
    let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 100,
        "only {} distinct colours: text, table and timeline should give many",
        distinct.len()
    );
    for scenario in ["CRASH", "SLOWDOWN", "NETWORK_PARTITION"] {
        let colour = legend_colour(&html, scenario);
        let found = count_near(&pixels, hex(&colour));
        // Legend swatch (18×14) plus bars: well over 200 pixels each.
        assert!(
            found > 200,
            "{scenario} ({colour}): only {found} pixels of its colour in the screenshot"
        );
    }
}

#[test]
fn chromium_stretches_the_timeline_across_a_wide_window() {
    let Some(browser) = chromium("the report timeline's width in a browser") else {
        return;
    };
    let ws = Workspace::new();
    let page = ws.path("report.html");
    let html = write_report(&page);
    // The lane bands' two greys, as the page declares them.
    let bands: Vec<[u8; 3]> = ["#f4f4f4", "#e9e9e9"]
        .iter()
        .inspect(|grey| assert!(html.contains(&format!("fill=\"{grey}\"")), "{grey}"))
        .map(|grey| hex(grey))
        .collect();
    let png = ws.path("wide.png");
    let width = 1600;
    screenshot(&browser, &page, &png, ws.dir.path(), (width, 1000));
    let (shot_width, _, pixels) = decode(&png);
    assert_eq!(shot_width, width);
    let row_width = usize::try_from(width).unwrap();
    // The widest horizontal run of lane-band pixels, from its first to its
    // last pixel on any one row (bars and grid lines interrupt it).
    let span = pixels
        .chunks_exact(row_width)
        .filter_map(|row| {
            let is_band = |p: &[u8; 3]| {
                bands
                    .iter()
                    .any(|b| p.iter().zip(b).all(|(a, b)| a.abs_diff(*b) <= 2))
            };
            let first = row.iter().position(is_band)?;
            let last = row.iter().rposition(is_band)?;
            let count = row.iter().filter(|p| is_band(p)).count();
            // A row through the lanes, not a stray pixel of the same grey.
            (count > row_width / 4).then_some(last - first + 1)
        })
        .max()
        .expect("lane bands in the screenshot");
    assert!(
        span * 100 >= row_width * 75,
        "the lanes span {span} of {width} pixels: the timeline should use most of the window"
    );
}
