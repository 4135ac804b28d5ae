//! Checks in progress per host. A host gets one check until it has answered once; after that, at
//! most its fair share of the run's concurrency (the concurrency divided by the hosts in
//! progress, at least one), and never more than a cap. Each check in progress at a host holds a
//! connection to it: a bulk run spread over thousands of customer hosts then keeps about one
//! connection per host, reused with its TLS session, instead of one for every check that
//! happened to arrive while the host's other connection was busy; a run against one host still
//! gets the whole concurrency; and no host is sent more than the cap at once.
//!
//! Connections are counted too, in use and idle. Each holds a socket and some 30 KiB of HTTP and
//! TLS buffers for as long as the pool keeps it ([`POOL_IDLE_TIMEOUT`]), and a run over more
//! hosts than it revisits (one key per customer host) would otherwise keep one for every line it
//! has checked. Once a budget is reached, a check opening a new connection to a host that nobody
//! is waiting for asks for it to be closed after the answer ([`HostSlot::keep_connection`]):
//! the connections already kept stay warm for their hosts' next checks, and memory and open
//! files stay bounded.
//!
//! A run may check on several shards, each a thread with its own connection pool
//! ([`HostSlots::sharded`]). Idle connections are then counted per shard, and a place says which
//! shard its check runs on: one holding an idle connection to the host if any does, else the one
//! with the fewest checks in progress. A host then has no more connections than with one pool.

use std::collections::VecDeque;

use foldhash::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::oneshot;
// Tokio's clock, so that tests can move it on.
use tokio::time::Instant;

/// How long the pool keeps a connection nobody uses; [`HostSlots`] counts idle connections
/// until then.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Hosts kept before the idle ones are dropped; the threshold grows with the hosts in use, so the
/// table stays small without being swept on every check.
const SWEEP_AT_LEAST: usize = 1024;

/// With [`connection_budget`]: connections and checks in progress a run keeps at most. Each
/// check in progress costs about as much memory as a connection, so the budget for connections
/// shrinks as the concurrency grows: about 100 MiB in all.
const KEPT_CONNECTIONS: usize = 3328;

/// Idle connections kept beside the concurrency whatever it is.
const MIN_IDLE: usize = 256;

/// Shards a table can count connections for.
pub const MAX_SHARDS: usize = 4;

/// How often, at most, connections idle past [`POOL_IDLE_TIMEOUT`] are looked for once the
/// budget is reached.
const EXPIRY_SCAN: Duration = Duration::from_secs(1);

/// The connections, in use and idle, a run at `concurrency` keeps at most: 3,328 less the
/// checks in progress, and never fewer than the concurrency and 256 more.
pub fn connection_budget(concurrency: usize) -> usize {
    KEPT_CONNECTIONS
        .saturating_sub(concurrency)
        .max(concurrency.saturating_add(MIN_IDLE))
}

/// The hosts of a run and their checks in progress. Cheap to clone; clones share the table.
#[derive(Debug, Clone)]
pub struct HostSlots(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    cap: usize,
    concurrency: usize,
    table: Mutex<Table>,
}

#[derive(Debug)]
struct Table {
    hosts: HashMap<Box<str>, Host>,
    /// Hosts with a check in progress or waiting.
    active: usize,
    sweep_at: usize,
    pool: Pool,
}

/// What the table knows of the connection pool.
#[derive(Debug)]
struct Pool {
    /// Connections left idle by checks that kept theirs (the sum of [`Host::pooled`]).
    idle: usize,
    /// Connections open at most, idle and in use: a new one is kept only while the idle ones
    /// leave room for `concurrency` in use.
    budget: usize,
    concurrency: usize,
    scanned: Option<Instant>,
    /// Checks in progress on each shard (one entry per shard).
    busy: Vec<usize>,
}

#[derive(Debug, Default)]
struct Host {
    in_flight: usize,
    /// Checks waiting, first come first served: each is handed its place when one is free.
    queue: VecDeque<oneshot::Sender<Start>>,
    /// Whether a check at this host has ended (answered or failed) since it was last swept.
    answered: bool,
    /// Connections to this host left idle, as far as the table knows, per shard.
    pooled: [u32; MAX_SHARDS],
    /// When one was last left idle.
    returned: Option<Instant>,
}

/// How a check starts at its host.
#[derive(Debug, Clone, Copy)]
struct Start {
    /// It may leave its connection idle for the next check.
    keep: bool,
    /// It takes a connection left idle before.
    reused: bool,
    /// The shard it runs on.
    shard: u8,
}

impl Start {
    /// For a check that goes ahead without the table (it went away): as if there were none.
    const UNTRACKED: Start = Start {
        keep: true,
        reused: false,
        shard: 0,
    };
}

impl Host {
    fn idle(&self) -> bool {
        self.in_flight == 0 && self.queue.is_empty()
    }

    /// Idle connections to this host on all shards.
    fn pooled(&self) -> usize {
        self.pooled.iter().map(|&n| n as usize).sum()
    }

    /// How many checks may be in progress here with `active` hosts in progress.
    fn allowed(&self, active: usize, cap: usize, concurrency: usize) -> usize {
        if self.answered {
            concurrency.div_ceil(active.max(1)).clamp(1, cap)
        } else {
            1
        }
    }

    /// Starts a check here: it takes an idle connection if there is one. Whether it keeps a
    /// new one is decided when it sends ([`HostSlot::keep_connection`]).
    fn start(&mut self, pool: &mut Pool) -> Start {
        self.in_flight += 1;
        let shards = pool.busy.len();
        let kept = (0..shards).find(|&s| self.pooled[s] > 0);
        let shard = kept.unwrap_or_else(|| pool.least_busy());
        let reused = kept.is_some();
        if reused {
            self.pooled[shard] -= 1;
            pool.idle = pool.idle.saturating_sub(1);
        }
        pool.busy[shard] += 1;
        Start {
            keep: true,
            reused,
            shard: shard as u8,
        }
    }

    /// A started check ends: with `used`, its connection is left idle if it was to be kept;
    /// without, one it took is given back unused.
    fn end(&mut self, start: Start, used: bool, pool: &mut Pool) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let shard = usize::from(start.shard);
        if let Some(busy) = pool.busy.get_mut(shard) {
            *busy = busy.saturating_sub(1);
        }
        if (used && start.keep) || (!used && start.reused) {
            self.pooled[shard.min(MAX_SHARDS - 1)] += 1;
            pool.idle += 1;
            self.returned = Some(Instant::now());
        }
    }

    /// Hands free places to the first waiters still waiting.
    fn hand_off(&mut self, allowed: usize, pool: &mut Pool) {
        while self.in_flight < allowed {
            let Some(waiter) = self.queue.pop_front() else {
                break;
            };
            let start = self.start(pool);
            if waiter.send(start).is_err() {
                self.end(start, false, pool);
            }
        }
    }
}

impl Pool {
    /// Whether one more idle connection leaves room for the concurrency within the budget.
    fn has_room(&self) -> bool {
        self.idle + self.concurrency < self.budget
    }

    /// The shard with the fewest checks in progress.
    fn least_busy(&self) -> usize {
        (0..self.busy.len())
            .min_by_key(|&s| self.busy[s])
            .unwrap_or(0)
    }

    /// Whether a scan for expired connections is due (once the budget is reached).
    fn scan_due(&self, now: Instant) -> bool {
        self.scanned
            .is_none_or(|at| now.duration_since(at) >= EXPIRY_SCAN)
    }
}

/// A check's place at one host, given back when dropped.
#[derive(Debug)]
pub struct HostSlot {
    inner: Arc<Inner>,
    host: Box<str>,
    start: Start,
}

impl HostSlot {
    /// The shard the check runs on (0 with one shard).
    pub fn shard(&self) -> usize {
        usize::from(self.start.shard)
    }

    /// Decides, as the check is about to send, whether it may leave its connection open for
    /// the host's next check: yes for a connection kept before, for a host with checks waiting,
    /// and while the idle connections leave room for the concurrency within the budget. When
    /// not, its requests ask for the connection to be closed after the answer (`Connection:
    /// close`). A slot never asked keeps its connection.
    pub fn keep_connection(&mut self) -> bool {
        if !self.start.reused {
            let table = self.inner.lock();
            self.start.keep = table
                .hosts
                .get(&*self.host)
                .is_none_or(|host| !host.queue.is_empty() || table.pool.has_room());
        }
        self.start.keep
    }
}

impl HostSlots {
    /// At most `cap` checks in progress per host, out of `concurrency` in all (both at least 1);
    /// connections kept within [`connection_budget`].
    pub fn new(cap: usize, concurrency: usize) -> Self {
        Self::with_connection_budget(cap, concurrency, connection_budget(concurrency))
    }

    /// As [`HostSlots::new`], keeping connections (in use and idle) for hosts nobody waits for
    /// only while there are fewer than `budget`: fewer when open files are scarce.
    pub fn with_connection_budget(cap: usize, concurrency: usize, budget: usize) -> Self {
        Self::sharded(cap, concurrency, budget, 1)
    }

    /// As [`HostSlots::with_connection_budget`], for checks run on `shards` shards (1 to
    /// [`MAX_SHARDS`]), each with its own connection pool: each place names its shard
    /// ([`HostSlot::shard`]).
    pub fn sharded(cap: usize, concurrency: usize, budget: usize, shards: usize) -> Self {
        Self(Arc::new(Inner {
            cap: cap.max(1),
            concurrency: concurrency.max(1),
            table: Mutex::new(Table {
                hosts: HashMap::default(),
                active: 0,
                sweep_at: SWEEP_AT_LEAST,
                pool: Pool {
                    idle: 0,
                    budget,
                    concurrency: concurrency.max(1),
                    scanned: None,
                    busy: vec![0; shards.clamp(1, MAX_SHARDS)],
                },
            }),
        }))
    }

    /// Waits for a place at `host` (`host:port`, or any text naming one host), after the
    /// checks that asked before. Dropping the future while it waits gives its turn up.
    pub async fn enter(&self, host: &str) -> HostSlot {
        let taken = self.0.lock().take(host, self.0.cap, self.0.concurrency);
        let start = match taken {
            Ok(start) => start,
            Err(turn) => {
                let mut waiting = Waiting {
                    inner: &self.0,
                    host,
                    turn: Some(turn),
                };
                let start = match waiting.turn.as_mut() {
                    // An error means the place was never handed (the table went away): go ahead.
                    Some(turn) => turn.await.unwrap_or(Start::UNTRACKED),
                    None => Start::UNTRACKED,
                };
                waiting.turn = None;
                start
            }
        };
        HostSlot {
            inner: Arc::clone(&self.0),
            host: host.into(),
            start,
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> (usize, usize) {
        let table = self.0.lock();
        (table.hosts.len(), table.active)
    }

    /// Idle connections, as the table counts them.
    #[cfg(test)]
    fn pooled(&self) -> usize {
        self.0.lock().pool.idle
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Table> {
        // A poisoned lock only means a panic elsewhere; every change leaves the table whole.
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Table {
    /// Takes a place at `host` if one is free and nobody is waiting for it, or joins the
    /// host's queue.
    fn take(
        &mut self,
        host: &str,
        cap: usize,
        concurrency: usize,
    ) -> Result<Start, oneshot::Receiver<Start>> {
        if !self.pool.has_room() {
            let now = Instant::now();
            if self.pool.scan_due(now) {
                self.expire(now);
            }
        }
        if !self.hosts.contains_key(host) {
            if self.hosts.len() >= self.sweep_at {
                self.expire(Instant::now());
                self.hosts.retain(|_, h| !h.idle() || h.pooled() > 0);
                self.sweep_at = SWEEP_AT_LEAST.max(self.hosts.len() * 2);
            }
            self.hosts.insert(host.into(), Host::default());
        }
        let active = self.active;
        let Some(entry) = self.hosts.get_mut(host) else {
            // Inserted just above; were it not, going ahead beats waiting for nothing.
            return Ok(Start::UNTRACKED);
        };
        if entry.idle() {
            self.active = active + 1;
        }
        if entry.queue.is_empty() && entry.in_flight < entry.allowed(self.active, cap, concurrency)
        {
            Ok(entry.start(&mut self.pool))
        } else {
            let (turn, wait) = oneshot::channel();
            entry.queue.push_back(turn);
            Err(wait)
        }
    }

    /// Forgets the idle connections the pool has closed by now (idle for [`POOL_IDLE_TIMEOUT`]).
    fn expire(&mut self, now: Instant) {
        self.pool.scanned = Some(now);
        for host in self.hosts.values_mut() {
            let expired = host
                .returned
                .is_some_and(|at| now.duration_since(at) >= POOL_IDLE_TIMEOUT);
            if expired && host.pooled() > 0 {
                self.pool.idle = self.pool.idle.saturating_sub(host.pooled());
                host.pooled = [0; MAX_SHARDS];
            }
        }
    }

    /// A check leaves `host`: hands free places on and lets the host go idle.
    fn leave(&mut self, host: &str, left: Left, cap: usize, concurrency: usize) {
        let Some(entry) = self.hosts.get_mut(host) else {
            return;
        };
        match left {
            Left::Ended(start) => {
                entry.end(start, true, &mut self.pool);
                entry.answered = true;
            }
            Left::Unused(start) => entry.end(start, false, &mut self.pool),
            Left::GaveUp => entry.queue.retain(|waiter| !waiter.is_closed()),
        }
        entry.hand_off(entry.allowed(self.active, cap, concurrency), &mut self.pool);
        if entry.idle() {
            self.active = self.active.saturating_sub(1);
        }
    }
}

/// How a check left a host.
#[derive(Debug, Clone, Copy)]
enum Left {
    /// Its exchange ended (answered or failed): the host has been reached.
    Ended(Start),
    /// It gave up a place handed to it before using it.
    Unused(Start),
    /// It stopped waiting.
    GaveUp,
}

impl Drop for HostSlot {
    fn drop(&mut self) {
        let (cap, concurrency) = (self.inner.cap, self.inner.concurrency);
        self.inner
            .lock()
            .leave(&self.host, Left::Ended(self.start), cap, concurrency);
    }
}

/// A check in a host's queue; leaves it if it stops waiting, giving back a place handed to it
/// meanwhile.
struct Waiting<'a> {
    inner: &'a Inner,
    host: &'a str,
    turn: Option<oneshot::Receiver<Start>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(mut turn) = self.turn.take() else {
            return;
        };
        turn.close();
        let left = match turn.try_recv() {
            Ok(start) => Left::Unused(start),
            Err(_) => Left::GaveUp,
        };
        let (cap, concurrency) = (self.inner.cap, self.inner.concurrency);
        self.inner.lock().leave(self.host, left, cap, concurrency);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether `future` is still waiting after the runtime has had a chance to run it.
    async fn waits<F: std::future::Future>(future: F) -> bool {
        tokio::time::timeout(Duration::from_millis(20), future)
            .await
            .is_err()
    }

    #[tokio::test]
    async fn one_at_a_time_until_the_host_has_answered_then_up_to_the_cap() {
        let hosts = HostSlots::new(3, 64);
        let first = hosts.enter("a.test:443").await;
        assert!(
            waits(hosts.enter("a.test:443")).await,
            "a second check started before the first answered"
        );
        let _other_host = hosts.enter("b.test:443").await;
        drop(first);
        let _one = hosts.enter("a.test:443").await;
        let _two = hosts.enter("a.test:443").await;
        let _three = hosts.enter("a.test:443").await;
        assert!(
            waits(hosts.enter("a.test:443")).await,
            "a fourth check started with a cap of 3"
        );
    }

    #[tokio::test]
    async fn each_host_gets_its_share_of_the_concurrency() {
        let hosts = HostSlots::new(8, 8);
        for host in ["a", "b", "c", "d"] {
            drop(hosts.enter(host).await); // answered once
        }
        // Alone, a host may use the whole concurrency.
        let alone: Vec<_> = futures::future::join_all((0..8).map(|_| hosts.enter("a"))).await;
        drop(alone);
        // With four hosts in progress, two each.
        let _b = hosts.enter("b").await;
        let _c = hosts.enter("c").await;
        let _d = hosts.enter("d").await;
        let _a1 = hosts.enter("a").await;
        let _a2 = hosts.enter("a").await;
        assert!(
            waits(hosts.enter("a")).await,
            "a third check for one of four hosts"
        );
    }

    #[tokio::test]
    async fn a_place_given_back_lets_a_waiting_check_in_and_a_dropped_wait_leaves_no_trace() {
        let hosts = HostSlots::new(1, 4);
        let first = hosts.enter("a").await;
        let waiting = {
            let hosts = hosts.clone();
            tokio::spawn(async move {
                hosts.enter("a").await;
            })
        };
        // A wait given up (as on Ctrl-C) must not count as a waiter any more.
        assert!(waits(hosts.enter("a")).await);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished());
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the waiting check got the place")
            .expect("no panic");
        assert_eq!(hosts.tracked(), (1, 0), "nothing in progress or waiting");
    }

    #[tokio::test]
    async fn a_place_runs_on_the_shard_holding_the_hosts_idle_connection_else_the_least_busy() {
        let hosts = HostSlots::sharded(4, 8, connection_budget(8), 2);
        let (a, b) = (hosts.enter("a").await, hosts.enter("b").await);
        assert_eq!(
            (a.shard(), b.shard()),
            (0, 1),
            "new connections go to the least busy"
        );
        drop((a, b));
        assert_eq!(
            hosts.pooled(),
            2,
            "a's connection idle on shard 0, b's on shard 1"
        );
        let x = hosts.enter("x").await;
        assert_eq!(x.shard(), 0, "a tie goes to the first shard");
        let a = hosts.enter("a").await;
        assert_eq!(
            a.shard(),
            0,
            "a's idle connection is on shard 0, the busier one"
        );
        let b = hosts.enter("b").await;
        assert_eq!(b.shard(), 1);
        assert_eq!(hosts.pooled(), 0);
        let b2 = hosts.enter("b").await;
        assert_eq!(
            b2.shard(),
            1,
            "no idle connection left: the least busy shard"
        );
        drop((x, a, b, b2));
    }

    #[tokio::test]
    async fn one_shard_runs_everything_on_shard_0() {
        let hosts = HostSlots::new(4, 8);
        let slots = [hosts.enter("a").await, hosts.enter("b").await];
        assert!(slots.iter().all(|s| s.shard() == 0));
    }

    #[tokio::test]
    async fn waiting_checks_get_their_places_in_the_order_they_asked() {
        let hosts = HostSlots::new(1, 4);
        let first = hosts.enter("a").await;
        let (order, seen) = tokio::sync::mpsc::unbounded_channel();
        let mut waiters = Vec::new();
        for n in 0..3 {
            let (hosts, order) = (hosts.clone(), order.clone());
            waiters.push(tokio::spawn(async move {
                let _slot = hosts.enter("a").await;
                order.send(n).expect("the test listens");
            }));
            // Each asks after the one before.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop((first, order));
        for waiter in waiters {
            waiter.await.expect("no panic");
        }
        let mut seen = seen;
        let mut got = Vec::new();
        while let Some(n) = seen.recv().await {
            got.push(n);
        }
        assert_eq!(got, [0, 1, 2]);
    }

    #[tokio::test]
    async fn idle_hosts_are_dropped_as_the_table_grows() {
        // No idle connection kept: a host is remembered only while it has checks.
        let hosts = HostSlots::with_connection_budget(4, 4, 0);
        let held = hosts.enter("held").await;
        for n in 0..SWEEP_AT_LEAST * 3 {
            assert!(!hosts.enter(&format!("h{n}")).await.keep_connection());
        }
        let (tracked, active) = hosts.tracked();
        assert!(tracked <= SWEEP_AT_LEAST + 1, "{tracked} hosts kept");
        assert_eq!(active, 1);
        // The host in progress survived the sweeps: it is still at one before its answer.
        assert!(waits(hosts.enter("held")).await);
        drop(held);
    }

    #[tokio::test]
    async fn past_the_budget_new_connections_are_closed_and_kept_ones_stay_warm() {
        // Room for 2 in use beside 2 idle.
        let hosts = HostSlots::with_connection_budget(4, 2, 4);
        drop(hosts.enter("a").await);
        drop(hosts.enter("b").await);
        assert_eq!(hosts.pooled(), 2);
        let mut c = hosts.enter("c").await;
        assert!(!c.keep_connection(), "a third idle connection kept");
        drop(c);
        assert_eq!(hosts.pooled(), 2, "c closed its connection");
        // A host with a kept connection reuses it and keeps it again.
        let mut a = hosts.enter("a").await;
        assert!(a.keep_connection());
        assert_eq!(hosts.pooled(), 1, "a took its kept connection");
        drop(a);
        assert_eq!(hosts.pooled(), 2);
    }

    #[tokio::test]
    async fn a_run_over_ever_new_hosts_keeps_no_more_than_the_budget() {
        let hosts = HostSlots::with_connection_budget(4, 16, 116);
        let mut kept = 0;
        for n in 0..SWEEP_AT_LEAST * 4 {
            let mut slot = hosts.enter(&format!("customer-{n}.test:443")).await;
            kept += usize::from(slot.keep_connection());
        }
        assert_eq!(kept, 100);
        assert_eq!(hosts.pooled(), 100);
        // Hosts with a kept connection are remembered; the others are swept.
        let (tracked, active) = hosts.tracked();
        assert!(tracked <= SWEEP_AT_LEAST + 100, "{tracked} hosts kept");
        assert_eq!(active, 0);
    }

    #[tokio::test]
    async fn a_host_with_checks_waiting_keeps_its_connection_past_the_budget() {
        let hosts = HostSlots::with_connection_budget(1, 4, 0);
        let mut first = hosts.enter("a").await;
        assert!(!first.keep_connection(), "budget 0 and nobody waiting");
        let second = tokio::spawn({
            let hosts = hosts.clone();
            async move { hosts.enter("a").await.keep_connection() }
        });
        let third = tokio::spawn({
            let hosts = hosts.clone();
            async move { hosts.enter("a").await.keep_connection() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(first);
        let second = second.await.expect("no panic");
        let third = third.await.expect("no panic");
        // The one started while another waited keeps its connection for it, and the last
        // reuses it.
        assert_eq!([second, third], [true, true]);
        assert_eq!(hosts.pooled(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn connections_the_pool_has_closed_for_idleness_are_forgotten() {
        let hosts = HostSlots::with_connection_budget(4, 16, 18);
        drop(hosts.enter("a").await);
        drop(hosts.enter("b").await);
        assert!(!hosts.enter("c").await.keep_connection());
        tokio::time::advance(POOL_IDLE_TIMEOUT + EXPIRY_SCAN).await;
        assert!(hosts.enter("c").await.keep_connection());
        assert_eq!(hosts.pooled(), 1);
    }
}
