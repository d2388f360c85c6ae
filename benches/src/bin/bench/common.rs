//! What the benchmarks share: the qosic-mock binary as a child process, process memory and
//! CPU time from `/proc`, medians, and the SDK client they measure.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use qosic_core::{Client, PollingPolicy};
use qosic_http::HttpTransport;

use qosic_bench::flows::Target;

/// The workspace root (the parent of the `benches` package).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Finds (building it when needed) the release `qosic-mock` binary.
///
/// Order: `--mock-bin` / `QOSIC_MOCK_BIN`; otherwise `cargo build --release -p qosic-mock --features cli`
/// (through `$CARGO`, as cargo sets it for `cargo run`), then `qosic-mock` in this
/// program's directory (`target/release/`).
pub(crate) fn mock_binary(given: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    if let Some(path) = std::env::var_os("QOSIC_MOCK_BIN") {
        return Ok(PathBuf::from(path));
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "qosic-mock",
            "--bin",
            "qosic-mock",
            // `cli`, not `qosic-mock/cli`: the crate's dev-dependency on itself makes that name
            // the dependency's feature, and the binary's `required-features` stay unmet.
            "--features",
            "cli",
        ])
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo to build qosic-mock: {e}"))?;
    if !status.success() {
        return Err(format!(
            "cargo build --release -p qosic-mock failed ({status})"
        ));
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    // target/release/bench -> target/release/qosic-mock
    let release = exe.parent().ok_or("cannot find target/release")?;
    let bin = release.join("qosic-mock");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("{} not found after building it", bin.display()))
    }
}

/// A child process that serves HTTP and printed `listening on URL` first; killed on drop.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    /// Its base URL, e.g. `http://127.0.0.1:40123`.
    pub(crate) url: String,
}

impl Server {
    /// Starts `program args…` and waits for its `listening on URL` line.
    pub(crate) fn spawn(program: &Path, args: &[&str]) -> Result<Server, String> {
        let mut command = Command::new(program);
        // The mock binary reads QOSIC_* and QOSIC_MOCK_* settings; the benchmarks send the
        // defaults, so a shell configured for a real server must not change what it expects.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("QOSIC_") {
                command.env_remove(&name);
            }
        }
        let mut child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let url = line.trim().strip_prefix("listening on ").map(str::to_owned);
        match (read, url) {
            (Ok(_), Some(url)) => Ok(Server { child, url }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!(
                    "{} did not print `listening on URL` (got {line:?})",
                    program.display()
                ))
            }
        }
    }

    /// The child's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident set size of process `pid` (`self` for this one), in bytes, from `/proc`.
pub(crate) fn rss_bytes(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// User + system CPU time of process `pid` (`self` for this one), from `/proc/PID/stat`
/// (in clock ticks of 1/100 s, Linux's `USER_HZ`).
pub(crate) fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) end with ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ") ".
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// qosic-mock's default credentials and MTN client id at `base_url` (not the environment's:
/// the benchmarks start their own qosic-mock).
pub(crate) fn mock_target(base_url: &str) -> Target {
    Target {
        base_url: base_url.to_owned(),
        login: qosic_mock::DEFAULT_LOGIN.to_owned(),
        password: qosic_mock::DEFAULT_PASSWORD.to_owned(),
        mtn_client_id: qosic_mock::DEFAULT_MTN_CLIENT_ID.to_owned(),
    }
}

/// The SDK as a user would build it against qosic-mock at `base_url`: the default
/// `HttpTransport`, MTN polling every `step` for `window`.
pub(crate) fn sdk_client(
    base_url: &str,
    step: Duration,
    window: Duration,
) -> Result<Client, String> {
    let transport = HttpTransport::new().map_err(|e| e.to_string())?;
    let polling = PollingPolicy::unbounded(step, window).map_err(|e| e.to_string())?;
    mock_target(base_url)
        .client(transport, polling)
        .map_err(|e| e.to_string())
}

/// The smallest positive polling step: always already due, so the first status check goes
/// out as soon as the payment's answer came back (what the Python SDK does: `polling2`
/// checks once before its first sleep).
pub(crate) const AT_ONCE: Duration = Duration::from_nanos(1);

/// One row of the results table.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) number: u8,
    pub(crate) name: &'static str,
    pub(crate) figure: String,
    pub(crate) goal: &'static str,
    /// `Some(true)` met, `Some(false)` missed, `None` no goal or not measured.
    pub(crate) pass: Option<bool>,
    pub(crate) details: Vec<String>,
}

impl Row {
    pub(crate) fn unavailable(
        number: u8,
        name: &'static str,
        goal: &'static str,
        why: &str,
    ) -> Row {
        Row {
            number,
            name,
            figure: format!("unavailable: {why}"),
            goal,
            pass: None,
            details: Vec::new(),
        }
    }
}
