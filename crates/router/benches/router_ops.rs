//! Router operation costs against the size of the line.
//!
//! Matrix: 100 / 5,000 / 100,000 waiting interactions, spread over 1 or 50 queues,
//! with 10 or 1,000 agents (each a member of up to 5 queues; all but one busy on a
//! call). Operations, each timed alone while the untimed rest of the iteration puts
//! the world back to the same size:
//! - `enqueue`: a caller joins (nobody free: it waits).
//! - `agent_available`: the free agent logs in and is offered the best waiter across
//!   its queues.
//! - `answer`: the agent accepts its offer and is connected.
//!
//! Run with `cargo bench -p switchyard-router --bench router_ops`.

// A benchmark measures wall time; the router it drives never reads the clock.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use switchyard_core::config::{AgentConfig, Membership, QueueConfig, Strategy};
use switchyard_core::{AgentId, Channel, InteractionId, QueueId, TenantId, Time};
use switchyard_router::{EndedBy, Input, NewInteraction, Output, Router};

const T: TenantId = TenantId(1);
/// The agent whose availability and answers are measured.
const FREE: AgentId = AgentId(1);

struct Bench {
    r: Router,
    queues: u64,
    next: u64,
    now: Time,
    offer: Option<switchyard_core::OfferId>,
}

impl Bench {
    fn new(waiters: u64, queues: u64, agents: u64) -> Bench {
        let mut b = Bench {
            r: Router::new(1),
            queues,
            next: 0,
            now: Time::from_secs(1_000_000),
            offer: None,
        };
        for q in 0..queues {
            let cfg = QueueConfig {
                id: QueueId(q + 1),
                tenant: T,
                name: format!("q{q}"),
                strategy: Strategy::LongestIdle,
                ring_timeout_secs: 3600,
                max_wait_secs: Some(86_400),
                ..Default::default()
            };
            b.input(Input::UpsertQueue(cfg));
        }
        for a in 1..=agents {
            let cfg = AgentConfig {
                id: AgentId(a),
                tenant: T,
                name: format!("a{a}"),
                ..Default::default()
            };
            b.input(Input::UpsertAgent(cfg));
            for k in 0..queues.min(5) {
                let queue = QueueId((a + k) % queues + 1);
                b.input(Input::UpsertMember(Membership {
                    agent: AgentId(a),
                    queue,
                    penalty: (k % 2) as u32,
                    weight: 1,
                }));
            }
        }
        // Every agent but FREE is logged in and busy on a call.
        for a in 2..=agents {
            b.input(Input::Login { agent: AgentId(a) });
            let mut ni = b.new_caller();
            ni.queue = QueueId(a % queues + 1); // a queue the agent serves
            let i = ni.id;
            b.input(Input::Join(ni));
            let offer = b
                .offer_for(AgentId(a))
                .unwrap_or_else(|| panic!("a{a} should ring for {i}"));
            b.input(Input::Accept { offer });
        }
        for _ in 0..waiters {
            b.join();
        }
        assert_eq!(b.r.interaction_count() as u64, waiters + agents - 1);
        b
    }

    fn input(&mut self, i: Input) {
        self.now = self.now + Duration::from_millis(1);
        self.r.handle(self.now, i).expect("valid input");
    }

    fn drain(&mut self) -> Vec<Output> {
        std::iter::from_fn(|| self.r.poll_output()).collect()
    }

    fn offer_for(&mut self, a: AgentId) -> Option<switchyard_core::OfferId> {
        self.drain().into_iter().find_map(|o| match o {
            Output::Offer { offer, agent, .. } if agent == a => Some(offer),
            _ => None,
        })
    }

    fn new_caller(&mut self) -> NewInteraction {
        self.next += 1;
        NewInteraction {
            id: InteractionId(self.next),
            tenant: T,
            queue: QueueId(self.next % self.queues + 1),
            channel: Channel::Voice,
            caller_id: String::new(),
            skills: Vec::new(),
            priority: 0,
            arrived: None,
        }
    }

    fn join(&mut self) -> InteractionId {
        let ni = self.new_caller();
        let id = ni.id;
        self.input(Input::Join(ni));
        id
    }

    /// Times `f` alone over `iters` runs of `f` then `reset`.
    fn timed(
        &mut self,
        iters: u64,
        mut f: impl FnMut(&mut Bench),
        mut reset: impl FnMut(&mut Bench),
    ) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let start = Instant::now();
            f(self);
            total += start.elapsed();
            reset(self);
            self.drain();
        }
        total
    }
}

fn ops(c: &mut Criterion) {
    let mut g = c.benchmark_group("router");
    g.sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for &waiters in &[100u64, 5_000, 100_000] {
        for &queues in &[1u64, 50] {
            for &agents in &[10u64, 1_000] {
                let name = format!("{waiters}w/{queues}q/{agents}a");
                // Built on first use, so a filtered or test-mode run only pays for the
                // configurations it measures.
                let mut lazy: Option<Bench> = None;
                g.bench_function(BenchmarkId::new("enqueue", &name), |bench| {
                    bench.iter_custom(|iters| {
                        let b = lazy.get_or_insert_with(|| Bench::new(waiters, queues, agents));
                        b.timed(
                            iters,
                            |b| {
                                let ni = b.new_caller();
                                b.now = b.now + Duration::from_millis(1);
                                black_box(b.r.handle(b.now, Input::Join(ni))).unwrap();
                            },
                            |b| {
                                let i = InteractionId(b.next);
                                b.input(Input::CustomerLeft { interaction: i });
                            },
                        )
                    })
                });
                g.bench_function(BenchmarkId::new("agent_available", &name), |bench| {
                    bench.iter_custom(|iters| {
                        let b = lazy.get_or_insert_with(|| Bench::new(waiters, queues, agents));
                        b.timed(
                            iters,
                            |b| {
                                b.now = b.now + Duration::from_millis(1);
                                black_box(b.r.handle(b.now, Input::Login { agent: FREE })).unwrap();
                            },
                            |b| b.input(Input::Logout { agent: FREE }),
                        )
                    })
                });
                g.bench_function(BenchmarkId::new("answer", &name), |bench| {
                    bench.iter_custom(|iters| {
                        let b = lazy.get_or_insert_with(|| Bench::new(waiters, queues, agents));
                        b.input(Input::Login { agent: FREE });
                        b.offer = Some(b.offer_for(FREE).expect("FREE is offered a waiter"));
                        let t = b.timed(
                            iters,
                            |b| {
                                b.now = b.now + Duration::from_millis(1);
                                let offer = b.offer.take().expect("an offer to answer");
                                black_box(b.r.handle(b.now, Input::Accept { offer })).unwrap();
                            },
                            |b| {
                                // Hang up, add a waiter back, and take the next offer.
                                let active = b.r.agent(FREE).unwrap().active[0];
                                // The replacement waits in a queue FREE serves.
                                let mut ni = b.new_caller();
                                ni.queue = QueueId(FREE.0 % b.queues + 1);
                                b.input(Input::Join(ni));
                                b.input(Input::Complete {
                                    interaction: active,
                                    by: EndedBy::Agent,
                                });
                                b.offer = Some(b.offer_for(FREE).expect("next offer"));
                            },
                        );
                        b.input(Input::Logout { agent: FREE });
                        t
                    })
                });
            }
        }
    }
    g.finish();
}

criterion_group!(benches, ops);
criterion_main!(benches);
