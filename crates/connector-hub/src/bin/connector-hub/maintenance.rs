//! The maintenance commands: `rotate-master-key`, `doctor` and `import`.

use std::process::ExitCode;

use connector_hub::keyring::{KeySource, Keyring};
use connector_hub::settings::Settings;
use connector_hub::Hub;

use crate::master_key::key_source;

pub async fn rotate(settings: Settings) -> anyhow::Result<()> {
    if let KeySource::Env(_) = key_source(&settings) {
        return Err(connector_hub::rotate::RotateError::NeedsFile.into());
    }
    let done = connector_hub::rotate::rotate(&settings.database, &settings.master_key_file, |n| {
        if n % 1000 == 0 {
            eprintln!("re-encrypted {n} accounts…");
        }
    })
    .await?;
    println!(
        "Master key {} is now current: {} data keys wrapped anew, {} rows from before data keys \
         re-encrypted. Copy the key file to every hub process sharing the database.",
        done.new_key_id, done.rewrapped, done.resealed
    );
    if !done.retired.is_empty() {
        println!("Removed from the keyring: {}.", done.retired.join(", "));
    }
    say_unreadable(done.unreadable.len());
    Ok(())
}

/// Adds a master key to the key file, not current yet.
pub fn stage_master_key(settings: Settings) -> anyhow::Result<()> {
    if let KeySource::Env(_) = key_source(&settings) {
        return Err(connector_hub::rotate::RotateError::NeedsFile.into());
    }
    let id = connector_hub::rotate::stage_master_key(&settings.master_key_file)?;
    println!(
        "Added master key {id} to {} (not current yet). Copy this file to every hub process \
         sharing the database, then run `connector-hub rotate-master-key` to make it current.",
        settings.master_key_file.display()
    );
    Ok(())
}

/// Makes a new data key current for every process and re-encrypts every row under it.
pub async fn rotate_data_key(settings: Settings) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let done = hub
        .rotate_data_key(|n| {
            if n % 1000 == 0 {
                eprintln!("re-encrypted {n} rows…");
            }
        })
        .await;
    hub.close().await;
    let done = done?;
    println!(
        "Data key {} is now current for every hub process; {} rows re-encrypted, {} old data \
         keys deleted.",
        done.new_data_key,
        done.resealed,
        done.deleted.len()
    );
    say_unreadable(done.unreadable.len());
    Ok(())
}

/// Lists the sealed rows this process's master keys cannot open; fails when there are any.
pub async fn doctor(settings: Settings, json: bool) -> anyhow::Result<ExitCode> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let unreadable = hub.unreadable().await;
    hub.close().await;
    let unreadable = unreadable?;
    if json {
        println!("{}", serde_json::json!({ "unreadable": unreadable }));
    } else if unreadable.is_empty() {
        println!("Every stored credential and webhook secret opens with the master keys.");
    } else {
        println!(
            "{} rows do not open with the master keys this process has:",
            unreadable.len()
        );
        for row in &unreadable {
            println!("  {} {}: {}", row.table, row.id, row.reason);
        }
        println!(
            "Restore the key file that holds their key (the id is in the message), or unlink the \
             accounts and link them again."
        );
    }
    Ok(if unreadable.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn import(
    settings: Settings,
    file: &std::path::Path,
    owner: Option<&str>,
    check_now: bool,
) -> anyhow::Result<()> {
    let keyring = Keyring::open(key_source(&settings))?;
    let hub = Hub::start(settings, keyring).await?;
    let input: Box<dyn std::io::BufRead> = if file.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let opened = std::fs::File::open(file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
        Box::new(std::io::BufReader::new(opened))
    };
    let report = hub
        .import(input, owner, check_now, |n| {
            if n % 10_000 == 0 {
                eprintln!("imported {n} accounts…");
            }
        })
        .await?;
    hub.close().await;
    for (line, why) in report.skipped.iter().take(20) {
        eprintln!("line {line} skipped: {why}");
    }
    if report.skipped.len() > 20 {
        eprintln!("… and {} more lines skipped", report.skipped.len() - 20);
    }
    println!(
        "Imported {} accounts ({} lines skipped); the schedule verifies them{}.",
        report.imported,
        report.skipped.len(),
        if check_now {
            " now"
        } else {
            " over the next interval"
        }
    );
    Ok(())
}

/// Says how many rows a rotation left as they were, if any.
fn say_unreadable(count: usize) {
    if count > 0 {
        println!(
            "{count} rows do not open with any key and were left as they are; \
             `connector-hub doctor` lists them."
        );
    }
}
