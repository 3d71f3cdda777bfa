//! Qualify: periodic OPTIONS to every registered contact. A contact that stops answering
//! (timer F) is marked dead in the registrar, so its agent gets no calls; any response,
//! even an error, proves it alive.

use crate::build::RequestBuilder;
use crate::message::Request;
use crate::registrar::{Binding, Registrar};
use crate::transaction::ClientKey;
use crate::types::Method;
use crate::uri::SipUri;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use switchyard_core::Time;

/// The AOR and contact URI a probe is about.
pub(crate) type Target = (String, String);

#[derive(Debug, Default)]
pub(crate) struct Qualifier {
    next: HashMap<Target, Time>,
    pending: HashMap<ClientKey, Target>,
}

/// A probe to send.
pub(crate) struct Probe {
    pub(crate) to: SocketAddr,
    pub(crate) request: Request,
    pub(crate) target: Target,
}

/// Where to send to a contact. Over streams, the connection the REGISTER came on (its
/// source). Over UDP, the Contact's address when it has the source's IP (no NAT between
/// us), else the source (the NAT binding the REGISTER opened).
pub(crate) fn destination(b: &Binding) -> Option<SocketAddr> {
    let contact = SipUri::parse(&b.uri).and_then(|uri| {
        let ip = uri
            .host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?;
        Some(SocketAddr::new(ip, uri.port.unwrap_or(5060)))
    });
    match (b.source, contact) {
        (Some(src), _) if b.transport.is_reliable() => Some(src),
        (Some(src), Some(c)) if c.ip() == src.ip() => Some(c),
        (Some(src), _) => Some(src),
        (None, c) => c,
    }
}

impl Qualifier {
    /// The probes due at `now`; `new_id` mints unique branch/tag/Call-ID values.
    pub(crate) fn due(
        &mut self,
        now: Time,
        interval: Duration,
        registrar: &Registrar,
        via: SocketAddr,
        mut new_id: impl FnMut() -> String,
    ) -> Vec<Probe> {
        let bindings = registrar.all_bindings(now);
        self.next
            .retain(|(aor, uri), _| bindings.iter().any(|(a, b)| a == aor && &b.uri == uri));
        let mut probes = Vec::new();
        for (aor, b) in bindings {
            let target = (aor, b.uri.clone());
            let next = *self.next.entry(target.clone()).or_insert(now + interval);
            if next > now {
                continue;
            }
            // Due: schedule the next round now, so a probe still in flight (or a contact we
            // cannot address) skips this round instead of keeping the timer in the past.
            self.next.insert(target.clone(), now + interval);
            if self.pending.values().any(|t| *t == target) {
                continue;
            }
            let Some(to) = destination(&b) else { continue };
            let id = new_id();
            let request = RequestBuilder::new(Method::Options, b.uri.clone())
                .header(
                    "Via",
                    format!("SIP/2.0/{} {via};branch=z9hG4bK{id}", b.transport),
                )
                .header("From", format!("<sip:switchyard@{}>;tag={id}", via.ip()))
                .header("To", format!("<{}>", b.uri))
                .header("Call-ID", format!("{id}@switchyard"))
                .header("CSeq", "1 OPTIONS")
                .build();
            if let Ok(request) = request {
                probes.push(Probe {
                    to,
                    request,
                    target,
                });
            }
        }
        probes
    }

    pub(crate) fn sent(&mut self, key: ClientKey, target: Target) {
        self.pending.insert(key, target);
    }

    /// The probe a client transaction was for, once it is over.
    pub(crate) fn finished(&mut self, key: &ClientKey) -> Option<Target> {
        self.pending.remove(key)
    }

    pub(crate) fn next_due(&self) -> Option<Time> {
        self.next.values().copied().min()
    }
}
