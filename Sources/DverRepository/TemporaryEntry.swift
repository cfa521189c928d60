import DverStore
import DverSystem
#if canImport(Glibc)
import Glibc
#endif

/// An entry of `.dver/tmp/`, as `gc` (which removes leftovers) and `fsck` (which reports them)
/// see it. What writers put there, and under which lock:
///
/// - `pack-PID-N.tmp`: a pack being written (workspace lock, or objects lock shared);
/// - `fetch-PID-N.pack`: a downloaded pack (objects lock, shared);
/// - `job-ID/`: a pipeline job's datum directories, for the job's whole run, which holds the
///   objects lock shared from start to end — gc's exclusive lock therefore never sees one in use;
/// - `push-PID-N/`: a push's staging directory; push takes none of gc's locks, so the entry is
///   in use while process PID lives.
struct TemporaryEntry: Sendable {
    let name: String
    let isDirectory: Bool
    /// The live process of the push staging packs in this directory, if any: gc keeps it.
    let runningPush: pid_t?

    /// `tmp/NAME`, with a trailing `/` for a directory.
    var shownPath: String { "tmp/\(name)" + (isDirectory ? "/" : "") }

    /// What fsck reports about an entry no running push uses.
    var warning: String {
        guard isDirectory else {
            return "\(shownPath) is a leftover temporary file from an interrupted write; 'dver gc' deletes it"
        }
        if name.hasPrefix("job-") {
            return "\(shownPath) holds the datum directories of pipeline job \(name.dropFirst(4)), left by a job that was "
                + "killed or ran with DVER_KEEP_DATUM_DIRS=1 (unless that job is running now); 'dver gc' deletes it"
        }
        if name.hasPrefix("push-") {
            return "\(shownPath) is the staging directory of an interrupted push; 'dver gc' deletes it"
        }
        return "\(shownPath) is a leftover directory; 'dver gc' deletes it"
    }

    /// The pid in a `push-PID-N` name when that process is alive (or alive as another user).
    static func runningPush(_ name: String) -> pid_t? {
        let parts = name.split(separator: "-")
        guard parts.count == 3, parts[0] == "push", let pid = pid_t(parts[1]), pid > 0 else { return nil }
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }
}

extension Project {
    /// The entries of `.dver/tmp/`, classified.
    /// - Throws: `SystemError` when the directory cannot be listed.
    func temporaryEntries() throws -> [TemporaryEntry] {
        let directory = layout.temporaryDirectory
        return try FileSystem.list(directory).sorted { $0.name < $1.name }.map { entry in
            let isDirectory = entry.kind == .directory
                || entry.kind == .unknown && (try? FileSystem.linkStatus("\(directory)/\(entry.name)").kind) == .directory
            return TemporaryEntry(name: entry.name, isDirectory: isDirectory,
                                  runningPush: isDirectory ? TemporaryEntry.runningPush(entry.name) : nil)
        }
    }
}
