use super::*;

const HEAD: &str = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bKs1\r\n\
From: <sip:x@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: s1\r\nCSeq: 1 OPTIONS\r\n";

fn small() -> MessageLimits {
    MessageLimits {
        max_header_bytes: 512,
        max_body_bytes: 100,
    }
}

fn closed(f: StreamFrame) -> Rejection {
    match f {
        StreamFrame::Close(r) => r,
        other => panic!("expected Close, got {other:?}"),
    }
}

fn reply_status(r: &Rejection) -> String {
    let reply = String::from_utf8(r.reply.clone().expect("a reply")).unwrap();
    assert!(reply.contains("Call-ID: s1\r\n"), "{reply}");
    assert!(reply.contains("Via: SIP/2.0/TCP 192.0.2.1:5060"), "{reply}");
    reply.lines().next().unwrap().to_owned()
}

#[test]
fn frames_messages_and_keepalives() {
    let msg = b"OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabcNEXT";
    assert_eq!(stream_frame(msg), StreamFrame::Complete(msg.len() - 4));
    assert_eq!(stream_frame(&msg[..20]), StreamFrame::Incomplete);
    assert_eq!(stream_frame(b"\r\n\r\nOPTIONS"), StreamFrame::KeepAlive(4));
}

#[test]
fn missing_content_length_is_answered_400_then_closed() {
    let r = closed(stream_frame(format!("{HEAD}\r\n").as_bytes()));
    assert_eq!(r.problem, Problem::Missing("Content-Length"));
    assert_eq!(reply_status(&r), "SIP/2.0 400 Bad Request");
}

#[test]
fn a_body_over_the_cap_is_answered_413_before_it_is_read() {
    let msg = format!("{HEAD}Content-Length: 101\r\n\r\n");
    let r = closed(StreamFramer::new(small()).next(msg.as_bytes()));
    assert_eq!(r.problem, Problem::BodyTooLarge);
    assert_eq!(reply_status(&r), "SIP/2.0 413 Request Entity Too Large");
    let ok = format!("{HEAD}Content-Length: 100\r\n\r\n");
    assert_eq!(
        StreamFramer::new(small()).next(ok.as_bytes()),
        StreamFrame::Incomplete
    );
}

#[test]
fn a_content_length_that_would_overflow_is_answered_400() {
    for giant in [
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999",
    ] {
        let msg = format!("{HEAD}Content-Length: {giant}\r\n\r\n");
        let r = closed(stream_frame(msg.as_bytes()));
        assert_ne!(r.status, StatusCode::OK);
        assert!(r.reply.is_some());
    }
    // With the cap raised to the maximum, the addition itself is checked.
    let mut f = StreamFramer::new(MessageLimits {
        max_header_bytes: 1024,
        max_body_bytes: usize::MAX,
    });
    let msg = format!("{HEAD}Content-Length: {}\r\n\r\n", usize::MAX);
    let r = closed(f.next(msg.as_bytes()));
    assert_eq!(r.problem, Problem::BadContentLength);
}

#[test]
fn headers_over_the_cap_are_answered_513() {
    let mut f = StreamFramer::new(small());
    let mut buf = HEAD.as_bytes().to_vec();
    assert_eq!(f.next(&buf), StreamFrame::Incomplete);
    // Byte by byte: the framer resumes where it stopped and closes at the cap.
    let filler = format!("X-Pad: {}\r\n", "a".repeat(600));
    let mut verdict = StreamFrame::Incomplete;
    for b in filler.bytes() {
        buf.push(b);
        verdict = f.next(&buf);
        if verdict != StreamFrame::Incomplete {
            break;
        }
    }
    assert_eq!(buf.len(), 512, "closed exactly at the cap");
    let r = closed(verdict);
    assert_eq!(r.problem, Problem::HeadersTooLarge);
    assert_eq!(reply_status(&r), "SIP/2.0 513 Message Too Large");
}

#[test]
fn a_terminator_split_across_reads_is_found() {
    let mut f = StreamFramer::new(small());
    let msg = format!("{HEAD}Content-Length: 0\r\n\r\n");
    let (a, _) = msg.as_bytes().split_at(msg.len() - 2);
    assert_eq!(f.next(a), StreamFrame::Incomplete);
    assert_eq!(f.next(msg.as_bytes()), StreamFrame::Complete(msg.len()));
}

#[test]
fn responses_and_junk_are_closed_without_reply() {
    let r = closed(stream_frame(b"SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n"));
    assert_eq!(r.reply, None);
    let r = closed(StreamFramer::new(small()).next(&[b'z'; 600]));
    assert_eq!(r.problem, Problem::HeadersTooLarge);
    assert_eq!(r.reply, None);
    let dup = format!("{HEAD}l: 0\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(
        closed(stream_frame(dup.as_bytes())).problem,
        Problem::Duplicate("Content-Length")
    );
}

#[test]
fn datagrams_over_the_caps_are_refused() {
    let l = small();
    let ok = format!("{HEAD}Content-Length: 3\r\n\r\nabc");
    assert_eq!(datagram_within(ok.as_bytes(), &l), Ok(()));
    let big_body = format!("{HEAD}\r\n{}", "b".repeat(101));
    assert_eq!(
        datagram_within(big_body.as_bytes(), &l),
        Err(Problem::BodyTooLarge)
    );
    assert_eq!(
        datagram_within(&[b'h'; 513], &l),
        Err(Problem::HeadersTooLarge)
    );
}
