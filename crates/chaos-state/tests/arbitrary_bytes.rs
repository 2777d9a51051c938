//! Property tests: the reader never panics, whatever a state file holds,
//! and every record the writer produces reads back identically.

use chaos_state::read::parse_state;
use chaos_state::{CachedReader, FailureSpec, ReadOutcome, StateRecord};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let outcome = parse_state(&bytes);
        // Whatever it is, asking whether it is failing must not panic either.
        let _ = outcome.is_failing_at(0.0);
    }

    #[test]
    fn json_shaped_noise_never_panics(
        mode in prop_oneof![Just("\"slow\"".to_owned()), "[a-z_]{0,12}".prop_map(|m| format!("\"{m}\"")), Just("null".into()), Just("17".into())],
        delay in prop_oneof![Just("-1".to_owned()), Just("1e400".into()), Just("\"x\"".into()), any::<u64>().prop_map(|d| d.to_string())],
        expires in prop_oneof![Just("null".to_owned()), Just("\"soon\"".into()), any::<f64>().prop_map(|f| if f.is_finite() { f.to_string() } else { "0".into() })],
    ) {
        let text = format!(r#"{{"mode": {mode}, "delay": {delay}, "expires_at": {expires}}}"#);
        let _ = parse_state(text.as_bytes()).is_failing_at(1.0);
    }

    #[test]
    fn cached_reader_survives_arbitrary_files(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, &bytes).unwrap();
        let reader = CachedReader::new(&path);
        let _ = reader.failure_at(0.0);
        let _ = reader.read();
    }

    #[test]
    fn written_records_read_back_identically(
        mode in "[a-z_]{1,16}",
        delay in any::<u64>(),
        timestamp in 0.0f64..4e9,
        recovery in 0.001f64..1e6,
        target in "\\PC{1,24}",
    ) {
        let record = StateRecord::failure(&FailureSpec {
            target: &target, scenario: "S", mode: &mode, delay, id: "id",
            timestamp, expires_at: timestamp + recovery,
        });
        prop_assert_eq!(parse_state(&record.to_json_line()), ReadOutcome::Record(record));
    }
}
