//! `connector run`: run a connector's action (e.g. mint an API key) and show any secret output
//! exactly once, on stdout or in an owner-only file.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use connector_core::action::run_action;
use connector_core::http::DEFAULT_POOL_SIZE;
use connector_core::{ActionResult, CheckOptions, RawCredentials, Status};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::credentials::{self, CredentialsError};
use crate::settings::Settings;
use crate::usage::{find_connector, print_out, UsageError};
use crate::RunArgs;

pub const AFTER_HELP: &str = "\
Examples:
  POLYTOMIC_PARTNER_KEY=… connector run polytomic create-api-key \\
      --set org_id=248df4b7-aa70-47b8-a036-33ac447e668d --set user_id=… --output new-key.txt
  connector run polytomic create-api-key --credentials partner.json --input ids.json --json

Inputs come from --input (a JSON object, FILE or -) and --set KEY=VALUE (non-secret inputs only);
credentials from --credentials or the variant's environment variables, never from the command line.
A secret output (a minted key) is shown once: on stdout, or written to --output FILE (created with
owner-only permissions; it must not exist yet), in which case it appears nowhere else unmasked.

Exit status: 0 done, 2 usage error or invalid input, 3 rejected, 4 forbidden, 5 rate limited,
6 unavailable, 7 unexpected, 8 not found. A request that must not be repeated blindly (minting a
key) is not retried after a timeout or a server error.";

pub async fn run(args: &RunArgs, settings: &Settings) -> Result<ExitCode, UsageError> {
    let connector = find_connector(&args.id)?;
    let spec = connector.spec();
    let action = spec.action(&args.action).ok_or_else(|| {
        let ids: Vec<&str> = spec.actions.iter().map(|a| a.id).collect();
        let known = if ids.is_empty() {
            format!("{} declares no actions", spec.id)
        } else {
            format!("its actions are: {}", ids.join(", "))
        };
        UsageError::new(format!(
            "{} has no action `{}`; {known}",
            spec.id, args.action
        ))
    })?;
    let variant_name = args.variant.as_deref().unwrap_or(action.variant);
    let variant = connector_core::check::resolve_variant(spec, Some(variant_name))
        .map_err(UsageError::new)?;
    if args.credentials.as_deref() == Some("-") && args.input.as_deref() == Some("-") {
        return Err(UsageError::new(
            "--credentials and --input cannot both read standard input; put one in a file",
        ));
    }
    let options = CheckOptions {
        base_url: settings.base_url(spec.id, args.base_url.as_deref())?,
        limits: settings.limits_with(args.timeout, args.retries)?,
    };
    let inputs = read_inputs(args, action)?;
    let http = settings.http_client(DEFAULT_POOL_SIZE, &options.limits)?;
    let mut output_file = match &args.output {
        Some(path) => Some(create_private_file(path)?),
        None => None,
    };

    let credentials = match credentials::read(args.credentials.as_deref(), variant) {
        Ok(raw) => Some(raw),
        Err(CredentialsError::Unreadable(e)) => return Err(e),
        Err(CredentialsError::Invalid(e)) => {
            remove_unused(args.output.as_deref());
            let report = connector_core::ActionReport {
                connector: spec.id.to_owned(),
                action: action.id.to_owned(),
                variant: variant.name.to_owned(),
                status: Status::InvalidInput,
                http_status: None,
                message: e.to_string(),
                warnings: Vec::new(),
                output: None,
                elapsed_ms: 0,
            };
            print_result(
                &ActionResult {
                    report,
                    secret_outputs: Vec::new(),
                },
                args.json,
                None,
            );
            return Ok(ExitCode::from(Status::InvalidInput.exit_code()));
        }
    };
    let credentials = credentials.unwrap_or_default();

    for caution in action.cautions_for(&inputs) {
        eprintln!("warning: {caution}");
    }
    let result = run_action(
        connector,
        &http,
        action,
        Some(variant.name),
        &credentials,
        &inputs,
        &options,
    )
    .await;

    let mut written_to = None;
    if let (Some(file), Some(path)) = (output_file.take(), args.output.as_deref()) {
        if result.secret_outputs.is_empty() {
            drop(file);
            remove_unused(Some(path));
        } else {
            match write_secrets(file, &result) {
                Ok(()) => written_to = Some(path),
                Err(e) => eprintln!(
                    "warning: could not write {path} ({e}); showing the secret output here instead so it is not lost"
                ),
            }
        }
    }
    print_result(&result, args.json, written_to);
    Ok(ExitCode::from(result.report.status.exit_code()))
}

/// Inputs from `--input` then `--set`; `--set` may not carry secret inputs.
fn read_inputs(
    args: &RunArgs,
    action: &connector_core::ActionSpec,
) -> Result<RawCredentials, UsageError> {
    let mut inputs = match args.input.as_deref() {
        Some(source) => {
            let text = credentials::read_source(source)?;
            RawCredentials::from_json(&text)
                .map_err(|e| UsageError::new(format!("--input: {e}")))?
        }
        None => RawCredentials::new(),
    };
    for pair in &args.set {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(UsageError::new(format!(
                "--set takes KEY=VALUE, e.g. --set org_id=…; got `{}`",
                pair.split('=').next().unwrap_or_default()
            )));
        };
        let Some(field) = action.input(key) else {
            let keys: Vec<&str> = action.inputs.iter().map(|f| f.key).collect();
            return Err(UsageError::new(format!(
                "{} has no input `{key}`; its inputs are: {}",
                action.id,
                keys.join(", ")
            )));
        };
        if field.secret {
            return Err(UsageError::new(format!(
                "input `{key}` is secret and cannot be given on the command line; put it in the --input file"
            )));
        }
        inputs.insert(key, value);
    }
    Ok(inputs)
}

/// Opens the output file up front, owner-only, so a minted key is never left without a home. A
/// new file is created; an existing file is used only when it is empty (e.g. made by `mktemp`),
/// so no earlier key is ever overwritten.
fn create_private_file(path: &str) -> Result<File, UsageError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let cannot = |why: String| UsageError::new(format!("cannot use --output {path}: {why}"));
    match options.open(path) {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| cannot(e.to_string()))?;
            let metadata = file.metadata().map_err(|e| cannot(e.to_string()))?;
            if !metadata.is_file() || metadata.len() > 0 {
                return Err(cannot(
                    "it already exists and is not empty; choose a new file so no earlier key is overwritten"
                        .to_owned(),
                ));
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| cannot(e.to_string()))?;
            }
            Ok(file)
        }
        Err(e) => Err(cannot(e.to_string())),
    }
}

fn remove_unused(path: Option<&str>) {
    if let Some(path) = path {
        let _ = std::fs::remove_file(Path::new(path));
    }
}

/// One secret output is written as its bare value; several as a JSON object.
fn write_secrets(mut file: File, result: &ActionResult) -> std::io::Result<()> {
    let text = match result.secret_outputs.as_slice() {
        [(_, value)] => format!("{}\n", value.expose_secret()),
        many => {
            let object: serde_json::Map<String, Value> = many
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::String(v.expose_secret().to_owned())))
                .collect();
            format!("{}\n", Value::Object(object))
        }
    };
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Prints the report; secret outputs unmasked only when they were not written to a file.
fn print_result(result: &ActionResult, json: bool, written_to: Option<&str>) {
    let mut report = result.report.clone();
    if written_to.is_none() {
        if let Some(output) = report.output.as_mut() {
            for (key, value) in &result.secret_outputs {
                output.insert(
                    (*key).to_owned(),
                    Value::String(value.expose_secret().to_owned()),
                );
            }
        }
    }
    if json {
        match serde_json::to_string(&report) {
            Ok(line) => print_out(&format!("{line}\n")),
            Err(e) => eprintln!("error: cannot serialize the report: {e}"),
        }
        return;
    }
    let mut out = format!(
        "{}: {} {} ({})",
        report.status, report.connector, report.action, report.variant
    );
    if let Some(code) = report.http_status {
        out.push_str(&format!(", HTTP {code}"));
    }
    out.push_str(&format!(
        ", {} ms\n  {}\n",
        report.elapsed_ms, report.message
    ));
    if let Some(output) = &report.output {
        for (key, value) in output {
            let value = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            out.push_str(&format!("  {key}: {value}\n"));
        }
    }
    if let Some(path) = written_to {
        out.push_str(&format!(
            "  secret output written to {path} (owner-only); it is not shown anywhere else\n"
        ));
    }
    for warning in &report.warnings {
        out.push_str(&format!("  warning: {warning}\n"));
    }
    print_out(&out);
}
