use super::*;
use crate::build::RequestBuilder;
use crate::digest::{Algorithm, Challenge};

mod login;

const T0: Time = Time(1_700_000_000_000);

struct Store;

impl CredentialStore for Store {
    fn account(&self, username: &str) -> Option<Account> {
        (username == "1001").then(|| Account {
            agent: AgentId(1),
            ha1: Ha1::from_password("1001", "example.com", "secret"),
        })
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

struct Phone {
    user: &'static str,
    aor_user: &'static str,
    password: &'static str,
    cseq: u32,
    nc: u32,
    challenge: Option<Challenge>,
    algorithm: Algorithm,
}

impl Phone {
    fn new(user: &'static str, password: &'static str) -> Phone {
        Phone {
            user,
            aor_user: user,
            password,
            cseq: 0,
            nc: 0,
            challenge: None,
            algorithm: Algorithm::Sha256,
        }
    }

    fn register(&mut self, contacts: &[&str], expires: Option<u32>) -> Request {
        self.cseq += 1;
        let mut b = RequestBuilder::new(Method::Register, "sip:example.com")
            .header(
                "Via",
                format!("SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKreg{}", self.cseq),
            )
            .header(
                "From",
                format!("<sip:{}@example.com>;tag=ph1", self.aor_user),
            )
            .header("To", format!("<sip:{}@example.com>", self.aor_user))
            .header("Call-ID", "reg-call-1")
            .header("CSeq", format!("{} REGISTER", self.cseq));
        for c in contacts {
            b = b.header("Contact", *c);
        }
        if let Some(e) = expires {
            b = b.header("Expires", e.to_string());
        }
        if let Some(ch) = &self.challenge {
            self.nc += 1;
            let v = Credentials::answer(
                ch,
                self.user,
                self.password,
                "REGISTER",
                "sip:example.com",
                self.nc,
                "cn1",
            );
            b = b.header("Authorization", v);
        }
        b.build().unwrap()
    }

    /// Takes the challenge of its algorithm (SHA-256 unless told) from a 401.
    fn learn(&mut self, resp: &Response) {
        let v = resp.header("WWW-Authenticate");
        let wanted = format!("algorithm={}", self.algorithm);
        let sha = v.iter().find(|v| v.contains(&wanted)).unwrap();
        let nonce = sha
            .split("nonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        self.challenge = Some(Challenge {
            realm: "example.com".into(),
            nonce: nonce.into(),
            algorithm: self.algorithm,
            stale: false,
        });
        self.nc = 0;
    }
}

fn registrar() -> Registrar {
    let config = RegistrarConfig {
        realm: "example.com".into(),
        ..RegistrarConfig::default()
    };
    Registrar::new(config, b"test secret")
}

/// Registers `contacts` with a challenge round trip; returns the final response.
fn register(
    r: &mut Registrar,
    p: &mut Phone,
    now: Time,
    contacts: &[&str],
    expires: Option<u32>,
) -> Response {
    if p.challenge.is_none() {
        let resp = r
            .handle_register(now, &p.register(contacts, expires), None, &Store)
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        p.learn(&resp);
    }
    r.handle_register(now, &p.register(contacts, expires), None, &Store)
        .unwrap()
}

#[test]
fn unauthenticated_register_is_challenged_with_sha256_then_md5() {
    let mut r = registrar();
    let resp = r
        .handle_register(
            T0,
            &Phone::new("1001", "secret").register(&["<sip:1001@192.0.2.7>"], None),
            None,
            &Store,
        )
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let ch = resp.header("WWW-Authenticate");
    assert_eq!(ch.len(), 2);
    assert!(ch[0].contains("algorithm=SHA-256") && ch[1].contains("algorithm=MD5"));
    assert!(ch[0].contains("qop=\"auth\""));
    assert!(resp.head().to.tag().is_some());
}

#[test]
fn authenticated_register_binds_and_reports_reachability() {
    let mut r = registrar();
    let mut p = Phone::new("1001", "secret");
    let resp = register(
        &mut r,
        &mut p,
        T0,
        &["<sip:1001@192.0.2.7:5060>"],
        Some(600),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.header("Contact"),
        ["<sip:1001@192.0.2.7:5060>;expires=600"]
    );
    assert_eq!(
        r.poll_event(),
        Some(RegistrarEvent::Reachability {
            agent: AgentId(1),
            reachable: true
        })
    );
    assert_eq!(r.contacts("sip:1001@example.com", T0).len(), 1);
    // Refresh within the nonce's life reuses it with the next nonce count.
    let resp = register(
        &mut r,
        &mut p,
        T0 + secs(300),
        &["<sip:1001@192.0.2.7:5060>"],
        Some(600),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(r.poll_event(), None, "still reachable: no event");
}

#[test]
fn unknown_user_and_foreign_aor_are_refused() {
    let mut r = registrar();
    let mut p = Phone::new("9999", "x");
    let resp = register(&mut r, &mut p, T0, &["<sip:9999@192.0.2.7>"], None);
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "unknown users look like wrong passwords"
    );
    // 1001 authenticates but tries to bind 1002's AOR.
    let mut p = Phone::new("1001", "secret");
    register(&mut r, &mut p, T0, &["<sip:1001@192.0.2.7>"], None);
    p.aor_user = "1002";
    let resp = r
        .handle_register(
            T0,
            &p.register(&["<sip:1002@192.0.2.7>"], None),
            None,
            &Store,
        )
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(r.contacts("sip:1002@example.com", T0).is_empty());
}

#[test]
fn too_brief_interval_gets_423_with_min_expires() {
    let mut r = registrar();
    let mut p = Phone::new("1001", "secret");
    let resp = register(&mut r, &mut p, T0, &["<sip:1001@192.0.2.7>"], Some(30));
    assert_eq!(resp.status(), StatusCode::INTERVAL_TOO_BRIEF);
    assert_eq!(resp.header("Min-Expires"), ["60"]);
}

#[test]
fn several_contacts_removal_and_star() {
    let mut r = registrar();
    let mut p = Phone::new("1001", "secret");
    register(
        &mut r,
        &mut p,
        T0,
        &["<sip:1001@192.0.2.7>", "<sip:1001@192.0.2.8>;expires=120"],
        Some(7200),
    );
    let c = r.contacts("sip:1001@example.com", T0);
    assert_eq!(c.len(), 2);
    assert_eq!(
        c[0].expires_at,
        Some(T0 + secs(3600)),
        "capped at max_expires"
    );
    assert_eq!(c[1].expires_at, Some(T0 + secs(120)), "contact param wins");
    register(
        &mut r,
        &mut p,
        T0,
        &["<sip:1001@192.0.2.8>;expires=0"],
        None,
    );
    assert_eq!(r.contacts("sip:1001@example.com", T0).len(), 1);
    r.poll_event();
    let resp = register(&mut r, &mut p, T0, &["*"], Some(0));
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(r.contacts("sip:1001@example.com", T0).is_empty());
    assert_eq!(
        r.poll_event(),
        Some(RegistrarEvent::Reachability {
            agent: AgentId(1),
            reachable: false
        })
    );
    let resp = register(&mut r, &mut p, T0, &["*"], Some(60));
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "* needs Expires: 0");
}

#[test]
fn bindings_lapse_at_their_expiry() {
    let mut r = registrar();
    let mut p = Phone::new("1001", "secret");
    register(&mut r, &mut p, T0, &["<sip:1001@192.0.2.7>"], Some(120));
    r.poll_event();
    assert_eq!(r.poll_timeout(), Some(T0 + secs(120)));
    r.handle_timeout(T0 + secs(119));
    assert_eq!(r.poll_event(), None);
    r.handle_timeout(T0 + secs(120));
    assert_eq!(
        r.poll_event(),
        Some(RegistrarEvent::Reachability {
            agent: AgentId(1),
            reachable: false
        })
    );
    assert_eq!(r.poll_timeout(), None);
}

#[test]
fn expired_nonce_gets_stale_challenge() {
    let mut r = registrar();
    let mut p = Phone::new("1001", "secret");
    register(&mut r, &mut p, T0, &["<sip:1001@192.0.2.7>"], Some(600));
    let resp = r
        .handle_register(
            T0 + secs(301),
            &p.register(&["<sip:1001@192.0.2.7>"], Some(600)),
            None,
            &Store,
        )
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.header("WWW-Authenticate")[0].contains("stale=true"));
}

#[test]
fn static_contacts_make_a_fixed_device_reachable_and_survive_star() {
    let mut r = registrar();
    r.add_static(
        T0,
        AgentId(1),
        "sip:1001@example.com",
        "sip:desk-1001@192.0.2.50:5060",
    );
    assert_eq!(
        r.poll_event(),
        Some(RegistrarEvent::Reachability {
            agent: AgentId(1),
            reachable: true
        })
    );
    assert_eq!(r.contacts("sip:1001@example.com", T0)[0].expires_at, None);
    let mut p = Phone::new("1001", "secret");
    register(&mut r, &mut p, T0, &["*"], Some(0));
    assert_eq!(r.contacts("sip:1001@example.com", T0).len(), 1);
    assert_eq!(r.poll_event(), None);
}

#[test]
fn a_contact_that_stops_answering_qualify_makes_the_agent_unreachable() {
    let mut r = registrar();
    let mut p = Phone::new("1001", "secret");
    register(
        &mut r,
        &mut p,
        T0,
        &["<sip:1001@192.0.2.7>", "<sip:1001@192.0.2.8>"],
        None,
    );
    r.poll_event();
    let aor = "sip:1001@example.com";
    r.set_alive(T0, aor, "sip:1001@192.0.2.7", false);
    assert_eq!(r.contacts(aor, T0).len(), 1);
    assert_eq!(r.poll_event(), None, "one contact still answers");
    r.set_alive(T0, aor, "sip:1001@192.0.2.8", false);
    assert!(r.contacts(aor, T0).is_empty());
    assert_eq!(
        r.poll_event(),
        Some(RegistrarEvent::Reachability {
            agent: AgentId(1),
            reachable: false
        })
    );
    assert_eq!(
        r.all_bindings(T0).len(),
        2,
        "still registered, still probed"
    );
    r.set_alive(T0, aor, "sip:1001@192.0.2.8", true);
    assert_eq!(
        r.poll_event(),
        Some(RegistrarEvent::Reachability {
            agent: AgentId(1),
            reachable: true
        })
    );
}

#[test]
fn aors_are_found_by_user_and_the_next_expiry_follows_every_change() {
    let mut r = registrar();
    assert!(r.aors_of_user("1001").is_empty());
    assert_eq!(r.poll_timeout(), None);
    let mut p = Phone::new("1001", "secret");
    register(&mut r, &mut p, T0, &["<sip:1001@192.0.2.7>"], Some(120));
    assert_eq!(r.aors_of_user("1001"), ["sip:1001@example.com"]);
    assert!(r.aors_of_user("1002").is_empty());
    assert_eq!(r.poll_timeout(), Some(T0 + secs(120)));
    // A second contact expiring sooner moves the deadline; a refresh moves it back.
    register(&mut r, &mut p, T0, &["<sip:1001@192.0.2.8>"], Some(60));
    assert_eq!(r.poll_timeout(), Some(T0 + secs(60)));
    assert_eq!(r.aors_of_user("1001").len(), 1, "one AOR, two contacts");
    register(
        &mut r,
        &mut p,
        T0 + secs(30),
        &["<sip:1001@192.0.2.8>"],
        Some(600),
    );
    assert_eq!(r.poll_timeout(), Some(T0 + secs(120)));
    // Everything lapses: the AOR leaves the index and nothing is due.
    r.handle_timeout(T0 + secs(700));
    assert!(r.aors_of_user("1001").is_empty());
    assert_eq!(r.poll_timeout(), None);
}
