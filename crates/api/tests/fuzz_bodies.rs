//! Fuzzing the REST bodies (issue 14) through `app().oneshot()`, no sockets: for every
//! POST and PUT route of the OpenAPI document, bodies generated from the route's own
//! request schema (so they usually get past decoding into the handler), then mutated
//! (fields dropped, retyped, huge, unknown; wrong content type; not JSON at all). Every
//! answer must be below 500, and every error an RFC 9457 problem document
//! (`application/problem+json` with its status). WAV uploads: `fuzz_wav.rs`.
//!
//! Bounded for CI; `FUZZ_CASES=N` runs N requests.

mod fuzzgen;

use fuzzgen::{call, cases, fixture, instance, mutate, path_of, random_value, routes};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use switchyard_api::ApiDoc;
use utoipa::OpenApi;

#[test]
fn every_json_route_answers_any_body_without_5xx_and_with_problems() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let f = rt.block_on(fixture());
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let routes = routes(&doc);
    let with_schema = routes.iter().filter(|r| r.2.is_some()).count();
    assert!(
        with_schema >= 12,
        "only {with_schema} JSON routes in the OpenAPI document"
    );
    let mut runner = TestRunner::new(Config {
        cases: cases(600),
        failure_persistence: None,
        ..Config::default()
    });
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<u16, u32>::new());
    let strategy = (0..routes.len(), any::<u64>(), 0u8..10);
    runner
        .run(&strategy, |(r, seed, kind)| {
            let (method, template, schema) = &routes[r];
            let mut rng = SmallRng::seed_from_u64(seed);
            let uri = path_of(&f, template, &mut rng);
            let mut ct = Some("application/json");
            let body: Vec<u8> = match (kind, schema) {
                (0..=3, Some(s)) => instance(&doc, s, &mut rng, 0).to_string().into_bytes(),
                (4..=6, Some(s)) => {
                    let mut v = instance(&doc, s, &mut rng, 0);
                    for _ in 0..rng.random_range(1..4) {
                        mutate(&mut rng, &mut v);
                    }
                    v.to_string().into_bytes()
                }
                (7, _) => random_value(&mut rng, 0).to_string().into_bytes(),
                (8, _) => (0..rng.random_range(0..300))
                    .map(|_| rng.random::<u8>())
                    .collect(),
                _ => {
                    ct = [
                        None,
                        Some("text/plain"),
                        Some("application/json; charset=latin1"),
                    ][rng.random_range(0..3)];
                    b"{\"name\":\"x\"}".to_vec()
                }
            };
            let (status, _) = rt
                .block_on(call(&f, method, &uri, ct, body.clone()))
                .map_err(|e| {
                    TestCaseError::fail(format!("{e}\nbody: {}", String::from_utf8_lossy(&body)))
                })?;
            *statuses.borrow_mut().entry(status.as_u16()).or_default() += 1;
            Ok(())
        })
        .unwrap();
    // The generated bodies reach the handlers: some succeed, some are refused as invalid.
    let statuses = statuses.into_inner();
    eprintln!(
        "{} JSON routes of {}; statuses: {statuses:?}",
        with_schema,
        routes.len()
    );
    let ok = statuses.range(200..300).map(|(_, n)| n).sum::<u32>();
    assert!(ok > 0 && statuses.contains_key(&422), "{statuses:?}");
}
