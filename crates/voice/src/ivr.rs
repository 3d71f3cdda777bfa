//! What a phone caller hears and may press once the router handed the call back to the
//! edge (an overflow voicemail, announcement or menu) or while confirming a callback
//! number: a pure state machine driven by `now`, prompts played and keys pressed, that
//! returns [`Step`]s for the edge to carry out. No sockets, no clock, no files.
//!
//! - **Announcement**: play the sound, then hang up.
//! - **Voicemail**: greeting then `beep`, then [`Step::Record`] until a key
//!   ([`Step::StopRecording`]) or the media stops it; then "goodbye" and hang up.
//! - **Menu**: play the prompt; a digit (also while the prompt plays) runs its action;
//!   an invalid digit or none within `timeout_secs` after the prompt plays
//!   `invalid-choice` and the menu again, up to `attempts` plays, then `default` runs.
//! - **Callback**: "we will call you back at" + the caller ID's digits + "press 1 to
//!   confirm, or enter another number followed by pound"; `1` as the first key takes
//!   the caller ID, digits then `#` (or a pause) take the keyed number, `*` starts over.
//!   (So a keyed number cannot start with 1 unless the caller ID has no digits.)

use std::time::Duration;
use switchyard_core::config::{Menu, OverflowAction};
use switchyard_core::{Channel, QueueId, Time};

/// The prompt said when a choice is not valid.
pub const INVALID: &str = "invalid-choice";
/// The prompt said before hanging up.
pub const GOODBYE: &str = "goodbye";
/// The prompt confirming a callback.
pub const CALLBACK_CONFIRMED: &str = "callback-confirmed";
/// "We will call you back at".
pub const CALLBACK_NUMBER: &str = "callback-number";
/// "Press 1 to confirm, or enter another number followed by pound."
pub const CALLBACK_CONFIRM: &str = "callback-confirm";
/// "Please enter your phone number followed by pound." (no usable caller ID).
pub const ENTER_NUMBER: &str = "enter-phone-number";
/// The tone before recording.
pub const BEEP: &str = "beep";

/// How long a callback confirmation waits for a key, and how often it is asked.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(6);
const CONFIRM_ATTEMPTS: u32 = 3;
/// Shortest callback number accepted.
const MIN_NUMBER: usize = 3;

/// What the caller is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Context {
    /// The queue the caller was in (a callback chosen in a menu waits there).
    pub queue: QueueId,
    /// The caller ID as presented.
    pub caller_id: String,
    /// The voicemail greeting prompt to play (the queue's own when uploaded).
    pub greeting: String,
}

/// What the edge must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Replace what the caller hears with these prompts (by name); call
    /// [`Ivr::played`] once they have been played.
    Play(Vec<String>),
    /// Start recording the caller (voicemail); call [`Ivr::recorded`] when it stops.
    Record,
    /// Stop the recording (a key was pressed); [`Ivr::recorded`] follows.
    StopRecording,
    /// (Re-)join the router in `queue`, keeping the caller's first arrival.
    Join {
        /// The queue.
        queue: QueueId,
        /// [`Channel::Voice`] to wait on the line, [`Channel::Callback`] to be called back.
        channel: Channel,
        /// Caller ID, or the number to call back.
        caller_id: String,
    },
    /// The caller, still in line, confirmed a callback to `number`.
    RequestCallback {
        /// The number to dial.
        number: String,
    },
    /// Back to waiting on hold (a callback confirmation given up while in line).
    Resume,
    /// Hang up the caller.
    Hangup,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Voicemail greeting and beep playing.
    Greeting,
    Recording,
    /// Recording stopped by a key, waiting for [`Ivr::recorded`].
    Stopping,
    /// The last prompt plays, then hang up.
    Closing,
    Menu {
        menu: Menu,
        /// How many times the menu has been played.
        plays: u32,
        /// Set once the prompt has been played.
        deadline: Option<Time>,
    },
    Confirm {
        /// True while the caller still waits in line.
        in_line: bool,
        digits: String,
        plays: u32,
        deadline: Option<Time>,
    },
    Done,
}

/// One caller's session.
#[derive(Clone, Debug)]
pub struct Ivr {
    ctx: Context,
    state: State,
}

impl Ivr {
    /// Runs an overflow (or menu) action for a caller who left the router.
    pub fn start(ctx: Context, action: &OverflowAction) -> (Ivr, Vec<Step>) {
        let mut ivr = Ivr {
            ctx,
            state: State::Done,
        };
        let steps = ivr.run(action);
        (ivr, steps)
    }

    /// Asks a caller who is still in line to confirm the callback number.
    pub fn confirm_callback(ctx: Context) -> (Ivr, Vec<Step>) {
        let mut ivr = Ivr {
            ctx,
            state: State::Done,
        };
        let steps = ivr.ask_number(true, 1);
        (ivr, steps)
    }

    /// Whether the session is over (the edge forgets it).
    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether a key now would end a recording (the edge must not pass it on).
    pub fn recording(&self) -> bool {
        self.state == State::Recording
    }

    /// When [`Ivr::on_timeout`] wants to run (no input in time).
    pub fn poll_timeout(&self) -> Option<Time> {
        match &self.state {
            State::Menu { deadline, .. } | State::Confirm { deadline, .. } => *deadline,
            _ => None,
        }
    }

    /// The prompts of the last [`Step::Play`] have been played.
    pub fn played(&mut self, now: Time) -> Vec<Step> {
        match &mut self.state {
            State::Greeting => {
                self.state = State::Recording;
                vec![Step::Record]
            }
            State::Closing => {
                self.state = State::Done;
                vec![Step::Hangup]
            }
            State::Menu { menu, deadline, .. } => {
                let wait = Duration::from_secs(menu.timeout_secs.into());
                deadline.get_or_insert(now + wait);
                Vec::new()
            }
            State::Confirm { deadline, .. } => {
                deadline.get_or_insert(now + CONFIRM_TIMEOUT);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The caller pressed `digit`.
    pub fn digit(&mut self, now: Time, digit: char) -> Vec<Step> {
        match &mut self.state {
            State::Recording => {
                self.state = State::Stopping;
                vec![Step::StopRecording]
            }
            State::Menu { menu, .. } => match menu.options.iter().find(|o| o.digit == digit) {
                Some(o) => {
                    let action = o.action.clone();
                    self.run(&action)
                }
                None => self.menu_retry(),
            },
            State::Confirm {
                in_line,
                digits,
                deadline,
                ..
            } => {
                let in_line = *in_line;
                let own = phone_digits(&self.ctx.caller_id);
                match digit {
                    // The caller ID as presented (E.164 `+` kept for the trunk).
                    '1' if digits.is_empty() && !own.is_empty() => {
                        let n = self.ctx.caller_id.clone();
                        self.confirmed(in_line, n)
                    }
                    '#' if digits.len() >= MIN_NUMBER => {
                        let n = std::mem::take(digits);
                        self.confirmed(in_line, n)
                    }
                    '#' | '*' => self.confirm_retry(),
                    d if d.is_ascii_digit() => {
                        let barge = deadline.is_none();
                        digits.push(d);
                        *deadline = Some(now + CONFIRM_TIMEOUT);
                        // The first key stops the prompt.
                        if barge {
                            vec![Step::Play(Vec::new())]
                        } else {
                            Vec::new()
                        }
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }

    /// No key in time: a menu or a confirmation is asked again (or falls through).
    pub fn on_timeout(&mut self, now: Time) -> Vec<Step> {
        if self.poll_timeout().is_none_or(|t| t > now) {
            return Vec::new();
        }
        match &mut self.state {
            State::Menu { .. } => self.menu_retry(),
            State::Confirm {
                in_line, digits, ..
            } if digits.len() >= MIN_NUMBER => {
                let (in_line, n) = (*in_line, std::mem::take(digits));
                self.confirmed(in_line, n)
            }
            State::Confirm { .. } => self.confirm_retry(),
            _ => Vec::new(),
        }
    }

    /// The voicemail recording stopped (key, silence, maximum length) and was stored.
    pub fn recorded(&mut self) -> Vec<Step> {
        match self.state {
            State::Recording | State::Stopping => self.close(GOODBYE),
            _ => Vec::new(),
        }
    }

    /// The confirmed number was refused by the tenant's callback policy or a rate limit
    /// (the steps after [`Step::RequestCallback`] / [`Step::Join`] must be dropped): a
    /// caller still in line goes back to hold, keeping the place; one in an overflow
    /// menu hears "invalid choice" and goodbye.
    pub fn number_refused(&mut self, in_line: bool) -> Vec<Step> {
        if in_line {
            self.state = State::Done;
            return vec![Step::Resume];
        }
        self.state = State::Closing;
        vec![Step::Play(vec![INVALID.into(), GOODBYE.into()])]
    }

    /// A [`Step::Join`] or [`Step::RequestCallback`] was refused: say goodbye.
    pub fn failed(&mut self) -> Vec<Step> {
        self.close(GOODBYE)
    }

    fn close(&mut self, prompt: &str) -> Vec<Step> {
        self.state = State::Closing;
        vec![Step::Play(vec![prompt.to_owned()])]
    }

    fn run(&mut self, action: &OverflowAction) -> Vec<Step> {
        match action {
            OverflowAction::Announcement { sound } => self.close(sound),
            OverflowAction::Hangup => {
                self.state = State::Done;
                vec![Step::Hangup]
            }
            OverflowAction::Voicemail => {
                self.state = State::Greeting;
                vec![Step::Play(vec![self.ctx.greeting.clone(), BEEP.into()])]
            }
            OverflowAction::Queue { queue } => {
                self.state = State::Done;
                vec![Step::Join {
                    queue: *queue,
                    channel: Channel::Voice,
                    caller_id: self.ctx.caller_id.clone(),
                }]
            }
            OverflowAction::Callback => self.ask_number(false, 1),
            OverflowAction::Menu { menu } => {
                let prompt = menu.prompt.clone();
                self.state = State::Menu {
                    menu: menu.clone(),
                    plays: 1,
                    deadline: None,
                };
                vec![Step::Play(vec![prompt])]
            }
        }
    }

    fn menu_retry(&mut self) -> Vec<Step> {
        let State::Menu {
            menu,
            plays,
            deadline,
        } = &mut self.state
        else {
            return Vec::new();
        };
        if *plays >= menu.attempts.max(1) {
            let default = (*menu.default).clone();
            return self.run(&default);
        }
        *plays += 1;
        *deadline = None;
        vec![Step::Play(vec![INVALID.into(), menu.prompt.clone()])]
    }

    fn ask_number(&mut self, in_line: bool, plays: u32) -> Vec<Step> {
        let own = phone_digits(&self.ctx.caller_id);
        let mut names = Vec::new();
        if plays > 1 {
            names.push(INVALID.to_owned());
        }
        if own.is_empty() {
            names.push(ENTER_NUMBER.into());
        } else {
            names.push(CALLBACK_NUMBER.into());
            names.extend(own.chars().map(|d| format!("num-{d}")));
            names.push(CALLBACK_CONFIRM.into());
        }
        self.state = State::Confirm {
            in_line,
            digits: String::new(),
            plays,
            deadline: None,
        };
        vec![Step::Play(names)]
    }

    fn confirm_retry(&mut self) -> Vec<Step> {
        let State::Confirm { in_line, plays, .. } = self.state else {
            return Vec::new();
        };
        if plays >= CONFIRM_ATTEMPTS {
            if in_line {
                self.state = State::Done;
                return vec![Step::Resume];
            }
            return self.close(GOODBYE);
        }
        self.ask_number(in_line, plays + 1)
    }

    fn confirmed(&mut self, in_line: bool, number: String) -> Vec<Step> {
        let first = if in_line {
            Step::RequestCallback { number }
        } else {
            Step::Join {
                queue: self.ctx.queue,
                channel: Channel::Callback,
                caller_id: number,
            }
        };
        let mut steps = vec![first];
        steps.extend(self.close(CALLBACK_CONFIRMED));
        steps
    }
}

/// The digits of a caller ID (`+1 555-0100` -> `15550100`); empty when it has none.
pub fn phone_digits(caller_id: &str) -> String {
    let user = caller_id.split('@').next().unwrap_or("");
    user.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
#[path = "ivr_tests.rs"]
mod tests;
