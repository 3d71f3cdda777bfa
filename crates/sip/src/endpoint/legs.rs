//! The endpoint's call legs, indexed so that routing a message costs O(1) however many
//! calls are up: by our dialog tag (in-dialog requests carry it in To, responses in From)
//! and by the INVITE's transaction key (retransmissions and CANCEL before a tag exists).
//! Only legs touched since the last drain are polled; timers go through the endpoint's
//! timer queue.

use super::calls::CallHandle;
use super::timers::{Due, Timers};
use super::{Datagram, EndpointEvent};
use crate::call::{IncomingCall, OutgoingCall};
use crate::message::{Request, Response};
use crate::transaction::ServerKey;
use crate::types::{CallId, Method, Tag};
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use switchyard_core::Time;

#[derive(Debug, Default)]
pub(crate) struct Legs {
    incoming: HashMap<CallHandle, (SocketAddr, IncomingCall)>,
    outgoing: HashMap<CallHandle, (SocketAddr, OutgoingCall)>,
    by_dialog: HashMap<(CallId, Tag), CallHandle>,
    by_invite: HashMap<ServerKey, CallHandle>,
    keys: HashMap<CallHandle, Vec<Key>>,
    dirty: HashSet<CallHandle>,
    /// Incoming legs that reported their end since the last [`Legs::take_ended`].
    ended: Vec<CallHandle>,
}

#[derive(Debug, Clone)]
enum Key {
    Dialog((CallId, Tag)),
    Invite(ServerKey),
}

impl Legs {
    pub(crate) fn insert_incoming(
        &mut self,
        call: CallHandle,
        peer: SocketAddr,
        leg: IncomingCall,
        our_tag: Tag,
    ) {
        let dialog = (leg.invite().head().call_id.clone(), our_tag);
        self.by_dialog.insert(dialog.clone(), call);
        self.by_invite.insert(leg.key().clone(), call);
        self.keys.insert(
            call,
            vec![Key::Dialog(dialog), Key::Invite(leg.key().clone())],
        );
        self.incoming.insert(call, (peer, leg));
        self.dirty.insert(call);
    }

    pub(crate) fn insert_outgoing(
        &mut self,
        call: CallHandle,
        peer: SocketAddr,
        leg: OutgoingCall,
    ) {
        let head = leg.invite().head();
        let Some(tag) = head.from.tag() else { return };
        let dialog = (head.call_id.clone(), Tag::new(tag));
        self.by_dialog.insert(dialog.clone(), call);
        self.keys.insert(call, vec![Key::Dialog(dialog)]);
        self.outgoing.insert(call, (peer, leg));
        self.dirty.insert(call);
    }

    pub(crate) fn incoming_mut(&mut self, call: CallHandle) -> Option<&mut IncomingCall> {
        self.dirty.insert(call);
        self.incoming.get_mut(&call).map(|(_, leg)| leg)
    }

    pub(crate) fn outgoing_mut(&mut self, call: CallHandle) -> Option<&mut OutgoingCall> {
        self.dirty.insert(call);
        self.outgoing.get_mut(&call).map(|(_, leg)| leg)
    }

    /// Hands a request to its leg; gives it back if it belongs to none.
    pub(crate) fn route_request(&mut self, now: Time, req: Request) -> Option<Request> {
        let head = req.head();
        let key = ServerKey::of_request(&req);
        let by_tag = head
            .to
            .tag()
            .and_then(|t| self.by_dialog.get(&(head.call_id.clone(), Tag::new(t))));
        let by_key = || {
            self.by_invite
                .get(&key)
                .or_else(|| ServerKey::cancelled_invite(&req).and_then(|k| self.by_invite.get(&k)))
        };
        let Some(&call) = by_tag.or_else(by_key) else {
            return Some(req);
        };
        let cancelled = ServerKey::cancelled_invite(&req);
        // The tag or key found the leg; it must also agree the request is its own.
        let claimed = match (self.incoming.get(&call), self.outgoing.get(&call)) {
            (Some((_, leg)), _) => {
                *leg.key() == key
                    || cancelled.as_ref() == Some(leg.key())
                    || leg.matches_dialog(&req)
            }
            (None, Some((_, leg))) => leg.matches_dialog(&req),
            (None, None) => false,
        };
        if !claimed {
            return Some(req);
        }
        self.dirty.insert(call);
        if let Some((_, leg)) = self.incoming.get_mut(&call) {
            leg.handle_request(now, req);
        } else if let Some((_, leg)) = self.outgoing.get_mut(&call) {
            leg.handle_request(now, req);
        }
        None
    }

    /// Hands a response to the leg whose request it answers (our tag is in From).
    pub(crate) fn route_response(&mut self, now: Time, resp: Response) -> Option<Response> {
        let head = resp.head();
        let Some(tag) = head.from.tag() else {
            return Some(resp);
        };
        let Some(&call) = self.by_dialog.get(&(head.call_id.clone(), Tag::new(tag))) else {
            return Some(resp);
        };
        self.dirty.insert(call);
        if let Some((_, leg)) = self.outgoing.get_mut(&call) {
            leg.handle_response(now, resp);
            return None;
        }
        match self.incoming.get_mut(&call) {
            Some((_, leg)) if matches!(resp.head().cseq_method, Method::Bye | Method::Invite) => {
                leg.handle_response(now, resp);
                None
            }
            _ => Some(resp),
        }
    }

    /// Fires the leg's timer if it is due (its entry in the timer queue came up).
    pub(crate) fn fire(&mut self, call: CallHandle, now: Time) {
        if let Some((_, leg)) = self.incoming.get_mut(&call) {
            if leg.poll_timeout().is_some_and(|t| t <= now) {
                leg.handle_timeout(now);
                self.dirty.insert(call);
            }
        } else if let Some((_, leg)) = self.outgoing.get_mut(&call)
            && leg.poll_timeout().is_some_and(|t| t <= now)
        {
            leg.handle_timeout(now);
            self.dirty.insert(call);
        }
    }

    /// Schedules every live leg's timer (rebuilding the queue).
    pub(crate) fn schedule_all(&self, timers: &mut Timers) {
        for (call, (_, leg)) in &self.incoming {
            timers.schedule(leg.poll_timeout(), || Due::Leg(*call));
        }
        for (call, (_, leg)) in &self.outgoing {
            timers.schedule(leg.poll_timeout(), || Due::Leg(*call));
        }
    }

    /// Live legs.
    pub(crate) fn len(&self) -> usize {
        self.incoming.len() + self.outgoing.len()
    }

    /// Collects output of the legs touched since the last drain and schedules their
    /// timers; forgets finished legs.
    pub(crate) fn drain(
        &mut self,
        out: &mut VecDeque<Datagram>,
        events: &mut VecDeque<EndpointEvent>,
        timers: &mut Timers,
    ) {
        for call in std::mem::take(&mut self.dirty) {
            let finished = if let Some((peer, leg)) = self.incoming.get_mut(&call) {
                out.extend(
                    std::iter::from_fn(|| leg.poll_transmit()).map(|t| Datagram {
                        to: *peer,
                        bytes: t.0,
                    }),
                );
                while let Some(event) = leg.poll_event() {
                    if matches!(event, crate::call::IncomingEvent::Ended(_)) {
                        self.ended.push(call);
                    }
                    events.push_back(EndpointEvent::Call { call, event });
                }
                timers.schedule(leg.poll_timeout(), || Due::Leg(call));
                leg.is_finished()
            } else if let Some((peer, leg)) = self.outgoing.get_mut(&call) {
                out.extend(
                    std::iter::from_fn(|| leg.poll_transmit()).map(|t| Datagram {
                        to: *peer,
                        bytes: t.0,
                    }),
                );
                while let Some(event) = leg.poll_event() {
                    events.push_back(EndpointEvent::Outgoing { call, event });
                }
                timers.schedule(leg.poll_timeout(), || Due::Leg(call));
                leg.is_finished()
            } else {
                false
            };
            if finished {
                self.remove(call);
            }
        }
    }

    fn remove(&mut self, call: CallHandle) {
        self.incoming.remove(&call);
        self.outgoing.remove(&call);
        for key in self.keys.remove(&call).unwrap_or_default() {
            match key {
                Key::Dialog(d) => self.by_dialog.remove(&d),
                Key::Invite(k) => self.by_invite.remove(&k),
            };
        }
    }

    /// Incoming legs ended since the last call (their admission slots are free).
    pub(crate) fn take_ended(&mut self) -> Vec<CallHandle> {
        std::mem::take(&mut self.ended)
    }

    pub(crate) fn incoming_count(&self) -> usize {
        self.incoming.len()
    }

    pub(crate) fn outgoing_count(&self) -> usize {
        self.outgoing.len()
    }
}
