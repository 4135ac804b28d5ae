//! `connector run`: run a connector's action (e.g. mint an API key) and show any secret output
//! exactly once, on stdout or in an owner-only file.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use connector_core::action::run_action;
use connector_core::text::{describe_value, printable};
use connector_core::HttpClient;
use connector_core::{ActionResult, CheckOptions, RawCredentials, Status};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::args::RunArgs;
use crate::credentials::{self, CredentialsError};
use crate::settings::Settings;
use crate::usage::{find_connector, print_out, UsageError};

pub const AFTER_HELP: &str = "\
Examples:
  POLYTOMIC_PARTNER_KEY=… connector run polytomic create-api-key \\
      --set org_id=248df4b7-aa70-47b8-a036-33ac447e668d --set user_id=… --output new-key.txt
  connector run polytomic create-api-key --credentials partner.json --input ids.json --json

Inputs come from --input (a JSON object, FILE or -) and --set KEY=VALUE (non-secret inputs only);
credentials from --credentials or the variant's environment variables, never from the command line.
A secret output (a minted key) is shown once: on stdout, or written to --output FILE (created with
owner-only permissions), in which case it appears nowhere else unmasked. --output FILE must be a
new file, or an empty regular file you own (it is made owner-only); a symbolic link, another
user's file, a file with data, a directory or a device is refused before any request is sent.

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
            "{} has no action by that name ({}); {known}",
            spec.id,
            describe_value(&args.action)
        ))
    })?;
    let variant_name = args.variant.as_deref().unwrap_or(action.variant);
    let variant = connector_core::check::resolve_variant(spec, Some(variant_name))
        .map_err(|e| UsageError::new(e.to_string()))?;
    if args.credentials.as_deref() == Some("-") && args.input.as_deref() == Some("-") {
        return Err(UsageError::new(
            "--credentials and --input cannot both read standard input; put one in a file",
        ));
    }
    let flags = crate::urls::parse_flags(spec, &args.base_url)?;
    let options = CheckOptions {
        urls: settings.overrides(spec, flags),
        limits: settings.limits_with(args.timeout, args.retries)?,
    };
    let inputs = read_inputs(args, action)?;
    let http = settings.http_client(HttpClient::builder(), &options.limits, &args.network)?;
    let mut output_file = match &args.output {
        Some(path) => Some(OutputFile::open(path)?),
        None => None,
    };

    let credentials = match credentials::read(args.credentials.as_deref(), variant) {
        Ok(raw) => Some(raw),
        Err(CredentialsError::Unreadable(e)) => {
            if let Some(output) = output_file.take() {
                output.discard();
            }
            return Err(e);
        }
        Err(CredentialsError::Invalid(e)) => {
            if let Some(output) = output_file.take() {
                output.discard();
            }
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
    if let (Some(output), Some(path)) = (output_file.take(), args.output.as_deref()) {
        if result.secret_outputs.is_empty() {
            output.discard();
        } else {
            match write_secrets(output.file, &result) {
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
                "--set takes KEY=VALUE, e.g. --set org_id=…; got {} without `=`",
                describe_value(pair)
            )));
        };
        let Some(field) = action.input(key) else {
            let keys: Vec<&str> = action.inputs.iter().map(|f| f.key).collect();
            return Err(UsageError::new(format!(
                "{} has no input by that name ({}); its inputs are: {}",
                action.id,
                describe_value(key),
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

/// The file a secret output goes to, opened before any request so that nothing is minted
/// without a home this run can trust.
#[derive(Debug)]
struct OutputFile {
    file: File,
    path: String,
    /// Made by this run (removed again when nothing is written), or an empty file the user had.
    created: bool,
}

impl OutputFile {
    /// Opens `path` owner-only. A new file is created with mode 0600. An existing file is used
    /// only when it is an empty regular file the user owns, with no other name (e.g. made by
    /// `mktemp`); it is made 0600. Refused: a symbolic link (to anything, even a missing file), a
    /// file another user owns (they could read the key), a file with data (an earlier key), a
    /// directory, a device or a FIFO.
    fn open(path: &str) -> Result<Self, UsageError> {
        let cannot = |why: &str| UsageError::new(format!("cannot use --output {path}: {why}"));
        match std::fs::symlink_metadata(path) {
            Ok(found) => {
                refuse_untrusted(&found).map_err(|why| cannot(&why))?;
                let file = open_existing(path).map_err(|e| cannot(&e.to_string()))?;
                let opened = file.metadata().map_err(|e| cannot(&e.to_string()))?;
                // What was opened must be what was checked, and still pass the checks.
                refuse_untrusted(&opened).map_err(|why| cannot(&why))?;
                if !same_file(&found, &opened) {
                    return Err(cannot(
                        "it changed while being opened; check who else writes to that directory and run again",
                    ));
                }
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    file.set_permissions(std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| cannot(&e.to_string()))?;
                }
                Ok(Self {
                    file,
                    path: path.to_owned(),
                    created: false,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let file = create_new(path).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::AlreadyExists {
                        cannot("it appeared while being created (something else writes there); give the path of a new file")
                    } else {
                        cannot(&e.to_string())
                    }
                })?;
                Ok(Self {
                    file,
                    path: path.to_owned(),
                    created: true,
                })
            }
            Err(e) => Err(cannot(&e.to_string())),
        }
    }

    /// Nothing will be written: closes the file, and removes it if this run created it.
    fn discard(self) {
        let Self {
            file,
            path,
            created,
        } = self;
        drop(file);
        if created {
            let _ = std::fs::remove_file(Path::new(&path));
        }
    }
}

/// Why an existing path cannot hold a secret, if it cannot.
fn refuse_untrusted(metadata: &std::fs::Metadata) -> Result<(), String> {
    let kind = metadata.file_type();
    if kind.is_symlink() {
        return Err("it is a symbolic link, which could point anywhere (e.g. at a file other users can read); give the path of a new file".to_owned());
    }
    if !kind.is_file() {
        let what = if kind.is_dir() {
            "a directory"
        } else {
            "not a regular file"
        };
        return Err(format!(
            "it is {what}; give the path of a new file, or of an empty file you own"
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = rustix::process::geteuid().as_raw();
        if metadata.uid() != me {
            return Err(format!(
                "it belongs to another user (uid {}), who could read the key; give the path of a new file, or of an empty file you own",
                metadata.uid()
            ));
        }
        if metadata.nlink() > 1 {
            return Err("it has other names (hard links) the key would be readable through; give the path of a new file".to_owned());
        }
    }
    if metadata.len() > 0 {
        return Err("it already exists and is not empty; choose a new file so no earlier key is overwritten".to_owned());
    }
    Ok(())
}

fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        a.dev() == b.dev() && a.ino() == b.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        true
    }
}

/// Opens an existing file for writing without following a symbolic link, truncating or waiting
/// (a FIFO put there in the meantime fails instead of blocking).
fn open_existing(path: &str) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Creates a new file, owner-only; never follows a symbolic link (`O_EXCL`, `O_NOFOLLOW`).
fn create_new(path: &str) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
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
        report.status,
        printable(&report.connector),
        printable(&report.action),
        printable(&report.variant)
    );
    if let Some(code) = report.http_status {
        out.push_str(&format!(", HTTP {code}"));
    }
    out.push_str(&format!(
        ", {} ms\n  {}\n",
        report.elapsed_ms,
        printable(&report.message)
    ));
    if let Some(output) = &report.output {
        for (key, value) in output {
            let value = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| value.to_string());
            out.push_str(&format!("  {}: {}\n", printable(key), printable(&value)));
        }
    }
    if let Some(path) = written_to {
        out.push_str(&format!(
            "  secret output written to {path} (owner-only); it is not shown anywhere else\n"
        ));
    }
    for warning in &report.warnings {
        out.push_str(&format!("  warning: {}\n", printable(warning)));
    }
    print_out(&out);
}
