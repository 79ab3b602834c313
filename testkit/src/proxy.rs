//! A TCP proxy in front of a real store server: switched off, frozen or back on by the
//! test (the server going away mid-run without stopping it), and counting the round trips
//! that cross it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Forwards both ways.
    Up,
    /// Holds every byte (a server that hangs): clients time out.
    Frozen,
    /// Closes every connection and each new one at once (a server that went away).
    Down,
}

impl Link {
    fn code(self) -> u8 {
        match self {
            Link::Up => 0,
            Link::Frozen => 1,
            Link::Down => 2,
        }
    }
}

struct Shared {
    link: AtomicU8,
    changes: watch::Sender<u8>,
    round_trips: AtomicU64,
}

/// A loopback TCP proxy to `target`, for as long as the test holds it.
///
/// ```no_run
/// use axum_sesame_testkit::{Link, Proxy};
///
/// # async fn f() {
/// let proxy = Proxy::start("127.0.0.1:6379".parse().unwrap()).await;
/// let url = format!("redis://{}", proxy.addr());
/// // ... a store on `url` ...
/// proxy.set(Link::Down);
/// // ... its requests fail closed ...
/// proxy.set(Link::Up);
/// # let _ = url; }
/// ```
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy").field("addr", &self.addr).finish()
    }
}

impl Proxy {
    /// Listens on a free loopback port and forwards each connection to `target`.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("a bound port");
        let (changes, _) = watch::channel(Link::Up.code());
        let shared = Arc::new(Shared {
            link: AtomicU8::new(Link::Up.code()),
            changes,
            round_trips: AtomicU64::new(0),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accepting.link.load(Ordering::SeqCst) == Link::Down.code() {
                    drop(client);
                    continue;
                }
                tokio::spawn(forward(client, target, accepting.clone()));
            }
        });
        Proxy { addr, shared, task }
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switches the link; `Down` also closes the open connections.
    pub fn set(&self, link: Link) {
        self.shared.link.store(link.code(), Ordering::SeqCst);
        self.shared.changes.send_replace(link.code());
    }

    /// How many requests crossed to the server: bursts of client bytes, each after the
    /// server's answer to the one before (one per command for a client that waits for
    /// each answer, as the stores do).
    pub fn round_trips(&self) -> u64 {
        self.shared.round_trips.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.set(Link::Down);
    }
}

/// Pumps one connection both ways until either side closes or the link goes down.
async fn forward(client: TcpStream, target: SocketAddr, shared: Arc<Shared>) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Whether the server spoke since the client's last burst: the next burst is a new
    // round trip.
    let answered = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let up = {
        let shared = shared.clone();
        let answered = answered.clone();
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match client_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if !pass(&shared).await {
                    return;
                }
                if answered.swap(false, Ordering::SeqCst) {
                    shared.round_trips.fetch_add(1, Ordering::SeqCst);
                }
                if server_write.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let down = {
        let shared = shared.clone();
        async move {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match server_read.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                if !pass(&shared).await {
                    return;
                }
                answered.store(true, Ordering::SeqCst);
                if client_write.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    };
    let mut changes = shared.changes.subscribe();
    let gone = async move {
        let _ = changes.wait_for(|&code| code == Link::Down.code()).await;
    };
    // Whichever ends first ends the connection (both halves dropped: closed).
    tokio::select! {
        () = up => {}
        () = down => {}
        () = gone => {}
    }
}

/// Waits while the link is frozen; `false` once it is down.
async fn pass(shared: &Shared) -> bool {
    loop {
        match shared.link.load(Ordering::SeqCst) {
            0 => return true,
            2 => return false,
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}
