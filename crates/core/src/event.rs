//! Router events, named and shaped as Asterisk's `queue_log` so existing reporting
//! tools read them unchanged: `epoch|callid|queue|agent|EVENT|data1|data2|…`.
//!
//! A handful of Switchyard-only events (OFFER, OVERFLOW, MOVE, CALLBACK…, PRIORITY,
//! SKILLCHANGE) carry decisions app_queue has no name for; reporting tools that do
//! not know them skip them, as they skip any unknown verb.

use crate::channel::Channel;
use crate::config::{OverflowAction, OverflowTrigger};
use crate::ids::{AgentId, InteractionId, QueueId};
use crate::presence::PauseReason;
use crate::time::Time;
use serde::{Deserialize, Serialize};

/// One thing the router decided or observed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RouterEvent {
    /// When it happened.
    pub time: Time,
    /// The interaction concerned, if any (`callid`; "NONE" in queue_log otherwise).
    pub interaction: Option<InteractionId>,
    /// The queue concerned, if any.
    pub queue: Option<QueueId>,
    /// The agent concerned, if any.
    pub agent: Option<AgentId>,
    /// What happened, with its data fields.
    pub kind: EventKind,
}

/// Event verbs and their data fields (seconds unless named `_ms`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    /// Joined a queue. `caller_id` is the ANI or chat name.
    EnterQueue {
        /// Voice, chat or callback.
        channel: Channel,
        /// Who is calling.
        caller_id: String,
    },
    /// An offer started ringing an agent (Switchyard; app_queue logs no ring start).
    Offer {
        /// How long it may ring.
        ring_timeout_secs: u32,
    },
    /// The agent did not answer within the ring timeout (or rejected).
    RingNoAnswer {
        /// How long it rang, in milliseconds.
        ring_ms: u64,
    },
    /// The ring was cancelled (another agent answered, the caller left).
    RingCanceled {
        /// How long it rang, in milliseconds.
        ring_ms: u64,
    },
    /// The agent answered and the customer is connected.
    Connect {
        /// Seconds the customer waited.
        hold_secs: u64,
        /// The interaction id of the bridged leg (the same interaction here).
        bridged: InteractionId,
        /// Seconds it rang.
        ring_secs: u64,
    },
    /// The agent ended the interaction.
    CompleteAgent {
        /// Seconds waited.
        hold_secs: u64,
        /// Seconds talked.
        call_secs: u64,
        /// Position at entry.
        orig_position: u32,
    },
    /// The customer ended the interaction.
    CompleteCaller {
        /// Seconds waited.
        hold_secs: u64,
        /// Seconds talked.
        call_secs: u64,
        /// Position at entry.
        orig_position: u32,
    },
    /// The customer left while waiting.
    Abandon {
        /// Position when leaving.
        position: u32,
        /// Position at entry.
        orig_position: u32,
        /// Seconds waited.
        wait_secs: u64,
    },
    /// Left because the maximum wait was reached.
    ExitWithTimeout {
        /// Position when leaving.
        position: u32,
        /// Position at entry.
        orig_position: u32,
        /// Seconds waited.
        wait_secs: u64,
    },
    /// Left because nobody could take it (leavewhenempty).
    ExitEmpty {
        /// Position when leaving.
        position: u32,
        /// Position at entry.
        orig_position: u32,
        /// Seconds waited.
        wait_secs: u64,
    },
    /// Left by pressing a key.
    ExitWithKey {
        /// The key.
        key: char,
        /// Position when leaving.
        position: u32,
        /// Position at entry.
        orig_position: u32,
        /// Seconds waited.
        wait_secs: u64,
    },
    /// Refused at join: the queue was full.
    Full,
    /// Refused at join: nobody there (joinempty).
    JoinEmpty,
    /// Transferred by the agent after being connected.
    Transfer {
        /// Where to (queue name or number).
        target: String,
        /// Seconds waited.
        hold_secs: u64,
        /// Seconds talked.
        call_secs: u64,
        /// Position at entry.
        orig_position: u32,
    },
    /// Sent down the overflow chain (Switchyard).
    Overflow {
        /// Which limit fired.
        trigger: OverflowTrigger,
        /// What the link does.
        action: OverflowAction,
    },
    /// Moved by a supervisor to another queue, keeping its arrival time (Switchyard).
    Move {
        /// The target queue.
        to: QueueId,
    },
    /// Priority changed, by escalation or a supervisor (Switchyard).
    Priority {
        /// New priority.
        priority: i32,
    },
    /// Escalation step applied (Switchyard).
    Escalate {
        /// Index of the step.
        step: u32,
    },
    /// Became a callback keeping its place (Switchyard).
    CallbackRequest {
        /// Number to call back.
        number: String,
    },
    /// A callback's call to the customer failed (Switchyard).
    CallbackFailed {
        /// Attempts made so far.
        attempt: u32,
        /// Whether another attempt will be made.
        will_retry: bool,
    },
    /// Agent logged in.
    AgentLogin,
    /// Agent logged out.
    AgentLogoff {
        /// Seconds logged in.
        login_secs: u64,
    },
    /// Agent paused in a queue.
    Pause {
        /// Why.
        reason: PauseReason,
    },
    /// Agent unpaused in a queue.
    Unpause {
        /// Why (e.g. "auto-resume").
        reason: PauseReason,
    },
    /// Membership added.
    AddMember,
    /// Membership removed.
    RemoveMember,
}

impl EventKind {
    /// The queue_log verb.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::EnterQueue { .. } => "ENTERQUEUE",
            EventKind::Offer { .. } => "OFFER",
            EventKind::RingNoAnswer { .. } => "RINGNOANSWER",
            EventKind::RingCanceled { .. } => "RINGCANCELED",
            EventKind::Connect { .. } => "CONNECT",
            EventKind::CompleteAgent { .. } => "COMPLETEAGENT",
            EventKind::CompleteCaller { .. } => "COMPLETECALLER",
            EventKind::Abandon { .. } => "ABANDON",
            EventKind::ExitWithTimeout { .. } => "EXITWITHTIMEOUT",
            EventKind::ExitEmpty { .. } => "EXITEMPTY",
            EventKind::ExitWithKey { .. } => "EXITWITHKEY",
            EventKind::Full => "FULL",
            EventKind::JoinEmpty => "JOINEMPTY",
            EventKind::Transfer { .. } => "TRANSFER",
            EventKind::Overflow { .. } => "OVERFLOW",
            EventKind::Move { .. } => "MOVE",
            EventKind::Priority { .. } => "PRIORITY",
            EventKind::Escalate { .. } => "ESCALATE",
            EventKind::CallbackRequest { .. } => "CALLBACKREQUEST",
            EventKind::CallbackFailed { .. } => "CALLBACKFAILED",
            EventKind::AgentLogin => "AGENTLOGIN",
            EventKind::AgentLogoff { .. } => "AGENTLOGOFF",
            EventKind::Pause { .. } => "PAUSE",
            EventKind::Unpause { .. } => "UNPAUSE",
            EventKind::AddMember => "ADDMEMBER",
            EventKind::RemoveMember => "REMOVEMEMBER",
        }
    }

    /// The data fields, in queue_log order.
    pub fn data(&self) -> Vec<String> {
        fn s(v: impl ToString) -> String {
            v.to_string()
        }
        match self {
            // ENTERQUEUE|url|callerid
            EventKind::EnterQueue { channel, caller_id } => {
                vec![String::new(), clean(caller_id), s(channel)]
            }
            EventKind::Offer { ring_timeout_secs } => vec![s(ring_timeout_secs)],
            EventKind::RingNoAnswer { ring_ms } | EventKind::RingCanceled { ring_ms } => {
                vec![s(ring_ms)]
            }
            EventKind::Connect {
                hold_secs,
                bridged,
                ring_secs,
            } => vec![s(hold_secs), s(bridged.0), s(ring_secs)],
            EventKind::CompleteAgent {
                hold_secs,
                call_secs,
                orig_position,
            }
            | EventKind::CompleteCaller {
                hold_secs,
                call_secs,
                orig_position,
            } => {
                vec![s(hold_secs), s(call_secs), s(orig_position)]
            }
            EventKind::Abandon {
                position,
                orig_position,
                wait_secs,
            }
            | EventKind::ExitWithTimeout {
                position,
                orig_position,
                wait_secs,
            }
            | EventKind::ExitEmpty {
                position,
                orig_position,
                wait_secs,
            } => {
                vec![s(position), s(orig_position), s(wait_secs)]
            }
            EventKind::ExitWithKey {
                key,
                position,
                orig_position,
                wait_secs,
            } => {
                vec![s(key), s(position), s(orig_position), s(wait_secs)]
            }
            EventKind::Full | EventKind::JoinEmpty | EventKind::AgentLogin => vec![],
            EventKind::AddMember | EventKind::RemoveMember => vec![],
            EventKind::Transfer {
                target,
                hold_secs,
                call_secs,
                orig_position,
            } => {
                vec![
                    clean(target),
                    String::new(),
                    s(hold_secs),
                    s(call_secs),
                    s(orig_position),
                ]
            }
            EventKind::Overflow { trigger, action } => vec![
                clean(
                    &serde_json::to_value(trigger)
                        .map(|v| v.as_str().unwrap_or("").to_string())
                        .unwrap_or_default(),
                ),
                action_name(action).to_string(),
            ],
            EventKind::Move { to } => vec![s(to.0)],
            EventKind::Priority { priority } => vec![s(priority)],
            EventKind::Escalate { step } => vec![s(step)],
            EventKind::CallbackRequest { number } => vec![clean(number)],
            EventKind::CallbackFailed {
                attempt,
                will_retry,
            } => vec![s(attempt), s(will_retry)],
            EventKind::AgentLogoff { login_secs } => vec![String::new(), s(login_secs)],
            EventKind::Pause { reason } | EventKind::Unpause { reason } => {
                vec![clean(reason.as_str())]
            }
        }
    }
}

/// A short name for an overflow action (queue_log data field).
pub fn action_name(a: &OverflowAction) -> String {
    match a {
        OverflowAction::Queue { queue } => format!("queue:{}", queue.0),
        OverflowAction::Callback => "callback".into(),
        OverflowAction::Voicemail => "voicemail".into(),
        OverflowAction::Announcement { sound } => format!("announcement:{}", clean(sound)),
        OverflowAction::Menu { .. } => "menu".into(),
        OverflowAction::Hangup => "hangup".into(),
    }
}

// queue_log is pipe-separated, one event a line: keep both out of free text.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '|' || c == '\n' || c == '\r' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

impl RouterEvent {
    /// The queue_log verb; pauses without a queue are app_queue's PAUSEALL/UNPAUSEALL.
    pub fn verb(&self) -> &'static str {
        match (&self.kind, self.queue) {
            (EventKind::Pause { .. }, None) => "PAUSEALL",
            (EventKind::Unpause { .. }, None) => "UNPAUSEALL",
            (k, _) => k.name(),
        }
    }

    /// Formats the event as one `queue_log` line (without the newline), given the
    /// queue and agent names as reporting tools expect them.
    pub fn queue_log_line(&self, queue_name: Option<&str>, agent_name: Option<&str>) -> String {
        let mut line = format!(
            "{}|{}|{}|{}|{}",
            self.time.as_secs(),
            self.interaction
                .map(|i| i.0.to_string())
                .unwrap_or_else(|| "NONE".into()),
            queue_name.map(clean).unwrap_or_else(|| "NONE".into()),
            agent_name.map(clean).unwrap_or_else(|| "NONE".into()),
            self.verb()
        );
        for d in self.kind.data() {
            line.push('|');
            line.push_str(&d);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_log_lines_match_asterisk_layout() {
        let e = RouterEvent {
            time: Time::from_secs(1_700_000_000),
            interaction: Some(InteractionId(42)),
            queue: Some(QueueId(1)),
            agent: Some(AgentId(7)),
            kind: EventKind::Connect {
                hold_secs: 12,
                bridged: InteractionId(42),
                ring_secs: 3,
            },
        };
        assert_eq!(
            e.queue_log_line(Some("sales"), Some("Agent/101")),
            "1700000000|42|sales|Agent/101|CONNECT|12|42|3"
        );
        let e = RouterEvent {
            time: Time::from_secs(5),
            interaction: None,
            queue: None,
            agent: Some(AgentId(7)),
            kind: EventKind::Pause {
                reason: PauseReason::new("lunch|break"),
            },
        };
        assert_eq!(
            e.queue_log_line(None, Some("Agent/101")),
            "5|NONE|NONE|Agent/101|PAUSEALL|lunch_break"
        );
    }

    #[test]
    fn overflow_data_names_trigger_and_action() {
        let k = EventKind::Overflow {
            trigger: OverflowTrigger::MaxWait,
            action: OverflowAction::Voicemail,
        };
        assert_eq!(
            k.data(),
            vec!["max_wait".to_string(), "voicemail".to_string()]
        );
    }
}
