//! A TCP proxy for testing sync over bad links: it listens on 127.0.0.1,
//! forwards every connection to the county server, and while faults are on
//! it refuses, throttles, delays, drops and cuts connections as a seeded
//! [`Plan`] decides. Faults last a bounded period (or until
//! [`FaultProxy::end_faults`]); after that it is a clean pass-through, so a
//! test can wait for the replicas to converge. It counts what it did.

mod plan;
mod tally;

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

pub use plan::{Fault, OnConnect, Plan, Rng};
pub use tally::{Counts, Tally};

/// How often a throttled link forwards its next slice.
const THROTTLE_TICK: Duration = Duration::from_millis(50);
/// The most one read takes from a socket.
const CHUNK: usize = 16 * 1024;

/// A running proxy; stops (with every link through it) when dropped.
///
/// It runs on its own thread and runtime, so a busy test (edits are
/// blocking work) never holds back its timers or its forwarding.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

struct Shared {
    plan: Plan,
    /// Faults are injected before this moment.
    faulty_until: Mutex<Instant>,
    tally: Tally,
}

impl Shared {
    fn faulty(&self) -> bool {
        let until = *self.faulty_until.lock().unwrap_or_else(|e| e.into_inner());
        Instant::now() < until
    }
}

impl FaultProxy {
    /// Listen on a free port of 127.0.0.1 and forward to `upstream`,
    /// injecting `plan`'s faults for `plan.faulty_for` from now.
    pub fn start(upstream: SocketAddr, plan: Plan) -> io::Result<FaultProxy> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            faulty_until: Mutex::new(Instant::now() + plan.faulty_for),
            plan,
            tally: Tally::default(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (stop, stopped) = oneshot::channel();
        let running = shared.clone();
        std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(listener) else {
                        return;
                    };
                    tokio::select! {
                        () = accept_loop(listener, upstream, running) => {}
                        _ = stopped => {}
                    }
                });
                // Dropping the runtime ends every link still open.
            })?;
        Ok(FaultProxy {
            addr,
            shared,
            stop: Some(stop),
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The county server's sync URL, through this proxy.
    pub fn sync_url(&self) -> String {
        format!("ws://{}/sync", self.addr)
    }

    /// Whether faults are still being injected.
    pub fn faults_on(&self) -> bool {
        self.shared.faulty()
    }

    /// Inject faults for `period` from now (whatever the plan said).
    pub fn faults_for(&self, period: Duration) {
        *self
            .shared
            .faulty_until
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Instant::now() + period;
    }

    /// No more faults from now on: a clean pass-through. Links already
    /// throttled or delayed finish their current chunk at full speed.
    pub fn end_faults(&self) {
        *self
            .shared
            .faulty_until
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// What the proxy has done so far.
    pub fn counts(&self) -> Counts {
        self.shared.tally.snapshot()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    let mut links = JoinSet::new();
    let mut n = 0u64;
    loop {
        while links.try_join_next().is_some() {}
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(_) => {
                // Out of descriptors, most likely: let some links end.
                tokio::time::sleep(THROTTLE_TICK).await;
                continue;
            }
        };
        n += 1;
        Tally::add(&shared.tally.connections, 1);
        let rng = Rng::for_connection(shared.plan.seed, n);
        links.spawn(link(client, upstream, shared.clone(), rng));
    }
}

/// How one direction of a link ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The sender finished; the other direction may go on.
    Eof,
    /// A fault or an error: close both sides now.
    Kill,
}

/// One client connection, forwarded to a new connection to `upstream`.
async fn link(client: TcpStream, upstream: SocketAddr, shared: Arc<Shared>, mut rng: Rng) {
    let tally = &shared.tally;
    let mut throttle = None;
    let mut life = None;
    if shared.faulty() {
        life = shared.plan.lifetime(&mut rng);
        match shared.plan.on_connect(&mut rng) {
            OnConnect::Refuse => {
                Tally::add(&tally.refused, 1);
                return;
            }
            OnConnect::Throttle(rate) => {
                Tally::add(&tally.throttled, 1);
                throttle = Some(rate);
            }
            OnConnect::Pass => {}
        }
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up_rng = Rng::for_connection(rng.next_u64(), 1);
    let down_rng = Rng::for_connection(rng.next_u64(), 2);
    let up = pump(
        client_read,
        server_write,
        &tally.bytes_up,
        throttle,
        &shared,
        up_rng,
    );
    let down = pump(
        server_read,
        client_write,
        &tally.bytes_down,
        throttle,
        &shared,
        down_rng,
    );
    let end_of_life = tokio::time::sleep(life.unwrap_or(Duration::MAX / 4));
    tokio::pin!(up, down, end_of_life);
    let (mut up_done, mut down_done, mut aged) = (false, false, life.is_none());
    while !(up_done && down_done) {
        let ending = tokio::select! {
            e = &mut up, if !up_done => { up_done = true; e }
            e = &mut down, if !down_done => { down_done = true; e }
            () = &mut end_of_life, if !aged => {
                aged = true;
                if shared.faulty() {
                    Tally::add(&tally.drops, 1);
                    Ending::Kill
                } else {
                    Ending::Eof
                }
            }
        };
        if ending == Ending::Kill {
            break;
        }
    }
    // Returning drops all four halves: both sides are closed.
}

/// Forward bytes one way until the sender finishes or a fault strikes.
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    forwarded: &AtomicU64,
    throttle: Option<u32>,
    shared: &Shared,
    mut rng: Rng,
) -> Ending {
    let tally = &shared.tally;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) => {
                let _ = to.shutdown().await;
                return Ending::Eof;
            }
            Ok(n) => n,
            Err(_) => return Ending::Kill,
        };
        let chunk = &buf[..n];
        let fault = if shared.faulty() {
            shared.plan.on_chunk(&mut rng, n)
        } else {
            Fault::None
        };
        match fault {
            Fault::None => {}
            Fault::Delay(hold) => {
                Tally::add(&tally.delays, 1);
                tokio::time::sleep(hold).await;
            }
            Fault::Drop => {
                Tally::add(&tally.drops, 1);
                return Ending::Kill;
            }
            Fault::Cut(part) => {
                Tally::add(&tally.cuts, 1);
                let _ = send(&mut to, &chunk[..part], forwarded, throttle, shared).await;
                return Ending::Kill;
            }
        }
        if send(&mut to, chunk, forwarded, throttle, shared)
            .await
            .is_err()
        {
            return Ending::Kill;
        }
    }
}

/// Write `bytes`, at most `throttle` bytes a second while faults are on.
async fn send(
    to: &mut OwnedWriteHalf,
    bytes: &[u8],
    forwarded: &AtomicU64,
    throttle: Option<u32>,
    shared: &Shared,
) -> io::Result<()> {
    let mut rest = bytes;
    if let Some(rate) = throttle {
        let slice = (rate as usize * THROTTLE_TICK.as_millis() as usize / 1000).max(1);
        while !rest.is_empty() && shared.faulty() {
            let (now, later) = rest.split_at(slice.min(rest.len()));
            to.write_all(now).await?;
            Tally::add(forwarded, now.len() as u64);
            rest = later;
            tokio::time::sleep(THROTTLE_TICK).await;
        }
    }
    to.write_all(rest).await?;
    Tally::add(forwarded, rest.len() as u64);
    Ok(())
}
