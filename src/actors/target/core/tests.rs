//! Every timing rule of the contract, on made-up instants: no process, no
//! file, no sleep. Each test reads as a timeline of events and the
//! commands they produce.

use super::*;

/// A fixed origin; `at(s)` is `s` seconds after it on both clocks.
struct Clock {
    origin: Instant,
}

impl Clock {
    fn new() -> Self {
        Clock {
            origin: Instant::now(),
        }
    }

    fn at(&self, secs: f64) -> Now {
        Now {
            at: self.origin + Duration::from_secs_f64(secs),
            unix: 1_000.0 + secs,
        }
    }

    fn instant(&self, secs: f64) -> Instant {
        self.at(secs).at
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The contract's defaults: 60 s startup wait, 180 s interval, 30 s recovery.
fn timing(has_probe: bool) -> Timing {
    Timing {
        startup_wait: secs(60),
        interval: secs(180),
        recovery: secs(30),
        has_probe,
        probe_repairs: true,
        probe_period: Duration::from_millis(500),
    }
}

fn failure(id: &str, injected_at: f64, recovery: f64) -> InjectedFailure {
    InjectedFailure {
        id: id.to_owned(),
        scenario: "SLOWDOWN".to_owned(),
        mode: "slow".to_owned(),
        delay: 12,
        injected_at,
        expires_at: injected_at + recovery,
        manifested_at: None,
        containers: Vec::new(),
        category: None,
        fix: Vec::new(),
    }
}

/// The `(at, cycle)` of the only `ScheduleAt` among `commands`.
fn scheduled(commands: &[Command]) -> (Instant, u64) {
    let found: Vec<_> = commands
        .iter()
        .filter_map(|c| match c {
            Command::ScheduleAt { at, cycle, .. } => Some((*at, *cycle)),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "expected one ScheduleAt in {commands:?}");
    found[0]
}

/// Runs one planned start through its checks and plans the next one after
/// `step`; answers the next `(at, cycle)`.
fn cycle_through(
    core: &mut TargetCore,
    cycle: u64,
    fired: Now,
    step: Duration,
    done: Now,
) -> (Instant, u64) {
    let checks = core.start_due(cycle, fired);
    let [Command::CheckCycle { planned, .. }] = checks.as_slice() else {
        panic!("expected the cycle's checks, got {checks:?}");
    };
    scheduled(&core.plan_after(cycle, *planned, step, done))
}

#[test]
fn startup_clears_first_then_waits_the_startup_wait() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let commands = core.start(clock.at(0.0));
    assert_eq!(
        commands,
        vec![
            Command::Clear(ClearJob::Initial(ClearReason::Startup)),
            Command::ScheduleAt {
                at: clock.instant(60.0),
                cycle: 1,
                announce: false
            },
        ]
    );
    assert_eq!(core.next_start(), Some(clock.instant(60.0)));
}

#[test]
fn a_disabled_target_is_written_healthy_and_never_scheduled() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), false);
    assert_eq!(
        core.start(clock.at(0.0)),
        vec![Command::Clear(ClearJob::Initial(ClearReason::Disabled))]
    );
    assert_eq!(core.lifecycle(), Lifecycle::Disabled);
    assert!(core.may_inject().is_err());
    assert!(core.resume(clock.at(1.0)).is_err());
    assert_eq!(core.pause().unwrap(), (false, Vec::new()));
}

#[test]
fn a_failed_startup_clear_is_retried_every_second_until_a_failure_takes_its_place() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    let job = ClearJob::Initial(ClearReason::Startup);
    let retry = core.clear_failed(job.clone(), clock.at(0.0));
    assert_eq!(
        retry,
        vec![Command::RetryAt {
            at: clock.instant(1.0),
            job: job.clone()
        }]
    );
    assert_eq!(
        core.retry_due(job.clone()),
        vec![Command::Clear(job.clone())]
    );
    // A failure injected by hand meanwhile replaced the file: no more retries.
    core.injected(failure("m", 1_001.5, 30.0), clock.at(1.5));
    assert_eq!(core.retry_due(job), Vec::new());
}

#[test]
fn starts_are_one_interval_apart_start_to_start_whatever_the_checks_took() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let (first, cycle) = scheduled(&core.start(clock.at(0.0)));
    assert_eq!(first, clock.instant(60.0));
    // The timer fires 20 ms late; the checks and the pick take 5 s.
    let checks = core.start_due(cycle, clock.at(60.02));
    assert_eq!(
        checks,
        vec![Command::CheckCycle {
            cycle,
            planned: clock.instant(60.0),
            lateness: Duration::from_millis(20),
            next_due: clock.instant(240.0),
        }]
    );
    let (second, next_cycle) =
        scheduled(&core.plan_after(cycle, clock.instant(60.0), secs(180), clock.at(65.0)));
    assert_eq!(second, clock.instant(240.0));
    assert!(next_cycle > cycle);
    // A step stretched by jitter or backoff counts from the planned start too.
    let (third, _) = cycle_through(
        &mut core,
        next_cycle,
        clock.at(240.0),
        secs(200),
        clock.at(241.0),
    );
    assert_eq!(third, clock.instant(440.0));
}

#[test]
fn missed_cycles_are_skipped_not_replayed() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    // Suspended for 10 minutes right after the start at 60 s.
    let (next, _) = cycle_through(&mut core, cycle, clock.at(60.0), secs(180), clock.at(660.0));
    // 240, 420 and 600 are gone; the next one is still on the grid.
    assert_eq!(next, clock.instant(780.0));
}

/// The original service's `CHAOS_INTERVAL=30` with its 30 s recovery.
fn drop_in_timing(interval: u64) -> Timing {
    Timing {
        interval: secs(interval),
        ..timing(false)
    }
}

#[test]
fn an_interval_not_longer_than_the_recovery_is_waited_after_the_clear() {
    for (interval, cycle) in [(30, 60), (10, 40), (1, 31)] {
        let timing = drop_in_timing(interval);
        assert!(timing.waits_after_clear(), "{interval}");
        assert_eq!(timing.cycle(), secs(cycle), "{interval}");
        let clock = Clock::new();
        let mut core = TargetCore::new(timing, true);
        let (_, cycle_id) = scheduled(&core.start(clock.at(0.0)));
        let checks = core.start_due(cycle_id, clock.at(60.0));
        // Waiting for a slot ends when the next start is due: a whole cycle.
        let [Command::CheckCycle { next_due, .. }] = checks.as_slice() else {
            panic!("expected the cycle's checks, got {checks:?}");
        };
        assert_eq!(*next_due, clock.instant(60.0 + cycle as f64));
        // Inject at 60, clear at 90, the interval after the clear.
        let (next, next_id) = scheduled(&core.plan_after(
            cycle_id,
            clock.instant(60.0),
            secs(interval),
            clock.at(60.5),
        ));
        assert_eq!(next, clock.instant(90.0 + interval as f64), "{interval}");
        // Jitter or backoff lengthens the wait after the clear.
        let (third, _) = cycle_through(
            &mut core,
            next_id,
            clock.at(90.0 + interval as f64),
            secs(interval * 2),
            clock.at(91.0 + interval as f64),
        );
        assert_eq!(third, clock.instant(120.0 + 3.0 * interval as f64));
    }
}

/// `CHAOS_INTERVAL=0`: the failure is cleared and the next one injected at
/// the same instant, whichever of the two comes first.
#[test]
fn an_interval_of_0_starts_at_each_clear_never_before_it() {
    let timing = drop_in_timing(0);
    assert!(timing.waits_after_clear());
    assert_eq!(timing.cycle(), secs(30));
    for start_first in [true, false] {
        let clock = Clock::new();
        let mut core = TargetCore::new(timing, true);
        let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
        let (next, next_id) = cycle_through(
            &mut core,
            cycle,
            clock.at(60.0),
            Duration::ZERO,
            clock.at(60.0),
        );
        assert_eq!(next, clock.instant(90.0));
        core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
        let clear = ClearJob::Recovery { id: "f1".into() };
        let expected = Command::CheckCycle {
            cycle: next_id,
            planned: clock.instant(90.0),
            lateness: Duration::ZERO,
            next_due: clock.instant(120.0),
        };
        if start_first {
            // Due while f1 is in place: the start waits for its clear.
            assert_eq!(core.start_due(next_id, clock.at(90.0)), Vec::new());
            assert_eq!(
                core.recovery_due("f1"),
                vec![Command::Observe {
                    id: "f1".into(),
                    at_deadline: true
                }]
            );
            let (ended, follow_up) = core.cleared(&clear, clock.at(90.0));
            assert_eq!(ended.map(|e| e.ended_by), Some(EndedBy::Recovery));
            assert_eq!(follow_up, vec![expected]);
        } else {
            let (_, follow_up) = core.cleared(&clear, clock.at(90.0));
            assert_eq!(follow_up, Vec::new());
            assert_eq!(core.start_due(next_id, clock.at(90.0)), vec![expected]);
        }
    }
}

#[test]
fn with_an_interval_of_0_a_late_clear_starts_the_next_cycle_when_it_lands() {
    let clock = Clock::new();
    let mut core = TargetCore::new(drop_in_timing(0), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    let (_, next_id) = cycle_through(
        &mut core,
        cycle,
        clock.at(60.0),
        Duration::ZERO,
        clock.at(60.2),
    );
    core.injected(failure("f1", 1_060.2, 30.0), clock.at(60.2));
    assert_eq!(core.start_due(next_id, clock.at(90.0)), Vec::new());
    // A failed clear is retried after a second, not at once.
    let clear = ClearJob::Recovery { id: "f1".into() };
    assert_eq!(
        core.clear_failed(clear.clone(), clock.at(90.2)),
        vec![Command::RetryAt {
            at: clock.instant(91.2),
            job: clear.clone()
        }]
    );
    // The start is anchored where the clear landed: the next one is a
    // recovery later.
    let (_, follow_up) = core.cleared(&clear, clock.at(91.2));
    let [Command::CheckCycle {
        planned, lateness, ..
    }] = follow_up.as_slice()
    else {
        panic!("expected the cycle's checks, got {follow_up:?}");
    };
    assert_eq!((*planned, *lateness), (clock.instant(91.2), Duration::ZERO));
    let (next, _) = scheduled(&core.plan_after(next_id, *planned, Duration::ZERO, clock.at(91.2)));
    assert_eq!(next, clock.instant(121.2));
    // Paused while waiting: the clear of the pause starts nothing.
    let mut paused = TargetCore::new(drop_in_timing(0), true);
    let (_, cycle) = scheduled(&paused.start(clock.at(0.0)));
    let (_, next_id) = cycle_through(
        &mut paused,
        cycle,
        clock.at(60.0),
        Duration::ZERO,
        clock.at(60.0),
    );
    paused.injected(failure("f2", 1_060.0, 30.0), clock.at(60.0));
    assert_eq!(paused.start_due(next_id, clock.at(90.0)), Vec::new());
    paused.pause().unwrap();
    let (_, follow_up) = paused.cleared(&ClearJob::Pause { id: "f2".into() }, clock.at(90.0));
    assert_eq!(follow_up, Vec::new());
}

#[test]
fn an_interval_longer_than_the_recovery_stays_start_to_start() {
    // 31 s against a 30 s recovery: start to start, as the contract has it.
    let timing = drop_in_timing(31);
    assert!(!timing.waits_after_clear());
    assert_eq!(timing.cycle(), secs(31));
    assert_eq!(timing.start_to_start(secs(40)), secs(40));
    let clock = Clock::new();
    let mut core = TargetCore::new(timing, true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    let (next, _) = cycle_through(&mut core, cycle, clock.at(60.0), secs(31), clock.at(61.0));
    assert_eq!(next, clock.instant(91.0));
}

#[test]
fn missed_cycles_after_the_clear_are_skipped_on_the_whole_cycle() {
    let clock = Clock::new();
    let mut core = TargetCore::new(drop_in_timing(30), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    // Suspended for 5 minutes after the start at 60 s: cycles of 60 s.
    let (next, _) = cycle_through(&mut core, cycle, clock.at(60.0), secs(30), clock.at(360.0));
    assert_eq!(next, clock.instant(420.0));
}

#[test]
fn a_reload_to_a_short_interval_anchors_on_the_whole_cycle() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    let _ = cycle_through(&mut core, cycle, clock.at(60.0), secs(180), clock.at(61.0));
    let (next, _) = scheduled(&core.reconfigure(drop_in_timing(20), clock.at(70.0)));
    // Started at 60: recovery 30 until the clear, then 20.
    assert_eq!(next, clock.instant(110.0));
}

#[test]
fn a_stale_timer_or_answer_is_ignored() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    core.pause().unwrap();
    core.resume(clock.at(10.0)).unwrap();
    assert!(!core.is_current(cycle));
    assert_eq!(core.start_due(cycle, clock.at(60.0)), Vec::new());
    assert_eq!(
        core.plan_after(cycle, clock.instant(60.0), secs(180), clock.at(61.0)),
        Vec::new()
    );
}

#[test]
fn a_failure_is_watched_then_cleared_at_its_deadline() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    let f = failure("f1", 1_060.0, 30.0);
    let watch = core.injected(f.clone(), clock.at(60.0));
    // Without a probe the file is looked at every tenth of the recovery.
    assert_eq!(
        watch,
        vec![Command::WatchAt {
            id: "f1".into(),
            at: clock.instant(61.0)
        }]
    );
    assert_eq!(
        core.watch_due("f1"),
        vec![Command::Observe {
            id: "f1".into(),
            at_deadline: false
        }]
    );
    assert_eq!(
        core.observed("f1", false, Observation::InPlace, clock.at(61.0)),
        vec![Command::WatchAt {
            id: "f1".into(),
            at: clock.instant(62.0)
        }]
    );
    // The deadline: look first, then clear.
    assert_eq!(
        core.recovery_due("f1"),
        vec![Command::Observe {
            id: "f1".into(),
            at_deadline: true
        }]
    );
    let clear = core.observed("f1", true, Observation::InPlace, clock.at(90.0));
    let job = ClearJob::Recovery { id: "f1".into() };
    assert_eq!(clear, vec![Command::Clear(job.clone())]);
    let (ended, follow_up) = core.cleared(&job, clock.at(90.0));
    let ended = ended.unwrap();
    assert_eq!(ended.failure, f);
    assert_eq!(ended.ended_by, EndedBy::Recovery);
    assert!(!ended.outcome_recorded);
    // No probe: nothing to watch for the comeback.
    assert_eq!(follow_up, Vec::new());
    assert_eq!(core.active(), None);
    // A deadline for a failure that is gone does nothing.
    assert_eq!(core.recovery_due("f1"), Vec::new());
    assert_eq!(core.watch_due("f1"), Vec::new());
}

#[test]
fn a_failed_recovery_clear_is_retried_by_looking_again() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    let job = ClearJob::Recovery { id: "f1".into() };
    assert_eq!(
        core.clear_failed(job.clone(), clock.at(90.0)),
        vec![Command::RetryAt {
            at: clock.instant(91.0),
            job: job.clone()
        }]
    );
    // The retry honours a repair that happened meanwhile.
    assert_eq!(
        core.retry_due(job.clone()),
        vec![Command::Observe {
            id: "f1".into(),
            at_deadline: true
        }]
    );
    // With an interval under a second, the retry comes within the interval.
    let mut fast = TargetCore::new(
        Timing {
            startup_wait: Duration::ZERO,
            interval: Duration::from_millis(400),
            recovery: Duration::from_millis(200),
            ..timing(false)
        },
        true,
    );
    fast.start(clock.at(0.0));
    fast.injected(failure("f2", 1_000.0, 0.2), clock.at(0.0));
    let job = ClearJob::Recovery { id: "f2".into() };
    assert_eq!(
        fast.clear_failed(job.clone(), clock.at(0.2)),
        vec![Command::RetryAt {
            at: clock.instant(0.6),
            job
        }]
    );
}

#[test]
fn another_writer_ending_the_failure_is_recorded_and_nothing_is_cleared() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    let f = failure("f1", 1_060.0, 30.0);
    core.injected(f.clone(), clock.at(60.0));
    let repaired = EndedElsewhere {
        ended_by: EndedBy::Repair,
        repaired_by: Some("target-app".into()),
        how: "state file rewritten by target-app (now healthy)".into(),
        went_down: None,
    };
    let commands = core.observed(
        "f1",
        false,
        Observation::EndedElsewhere(repaired.clone()),
        clock.at(70.0),
    );
    assert_eq!(
        commands,
        vec![Command::EndedElsewhere {
            ended: Ended {
                failure: f,
                ended_by: EndedBy::Repair,
                repaired_by: Some("target-app".into()),
                outcome_recorded: false,
            },
            how: repaired.how,
        }]
    );
    assert_eq!(core.recovery_due("f1"), Vec::new());
}

#[test]
fn a_target_that_restarted_manifested_before_it_was_repaired() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    let restarted = EndedElsewhere {
        ended_by: EndedBy::Repair,
        repaired_by: Some("target-app".into()),
        how: "state file rewritten by target-app (now healthy)".into(),
        went_down: Some("target-app restarted".into()),
    };
    let commands = core.observed(
        "f1",
        false,
        Observation::EndedElsewhere(restarted),
        clock.at(61.0),
    );
    let Command::Manifested {
        failure, detail, ..
    } = &commands[0]
    else {
        panic!("no manifest first: {commands:?}");
    };
    assert_eq!(failure.manifested_at, Some(1_061.0));
    assert_eq!(detail, "target-app restarted");
    let Command::EndedElsewhere { ended, .. } = &commands[1] else {
        panic!("no repair after the manifest: {commands:?}");
    };
    assert_eq!(ended.failure.manifested_at, Some(1_061.0));
    assert_eq!(commands.len(), 2);
}

#[test]
fn a_probe_marks_manifest_then_repair_but_not_in_the_last_second() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(true), true);
    core.start(clock.at(0.0));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    // A watch tick sends one probe at a time.
    let tick = core.observed("f1", false, Observation::InPlace, clock.at(60.5));
    let watch = ProbePurpose::Watch {
        id: "f1".into(),
        sent_at: 1_060.5,
    };
    assert_eq!(tick[0], Command::Probe(watch.clone()));
    let again = core.observed("f1", false, Observation::InPlace, clock.at(61.0));
    assert!(!again.iter().any(|c| matches!(c, Command::Probe(_))));
    // Healthy before it ever showed: not a repair.
    assert_eq!(
        core.probe_answered(watch.clone(), ProbeAnswer::Healthy, clock.at(60.6)),
        Vec::new()
    );
    let down = core.probe_answered(
        watch,
        ProbeAnswer::Unhealthy("HTTP 500".into()),
        clock.at(61.6),
    );
    let [Command::Manifested {
        failure, detail, ..
    }] = down.as_slice()
    else {
        panic!("expected a manifest, got {down:?}");
    };
    assert_eq!(failure.manifested_at, Some(1_061.6));
    assert_eq!(detail, "HTTP 500");
    // A healthy probe sent in the last second is the expiry, not a repair.
    let late = ProbePurpose::Watch {
        id: "f1".into(),
        sent_at: 1_089.2,
    };
    assert_eq!(
        core.probe_answered(late, ProbeAnswer::Healthy, clock.at(89.3)),
        Vec::new()
    );
    let early = ProbePurpose::Watch {
        id: "f1".into(),
        sent_at: 1_070.0,
    };
    let repaired = core.probe_answered(early, ProbeAnswer::Healthy, clock.at(70.1));
    assert!(matches!(
        repaired.as_slice(),
        [Command::RepairedInPlace { .. }]
    ));
    // Repaired in place: no more probes, the file is still cleared at the
    // deadline and the outcome is not recorded twice.
    let quiet = core.observed("f1", false, Observation::InPlace, clock.at(71.0));
    assert!(!quiet.iter().any(|c| matches!(c, Command::Probe(_))));
    let job = ClearJob::Recovery { id: "f1".into() };
    let (ended, follow_up) = core.cleared(&job, clock.at(90.0));
    assert!(ended.unwrap().outcome_recorded);
    assert_eq!(
        follow_up,
        Vec::new(),
        "a repaired target needs no comeback watch"
    );
}

#[test]
fn where_probes_do_not_repair_a_probe_that_gets_through_is_no_repair() {
    // A container under 30 % packet loss: most probes get through.
    let clock = Clock::new();
    let mut core = TargetCore::new(
        Timing {
            probe_repairs: false,
            ..timing(true)
        },
        true,
    );
    core.start(clock.at(0.0));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    let watch = |sent_at: f64| ProbePurpose::Watch {
        id: "f1".into(),
        sent_at,
    };
    let lost = core.probe_answered(
        watch(1_060.5),
        ProbeAnswer::Unhealthy("timed out after 1s".into()),
        clock.at(61.5),
    );
    assert!(
        matches!(lost.as_slice(), [Command::Manifested { .. }]),
        "{lost:?}"
    );
    // Healthy answers, early in the failure: nothing to record.
    for sent_at in [1_062.0, 1_065.0, 1_070.0] {
        assert_eq!(
            core.probe_answered(
                watch(sent_at),
                ProbeAnswer::Healthy,
                clock.at(sent_at - 999.9)
            ),
            Vec::new()
        );
    }
    // Still watched and probed: the next tick sends a probe again.
    let tick = core.observed("f1", false, Observation::InPlace, clock.at(72.0));
    assert!(
        tick.iter().any(|c| matches!(c, Command::Probe(_))),
        "{tick:?}"
    );
    // It runs to its deadline: ended by the recovery, outcome not yet
    // recorded, and the comeback watch follows.
    let job = ClearJob::Recovery { id: "f1".into() };
    let (ended, follow_up) = core.cleared(&job, clock.at(90.0));
    let ended = ended.unwrap();
    assert_eq!(ended.ended_by, EndedBy::Recovery);
    assert!(!ended.outcome_recorded);
    assert!(matches!(follow_up.as_slice(), [Command::ComebackAt { .. }]));
}

#[test]
fn after_an_expiry_the_target_is_probed_until_healthy_again() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(true), true);
    core.start(clock.at(0.0));
    let f = failure("f1", 1_060.0, 30.0);
    core.injected(f.clone(), clock.at(60.0));
    let job = ClearJob::Recovery { id: "f1".into() };
    let (_, follow_up) = core.cleared(&job, clock.at(90.0));
    assert_eq!(
        follow_up,
        vec![Command::ComebackAt {
            id: "f1".into(),
            at: clock.instant(90.5)
        }]
    );
    let comeback = ProbePurpose::Comeback { id: "f1".into() };
    assert_eq!(
        core.comeback_due("f1", clock.at(90.5)),
        vec![Command::Probe(comeback.clone())]
    );
    assert_eq!(
        core.probe_answered(
            comeback.clone(),
            ProbeAnswer::Unhealthy("refused".into()),
            clock.at(90.6)
        ),
        vec![Command::ComebackAt {
            id: "f1".into(),
            at: clock.instant(91.1)
        }]
    );
    core.comeback_due("f1", clock.at(91.1));
    assert_eq!(
        core.probe_answered(comeback, ProbeAnswer::Healthy, clock.at(91.2)),
        vec![Command::HealthyAgain {
            failure: f,
            expired_at: 1_090.0,
            healthy_at: 1_091.2,
        }]
    );
    // Once healthy again, the watch is over.
    assert_eq!(core.comeback_due("f1", clock.at(92.0)), Vec::new());
}

#[test]
fn the_next_injection_ends_the_comeback_watch() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(true), true);
    core.start(clock.at(0.0));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    core.cleared(&ClearJob::Recovery { id: "f1".into() }, clock.at(90.0));
    core.injected(failure("f2", 1_240.0, 30.0), clock.at(240.0));
    assert_eq!(core.comeback_due("f1", clock.at(240.5)), Vec::new());
}

#[test]
fn a_manual_injection_on_top_replaces_the_active_failure() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    let first = failure("f1", 1_060.0, 30.0);
    core.injected(first.clone(), clock.at(60.0));
    let commands = core.injected(failure("m1", 1_065.0, 30.0), clock.at(65.0));
    assert_eq!(
        commands[0],
        Command::Replaced(Ended {
            failure: first,
            ended_by: EndedBy::Manual,
            repaired_by: None,
            outcome_recorded: false,
        })
    );
    assert_eq!(core.active().map(|f| f.id.as_str()), Some("m1"));
    assert_eq!(core.recovery_due("f1"), Vec::new());
}

#[test]
fn pause_stops_the_schedule_and_clears_resume_plans_one_interval_later() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    core.injected(failure("m1", 1_010.0, 30.0), clock.at(10.0));
    let (newly, commands) = core.pause().unwrap();
    assert!(newly);
    assert_eq!(
        commands,
        vec![
            Command::CancelSchedule,
            Command::Clear(ClearJob::Pause { id: "m1".into() })
        ]
    );
    assert_eq!(core.next_start(), None);
    assert!(!core.is_current(cycle));
    // Paused again: nothing new to stop, nothing active to clear.
    core.cleared(&ClearJob::Pause { id: "m1".into() }, clock.at(10.0));
    assert_eq!(core.pause().unwrap(), (false, Vec::new()));
    // A failed pause clear is retried while paused, not after a resume.
    let job = ClearJob::Pause { id: "m1".into() };
    assert_eq!(
        core.retry_due(job.clone()),
        vec![Command::Clear(job.clone())]
    );
    let (resumed, commands) = core.resume(clock.at(100.0)).unwrap();
    assert!(resumed);
    assert_eq!(scheduled(&commands).0, clock.instant(280.0));
    assert_eq!(core.retry_due(job), Vec::new());
    // Resuming a running target changes nothing.
    assert_eq!(core.resume(clock.at(101.0)).unwrap(), (false, Vec::new()));
}

#[test]
fn a_reload_keeps_the_start_to_start_anchor_with_the_new_interval() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    // Before the first start: the planned start stays.
    let shorter = Timing {
        interval: secs(120),
        ..timing(false)
    };
    let (planned, cycle_after_reload) = scheduled(&core.reconfigure(shorter, clock.at(30.0)));
    assert_eq!(planned, clock.instant(60.0));
    assert!(cycle_after_reload > cycle);
    // After a start at 60 s: the next one is 60 + the new interval.
    cycle_through(
        &mut core,
        cycle_after_reload,
        clock.at(60.0),
        secs(120),
        clock.at(61.0),
    );
    let longer = Timing {
        interval: secs(300),
        ..timing(false)
    };
    assert_eq!(
        scheduled(&core.reconfigure(longer, clock.at(100.0))).0,
        clock.instant(360.0)
    );
    // An anchor already in the past: start now, not in the past.
    let tiny = Timing {
        interval: secs(10),
        ..timing(false)
    };
    assert_eq!(
        scheduled(&core.reconfigure(tiny, clock.at(100.0))).0,
        clock.instant(100.0)
    );
    // Paused: the new timing is kept, nothing is planned.
    core.pause().unwrap();
    assert_eq!(core.reconfigure(timing(false), clock.at(101.0)), Vec::new());
    assert_eq!(core.timing().interval, secs(180));
}

#[test]
fn a_drain_stops_everything_and_clears_once() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(true), true);
    let (_, cycle) = scheduled(&core.start(clock.at(0.0)));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    assert_eq!(
        core.drain(ClearJob::Drain),
        vec![Command::CancelSchedule, Command::Clear(ClearJob::Drain)]
    );
    assert_eq!(core.lifecycle(), Lifecycle::Draining);
    // Nothing after it plans, looks, retries or pauses.
    assert_eq!(core.start_due(cycle, clock.at(60.0)), Vec::new());
    assert_eq!(core.watch_due("f1"), Vec::new());
    assert_eq!(core.recovery_due("f1"), Vec::new());
    assert_eq!(
        core.clear_failed(ClearJob::Drain, clock.at(61.0)),
        Vec::new()
    );
    assert!(core.may_inject().is_err());
    assert!(core.pause().is_err());
    assert!(core.resume(clock.at(62.0)).is_err());
    assert!(core.clear_now().is_err());
    // The shutdown clear ends the failure as a shutdown.
    let (ended, follow_up) = core.cleared(&ClearJob::Drain, clock.at(61.0));
    assert_eq!(ended.unwrap().ended_by, EndedBy::Shutdown);
    assert_eq!(follow_up, Vec::new());
}

#[test]
fn a_retire_that_cannot_clear_abandons_the_failure() {
    let clock = Clock::new();
    let mut core = TargetCore::new(timing(false), true);
    core.start(clock.at(0.0));
    core.injected(failure("f1", 1_060.0, 30.0), clock.at(60.0));
    core.drain(ClearJob::Retire);
    assert_eq!(
        core.clear_failed(ClearJob::Retire, clock.at(61.0)),
        Vec::new()
    );
    let abandoned = core.abandon().unwrap();
    assert_eq!(abandoned.failure.id, "f1");
    assert_eq!(abandoned.ended_by, EndedBy::Manual);
    assert_eq!(core.abandon(), None);
}

#[test]
fn clear_jobs_write_the_contracts_reasons() {
    assert_eq!(
        ClearJob::Initial(ClearReason::Startup).reason(),
        ClearReason::Startup
    );
    assert_eq!(
        ClearJob::Recovery { id: "a".into() }.reason(),
        ClearReason::Recovery
    );
    assert_eq!(
        ClearJob::Pause { id: "a".into() }.reason(),
        ClearReason::Manual
    );
    assert_eq!(ClearJob::Manual.reason(), ClearReason::Manual);
    assert_eq!(ClearJob::Drain.reason(), ClearReason::Shutdown);
    assert_eq!(ClearJob::Retire.reason(), ClearReason::Reload);
    // Each job ends its failure as the reason it writes says.
    for job in [
        ClearJob::Initial(ClearReason::Startup),
        ClearJob::Recovery { id: "a".into() },
        ClearJob::Pause { id: "a".into() },
        ClearJob::Manual,
        ClearJob::Drain,
        ClearJob::Retire,
    ] {
        assert_eq!(
            job.ended_by(),
            EndedBy::for_clear_reason(job.reason().as_str())
        );
    }
}

#[test]
fn the_watch_period_follows_the_probe_or_a_tenth_of_the_recovery() {
    assert_eq!(timing(true).watch_period(), Duration::from_millis(500));
    assert_eq!(timing(false).watch_period(), secs(1));
    let short = Timing {
        recovery: Duration::from_millis(50),
        ..timing(false)
    };
    assert_eq!(short.watch_period(), Duration::from_millis(10));
    assert_eq!(short.expiry_margin(), 0.0125);
    assert_eq!(timing(false).expiry_margin(), 1.0);
}
