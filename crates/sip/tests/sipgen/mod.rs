//! Structure-aware SIP inputs for the fuzz tests: a well-formed request or response built
//! from parts, then mutated the ways real peers and attackers get it wrong (headers
//! dropped, duplicated, huge or folded, Content-Length lies, bad UTF-8, stray bytes).

#![allow(dead_code, unreachable_pub)]

pub mod checks;
pub mod endpoint;

use proptest::prelude::*;
use proptest::sample::Index;

/// A SIP message as parts, before serialization.
#[derive(Clone, Debug)]
pub struct Parts {
    pub start: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `None`: Content-Length computed from the body; `Some(v)`: written as `v`.
    pub content_length: Option<String>,
    pub omit_length: bool,
    /// Raw bytes appended to a header value (header index, byte): invalid UTF-8.
    pub raw: Vec<(usize, u8)>,
}

impl Parts {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.start.clone().into_bytes();
        out.extend_from_slice(b"\r\n");
        for (k, (n, v)) in self.headers.iter().enumerate() {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend(self.raw.iter().filter(|(i, _)| *i == k).map(|(_, b)| *b));
            out.extend_from_slice(b"\r\n");
        }
        if !self.omit_length {
            let cl = match &self.content_length {
                Some(v) => v.clone(),
                None => self.body.len().to_string(),
            };
            out.extend_from_slice(format!("Content-Length: {cl}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

pub const METHODS: &[&str] = &[
    "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "PRACK", "NOTIFY",
    "FOO",
];

pub const SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\na=sendrecv\r\n";

/// Identifiers shared between generated messages so that they hit the same transactions
/// and dialogs (a small set, picked by index).
pub const CALL_IDS: &[&str] = &["c1@192.0.2.9", "c2@192.0.2.9", "c3"];
pub const BRANCHES: &[&str] = &["z9hG4bKa", "z9hG4bKb", "z9hG4bKc", "1", ""];
pub const USERS: &[&str] = &["1001", "1002", "+15550100", "", "a%20b"];

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.!%*_+`'~-]{0,12}"
}

/// A plausible header value: printable ASCII with SIP punctuation, sometimes non-ASCII.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "[ -~\u{80}-\u{10ffff}]{0,20}",
        Just(String::new()),
        Just("<sip:a@b>;tag=1".to_owned()),
        Just("\"q\\\"uoted\" <sip:x@y>".to_owned()),
    ]
}

#[derive(Clone, Debug)]
pub enum Mutation {
    Drop(Index),
    Duplicate(Index),
    Huge(Index, usize),
    Replace(Index, String),
    Add(String, String),
    Fold(Index, Index),
    CompactName(Index),
    ContentLength(String),
    OmitLength,
    BadUtf8(Index, u8),
    ManyVias(usize),
    StartLine(String),
    Body(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Drop),
        any::<Index>().prop_map(Mutation::Duplicate),
        (any::<Index>(), 1usize..20_000).prop_map(|(i, n)| Mutation::Huge(i, n)),
        (any::<Index>(), value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (
            prop_oneof![
                token(),
                Just("Require".to_owned()),
                Just("Contact".to_owned()),
                Just("Authorization".to_owned()),
                Just("Expires".to_owned()),
                Just("Record-Route".to_owned()),
                Just("Content-Type".to_owned()),
            ],
            value()
        )
            .prop_map(|(n, v)| Mutation::Add(n, v)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, at)| Mutation::Fold(i, at)),
        any::<Index>().prop_map(Mutation::CompactName),
        prop_oneof![
            "[0-9]{1,25}",
            Just("-1".to_owned()),
            Just(" 4 ".to_owned()),
            Just("0x10".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("1, 2".to_owned()),
        ]
        .prop_map(Mutation::ContentLength),
        Just(Mutation::OmitLength),
        (any::<Index>(), 0x80u8..=0xff).prop_map(|(i, b)| Mutation::BadUtf8(i, b)),
        (1usize..300).prop_map(Mutation::ManyVias),
        prop_oneof![
            "[A-Z]{1,8} [ -~]{0,30} SIP/2\\.0",
            "SIP/2\\.0 [0-9]{1,4} [ -~]{0,10}",
            Just("INVITE sip:a@b SIP/3.0".to_owned()),
            Just("INVITE  sip:a@b SIP/2.0".to_owned()),
            Just("INVITE http://a SIP/2.0".to_owned()),
        ]
        .prop_map(Mutation::StartLine),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Mutation::Body),
    ]
}

/// Applies one mutation.
pub fn apply(p: &mut Parts, m: &Mutation) {
    let n = p.headers.len();
    match m {
        Mutation::Drop(i) if n > 0 => {
            p.headers.remove(i.index(n));
        }
        Mutation::Duplicate(i) if n > 0 => {
            let h = p.headers[i.index(n)].clone();
            p.headers.insert(i.index(n), h);
        }
        Mutation::Huge(i, len) if n > 0 => {
            let k = i.index(n);
            p.headers[k].1.push_str(&"a".repeat(*len));
        }
        Mutation::Replace(i, v) if n > 0 => p.headers[i.index(n)].1 = v.clone(),
        Mutation::Add(name, v) => p.headers.push((name.clone(), v.clone())),
        Mutation::Fold(i, at) if n > 0 => {
            let v = &mut p.headers[i.index(n)].1;
            let mut cut = at.index(v.len() + 1);
            while !v.is_char_boundary(cut) {
                cut -= 1;
            }
            v.insert_str(cut, "\r\n\t ");
        }
        Mutation::CompactName(i) if n > 0 => {
            let h = &mut p.headers[i.index(n)].0;
            *h = match h.as_str() {
                "Via" => "v".into(),
                "From" => "f".into(),
                "To" => "t".into(),
                "Call-ID" => "i".into(),
                "Contact" => "m".into(),
                "Content-Type" => "c".into(),
                other => other.to_ascii_lowercase(),
            };
        }
        Mutation::ContentLength(v) => p.content_length = Some(v.clone()),
        Mutation::OmitLength => p.omit_length = true,
        Mutation::BadUtf8(i, b) if n > 0 => p.raw.push((i.index(n), *b)),
        Mutation::ManyVias(k) => {
            for j in 0..*k {
                p.headers.insert(
                    0,
                    (
                        "Via".into(),
                        format!("SIP/2.0/UDP 192.0.2.{}:5060;branch=z9hG4bK{j}", j % 250),
                    ),
                );
            }
        }
        Mutation::StartLine(s) => p.start = s.clone(),
        Mutation::Body(b) => p.body = b.clone(),
        _ => {}
    }
}

/// A request: method, shared identifiers, optional SDP body.
pub fn request() -> impl Strategy<Value = Parts> {
    (
        0..METHODS.len(),
        0..CALL_IDS.len(),
        0..BRANCHES.len(),
        0..USERS.len(),
        prop::option::of("[a-z0-9]{1,6}"),
        0u32..5,
        any::<bool>(),
    )
        .prop_map(|(m, c, b, u, to_tag, cseq, sdp)| {
            let method = METHODS[m];
            let to_tag = to_tag.map(|t| format!(";tag={t}")).unwrap_or_default();
            let user = USERS[u];
            let headers = vec![
                (
                    "Via".into(),
                    format!("SIP/2.0/UDP 192.0.2.9:5062;branch={};rport", BRANCHES[b]),
                ),
                ("Max-Forwards".into(), "70".into()),
                ("From".into(), format!("<sip:{user}@example.com>;tag=f{c}")),
                ("To".into(), format!("<sip:{user}@example.com>{to_tag}")),
                ("Call-ID".into(), CALL_IDS[c].into()),
                ("CSeq".into(), format!("{cseq} {method}")),
                ("Contact".into(), format!("<sip:{user}@192.0.2.9:5062>")),
            ];
            let mut p = Parts {
                start: format!("{method} sip:{user}@example.com SIP/2.0"),
                headers,
                body: Vec::new(),
                content_length: None,
                omit_length: false,
                raw: Vec::new(),
            };
            if sdp {
                p.headers
                    .push(("Content-Type".into(), "application/sdp".into()));
                p.body = SDP.as_bytes().to_vec();
            }
            p
        })
}

/// A response to one of the shared identifiers.
pub fn response() -> impl Strategy<Value = Parts> {
    (
        prop_oneof![Just(100u16), Just(180), Just(183), Just(200), 300u16..700],
        0..METHODS.len(),
        0..CALL_IDS.len(),
        0..BRANCHES.len(),
        any::<bool>(),
    )
        .prop_map(|(code, m, c, b, sdp)| {
            let method = METHODS[m];
            let mut p = Parts {
                start: format!("SIP/2.0 {code} Whatever"),
                headers: vec![
                    (
                        "Via".into(),
                        format!("SIP/2.0/UDP 192.0.2.1:5060;branch={}", BRANCHES[b]),
                    ),
                    ("From".into(), format!("<sip:sy@192.0.2.1>;tag=f{c}")),
                    ("To".into(), "<sip:1001@example.com>;tag=remote".into()),
                    ("Call-ID".into(), CALL_IDS[c].into()),
                    ("CSeq".into(), format!("1 {method}")),
                ],
                body: Vec::new(),
                content_length: None,
                omit_length: false,
                raw: Vec::new(),
            };
            if sdp {
                p.headers
                    .push(("Content-Type".into(), "application/sdp".into()));
                p.body = SDP.as_bytes().to_vec();
            }
            p
        })
}

/// A request or response with 0..6 mutations applied.
pub fn message() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![3 => request(), 1 => response()],
        proptest::collection::vec(mutation(), 0..6),
    )
        .prop_map(|(mut p, ms)| {
            for m in &ms {
                apply(&mut p, m);
            }
            p.to_bytes()
        })
}

/// Like [`message`], then a few raw byte edits (including invalid UTF-8).
pub fn raw_message() -> impl Strategy<Value = Vec<u8>> {
    (
        message(),
        proptest::collection::vec((any::<Index>(), any::<u8>(), 0u8..3), 0..4),
    )
        .prop_map(|(mut msg, edits)| {
            for (at, byte, kind) in edits {
                if msg.is_empty() {
                    msg.push(byte);
                    continue;
                }
                let i = at.index(msg.len());
                match kind {
                    0 => msg[i] = byte,
                    1 => msg.insert(i, byte),
                    _ => {
                        msg.remove(i);
                    }
                }
            }
            msg
        })
}

/// Proptest case count: `default` in CI, `FUZZ_CASES` for longer runs by hand.
pub fn cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
