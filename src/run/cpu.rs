//! The daemon side's CPU time during a run, measured from outside it: the machine's busy and idle time
//! (`/proc/stat`), dockmatrix's own CPU time (`getrusage`), and the CPU time of the daemon's processes (the process
//! that listens on its unix socket and its children, `/proc/PID/stat`, reaped children included). Their floor, the
//! shortest the run could take on this machine, is what the machine spent besides dockmatrix over its cores: unlike
//! a sum of the run's own latencies, it does not grow when requests wait behind each other.
//!
//! Linux only; elsewhere, and for a daemon that is not on this machine (tcp://, ssh://), the run says the floor
//! cannot be measured and why.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What the daemon side is, located once before the run's first request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Daemon {
    /// The pid listening on the daemon's unix socket; its children are the daemon's too.
    Local(u32),
    /// The floor cannot be measured: why.
    Unmeasured(String),
}

impl Daemon {
    /// The daemon behind `socket` (a unix socket path), or why it cannot be measured: `socket` is `None` for a
    /// daemon reached otherwise, which `how` says.
    pub fn locate(socket: Option<&Path>, how: &str) -> Self {
        let Some(socket) = socket else {
            return Daemon::Unmeasured(how.to_string());
        };
        if !Path::new("/proc/stat").exists() {
            return Daemon::Unmeasured("no /proc on this machine".into());
        }
        match socket_owner(socket) {
            Some(pid) => Daemon::Local(pid),
            None => Daemon::Unmeasured(format!("no process of this machine is seen listening on {}", socket.display())),
        }
    }
}

/// CPU seconds at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Sample {
    /// The machine's busy time, all cores (user, nice, system, irq, softirq, steal).
    pub busy: f64,
    /// The machine's idle time, all cores (idle, iowait).
    pub idle: f64,
    /// dockmatrix's own (user and system).
    pub own: f64,
    /// The daemon's processes' (theirs and their reaped children's); `None` when not measured.
    pub daemon: Option<f64>,
    /// When.
    pub at: Instant,
}

/// Reads the counters now; `None` where `/proc/stat` cannot be read.
pub(super) fn sample(daemon: &Daemon) -> Option<Sample> {
    let (busy, idle) = machine(&std::fs::read_to_string("/proc/stat").ok()?)?;
    let daemon = match daemon {
        Daemon::Local(root) => tree_seconds(*root),
        Daemon::Unmeasured(_) => None,
    };
    Some(Sample { busy, idle, own: own_seconds(), daemon, at: Instant::now() })
}

/// The cores the machine has (the `cpuN` lines of /proc/stat), at least 1.
pub(super) fn cores() -> usize {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    stat.lines().filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit)).count().max(1)
}

/// The line a run prints: the machine's CPU over the window from `start` to `end`, dockmatrix's and the daemon's
/// shares, and the window against its floor.
pub(super) fn line(daemon: &Daemon, start: Option<&Sample>, end: Option<&Sample>, cores: usize) -> String {
    let (Some(s), Some(e)) = (start, end) else {
        let why = match daemon {
            Daemon::Unmeasured(why) => why.clone(),
            Daemon::Local(_) => "/proc/stat could not be read".into(),
        };
        return format!("timing: floor not measured: {why}");
    };
    let wall = e.at.duration_since(s.at).as_secs_f64();
    let busy = (e.busy - s.busy).max(0.0);
    let total = busy + (e.idle - s.idle).max(0.0);
    let own = (e.own - s.own).max(0.0);
    let floor = (busy - own).max(0.0) / cores as f64;
    let share = if total > 0.0 { 100.0 * busy / total } else { 0.0 };
    let daemon_text = match (daemon, s.daemon.zip(e.daemon)) {
        (_, Some((a, b))) => format!("its processes {:.1} CPU-s", (b - a).max(0.0)),
        (Daemon::Unmeasured(why), None) => format!("its processes not measured: {why}"),
        (Daemon::Local(pid), None) => format!("its processes not measured: pid {pid} went away"),
    };
    let ratio = if floor > 0.0 { format!("{:.2}×", wall / floor) } else { "n/a".into() };
    format!(
        "timing: daemon side {:.1} CPU-s ({daemon_text}) over {cores} cores = floor {floor:.1} s; fixtures to \
         teardown {wall:.1} s = {ratio} its floor; machine {share:.0}% busy, dockmatrix's own {own:.1} CPU-s",
        busy - own
    )
}

/// The machine's busy and idle seconds, all cores, from /proc/stat's `cpu` line.
fn machine(stat: &str) -> Option<(f64, f64)> {
    let fields: Vec<f64> = stat
        .lines()
        .find(|l| l.starts_with("cpu "))?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let at = |i: usize| fields.get(i).copied().unwrap_or(0.0);
    let tick = ticks_per_second();
    // user nice system idle iowait irq softirq steal (guest is inside user).
    let busy = at(0) + at(1) + at(2) + at(5) + at(6) + at(7);
    let idle = at(3) + at(4);
    Some((busy / tick, idle / tick))
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf reads a constant of the system; no memory is passed.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// dockmatrix's own CPU seconds so far.
fn own_seconds() -> f64 {
    // SAFETY: getrusage fills the struct it is given, which lives on this stack frame.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    s(u.ru_utime) + s(u.ru_stime)
}

/// `(ppid, utime + stime + cutime + cstime in seconds)` of a process, from /proc/PID/stat.
fn stat_of(pid: u32) -> Option<(u32, f64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command may hold spaces and parentheses: the fields start after its last `)`.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    let num = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    let ppid = f.get(1)?.parse().ok()?;
    Some((ppid, (num(11) + num(12) + num(13) + num(14)) / ticks_per_second()))
}

/// The pids of this machine.
fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default()
}

/// The CPU seconds of `root` and all its descendants (and the children they reaped); `None` when `root` is gone.
fn tree_seconds(root: u32) -> Option<f64> {
    let stats: HashMap<u32, (u32, f64)> = pids().into_iter().filter_map(|p| Some((p, stat_of(p)?))).collect();
    stats.get(&root)?;
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, (ppid, _)) in &stats {
        children.entry(*ppid).or_default().push(*pid);
    }
    let (mut total, mut todo) = (0.0, vec![root]);
    while let Some(p) = todo.pop() {
        total += stats.get(&p).map_or(0.0, |s| s.1);
        todo.extend(children.get(&p).into_iter().flatten());
    }
    Some(total)
}

/// The process listening on the unix socket `path`: the socket's inodes from each network namespace's
/// /proc/PID/net/unix (a daemon in a namespace of its own lists its socket only there), then the process holding
/// one of them whose parent does not hold one too.
fn socket_owner(path: &Path) -> Option<u32> {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
    let wanted = path.to_str()?;
    let all = pids();
    let (mut seen, mut inodes) = (HashSet::new(), HashSet::new());
    for pid in &all {
        let Ok(ns) = std::fs::read_link(format!("/proc/{pid}/ns/net")) else { continue };
        if !seen.insert(ns) {
            continue;
        }
        let table = std::fs::read_to_string(format!("/proc/{pid}/net/unix")).unwrap_or_default();
        // Num RefCount Protocol Flags Type St Inode Path
        for l in table.lines().skip(1) {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.get(7) == Some(&wanted) {
                inodes.extend(f.get(6).map(|i| format!("socket:[{i}]")));
            }
        }
    }
    if inodes.is_empty() {
        return None;
    }
    let holds = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t.to_str().is_some_and(|t| inodes.contains(t))))
    };
    let owners: Vec<u32> = all.into_iter().filter(|p| *p != std::process::id() && holds(*p)).collect();
    owners.iter().copied().find(|p| stat_of(*p).is_none_or(|(ppid, _)| !owners.contains(&ppid)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_machine_line_counts_busy_and_idle_ticks() {
        let stat = "cpu  100 10 50 800 40 5 5 0 0 0\ncpu0 50 5 25 400 20 2 3 0 0 0\n";
        let (busy, idle) = machine(stat).expect("a cpu line");
        let tick = ticks_per_second();
        assert_eq!((busy * tick, idle * tick), (170.0, 840.0));
        assert_eq!(machine("intr 1 2 3\n"), None);
    }

    #[test]
    fn the_line_puts_the_window_against_the_floor() {
        let t0 = Instant::now();
        let start = Sample { busy: 100.0, idle: 50.0, own: 1.0, daemon: Some(10.0), at: t0 };
        let end = Sample {
            busy: 180.0,
            idle: 58.0,
            own: 2.5,
            daemon: Some(80.0),
            at: t0 + std::time::Duration::from_secs(44),
        };
        let line = line(&Daemon::Local(1), Some(&start), Some(&end), 2);
        assert_eq!(
            line,
            "timing: daemon side 78.5 CPU-s (its processes 70.0 CPU-s) over 2 cores = floor 39.2 s; fixtures to \
             teardown 44.0 s = 1.12× its floor; machine 91% busy, dockmatrix's own 1.5 CPU-s"
        );
        let remote = Daemon::locate(None, "the daemon is on another machine (ssh://build-host)");
        assert_eq!(
            super::line(&remote, None, None, 2),
            "timing: floor not measured: the daemon is on another machine (ssh://build-host)"
        );
    }

    #[test]
    fn finds_the_process_listening_on_a_socket_and_counts_its_cpu() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("d.sock");
        let listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
        assert_eq!(socket_owner(&path), None, "the caller itself is never the daemon");
        // A child that inherits the listening socket holds it as a daemon would.
        use std::os::fd::AsRawFd;
        let fd = listener.as_raw_fd();
        // SAFETY: fcntl on a descriptor this test owns; the flag goes back right after the spawn.
        unsafe { libc::fcntl(fd, libc::F_SETFD, 0) };
        let mut child = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
        unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        let owner = socket_owner(&path);
        let seconds = tree_seconds(child.id());
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(owner, Some(child.id()));
        assert!(seconds.is_some_and(|s| s >= 0.0));
        assert_eq!(tree_seconds(child.id()), None, "gone");
        assert!(matches!(Daemon::locate(Some(&dir.path().join("none.sock")), "unix"), Daemon::Unmeasured(_)));
    }
}
