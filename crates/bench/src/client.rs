//! A minimal protocol client over tokio-tungstenite: connect (spreading source
//! addresses over 127.0.0.x so tens of thousands of sockets fit in the port range),
//! send `{"v":1,…}`, and wait for a message of a given type.

use crate::error::{Error, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// Sockets per source address (the ephemeral range holds about 28,000 ports).
const PER_SOURCE: usize = 20_000;

/// One protocol connection.
#[derive(Debug)]
pub(crate) struct Client {
    ws: WebSocketStream<TcpStream>,
}

/// Opens `ws://addr/path`; the `n`-th connection of a run picks its source address.
pub(crate) async fn connect(addr: SocketAddr, path: &str, n: usize) -> Result<Client> {
    let socket = TcpSocket::new_v4()?;
    if let IpAddr::V4(ip) = addr.ip()
        && ip.is_loopback()
    {
        let k = u8::try_from(1 + n / PER_SOURCE).unwrap_or(250);
        socket.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, k)), 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let url = format!("ws://{addr}{path}");
    let (ws, _) = tokio_tungstenite::client_async(url, stream).await?;
    Ok(Client { ws })
}

impl Client {
    /// Sends one message (the version field is added).
    pub(crate) async fn send(&mut self, mut msg: Value) -> Result<()> {
        msg["v"] = json!(1);
        self.ws.send(Message::text(msg.to_string())).await?;
        Ok(())
    }

    /// The next JSON message (None when the socket closed).
    pub(crate) async fn next(&mut self) -> Result<Option<Value>> {
        while let Some(m) = self.ws.next().await {
            match m? {
                Message::Text(t) => {
                    return serde_json::from_str(t.as_str()).map(Some).map_err(|_| {
                        Error::Protocol {
                            expected: "JSON",
                            got: t.as_str().chars().take(200).collect(),
                        }
                    });
                }
                Message::Close(_) => return Ok(None),
                _ => {}
            }
        }
        Ok(None)
    }

    /// Waits for a message of type `ty`, skipping others; an `error` fails.
    pub(crate) async fn expect(&mut self, ty: &'static str, within: Duration) -> Result<Value> {
        let wait = async {
            loop {
                match self.next().await? {
                    Some(m) if m["type"] == ty => return Ok(m),
                    Some(m) if m["type"] == "error" => {
                        return Err(Error::Protocol {
                            expected: ty,
                            got: m.to_string(),
                        });
                    }
                    Some(_) => {}
                    None => {
                        return Err(Error::Protocol {
                            expected: ty,
                            got: "socket closed".into(),
                        });
                    }
                }
            }
        };
        tokio::time::timeout(within, wait)
            .await
            .map_err(|_| Error::Timeout(ty))?
    }

    /// Closes the socket.
    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
