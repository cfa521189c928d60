import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization

/// A file found in the workspace.
public struct ScannedFile: Sendable {
    /// Project-relative path.
    public var path: String
    public var status: FileStatus
}

/// What a scan found.
public struct ScanResult: Sendable {
    public var files: [ScannedFile] = []
    /// Entries named `.git` or `.dver` (another git repository, worktree or dver project nested
    /// in the repo), which are never tracked.
    public var skipped: [String] = []
    /// Paths whose name is not valid UTF-8, spelled with `\xNN` escapes. dver cannot store them.
    public var invalidNames: [String] = []
    /// Untracked files and directories left out by `.dverignore` rules (directories not descended).
    public var ignored = 0

    mutating func merge(_ other: ScanResult) {
        files += other.files
        skipped += other.skipped
        invalidNames += other.invalidNames
        ignored += other.ignored
    }
}

/// Walks workspace directories with lstat data, spreading subdirectories over cores.
public enum WorkspaceScanner {
    /// What a directory entry is to the scanner.
    enum Classification { case tracked, temporary, nestedRepository, invalidName }

    /// Names never tracked: dver's store and git's directory (nested repositories: reported),
    /// checkout's temporary files (silently), and names that are not UTF-8 (reported).
    static func classify(_ name: String) -> Classification {
        if name == ".dver" || name == ".git" { return .nestedRepository }
        if name.hasPrefix(".dver-tmp-") { return .temporary }
        if DirectoryReader.isInvalidName(name) { return .invalidName }
        return .tracked
    }

    /// Every non-directory beneath the project-relative `directory` (nothing if it is missing),
    /// leaving out what `.dverignore` rules ignore unless `tracked` holds it. A file named
    /// directly is returned whatever the rules say.
    public static func scan(_ directory: String, root: String, tracked: TrackedPaths = TrackedPaths()) throws -> ScanResult {
        let absolute = directory.isEmpty ? root : "\(root)/\(directory)"
        guard let status = try FileSystem.linkStatusIfExists(absolute) else { return ScanResult() }
        guard status.kind == .directory else { return ScanResult(files: [ScannedFile(path: directory, status: status)]) }
        var result = ScanResult()
        var subdirectories = [(path: String, rules: IgnoreRules)]()
        let rules = IgnoreRules.forDirectory(directory, root: root)
        for entry in try listFiles(absolute) {
            let path = RepoPath.join(directory, entry.name)
            guard record(entry, path: path, into: &result) else { continue }
            if tracked.skips(path, isDirectory: entry.isDirectory, rules: rules) {
                result.ignored += 1
                continue
            }
            if entry.isDirectory {
                subdirectories.append((path, rules.adding(path, root: root)))
            } else if let status = entry.status {
                result.files.append(ScannedFile(path: path, status: status))
            }
        }
        let results = Mutex<[ScanResult]>([])
        let failure = FirstError()
        let next = Atomic<Int>(0)
        let count = subdirectories.count
        let directories = subdirectories
        DispatchQueue.concurrentPerform(iterations: min(max(count, 1), System.coreCount)) { _ in
            var local = ScanResult()
            while !failure.isSet {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= count { break }
                do {
                    try walk(directories[index].path, rules: directories[index].rules, tracked: tracked, root: root, into: &local)
                } catch {
                    failure.record(error)
                }
            }
            results.withLock { $0.append(local) }
        }
        try failure.rethrow()
        for part in results.withLock({ $0 }) { result.merge(part) }
        return result
    }

    /// Notes entries the scan does not descend into or track; true for entries to track.
    private static func record(_ entry: DirectoryReader.TypedEntry, path: String, into result: inout ScanResult) -> Bool {
        switch classify(entry.name) {
        case .tracked: return true
        case .temporary: return false
        case .nestedRepository:
            result.skipped.append(path)
            return false
        case .invalidName:
            result.invalidNames.append(DirectoryReader.displayName(path))
            return false
        }
    }

    /// A directory's entries, with lstat data for every one. A directory removed meanwhile
    /// lists as empty.
    private static func listFiles(_ path: String) throws -> [DirectoryReader.TypedEntry] {
        try DirectoryReader.list(path) { _ in 0 }
    }

    private static func walk(_ directory: String, rules: IgnoreRules, tracked: TrackedPaths, root: String, into result: inout ScanResult) throws {
        if RepoPath.components(directory).count >= RepoPath.maximumDepth {
            throw CoreError.invalidPath(directory, reason: "directories nested more than \(RepoPath.maximumDepth) deep cannot be tracked")
        }
        for entry in try listFiles("\(root)/\(directory)") {
            let path = "\(directory)/\(entry.name)"
            guard record(entry, path: path, into: &result) else { continue }
            if tracked.skips(path, isDirectory: entry.isDirectory, rules: rules) {
                result.ignored += 1
                continue
            }
            if entry.isDirectory {
                try walk(path, rules: rules.adding(path, root: root), tracked: tracked, root: root, into: &result)
            } else if let status = entry.status {
                result.files.append(ScannedFile(path: path, status: status))
            }
        }
    }
}
