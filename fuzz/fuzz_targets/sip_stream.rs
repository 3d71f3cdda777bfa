//! TCP framing: a byte stream read in arbitrary chunks is cut into frames that never
//! overrun the buffer, and each complete frame goes through the parser without panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_sip::{Message, StreamFrame, stream_frame};

fuzz_target!(|data: &[u8]| {
    // First byte: read size (1..=256); the rest is the stream.
    let Some((&chunk, stream)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk) + 1;
    let mut buf: Vec<u8> = Vec::new();
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match stream_frame(&buf) {
                StreamFrame::KeepAlive(n) => {
                    assert!(n > 0 && n <= buf.len());
                    buf.drain(..n);
                }
                StreamFrame::Complete(n) => {
                    assert!(n > 0 && n <= buf.len());
                    let frame: Vec<u8> = buf.drain(..n).collect();
                    let _ = Message::parse(&frame);
                }
                StreamFrame::Incomplete => break,
                StreamFrame::Invalid => return,
            }
            if buf.is_empty() {
                break;
            }
        }
    }
});
