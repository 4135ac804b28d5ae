//! Checks in progress per host. A host gets one check until it has answered once; after that, at
//! most its fair share of the run's concurrency (the concurrency divided by the hosts in
//! progress, at least one), and never more than a cap. Each check in progress at a host holds a
//! connection to it: a bulk run spread over thousands of customer hosts then keeps about one
//! connection per host, reused with its TLS session, instead of one for every check that
//! happened to arrive while the host's other connection was busy; a run against one host still
//! gets the whole concurrency; and no host is sent more than the cap at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// Hosts kept before the idle ones are dropped; the threshold grows with the hosts in use, so the
/// table stays small without being swept on every check.
const SWEEP_AT_LEAST: usize = 1024;

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
}

#[derive(Debug, Default)]
struct Host {
    in_flight: usize,
    /// Checks waiting, first come first served: each is handed its place when one is free.
    queue: VecDeque<oneshot::Sender<()>>,
    /// Whether a check at this host has ended (answered or failed) since it was last swept.
    answered: bool,
}

impl Host {
    fn idle(&self) -> bool {
        self.in_flight == 0 && self.queue.is_empty()
    }

    /// How many checks may be in progress here with `active` hosts in progress.
    fn allowed(&self, active: usize, cap: usize, concurrency: usize) -> usize {
        if self.answered {
            concurrency.div_ceil(active.max(1)).clamp(1, cap)
        } else {
            1
        }
    }

    /// Hands free places to the first waiters still waiting.
    fn hand_off(&mut self, allowed: usize) {
        while self.in_flight < allowed {
            let Some(waiter) = self.queue.pop_front() else {
                break;
            };
            if waiter.send(()).is_ok() {
                self.in_flight += 1;
            }
        }
    }
}

/// A check's place at one host, given back when dropped.
#[derive(Debug)]
pub struct HostSlot {
    inner: Arc<Inner>,
    host: Box<str>,
}

impl HostSlots {
    /// At most `cap` checks in progress per host, out of `concurrency` in all (both at least 1).
    pub fn new(cap: usize, concurrency: usize) -> Self {
        Self(Arc::new(Inner {
            cap: cap.max(1),
            concurrency: concurrency.max(1),
            table: Mutex::new(Table {
                hosts: HashMap::new(),
                active: 0,
                sweep_at: SWEEP_AT_LEAST,
            }),
        }))
    }

    /// Waits for a place at `host` (`host:port`, or any text naming one host), after the
    /// checks that asked before. Dropping the future while it waits gives its turn up.
    pub async fn enter(&self, host: &str) -> HostSlot {
        let taken = self.0.lock().take(host, self.0.cap, self.0.concurrency);
        if let Err(turn) = taken {
            let mut waiting = Waiting {
                inner: &self.0,
                host,
                turn: Some(turn),
            };
            if let Some(turn) = waiting.turn.as_mut() {
                // An error means the place was never handed (the table went away): go ahead.
                let _ = turn.await;
            }
            waiting.turn = None;
        }
        HostSlot {
            inner: Arc::clone(&self.0),
            host: host.into(),
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> (usize, usize) {
        let table = self.0.lock();
        (table.hosts.len(), table.active)
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
    ) -> Result<(), oneshot::Receiver<()>> {
        if !self.hosts.contains_key(host) {
            if self.hosts.len() >= self.sweep_at {
                self.hosts.retain(|_, h| !h.idle());
                self.sweep_at = SWEEP_AT_LEAST.max(self.hosts.len() * 2);
            }
            self.hosts.insert(host.into(), Host::default());
        }
        let active = self.active;
        let Some(entry) = self.hosts.get_mut(host) else {
            // Inserted just above; were it not, going ahead beats waiting for nothing.
            return Ok(());
        };
        if entry.idle() {
            self.active = active + 1;
        }
        if entry.queue.is_empty() && entry.in_flight < entry.allowed(self.active, cap, concurrency)
        {
            entry.in_flight += 1;
            Ok(())
        } else {
            let (turn, wait) = oneshot::channel();
            entry.queue.push_back(turn);
            Err(wait)
        }
    }

    /// A check leaves `host`: hands free places on and lets the host go idle.
    fn leave(&mut self, host: &str, left: Left, cap: usize, concurrency: usize) {
        let Some(entry) = self.hosts.get_mut(host) else {
            return;
        };
        match left {
            Left::Ended => {
                entry.in_flight = entry.in_flight.saturating_sub(1);
                entry.answered = true;
            }
            Left::Unused => entry.in_flight = entry.in_flight.saturating_sub(1),
            Left::GaveUp => entry.queue.retain(|waiter| !waiter.is_closed()),
        }
        entry.hand_off(entry.allowed(self.active, cap, concurrency));
        if entry.idle() {
            self.active = self.active.saturating_sub(1);
        }
    }
}

/// How a check left a host.
#[derive(Debug, Clone, Copy)]
enum Left {
    /// Its exchange ended (answered or failed): the host has been reached.
    Ended,
    /// It gave up a place handed to it before using it.
    Unused,
    /// It stopped waiting.
    GaveUp,
}

impl Drop for HostSlot {
    fn drop(&mut self) {
        let (cap, concurrency) = (self.inner.cap, self.inner.concurrency);
        self.inner
            .lock()
            .leave(&self.host, Left::Ended, cap, concurrency);
    }
}

/// A check in a host's queue; leaves it if it stops waiting, giving back a place handed to it
/// meanwhile.
struct Waiting<'a> {
    inner: &'a Inner,
    host: &'a str,
    turn: Option<oneshot::Receiver<()>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(mut turn) = self.turn.take() else {
            return;
        };
        turn.close();
        let left = if turn.try_recv().is_ok() {
            Left::Unused
        } else {
            Left::GaveUp
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
        let hosts = HostSlots::new(4, 4);
        let held = hosts.enter("held").await;
        for n in 0..SWEEP_AT_LEAST * 3 {
            drop(hosts.enter(&format!("h{n}")).await);
        }
        let (tracked, active) = hosts.tracked();
        assert!(tracked <= SWEEP_AT_LEAST + 1, "{tracked} hosts kept");
        assert_eq!(active, 1);
        // The host in progress survived the sweeps: it is still at one before its answer.
        assert!(waits(hosts.enter("held")).await);
        drop(held);
    }
}
