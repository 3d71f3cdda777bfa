//! Dialogs (RFC 3261 §12): the state two user agents share after an INVITE is answered,
//! and the requests inside it (ACK for 2xx, BYE, re-INVITE, INFO).
//!
//! A dialog is plain data plus rules: it is created from the INVITE and the response that
//! carries the To-tag, checks the CSeq of requests it receives, and builds the requests it
//! sends with the remote target as Request-URI and the route set as Route headers.

use crate::build::RequestBuilder;
use crate::grammar::{NameAddr, split_list};
use crate::message::{Request, Response};
use crate::types::{CallId, Method, StatusCode, Tag};

/// The dialog id: Call-ID and both tags, from our point of view.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// Call-ID.
    pub call_id: CallId,
    /// Our tag.
    pub local_tag: Tag,
    /// The peer's tag.
    pub remote_tag: Tag,
}

/// Early (after a 1xx with a tag) or confirmed (after a 2xx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogState {
    /// Provisional: a 1xx with a To-tag created it.
    Early,
    /// A 2xx created or confirmed it.
    Confirmed,
    /// BYE sent or received.
    Terminated,
}

/// One dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    id: DialogId,
    state: DialogState,
    local_uri: String,
    remote_uri: String,
    remote_target: String,
    route_set: Vec<String>,
    local_cseq: u32,
    remote_cseq: Option<u32>,
}

fn contact_uri(values: Vec<String>) -> Option<String> {
    let first = values.into_iter().next()?;
    let item = split_list(&first, "Contact")
        .ok()?
        .into_iter()
        .next()?
        .to_owned();
    NameAddr::parse(&item, "Contact").ok().map(|n| n.uri)
}

fn routes(values: Vec<String>) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| split_list(v, "Record-Route").unwrap_or_default())
        .map(str::to_owned)
        .collect()
}

fn strip_tag(name_addr: &str) -> String {
    // The URI part of From/To without parameters, re-bracketed; tags are added per request.
    NameAddr::parse(name_addr, "From")
        .map_or_else(|_| name_addr.to_owned(), |n| format!("<{}>", n.uri))
}

impl Dialog {
    /// The UAS side: the INVITE received and the To-tag we put in our 1xx/2xx (§12.1.1).
    pub fn uas(invite: &Request, local_tag: Tag, status: StatusCode) -> Option<Dialog> {
        let head = invite.head();
        let remote_tag = Tag::new(head.from.tag()?);
        Some(Dialog {
            id: DialogId {
                call_id: head.call_id.clone(),
                local_tag,
                remote_tag,
            },
            state: if status.is_success() {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_uri: strip_tag(&invite.header("To").concat()),
            remote_uri: strip_tag(&invite.header("From").concat()),
            remote_target: contact_uri(invite.header("Contact"))?,
            route_set: routes(invite.header("Record-Route")),
            local_cseq: 0,
            remote_cseq: Some(head.cseq),
        })
    }

    /// The UAC side: the INVITE we sent and a 1xx (with To-tag) or 2xx received (§12.1.2).
    pub fn uac(invite: &Request, response: &Response) -> Option<Dialog> {
        let status = response.status();
        if !(status.is_success() || (status.is_provisional() && status != StatusCode::TRYING)) {
            return None;
        }
        let head = response.head();
        let mut route_set = routes(response.header("Record-Route"));
        route_set.reverse();
        Some(Dialog {
            id: DialogId {
                call_id: head.call_id.clone(),
                local_tag: Tag::new(head.from.tag()?),
                remote_tag: Tag::new(head.to.tag()?),
            },
            state: if status.is_success() {
                DialogState::Confirmed
            } else {
                DialogState::Early
            },
            local_uri: strip_tag(&invite.header("From").concat()),
            remote_uri: strip_tag(&invite.header("To").concat()),
            remote_target: contact_uri(response.header("Contact"))?,
            route_set,
            local_cseq: invite.head().cseq,
            remote_cseq: None,
        })
    }

    /// The id.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// The state.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// Where in-dialog requests go (the peer's Contact).
    pub fn remote_target(&self) -> &str {
        &self.remote_target
    }

    /// A 2xx arrived or was sent for an early dialog.
    pub fn confirm(&mut self) {
        if self.state == DialogState::Early {
            self.state = DialogState::Confirmed;
        }
    }

    /// Whether a received request belongs to this dialog.
    pub fn matches(&self, req: &Request) -> bool {
        let h = req.head();
        h.call_id == self.id.call_id
            && h.to.tag() == Some(self.id.local_tag.as_str())
            && h.from.tag() == Some(self.id.remote_tag.as_str())
    }

    /// Checks a request received in the dialog (§12.2.2): a CSeq lower than the last one is
    /// answered 500. ACK and CANCEL reuse their INVITE's number and are not checked. A BYE
    /// terminates the dialog; a target refresh (re-INVITE, UPDATE) updates the remote target.
    pub fn handle_request(&mut self, req: &Request) -> Result<(), StatusCode> {
        let cseq = req.head().cseq;
        if !matches!(req.method(), Method::Ack | Method::Cancel) {
            if self.remote_cseq.is_some_and(|last| cseq <= last) {
                return Err(StatusCode::SERVER_ERROR);
            }
            self.remote_cseq = Some(cseq);
        }
        match req.method() {
            Method::Bye => self.state = DialogState::Terminated,
            Method::Invite | Method::Update => {
                if let Some(target) = contact_uri(req.header("Contact")) {
                    self.remote_target = target;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn base(&self, method: Method, cseq: u32, via: &str) -> RequestBuilder {
        let mut b = RequestBuilder::new(method, self.remote_target.clone())
            .header("Via", via)
            .header(
                "From",
                format!("{};tag={}", self.local_uri, self.id.local_tag),
            )
            .header(
                "To",
                format!("{};tag={}", self.remote_uri, self.id.remote_tag),
            )
            .header("Call-ID", self.id.call_id.as_str())
            .header("CSeq", format!("{cseq} {method}"));
        for r in &self.route_set {
            b = b.header("Route", r.clone());
        }
        b
    }

    /// A new request in the dialog with the next local CSeq (§12.2.1.1). `via` is the full
    /// Via value with a fresh branch, e.g. `SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK...`.
    /// A BYE terminates the dialog.
    pub fn request(&mut self, method: Method, via: &str) -> RequestBuilder {
        self.local_cseq += 1;
        if method == Method::Bye {
            self.state = DialogState::Terminated;
        }
        self.base(method, self.local_cseq, via)
    }

    /// The ACK for a 2xx to our INVITE (§13.2.2.4): the INVITE's CSeq number, a new branch.
    pub fn ack(&self, invite_cseq: u32, via: &str) -> RequestBuilder {
        self.base(Method::Ack, invite_cseq, via)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn invite() -> Request {
        let text = "INVITE sip:queue-sales@switchyard.test SIP/2.0\r\n\
            Via: SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKc1\r\n\
            Record-Route: <sip:p1.example.net;lr>, <sip:p2.example.net;lr>\r\n\
            Max-Forwards: 69\r\nFrom: \"Caller\" <sip:+15550100@example.net>;tag=ct\r\n\
            To: <sip:queue-sales@switchyard.test>\r\nCall-ID: d-1\r\nCSeq: 10 INVITE\r\n\
            Contact: <sip:caller@198.51.100.7:5060>\r\nContent-Length: 0\r\n\r\n";
        let Ok(Message::Request(r)) = Message::parse(text.as_bytes()) else {
            panic!()
        };
        r
    }

    #[test]
    fn uas_dialog_builds_bye_to_the_callers_contact_via_the_route_set() {
        let mut d = Dialog::uas(&invite(), Tag::new("sy1"), StatusCode::OK).unwrap();
        assert_eq!(d.state(), DialogState::Confirmed);
        let bye = d
            .request(Method::Bye, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb1")
            .build()
            .unwrap();
        assert_eq!(bye.uri(), "sip:caller@198.51.100.7:5060");
        assert_eq!(
            bye.header("Route"),
            ["<sip:p1.example.net;lr>", "<sip:p2.example.net;lr>"]
        );
        assert_eq!(bye.head().from.tag(), Some("sy1"));
        assert_eq!(bye.head().to.tag(), Some("ct"));
        assert_eq!(bye.head().cseq, 1);
        assert_eq!(d.state(), DialogState::Terminated);
    }

    #[test]
    fn remote_cseq_must_grow_and_bye_ends_the_dialog() {
        let inv = invite();
        let mut d = Dialog::uas(&inv, Tag::new("sy1"), StatusCode::OK).unwrap();
        let text = String::from_utf8(inv.to_bytes()).unwrap().replace(
            "To: <sip:queue-sales@switchyard.test>",
            "To: <sip:queue-sales@switchyard.test>;tag=sy1",
        );
        let bye = |cseq: u32| {
            let t = text
                .replace("INVITE sip:", "BYE sip:")
                .replace("10 INVITE", &format!("{cseq} BYE"));
            let Ok(Message::Request(r)) = Message::parse(t.as_bytes()) else {
                panic!()
            };
            r
        };
        assert!(d.matches(&bye(11)));
        assert_eq!(d.handle_request(&bye(9)), Err(StatusCode::SERVER_ERROR));
        assert_eq!(d.handle_request(&bye(11)), Ok(()));
        assert_eq!(d.state(), DialogState::Terminated);
    }

    #[test]
    fn uac_dialog_reverses_record_route_and_acks_with_the_invite_cseq() {
        let inv = invite();
        let resp = inv
            .reply(StatusCode::OK)
            .to_tag(&Tag::new("agent-tag"))
            .header("Contact", "<sip:agent@203.0.113.5:5062>")
            .build()
            .unwrap();
        // Seen from the caller's side: we sent `inv`, the peer answered.
        let d = Dialog::uac(&inv, &resp).unwrap();
        assert_eq!(d.remote_target(), "sip:agent@203.0.113.5:5062");
        let ack = d
            .ack(10, "SIP/2.0/UDP 198.51.100.7:5060;branch=z9hG4bKa2")
            .build()
            .unwrap();
        assert_eq!(ack.head().cseq, 10);
        assert_eq!(
            ack.header("Route"),
            ["<sip:p2.example.net;lr>", "<sip:p1.example.net;lr>"]
        );
        assert!(Dialog::uac(&inv, &inv.reply(StatusCode::TRYING).build().unwrap()).is_none());
    }
}
