//! Scheduled re-verification, status history and webhooks, on SQLite (or PostgreSQL with
//! `CONNECTOR_HUB_TEST_POSTGRES`): due accounts are checked once, changes are recorded and posted
//! signed, failed deliveries are retried, and two hub processes never check one account twice.

use crate::support::{assert_hidden, fake_provider, FakeProvider, TestHub};
use connector_hub::hubkey::Scope;
use connector_hub::service::EventType;
use serde_json::Value;
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Makes the fake provider refuse every key from now on, as after a revocation.
async fn revoke_everything(provider: &FakeProvider) {
    provider.server.reset().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(401).set_body_json(serde_json::json!({"error": "revoked"})),
        )
        .mount(&provider.server)
        .await;
}

async fn checks_received(provider: &FakeProvider) -> usize {
    provider
        .server
        .received_requests()
        .await
        .map_or(0, |r| r.len())
}

#[tokio::test]
async fn due_accounts_are_rechecked_once_and_each_change_is_recorded() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let mut ids = Vec::new();
    for owner in ["a", "b", "c"] {
        ids.push(hub.link("lever", owner, &lever.good).await);
    }
    let before = checks_received(&lever).await;
    let report = hub.hub.run_pass().await.expect("pass");
    assert_eq!(report.checked, 0, "nothing is due within the interval");
    assert_eq!(checks_received(&lever).await, before);

    let (_, writer) = hub
        .key_with("writer", &[Scope::AccountsWrite, Scope::AccountsRead])
        .await;
    let queued: Value = reqwest::Client::new()
        .post(format!("http://{}/api/v1/reverify", hub.serve().await))
        .bearer_auth(&writer)
        .json(&serde_json::json!({"connector": "lever"}))
        .send()
        .await
        .expect("reverify")
        .json()
        .await
        .expect("json");
    assert_eq!(queued["queued"], 3);

    revoke_everything(&lever).await;
    let report = hub.hub.run_pass().await.expect("pass");
    assert_eq!((report.checked, report.changed), (3, 3));
    assert_eq!(checks_received(&lever).await, 3);
    for id in &ids {
        let history = hub
            .hub
            .store()
            .history(id, None, 10)
            .await
            .expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(
            (
                history[0].old_status.as_str(),
                history[0].new_status.as_str()
            ),
            ("verified", "rejected")
        );
        let account = hub.hub.account(id).await.expect("account");
        assert_eq!(account.status, "rejected");
        assert!(
            account.next_check_at.expect("scheduled") > connector_hub::clock::now() + 23 * 3600
        );
    }
    let report = hub.hub.run_pass().await.expect("pass");
    assert_eq!(
        report.checked, 0,
        "checked accounts wait for the next interval"
    );

    // A re-check with the same outcome adds nothing to the history.
    hub.hub.reverify(&ids[0]).await.expect("reverify");
    assert_eq!(
        hub.hub
            .store()
            .history(&ids[0], None, 10)
            .await
            .expect("history")
            .len(),
        1
    );
}

/// One pass records accounts whose status stays and accounts whose status changes: both get
/// their result and next due time, only the changes reach the history.
#[tokio::test]
async fn a_pass_records_kept_and_changed_statuses_together() {
    let lever = fake_provider("lever").await;
    let workable = fake_provider("workable").await;
    let hub = TestHub::start(&[&lever, &workable]).await;
    let kept = hub.link("workable", "a", &workable.good).await;
    let changed = hub.link("lever", "b", &lever.good).await;
    assert_eq!(
        hub.hub
            .reverify_due(&None, &None, &None)
            .await
            .expect("due"),
        2
    );
    revoke_everything(&lever).await;
    let report = hub.hub.run_pass().await.expect("pass");
    assert_eq!(
        (report.checked, report.changed, report.superseded),
        (2, 1, 0)
    );
    let soon = connector_hub::clock::now() + 23 * 3600;
    for (id, status, changes) in [(&kept, "verified", 0), (&changed, "rejected", 1)] {
        let account = hub.hub.account(id).await.expect("account");
        assert_eq!(account.status, status, "{id}");
        assert!(account.next_check_at.expect("scheduled") > soon, "{id}");
        let history = hub
            .hub
            .store()
            .history(id, None, 10)
            .await
            .expect("history");
        assert_eq!(history.len(), changes, "{id}");
    }
    let report = hub.hub.run_pass().await.expect("pass");
    assert_eq!(report.checked, 0, "both wait for the next interval");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_on_one_database_never_check_an_account_twice() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.reverify_concurrency = 4).await;
    for i in 0..40 {
        hub.link("lever", &format!("owner-{i}"), &lever.good).await;
    }
    let other = hub.second_process().await;
    hub.hub
        .store()
        .mark_due(&Default::default(), 0)
        .await
        .expect("due");
    lever.server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_delay(std::time::Duration::from_millis(20)))
        .mount(&lever.server)
        .await;
    let (a, b) = tokio::join!(hub.hub.run_pass(), other.run_pass());
    let (a, b) = (a.expect("pass a"), b.expect("pass b"));
    assert_eq!(a.checked + b.checked, 40, "{a:?} {b:?}");
    assert_eq!(
        checks_received(&lever).await,
        40,
        "each account was checked exactly once"
    );
    assert!(
        a.checked > 0 && b.checked > 0,
        "both processes took work: {a:?} {b:?}"
    );
}

#[tokio::test]
async fn a_status_change_is_posted_signed_and_retried_until_delivered() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .with_priority(2)
        .mount(&receiver)
        .await;
    let (webhook, secret) = hub
        .hub
        .create_webhook_for(
            &format!("{}/hooks/hub", receiver.uri()),
            "status changes",
            &[EventType::StatusChanged],
        )
        .await
        .expect("webhook");
    let id = hub.link("lever", "customer-42", &lever.good).await;
    hub.hub
        .store()
        .mark_due(&Default::default(), 0)
        .await
        .expect("due");
    revoke_everything(&lever).await;
    assert_eq!(hub.hub.run_pass().await.expect("pass").changed, 1);

    let client = hub.hub.webhook_client();
    let first = hub.hub.deliver_due(&client).await.expect("deliver");
    assert_eq!((first.delivered, first.retrying), (0, 1));
    let pending = hub
        .hub
        .store()
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(
        (pending[0].state.as_str(), pending[0].attempts),
        ("pending", 1)
    );
    assert_eq!(pending[0].last_status, Some(500));
    assert!(
        pending[0].next_attempt_at >= connector_hub::clock::now() + 25,
        "backs off"
    );
    let nothing = hub.hub.deliver_due(&client).await.expect("deliver");
    assert_eq!(
        nothing.delivered + nothing.retrying,
        0,
        "not retried before its time"
    );

    hub.execute("UPDATE webhook_deliveries SET next_attempt_at = 0")
        .await;
    let second = hub.hub.deliver_due(&client).await.expect("deliver");
    assert_eq!(second.delivered, 1);
    let done = hub
        .hub
        .store()
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!((done[0].state.as_str(), done[0].attempts), ("delivered", 2));

    let received = receiver.received_requests().await.expect("recorded");
    assert_eq!(received.len(), 2);
    let last = &received[1];
    assert_eq!(last.url.path(), "/hooks/hub");
    let body = String::from_utf8(last.body.clone()).expect("utf-8");
    let header = last
        .headers
        .get("connector-hub-signature")
        .expect("signed")
        .to_str()
        .expect("ascii");
    let at: i64 = header
        .split(',')
        .next()
        .and_then(|t| t.strip_prefix("t="))
        .expect("t=")
        .parse()
        .expect("number");
    assert_eq!(
        header,
        connector_hub::webhooks::signature(
            secrecy::ExposeSecret::expose_secret(&secret),
            at,
            &body
        )
    );
    let event: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(event["account_id"], id.as_str());
    assert_eq!(event["owner"], "customer-42");
    assert_eq!(event["connector"], "lever");
    assert_eq!(
        (event["old_status"].as_str(), event["new_status"].as_str()),
        (Some("verified"), Some("rejected"))
    );
    assert!(event["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(event["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(
        last.headers
            .get("connector-hub-event")
            .map(|v| v.as_bytes()),
        Some(event["id"].as_str().expect("id").as_bytes())
    );
    assert_hidden(&body, &lever.good["api_key"]);
}

#[tokio::test]
async fn a_delivery_failing_for_25_hours_is_given_up() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&receiver)
        .await;
    let (webhook, _) = hub
        .hub
        .create_webhook_for(&receiver.uri(), "", &[EventType::StatusChanged])
        .await
        .expect("webhook");
    hub.link("lever", "o", &lever.good).await;
    hub.hub
        .store()
        .mark_due(&Default::default(), 0)
        .await
        .expect("due");
    revoke_everything(&lever).await;
    hub.hub.run_pass().await.expect("pass");
    let day_ago = connector_hub::clock::now() - 25 * 3600 + 10;
    hub.execute(&format!(
        "UPDATE webhook_deliveries SET created_at = {day_ago}"
    ))
    .await;
    let report = hub
        .hub
        .deliver_due(&hub.hub.webhook_client())
        .await
        .expect("deliver");
    assert_eq!(report.failed, 1);
    let deliveries = hub
        .hub
        .store()
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries");
    assert_eq!(deliveries[0].state, "failed");
    assert_eq!(deliveries[0].last_status, Some(503));
}

#[tokio::test]
async fn webhook_urls_are_checked_and_secrets_are_shown_once() {
    let hub = TestHub::start_with(&[], |s| s.webhooks_allow_private_addresses = true).await;
    for bad in [
        "ftp://example.test/hook",
        "not a url",
        "https://user:pw@example.test/hook",
    ] {
        assert!(hub.hub.create_webhook(bad, "").await.is_err(), "{bad}");
    }
    let addr = hub.serve().await;
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("http://{addr}/api/v1/webhooks"))
        .bearer_auth(&hub.admin_key)
        .json(&serde_json::json!({"url": "http://127.0.0.1:9/hook", "description": "ops"}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let secret = created["secret"].as_str().expect("secret once").to_owned();
    assert!(secret.starts_with("whsec_"));
    let listed = http
        .get(format!("http://{addr}/api/v1/webhooks"))
        .bearer_auth(&hub.admin_key)
        .send()
        .await
        .expect("list")
        .text()
        .await
        .expect("text");
    assert_hidden(&listed, &secret);
    assert!(listed.contains(&format!("••••{}", &secret[secret.len() - 4..])));
}

#[tokio::test]
async fn import_links_valid_lines_names_bad_ones_and_the_schedule_verifies_them() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let good = lever.good["api_key"].clone();
    let input = format!(
        "{{\"id\":1,\"connector\":\"lever\",\"credentials\":{{\"api_key\":\"{good}\"}},\"owner\":\"c-1\",\"label\":\"Main\"}}\n\
         {{\"connector\":\"lever\",\"credentials\":{{\"api_key\":\"{good}\"}}}}\n\
         not json {good}\n\
         {{\"connector\":\"levr\",\"credentials\":{{\"api_key\":\"{good}\"}},\"owner\":\"c-3\"}}\n\
         {{\"connector\":\"lever\",\"credentials\":{{}},\"owner\":\"c-4\"}}\n\
         \n"
    );
    let report = hub
        .hub
        .import(
            std::io::Cursor::new(input),
            Some("default-owner"),
            true,
            |_| {},
        )
        .await
        .expect("import");
    assert_eq!(report.imported, 2);
    let skipped: Vec<u64> = report.skipped.iter().map(|(n, _)| *n).collect();
    assert_eq!(skipped, vec![3, 4, 5]);
    for (_, why) in &report.skipped {
        assert_hidden(why, &good);
    }
    assert!(
        report.skipped[1].1.contains("lever"),
        "did you mean: {}",
        report.skipped[1].1
    );
    assert!(
        report.skipped[2].1.contains("api_key"),
        "names the field: {}",
        report.skipped[2].1
    );

    let accounts = hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(accounts.len(), 2);
    assert!(accounts.iter().all(|a| a.status == "unchecked"));
    assert!(accounts
        .iter()
        .any(|a| a.owner == "c-1" && a.label == "Main"));
    assert!(accounts.iter().any(|a| a.owner == "default-owner"));
    let report = hub.hub.run_pass().await.expect("pass");
    assert_eq!(report.checked, 2);
    let accounts = hub
        .hub
        .store()
        .list_accounts(&Default::default(), None, 10)
        .await
        .expect("list");
    assert!(
        accounts.iter().all(|a| a.status == "verified"),
        "{:?}",
        accounts.iter().map(|a| &a.status).collect::<Vec<_>>()
    );

    // Without --check-now, imports are spread over one interval.
    let lines: String = (0..10)
        .map(|i| format!("{{\"connector\":\"lever\",\"credentials\":{{\"api_key\":\"{good}\"}},\"owner\":\"s-{i}\"}}\n"))
        .collect();
    hub.hub
        .import(std::io::Cursor::new(lines), None, false, |_| {})
        .await
        .expect("import");
    let (due, _, total) = hub
        .hub
        .store()
        .queue(connector_hub::clock::now())
        .await
        .expect("queue");
    assert_eq!(total, 12);
    assert!(
        due <= 1,
        "at most the first of the spread is due now: {due}"
    );
}

/// Answers every request after a while, noting when each arrived.
struct Arrivals(std::sync::Arc<std::sync::Mutex<Vec<std::time::Instant>>>);

impl wiremock::Respond for Arrivals {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        self.0
            .lock()
            .expect("not poisoned")
            .push(std::time::Instant::now());
        ResponseTemplate::new(401)
            .set_body_json(serde_json::json!({"error": "revoked"}))
            .set_delay(std::time::Duration::from_millis(400))
    }
}

#[tokio::test]
async fn a_pass_sends_one_check_to_a_host_until_it_answers_then_the_rest_together() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    for owner in ["a", "b", "c", "d"] {
        hub.link("lever", owner, &lever.good).await;
    }
    let arrivals = std::sync::Arc::default();
    lever.server.reset().await;
    Mock::given(any())
        .respond_with(Arrivals(std::sync::Arc::clone(&arrivals)))
        .mount(&lever.server)
        .await;
    hub.execute("UPDATE accounts SET next_check_at = 0").await;

    let report = hub.hub.run_pass().await.expect("pass");

    assert_eq!(report.checked, 4);
    let arrivals = arrivals.lock().expect("not poisoned").clone();
    assert_eq!(arrivals.len(), 4);
    let waited = arrivals[1].duration_since(arrivals[0]);
    assert!(
        waited >= std::time::Duration::from_millis(300),
        "the second check reached the host {waited:?} after the first, before its answer"
    );
    let together = arrivals[3].duration_since(arrivals[1]);
    assert!(
        together < std::time::Duration::from_millis(300),
        "the other checks went one by one ({together:?})"
    );
}

/// A pass claims its next batch while the current one is checked, so checks do not wait on the
/// database each time a batch runs out, but never more than one batch ahead. With concurrency 1
/// (two accounts a batch), six accounts due and each check taking 800 ms: during the first
/// check, the batch being checked and the next are leased (4); during the third, the first two
/// have been recorded, the second batch is being handed out and the third is claimed (4 again;
/// 2 without a batch ahead, 4 then 2 with one batch of four).
#[tokio::test]
async fn a_pass_claims_one_batch_ahead_and_no_more() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.reverify_concurrency = 1).await;
    for owner in ["a", "b", "c", "d", "e", "f"] {
        hub.link("lever", owner, &lever.good).await;
    }
    lever.server.reset().await;
    let check = std::time::Duration::from_millis(800);
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_delay(check))
        .mount(&lever.server)
        .await;
    hub.execute("UPDATE accounts SET next_check_at = 0").await;

    let watch = async {
        let mut leased = Vec::new();
        for wait in [check / 2, check * 2] {
            tokio::time::sleep(wait).await;
            leased.push(hub.hub.queue(false).await.expect("queue").in_progress);
        }
        leased
    };
    let (report, leased) = tokio::join!(hub.hub.run_pass(), watch);

    assert_eq!(report.expect("pass").checked, 6);
    assert_eq!(
        leased,
        [4, 4],
        "leases held during the first and third checks"
    );
    assert_eq!(hub.hub.queue(false).await.expect("queue").in_progress, 0);
}

#[tokio::test]
async fn audit_history_and_deliveries_past_their_retention_are_removed_in_batches() {
    let hub = TestHub::start(&[]).await;
    let day_ms = 24 * 3600 * 1000_i64;
    let now_ms = connector_hub::clock::now() * 1000;
    let id = |prefix: &str, days_ago: i64, n: i64| {
        format!("{prefix}_{:012x}{n:012x}", now_ms - days_ago * day_ms)
    };
    // 1,500 audit records of 400 days ago (past 365: more than one batch), one of 300.
    for n in 0..1500 {
        hub.execute(&format!(
            "INSERT INTO audit_log (id, at, actor, action, detail) \
             VALUES ('{}', 0, 'test', 'old', '')",
            id("aud", 400, n)
        ))
        .await;
    }
    hub.execute(&format!(
        "INSERT INTO audit_log (id, at, actor, action, detail) VALUES ('{}', 0, 'test', 'kept', '')",
        id("aud", 300, 0)
    ))
    .await;
    for (days, n) in [(400, 0), (300, 1)] {
        hub.execute(&format!(
            "INSERT INTO status_history \
             (id, account_id, connector, owner, at, old_status, new_status, message) \
             VALUES ('{}', 'acc_x', 'lever', 'o', 0, 'verified', 'rejected', '')",
            id("evt", days, n)
        ))
        .await;
    }
    for (days, n) in [(100, 0), (10, 1)] {
        hub.execute(&format!(
            "INSERT INTO webhook_deliveries \
             (id, webhook_id, event_id, body, state, attempts, next_attempt_at, created_at) \
             VALUES ('{}', 'whk_x', 'evt_x', '{{}}', 'delivered', 1, 0, 0)",
            id("dlv", days, n)
        ))
        .await;
    }
    let report = hub.hub.apply_retention().await.expect("retention");
    assert_eq!(
        (report.audit, report.history, report.deliveries),
        (1500, 1, 1)
    );
    let audit = hub.hub.audit(None, 10).await.expect("audit");
    assert!(audit.iter().all(|r| r.action != "old"));
    assert!(audit.iter().any(|r| r.action == "kept"));
    assert_eq!(
        hub.hub
            .store()
            .history("acc_x", None, 10)
            .await
            .expect("history")
            .len(),
        1
    );
    assert_eq!(
        hub.hub
            .deliveries("whk_x", 10)
            .await
            .expect("deliveries")
            .len(),
        1
    );
    // Nothing left to remove.
    let again = hub.hub.apply_retention().await.expect("retention");
    assert_eq!((again.audit, again.history, again.deliveries), (0, 0, 0));
}

/// Runs `check` (of `id`'s key) while an edit replaces the key: the edit's key (the fake's
/// "revoked" values) verifies at once, the old key is refused only after the edit is done.
/// Returns the account's version after the edit.
async fn edit_during(
    hub: &TestHub,
    lever: &FakeProvider,
    id: &str,
    check: impl std::future::Future<Output = ()>,
) -> i64 {
    lever
        .accept_only(&lever.revoked, std::time::Duration::from_millis(1500))
        .await;
    let edit = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let (account, report) = hub
            .hub
            .edit(
                id,
                None,
                None,
                lever.revoked.clone().into_iter().collect(),
                "test",
            )
            .await
            .expect("edit");
        assert_eq!(report.status.as_str(), "verified");
        account.version
    };
    let ((), version) = tokio::join!(check, edit);
    assert_eq!(version, 2);
    version
}

#[tokio::test]
async fn an_on_demand_check_of_replaced_credentials_does_not_overwrite_the_edit() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start_with(&[&lever], |s| s.webhooks_allow_private_addresses = true).await;
    let receiver = MockServer::start().await;
    let (webhook, _) = hub
        .hub
        .create_webhook_for(&receiver.uri(), "", &[EventType::StatusChanged])
        .await
        .expect("webhook");
    let id = hub.link("lever", "o", &lever.good).await;
    let stale = async {
        let result = hub.hub.reverify(&id).await;
        let err = result.expect_err("the stale result is dropped");
        assert!(
            err.to_string().contains("edited while this check ran"),
            "{err}"
        );
    };
    let version = edit_during(&hub, &lever, &id, stale).await;
    let account = hub.hub.account(&id).await.expect("account");
    assert_eq!(account.status, "verified", "the edit's result stands");
    assert_eq!(account.version, version);
    assert!(hub
        .hub
        .store()
        .history(&id, None, 10)
        .await
        .expect("history")
        .is_empty());
    assert!(hub
        .hub
        .deliveries(&webhook.id, 10)
        .await
        .expect("deliveries")
        .is_empty());
}

#[tokio::test]
async fn a_pass_that_checked_replaced_credentials_drops_its_result() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let pass = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        hub.hub
            .store()
            .mark_due(&Default::default(), 0)
            .await
            .expect("due");
        let report = hub.hub.run_pass().await.expect("pass");
        assert_eq!(
            (report.checked, report.superseded, report.changed),
            (1, 1, 0)
        );
    };
    let id = hub.link("lever", "o", &lever.good).await;
    edit_during(&hub, &lever, &id, pass).await;
    let account = hub.hub.account(&id).await.expect("account");
    assert_eq!(account.status, "verified");
    assert!(hub
        .hub
        .store()
        .history(&id, None, 10)
        .await
        .expect("history")
        .is_empty());
    assert_eq!(
        hub.hub.queue(false).await.expect("queue").in_progress,
        0,
        "lease given back"
    );
}

#[tokio::test]
async fn an_edit_from_a_stale_read_is_refused_with_409() {
    let lever = fake_provider("lever").await;
    let hub = TestHub::start(&[&lever]).await;
    let id = hub.link("lever", "o", &lever.good).await;
    let read = hub.hub.account(&id).await.expect("account").version;
    hub.hub
        .edit(&id, Some(read), Some("first"), Default::default(), "test")
        .await
        .expect("first edit");
    let err = hub
        .hub
        .edit(&id, Some(read), Some("second"), Default::default(), "test")
        .await
        .expect_err("a stale edit");
    assert!(err.to_string().contains("reload"), "{err}");
    assert_eq!(hub.hub.account(&id).await.expect("account").label, "first");
}

/// On PostgreSQL, pages of `accounts` keep room for a row's new version, so a claim (which
/// changes only unindexed lease columns) updates rows in place; opening the store again leaves
/// the setting as it is. On SQLite there is no such setting.
#[tokio::test]
async fn on_postgresql_accounts_pages_keep_room_for_claims() {
    use sqlx::Connection as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = crate::support::database_url(&dir).await;
    if !url.starts_with("postgres") {
        return;
    }
    for _ in 0..2 {
        let store = connector_hub::testing::Store::open(&url)
            .await
            .expect("open");
        store.close().await;
        let mut conn = sqlx::AnyConnection::connect(&url).await.expect("connect");
        let options: String = sqlx::query_scalar(
            "SELECT COALESCE(array_to_string(reloptions, ','), '') FROM pg_class \
             WHERE oid = 'accounts'::regclass",
        )
        .fetch_one(&mut conn)
        .await
        .expect("table options");
        assert_eq!(options, "fillfactor=80");
    }
}
