//! Matching messages to transactions (RFC 3261 §17.1.3 and §17.2.3).

use crate::message::{Request, Response};
use crate::types::{Branch, Method};

/// Identifies a client transaction: the branch we put in our Via, and the method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey {
    /// Our top Via branch.
    pub branch: Branch,
    /// CSeq method (a CANCEL has its own transaction with the same branch).
    pub method: Method,
}

impl ClientKey {
    /// The key of a request we send.
    pub fn of_request(req: &Request) -> Option<ClientKey> {
        let branch = req.head().top_via().branch()?;
        Some(ClientKey {
            branch,
            method: req.method(),
        })
    }

    /// The key a received response belongs to (§17.1.3: top Via branch + CSeq method).
    pub fn of_response(resp: &Response) -> Option<ClientKey> {
        let branch = resp.head().top_via().branch()?;
        Some(ClientKey {
            branch,
            method: resp.head().cseq_method,
        })
    }
}

/// Identifies a server transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ServerKey {
    /// §17.2.3: branch, sent-by and method, with ACK matching its INVITE.
    Rfc3261 {
        /// Top Via branch (starts with the magic cookie).
        branch: Branch,
        /// Top Via sent-by, lower-cased.
        sent_by: String,
        /// The method, INVITE for ACK.
        method: Method,
    },
    /// RFC 2543 peers (no magic cookie): the request's identifying fields.
    Rfc2543 {
        /// Request-URI.
        uri: String,
        /// From tag.
        from_tag: Option<String>,
        /// Call-ID.
        call_id: String,
        /// CSeq number.
        cseq: u32,
        /// Method, INVITE for ACK.
        method: Method,
        /// Top Via as sent-by plus branch if any.
        via: String,
    },
}

impl ServerKey {
    /// The transaction a received request belongs to. CANCEL gets its own key
    /// (its method differs), ACK the key of the INVITE it acknowledges.
    pub fn of_request(req: &Request) -> ServerKey {
        let method = match req.method() {
            Method::Ack => Method::Invite,
            m => m,
        };
        let via = req.head().top_via();
        match via.branch() {
            Some(branch) if branch.is_rfc3261() => ServerKey::Rfc3261 {
                branch,
                sent_by: via.sent_by(),
                method,
            },
            branch => ServerKey::Rfc2543 {
                // The ACK for a non-2xx has the INVITE's Request-URI (§17.1.1.3), so the URI
                // matches; To-tag is left out because the INVITE had none.
                uri: req.uri().to_owned(),
                from_tag: req.head().from.tag().map(str::to_owned),
                call_id: req.head().call_id.as_str().to_owned(),
                cseq: req.head().cseq,
                method,
                via: format!(
                    "{}{}",
                    via.sent_by(),
                    branch.map(|b| b.to_string()).unwrap_or_default()
                ),
            },
        }
    }
}

impl ServerKey {
    /// The key of the INVITE transaction a CANCEL targets (§9.2: the CANCEL matches the
    /// INVITE's branch and sent-by, or its identifying fields for RFC 2543 peers).
    pub fn cancelled_invite(cancel: &Request) -> Option<ServerKey> {
        if cancel.method() != Method::Cancel {
            return None;
        }
        let mut key = ServerKey::of_request(cancel);
        match &mut key {
            ServerKey::Rfc3261 { method, .. } | ServerKey::Rfc2543 { method, .. } => {
                *method = Method::Invite;
            }
        }
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transaction::test_support::{request, response};

    #[test]
    fn ack_matches_its_invite_and_cancel_does_not() {
        let invite = request("INVITE", "UDP");
        let ack = request("ACK", "UDP");
        let cancel = request("CANCEL", "UDP");
        assert_eq!(ServerKey::of_request(&invite), ServerKey::of_request(&ack));
        assert_ne!(
            ServerKey::of_request(&invite),
            ServerKey::of_request(&cancel)
        );
    }

    #[test]
    fn same_branch_from_another_sent_by_is_another_transaction() {
        let a = request("OPTIONS", "UDP");
        let text = String::from_utf8(a.to_bytes())
            .unwrap()
            .replace("192.0.2.1:5060", "192.0.2.99:5060");
        let Ok(crate::Message::Request(b)) = crate::Message::parse(text.as_bytes()) else {
            panic!()
        };
        assert_ne!(ServerKey::of_request(&a), ServerKey::of_request(&b));
        // RFC 2543 peers (no magic cookie) are matched on the request's identity instead.
        let old = String::from_utf8(a.to_bytes())
            .unwrap()
            .replace("branch=z9hG4bKtest1", "branch=1234");
        let Ok(crate::Message::Request(old)) = crate::Message::parse(old.as_bytes()) else {
            panic!()
        };
        assert!(matches!(
            ServerKey::of_request(&old),
            ServerKey::Rfc2543 { .. }
        ));
    }

    #[test]
    fn cancel_finds_its_invite() {
        let invite = request("INVITE", "UDP");
        let cancel = request("CANCEL", "UDP");
        assert_eq!(
            ServerKey::cancelled_invite(&cancel),
            Some(ServerKey::of_request(&invite))
        );
        assert_eq!(ServerKey::cancelled_invite(&invite), None);
    }

    #[test]
    fn response_matches_client_by_branch_and_method() {
        let invite = request("INVITE", "UDP");
        let resp = response(&invite, 180);
        assert_eq!(
            ClientKey::of_request(&invite),
            ClientKey::of_response(&resp)
        );
        let cancel = request("CANCEL", "UDP");
        assert_ne!(
            ClientKey::of_request(&cancel),
            ClientKey::of_response(&resp)
        );
    }
}
