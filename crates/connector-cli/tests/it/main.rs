//! The CLI's end-to-end tests, one module per area, all in one binary (linked once) that runs
//! the real `connector` binary through [`support`].

mod bulk;
mod check;
mod deadline;
mod definitions;
mod describe;
mod dry_run;
mod hostile;
#[cfg(unix)]
mod interrupt;
mod run;
mod settings;
mod support;
mod tls;
