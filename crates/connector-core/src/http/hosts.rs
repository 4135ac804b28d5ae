//! Checks in progress per host: at most a cap at once, and only one until the host has answered
//! once. A bulk run spread over thousands of customer hosts then opens one connection per host
//! (the checks behind the first wait for it, then reuse the connection and its TLS session)
//! instead of one for every check that arrives while the first connection is still being set
//! up, and no host is sent more than the cap at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

/// Gates kept before idle ones are dropped; the threshold grows with the hosts in use, so the
/// table stays small without being swept on every request.
const PRUNE_AT_LEAST: usize = 1024;

/// The gates of the hosts in use, and the cap each opens to. Shared by the checks of a run.
#[derive(Debug)]
pub struct HostSlots {
    cap: usize,
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    gates: HashMap<Box<str>, Arc<Gate>>,
    prune_at: usize,
}

#[derive(Debug)]
struct Gate {
    slots: Semaphore,
    /// Set once the host has answered (or failed) once: the other `cap - 1` slots are open.
    opened: AtomicBool,
}

/// A slot at one host, given back when dropped.
#[derive(Debug)]
pub struct HostSlot {
    gate: Arc<Gate>,
    cap: usize,
}

impl HostSlots {
    /// At most `cap` (at least 1) checks in progress per host.
    pub fn new(cap: usize) -> Self {
        Self {
            cap: cap.clamp(1, Semaphore::MAX_PERMITS),
            table: Mutex::new(Table {
                gates: HashMap::new(),
                prune_at: PRUNE_AT_LEAST,
            }),
        }
    }

    /// Waits for a slot at `host` (`host:port`, or any text naming one host).
    pub async fn enter(&self, host: &str) -> HostSlot {
        let gate = self.gate(host);
        // Never closed, so this waits for a slot; it is given back by hand when the `HostSlot`
        // drops (with the others, the first time).
        if let Ok(permit) = gate.slots.acquire().await {
            permit.forget();
        }
        HostSlot {
            gate,
            cap: self.cap,
        }
    }

    fn gate(&self, host: &str) -> Arc<Gate> {
        // A poisoned lock only means another task panicked while holding it; the table is still
        // consistent (every change is a single insert or retain).
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(gate) = table.gates.get(host) {
            return Arc::clone(gate);
        }
        if table.gates.len() >= table.prune_at {
            // Nobody holds or awaits an idle gate: only the table refers to it.
            table.gates.retain(|_, gate| Arc::strong_count(gate) > 1);
            table.prune_at = PRUNE_AT_LEAST.max(table.gates.len() * 2);
        }
        let gate = Arc::new(Gate {
            slots: Semaphore::new(1),
            opened: AtomicBool::new(false),
        });
        table.gates.insert(host.into(), Arc::clone(&gate));
        gate
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .gates
            .len()
    }
}

impl Drop for HostSlot {
    fn drop(&mut self) {
        let first = !self.gate.opened.swap(true, Ordering::AcqRel);
        self.gate
            .slots
            .add_permits(if first { self.cap } else { 1 });
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
        let hosts = HostSlots::new(3);
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
    async fn a_slot_given_back_lets_a_waiting_check_in() {
        let hosts = Arc::new(HostSlots::new(1));
        let first = hosts.enter("a.test:443").await;
        let waiting = {
            let hosts = Arc::clone(&hosts);
            tokio::spawn(async move {
                hosts.enter("a.test:443").await;
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiting.is_finished());
        drop(first);
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the waiting check got the slot")
            .expect("no panic");
    }

    #[tokio::test]
    async fn idle_gates_are_dropped_as_the_table_grows() {
        let hosts = HostSlots::new(4);
        let held = hosts.enter("held.test:443").await;
        for n in 0..PRUNE_AT_LEAST * 3 {
            drop(hosts.enter(&format!("h{n}.test:443")).await);
        }
        assert!(
            hosts.tracked() <= PRUNE_AT_LEAST + 1,
            "{} gates kept",
            hosts.tracked()
        );
        // The gate in use survived the sweeps: its host is still at one in progress.
        assert!(waits(hosts.enter("held.test:443")).await);
        drop(held);
    }
}
