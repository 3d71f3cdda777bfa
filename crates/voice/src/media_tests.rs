use super::*;

// Shared with the test modules of `media_legs.rs` and `media_record.rs`.

pub(super) fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

pub(super) fn leg(law: Law, port: u16) -> Leg {
    Leg {
        law,
        pt: law.payload_type(),
        telephone_event: Some(101),
        remote: Some(addr(port)),
    }
}

pub(super) fn rtp(pt: u8, seq: u16, ts: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    RtpPacket {
        marker: false,
        payload_type: pt,
        seq,
        timestamp: ts,
        ssrc: 42,
        payload,
    }
    .write(&mut out);
    out
}

#[test]
fn plays_prompts_every_20_ms_to_the_sdp_address_then_to_where_rtp_comes_from() {
    let prompt = Arc::new(Prompt::from_samples(vec![1000; 320]));
    let mut m = CallMedia::new(Time(1000), leg(Law::Pcmu, 4000), 7, vec![prompt], None);
    let out = m.on_timeout(Time(1000));
    assert_eq!(out.len(), 1);
    let MediaOut::ToCaller(to, bytes) = &out[0] else {
        panic!()
    };
    assert_eq!(*to, addr(4000));
    let p = RtpPacket::parse(bytes).unwrap();
    assert_eq!((p.payload_type, p.ssrc, p.payload.len()), (0, 7, 160));
    assert_eq!(m.poll_timeout(), Some(Time(1020)));
    // The caller's RTP comes from elsewhere (NAT): follow it.
    m.on_caller_packet(addr(5000), &rtp(0, 1, 0, &[0xFF; 160]));
    let out = m.on_timeout(Time(1020));
    let MediaOut::ToCaller(to, bytes) = &out[0] else {
        panic!()
    };
    assert_eq!(*to, addr(5000));
    assert_eq!(RtpPacket::parse(bytes).unwrap().seq, p.seq.wrapping_add(1));
    assert_eq!(m.counters.caller_out, 2);
    assert_eq!(m.counters.caller_in, 1);
}

#[test]
fn rfc4733_digit_is_reported_once() {
    let mut m = CallMedia::new(Time(0), leg(Law::Pcmu, 4000), 7, vec![], None);
    let start = [5u8, 0x0A, 0, 160];
    let end = [5u8, 0x8A, 1, 64];
    assert_eq!(
        m.on_caller_packet(addr(4000), &rtp(101, 1, 800, &start)),
        vec![MediaOut::Key('5')]
    );
    assert!(
        m.on_caller_packet(addr(4000), &rtp(101, 2, 800, &start))
            .is_empty()
    );
    assert!(
        m.on_caller_packet(addr(4000), &rtp(101, 3, 800, &end))
            .is_empty()
    );
}

#[test]
fn bridge_relays_both_ways_and_transcodes() {
    let mut m = CallMedia::new(Time(0), leg(Law::Pcmu, 4000), 7, vec![], None);
    m.on_timeout(Time(0));
    m.bridge(leg(Law::Pcma, 6000));
    assert_eq!(m.poll_timeout(), None, "music stops");
    let ulaw_silence = [0xFFu8; 160];
    let out = m.on_caller_packet(addr(4000), &rtp(0, 10, 1600, &ulaw_silence));
    let MediaOut::ToAgent(to, bytes) = &out[0] else {
        panic!("{out:?}")
    };
    assert_eq!(*to, addr(6000));
    let p = RtpPacket::parse(bytes).unwrap();
    assert_eq!(p.payload_type, 8);
    assert_eq!(p.payload[0], 0xD5, "A-law silence");
    let out = m.on_agent_packet(addr(6001), &rtp(8, 500, 99, &[0xD5; 160]));
    let MediaOut::ToCaller(to, bytes) = &out[0] else {
        panic!()
    };
    assert_eq!(*to, addr(4000));
    let p = RtpPacket::parse(bytes).unwrap();
    assert_eq!(
        (p.ssrc, p.payload_type),
        (7, 0),
        "the caller keeps hearing our SSRC"
    );
    // Symmetric RTP toward the agent too.
    let out = m.on_caller_packet(addr(4000), &rtp(0, 11, 1760, &ulaw_silence));
    assert!(matches!(&out[0], MediaOut::ToAgent(to, _) if *to == addr(6001)));
    assert_eq!(
        m.counters,
        Counters {
            caller_in: 2,
            caller_out: 2,
            agent_in: 1,
            agent_out: 2,
            foreign: 0
        }
    );
}

#[test]
fn announcement_reports_when_done() {
    let mut m = CallMedia::new(Time(0), leg(Law::Pcma, 4000), 7, vec![], None);
    m.announce(vec![Arc::new(Prompt::from_samples(vec![0; 320]))]);
    let mut done = false;
    for t in 0..5 {
        done |= m
            .on_timeout(Time(t * 20))
            .contains(&MediaOut::AnnouncementDone);
    }
    assert!(done);
}

fn first_sample_of(out: &[MediaOut]) -> Vec<u8> {
    out.iter()
        .filter_map(|o| match o {
            MediaOut::ToCaller(_, b) => Some(RtpPacket::parse(b).unwrap().payload[0]),
            _ => None,
        })
        .collect()
}

#[test]
fn periodic_announcement_at_entry_plus_n_then_every_n_until_bridged() {
    let entry = Time(5_000);
    let mut m = CallMedia::new(entry, leg(Law::Pcmu, 4000), 7, vec![], None);
    m.repeat_every(entry, std::time::Duration::from_secs(30));
    let mut due = Vec::new();
    let mut t = entry;
    while t < Time(5_000 + 100_000) {
        if m.on_timeout(t).contains(&MediaOut::PeriodicDue) {
            due.push(t.0 - entry.0);
        }
        t = m.poll_timeout().unwrap();
    }
    assert_eq!(due, vec![30_000, 60_000, 90_000]);
    m.bridge(leg(Law::Pcmu, 6000));
    assert_eq!(m.poll_timeout(), None);
    assert!(
        m.on_timeout(Time(5_000 + 130_000)).is_empty(),
        "none once bridged"
    );
}

#[test]
fn late_wake_up_announces_once_and_keeps_the_grid() {
    let mut m = CallMedia::new(Time(0), leg(Law::Pcmu, 4000), 7, vec![], None);
    m.repeat_every(Time(0), std::time::Duration::from_secs(10));
    let out = m.on_timeout(Time(25_000));
    assert_eq!(
        out.iter().filter(|o| **o == MediaOut::PeriodicDue).count(),
        1
    );
    assert!(!m.on_timeout(Time(29_990)).contains(&MediaOut::PeriodicDue));
    assert!(m.on_timeout(Time(30_000)).contains(&MediaOut::PeriodicDue));
}

#[test]
fn ending_announcement_stops_periodic_ones() {
    let mut m = CallMedia::new(Time(0), leg(Law::Pcmu, 4000), 7, vec![], None);
    m.repeat_every(Time(0), std::time::Duration::from_secs(1));
    m.announce(vec![]);
    assert!(!m.on_timeout(Time(5_000)).contains(&MediaOut::PeriodicDue));
}

#[test]
fn say_plays_over_the_music_which_then_resumes() {
    let moh = Arc::new(Prompt::from_samples(vec![-8000; 160 * 100]));
    let speech = Arc::new(Prompt::from_samples(vec![8000; 320]));
    let mut m = CallMedia::new(Time(0), leg(Law::Pcmu, 4000), 7, vec![], Some(moh));
    let music = first_sample_of(&m.on_timeout(Time(0)))[0];
    m.say(vec![speech]);
    let heard: Vec<u8> = (1..5)
        .flat_map(|i| first_sample_of(&m.on_timeout(Time(i * 20))))
        .collect();
    assert_ne!(heard[0], music);
    assert_eq!(heard[0], heard[1], "two frames of the prompt");
    assert_eq!(&heard[2..], &[music, music], "then the music again");
}
