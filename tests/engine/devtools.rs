//! Headless Chromium driven over the DevTools protocol: [`Browser`] starts
//! it on a fresh profile and kills its whole process group when dropped;
//! [`Page`] is one tab's websocket, with `evaluate` and `wait_for`.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

use crate::report_browser::HEADLESS;

/// Chromium can take a while to start, and to answer, on a small busy machine.
pub const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// A running headless Chromium; killed (with its helpers) on drop.
pub struct Browser {
    child: Child,
    /// The DevTools HTTP and websocket port.
    port: u16,
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `binary` headless with `--remote-debugging-port=0` and waits
    /// for the port it writes to `<profile>/DevToolsActivePort`.
    pub fn launch(binary: &Path) -> Self {
        let profile = tempfile::tempdir().expect("a profile directory");
        let log = std::fs::File::create(profile.path().join("chromium.log")).unwrap();
        let child = Command::new(binary)
            .args(HEADLESS)
            .args(["--remote-debugging-port=0", "--window-size=1280,800"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .env("HOME", profile.path())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut browser = Browser {
            child,
            port: 0,
            profile,
        };
        let active_port = browser.profile.path().join("DevToolsActivePort");
        browser.port = browser.wait("chromium to write DevToolsActivePort", || {
            std::fs::read_to_string(&active_port)
                .ok()
                .and_then(|text| text.lines().next()?.trim().parse().ok())
        });
        browser
    }

    /// Polls `found` until it gives a value; panics with the browser's log
    /// after [`BROWSER_TIMEOUT`] or when the browser exits.
    fn wait<T>(&mut self, what: &str, mut found: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        loop {
            if let Some(value) = found() {
                return value;
            }
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!(
                    "chromium exited ({status}) before {what}; its log:\n{}",
                    self.log()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out waiting for {what}; chromium's log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What Chromium printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.profile.path().join("chromium.log")).unwrap_or_default()
    }

    /// The first tab, connected.
    pub fn page(&mut self) -> Page {
        let port = self.port;
        let url = self.wait("a page target in /json/list", || {
            let targets = json_list(port).ok()?;
            targets.as_array()?.iter().find(|t| t["type"] == "page")?["webSocketDebuggerUrl"]
                .as_str()
                .map(str::to_owned)
        });
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to DevTools");
        stream.set_read_timeout(Some(BROWSER_TIMEOUT)).unwrap();
        let (socket, _) = tungstenite::client(url.as_str(), stream).expect("DevTools websocket");
        let mut page = Page {
            socket,
            next_id: 0,
            exceptions: Vec::new(),
        };
        page.call("Runtime.enable", json!({}));
        page
    }
}

/// `GET /json/list` of the DevTools HTTP server, which keeps the
/// connection open: the body is read up to its `Content-Length`.
fn json_list(port: u16) -> std::io::Result<Value> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(BROWSER_TIMEOUT))?;
    stream.write_all(b"GET /json/list HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut bytes = Vec::new();
    let mut chunk = [0; 8192];
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        bytes.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&bytes);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or(ErrorKind::InvalidData)?;
        if body.len() >= length {
            return serde_json::from_str(body)
                .map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: the browser and its renderer and GPU helpers.
        let group = rustix::process::Pid::from_child(&self.child);
        rustix::process::kill_process_group(group, rustix::process::Signal::KILL).ok();
        self.child.wait().ok();
    }
}

/// One tab, driven over its websocket.
pub struct Page {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Uncaught exceptions the page reported (`Runtime.exceptionThrown`).
    pub exceptions: Vec<String>,
}

impl Page {
    /// Sends one command and returns its `result`; panics on an error answer.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::Text(request.to_string().into()))
            .unwrap_or_else(|e| panic!("send {method}: {e}"));
        loop {
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    panic!("no answer to {method} within {BROWSER_TIMEOUT:?}")
                }
                Err(e) => panic!("reading the answer to {method}: {e}"),
            };
            let Message::Text(text) = message else {
                continue;
            };
            let answer: Value = serde_json::from_str(text.as_str()).expect("DevTools sends JSON");
            if answer["method"] == "Runtime.exceptionThrown" {
                let details = &answer["params"]["exceptionDetails"];
                self.exceptions.push(details.to_string());
            }
            if answer["id"] == id {
                assert!(answer["error"].is_null(), "{method} failed: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// Opens `url` in this tab.
    pub fn navigate(&mut self, url: &str) {
        let result = self.call("Page.navigate", json!({ "url": url }));
        assert!(result["errorText"].is_null(), "navigate to {url}: {result}");
    }

    /// The value of `expression` (awaited when it is a promise); panics when it throws.
    pub fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(details) = result.get("exceptionDetails") {
            panic!("`{expression}` threw: {details}");
        }
        result["result"]["value"].clone()
    }

    /// Evaluates `expression` until it is truthy (not false, null, 0 or
    /// ""); returns that value. Panics after [`BROWSER_TIMEOUT`], showing
    /// `show` (an expression describing the page) as it last was.
    pub fn wait_for(&mut self, what: &str, expression: &str, show: &str) -> Value {
        let deadline = Instant::now() + BROWSER_TIMEOUT;
        loop {
            let value = self.evaluate(expression);
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!(0)
                && value != json!("");
            if truthy {
                return value;
            }
            if Instant::now() > deadline {
                let shown = self.evaluate(show);
                panic!("timed out after {BROWSER_TIMEOUT:?} waiting for {what}; the page shows: {shown}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
