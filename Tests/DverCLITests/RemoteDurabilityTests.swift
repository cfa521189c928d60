import DverCore
import Foundation
import Testing

/// The system calls of one traced `dver` run: directories created, renames, and fsyncs (with
/// the path of the descriptor synced), in order.
struct SyscallTrace {
    enum Call: Equatable {
        case mkdir(String)
        case rename(to: String)
        case fsync(String)
    }

    static let strace = "/usr/bin/strace"
    /// strace is installed and may trace here (ptrace can be forbidden in containers).
    static let isAvailable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: strace) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: strace)
        probe.arguments = ["-f", "-qq", "-o", "/dev/null", "/bin/true"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    let calls: [Call]

    /// Runs `dver arguments` in `directory` under strace (following threads).
    init(_ arguments: [String], in directory: String, scratch: String) throws {
        let log = "\(scratch)/strace-\(UUID().uuidString).log"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.strace)
        process.arguments = ["-f", "-y", "-qq", "-s", "4096", "-o", log,
                             "-e", "trace=mkdir,mkdirat,fsync,fdatasync,rename,renameat,renameat2",
                             DverProcess.binaryPath] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["DVER_AUTHOR"] = "CLI Tests <tests@example.com>"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "dver \(arguments) exited \(process.terminationStatus) under strace")
        calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap(Self.parse)
        try? FileManager.default.removeItem(atPath: log)
    }

    /// One strace line (`PID name(args) = result`, possibly `<unfinished ...>`), or nil for
    /// calls that failed or are not of interest.
    static func parse(_ line: Substring) -> Call? {
        if line.contains("= -1 ") { return nil }
        func quoted(after marker: String, skipping: Int = 0) -> String? {
            guard let start = line.range(of: marker)?.upperBound else { return nil }
            let parts = line[start...].split(separator: "\"", omittingEmptySubsequences: false)
            return parts.count > 1 + skipping * 2 ? String(parts[1 + skipping * 2]) : nil
        }
        if line.contains(" mkdir(") { return quoted(after: " mkdir(").map(Call.mkdir) }
        if line.contains(" mkdirat(") { return quoted(after: " mkdirat(").map(Call.mkdir) }
        for name in [" rename(", " renameat(", " renameat2("] where line.contains(name) {
            return quoted(after: name, skipping: 1).map { Call.rename(to: $0) }
        }
        for name in [" fsync(", " fdatasync("] where line.contains(name) {
            guard let start = line.range(of: name)?.upperBound, let open = line[start...].firstIndex(of: "<"),
                  let close = line[open...].firstIndex(of: ">") else { return nil }
            return .fsync(String(line[line.index(after: open)..<close]))
        }
        return nil
    }

    /// Directories created below `root` (or, with `only`, those of `only` created) whose
    /// parent was not fsynced after the mkdir.
    func directoriesNotMadeDurable(below root: String, only: Set<String>? = nil) -> [String] {
        calls.enumerated().compactMap { position, call in
            guard case .mkdir(let path) = call, path == root || path.hasPrefix(root + "/"), only?.contains(path) ?? true else { return nil }
            let parent = (path as NSString).deletingLastPathComponent
            return calls[(position + 1)...].contains(.fsync(parent)) ? nil : path
        }
    }

    /// Files renamed into `directory` after which the directory was not fsynced.
    func renamesNotMadeDurable(into directory: String) -> [String] {
        calls.enumerated().compactMap { position, call in
            guard case .rename(let target) = call, (target as NSString).deletingLastPathComponent == directory else { return nil }
            return calls[(position + 1)...].contains(.fsync(directory)) ? nil : target
        }
    }
}

/// A new directory is only an entry in its parent until the parent is fsynced: every directory
/// a push, fetch or clone creates — a directory remote's root and `packs/`, the clone's
/// directory, the cache of remote pack indexes in `.dver/remotes/` — is made durable, and so
/// are the cached pack indexes. Checked on the real binary's system calls (strace).
@Suite("remote durability (strace)", .enabled(if: SyscallTrace.isAvailable, "needs strace"))
struct RemoteDurabilityTests {
    @Test("push to a new directory remote, clone and fetch fsync every directory they create, with its parent")
    func newDirectoriesAreDurable() throws {
        let source = try TestProject()
        try source.write("data/raw/a.csv", "1,2\n")
        source.run(["add", "-q", "data/raw"])
        source.run(["commit", "-q", "-m", "first"])
        let remote = "\(source.outside)/remotes/nas/dver"
        try FileManager.default.createDirectory(atPath: "\(source.outside)/remotes/nas", withIntermediateDirectories: true)
        source.run(["remote", "add", "origin", remote, "-q"])

        let push = try SyscallTrace(["push", "-q"], in: source.root, scratch: source.outside)
        #expect(push.directoriesNotMadeDurable(below: "\(source.outside)/remotes") == [])
        #expect(push.calls.contains(.mkdir(remote)) && push.calls.contains(.mkdir("\(remote)/packs")))
        // Staging stores under .dver/tmp/ are scratch space, deleted after the push: not fsynced.
        #expect(push.directoriesNotMadeDurable(below: "\(source.root)/.dver").filter { !$0.hasPrefix("\(source.root)/.dver/tmp/") } == [])

        let clone = "\(source.outside)/clones/copy"
        let cloned = try SyscallTrace(["clone", "-q", remote, clone], in: source.outside, scratch: source.outside)
        #expect(cloned.calls.contains(.mkdir(clone)) && cloned.calls.contains(.mkdir("\(clone)/.dver/remotes/origin/packs")))
        // The clone's directory and its missing parent (the workspace below is checkout's: not fsynced, as git does not).
        #expect(cloned.directoriesNotMadeDurable(below: "\(source.outside)/clones", only: ["\(source.outside)/clones", clone]) == [])
        #expect(cloned.directoriesNotMadeDurable(below: "\(clone)/.dver") == [])

        try source.write("data/raw/b.csv", "3,4\n")
        source.run(["add", "-q", "data/raw"])
        source.run(["commit", "-q", "-m", "second"])
        source.run(["push", "-q"])
        try FileManager.default.removeItem(atPath: "\(clone)/.dver/remotes/origin")
        let fetched = try SyscallTrace(["fetch", "-q"], in: clone, scratch: source.outside)
        let cache = "\(clone)/.dver/remotes/origin/packs"
        #expect(fetched.calls.contains(.mkdir(cache)))
        #expect(fetched.directoriesNotMadeDurable(below: "\(clone)/.dver") == [])
        #expect(fetched.calls.contains { if case .rename(let target) = $0 { target.hasPrefix(cache + "/") } else { false } })
        #expect(fetched.renamesNotMadeDurable(into: cache) == [])
    }
}
