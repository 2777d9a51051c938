//! Steady traffic to one demo target and what it gets back: each request
//! is its own task (a slow answer never holds up the next request), and
//! [`TrafficLog`] keeps the answers of the last few seconds plus what has
//! been seen at all.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use awc::error::SendRequestError;

/// An answer slower than this counts as slow.
pub const SLOW_ANSWER: Duration = Duration::from_millis(800);

/// After slow answers, an answer must be this quick to count as quick
/// again: requests waiting when a slowdown ends are answered at once, each
/// a little less slow than the one before, and are still its answers.
pub const QUICK_AGAIN: Duration = Duration::from_millis(150);

/// How far back the live counts look.
pub const WINDOW: Duration = Duration::from_secs(5);

/// How long a request may take (the demo's slowdowns last at most 3 s).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What one request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP status code.
    Status(u16),
    /// No connection: nothing listens (the target is down).
    Refused,
    /// The connection broke before an answer (the target died mid-request).
    Broken,
    /// No answer within [`REQUEST_TIMEOUT`].
    TimedOut,
}

/// What requests get now, as the plain-line view reports changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Quick successful answers.
    Fine,
    /// Successful but slow answers.
    Slow,
    /// Error status codes.
    Http(u16),
    /// No connection.
    Down,
    /// No answer in time.
    TimedOut,
}

impl Condition {
    /// How the plain-line view words it, after `before`.
    pub fn describe(self, before: Option<Condition>, latency: Duration) -> String {
        match self {
            Condition::Fine if before.is_none() => {
                format!("requests OK ({} ms)", latency.as_millis())
            }
            Condition::Fine => format!("requests OK again ({} ms)", latency.as_millis()),
            Condition::Slow => format!("requests slow: {:.1} s", latency.as_secs_f64()),
            Condition::Http(code) => format!("requests get HTTP {code}"),
            Condition::Down => "requests fail: connection refused (target down)".to_owned(),
            Condition::TimedOut => "requests time out".to_owned(),
        }
    }
}

/// One answered (or failed) request.
#[derive(Debug, Clone, Copy)]
struct Sample {
    at: Instant,
    answer: Answer,
    latency: Duration,
}

impl Sample {
    fn condition(&self) -> Condition {
        match self.answer {
            Answer::Status(code) if code >= 400 => Condition::Http(code),
            Answer::Status(_) if self.latency >= SLOW_ANSWER => Condition::Slow,
            Answer::Status(_) => Condition::Fine,
            Answer::Refused | Answer::Broken => Condition::Down,
            Answer::TimedOut => Condition::TimedOut,
        }
    }
}

/// Every answer of the last [`WINDOW`], what was ever seen, and the
/// condition last reported.
#[derive(Debug, Default)]
pub struct TrafficLog {
    recent: VecDeque<Sample>,
    /// Requests that got an answer or failed so far.
    pub sent: u64,
    /// Requests that got HTTP 500.
    pub total_500: u64,
    /// Slow successful answers.
    pub total_slow: u64,
    /// Requests with no connection or a broken one.
    pub total_down: u64,
    reported: Option<Condition>,
    /// When the newest request whose answer was looked at was sent: an
    /// answer to an older request (a slow one released late) says nothing
    /// new about what requests get now.
    newest_sent: Option<Instant>,
}

impl TrafficLog {
    /// Records an answer; returns the new condition (and the one before)
    /// when it differs from the one last reported. Answers are judged in
    /// the order their requests were sent.
    pub fn record(
        &mut self,
        answer: Answer,
        latency: Duration,
    ) -> Option<(Condition, Option<Condition>)> {
        self.record_at(answer, latency, Instant::now())
    }

    /// [`TrafficLog::record`] for an answer that came at `at`.
    fn record_at(
        &mut self,
        answer: Answer,
        latency: Duration,
        at: Instant,
    ) -> Option<(Condition, Option<Condition>)> {
        let sample = Sample {
            at,
            answer,
            latency,
        };
        self.sent += 1;
        match sample.condition() {
            Condition::Http(500) => self.total_500 += 1,
            Condition::Slow => self.total_slow += 1,
            Condition::Down => self.total_down += 1,
            _ => {}
        }
        self.recent.push_back(sample);
        self.forget_old();
        let sent = sample.at.checked_sub(latency).unwrap_or(sample.at);
        if self.newest_sent.is_some_and(|newest| sent < newest) {
            return None;
        }
        self.newest_sent = Some(sent);
        let mut condition = sample.condition();
        if condition == Condition::Fine
            && self.reported == Some(Condition::Slow)
            && latency >= QUICK_AGAIN
        {
            condition = Condition::Slow;
        }
        let before = self.reported;
        (before != Some(condition)).then(|| {
            self.reported = Some(condition);
            (condition, before)
        })
    }

    fn forget_old(&mut self) {
        while self.recent.front().is_some_and(|s| s.at.elapsed() > WINDOW) {
            self.recent.pop_front();
        }
    }

    /// `200×12 500×3 down×2 · p50 14 ms, max 2.0 s` for the last [`WINDOW`].
    pub fn summary(&mut self) -> String {
        self.forget_old();
        if self.recent.is_empty() {
            return "no answers yet".to_owned();
        }
        let mut counts: Vec<(String, usize)> = Vec::new();
        for sample in &self.recent {
            let key = match sample.answer {
                Answer::Status(code) => code.to_string(),
                Answer::Refused | Answer::Broken => "down".to_owned(),
                Answer::TimedOut => "timeout".to_owned(),
            };
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => counts.push((key, 1)),
            }
        }
        counts.sort();
        let mut latencies: Vec<Duration> = self
            .recent
            .iter()
            .filter(|s| matches!(s.answer, Answer::Status(_)))
            .map(|s| s.latency)
            .collect();
        latencies.sort();
        let counted = counts
            .iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        match (latencies.get(latencies.len() / 2), latencies.last()) {
            (Some(p50), Some(max)) => {
                format!("{counted} · p50 {}, max {}", show(*p50), show(*max))
            }
            _ => counted,
        }
    }
}

/// `14 ms` or `2.0 s`.
fn show(latency: Duration) -> String {
    if latency < Duration::from_secs(1) {
        format!("{} ms", latency.as_millis())
    } else {
        format!("{:.1} s", latency.as_secs_f64())
    }
}

/// Sends one GET and tells what it got, and how long that took.
pub async fn request(client: &awc::Client, url: &str) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = match client.get(url).timeout(REQUEST_TIMEOUT).send().await {
        Ok(mut response) => {
            // Read the body so the connection can be used again.
            let _ = response.body().limit(1024 * 1024).await;
            Answer::Status(response.status().as_u16())
        }
        Err(SendRequestError::Timeout) => Answer::TimedOut,
        Err(SendRequestError::Connect(_)) => Answer::Refused,
        Err(_) => Answer::Broken,
    };
    (answer, started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers in the order their requests were sent, 1 s apart.
    struct InOrder {
        log: TrafficLog,
        next_sent: Instant,
    }

    impl InOrder {
        fn new() -> Self {
            InOrder {
                log: TrafficLog::default(),
                next_sent: Instant::now(),
            }
        }

        fn record(
            &mut self,
            answer: Answer,
            latency: Duration,
        ) -> Option<(Condition, Option<Condition>)> {
            self.next_sent += Duration::from_secs(1);
            self.log
                .record_at(answer, latency, self.next_sent + latency)
        }
    }

    #[test]
    fn a_late_answer_to_an_older_request_changes_nothing() {
        let mut log = TrafficLog::default();
        let sent = Instant::now();
        let slow = Duration::from_secs(2);
        assert!(log
            .record_at(Answer::Status(200), slow, sent + slow)
            .is_some());
        // Sent after it and answered at once: the slowdown is over.
        let quick_sent = sent + Duration::from_millis(2100);
        assert!(log
            .record_at(Answer::Status(200), Duration::ZERO, quick_sent)
            .is_some());
        // Sent before the quick one, released late.
        let late = Duration::from_millis(1500);
        assert_eq!(
            log.record_at(
                Answer::Status(200),
                late,
                quick_sent + Duration::from_millis(100)
            ),
            None
        );
        assert_eq!((log.sent, log.total_slow), (3, 2), "still counted");
    }

    #[test]
    fn changes_of_condition_are_reported_once() {
        let mut in_order = InOrder::new();
        let quick = Duration::from_millis(5);
        assert_eq!(
            in_order.record(Answer::Status(200), quick),
            Some((Condition::Fine, None))
        );
        assert_eq!(in_order.record(Answer::Status(200), quick), None);
        assert!(in_order.record(Answer::Status(500), quick).is_some());
        assert_eq!(in_order.record(Answer::Status(500), quick), None);
        let slow = Duration::from_secs(2);
        assert_eq!(
            in_order.record(Answer::Status(200), slow),
            Some((Condition::Slow, Some(Condition::Http(500))))
        );
        let ended_early = Duration::from_millis(400);
        assert_eq!(
            in_order.record(Answer::Status(200), ended_early),
            None,
            "an answer released when the slowdown ended is still slow"
        );
        assert!(in_order.record(Answer::Refused, quick).is_some());
        assert_eq!(
            in_order.record(Answer::Broken, quick),
            None,
            "both are down"
        );
        let log = &mut in_order.log;
        assert_eq!((log.total_500, log.total_slow, log.total_down), (2, 1, 2));
        assert_eq!(log.summary(), "200×4 500×2 down×2 · p50 5 ms, max 2.0 s");
        assert_eq!(
            Condition::Fine.describe(Some(Condition::Down), quick),
            "requests OK again (5 ms)"
        );
        assert_eq!(Condition::Fine.describe(None, quick), "requests OK (5 ms)");
    }
}
