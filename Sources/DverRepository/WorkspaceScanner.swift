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
    /// directly is returned whatever the rules say. Files come in byte order of their paths, the
    /// workspace index's order, so `add` merges them with it without sorting.
    public static func scan(_ directory: String, root: String, tracked: TrackedPaths = TrackedPaths()) throws -> ScanResult {
        let absolute = directory.isEmpty ? root : "\(root)/\(directory)"
        guard let status = try FileSystem.linkStatusIfExists(absolute) else { return ScanResult() }
        guard status.kind == .directory else { return ScanResult(files: [ScannedFile(path: directory, status: status)]) }
        var result = ScanResult()
        // The top level's entries in order; each subdirectory is walked by a worker into its slot.
        var items = [(file: ScannedFile?, subdirectory: Int?)]()
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
                items.append((nil, subdirectories.count))
                subdirectories.append((path, rules.adding(path, root: root)))
            } else if let status = entry.status {
                items.append((ScannedFile(path: path, status: status), nil))
            }
        }
        let parts = Mutex([ScanResult?](repeating: nil, count: subdirectories.count))
        let failure = FirstError()
        let next = Atomic<Int>(0)
        let count = subdirectories.count
        let directories = subdirectories
        DispatchQueue.concurrentPerform(iterations: min(max(count, 1), System.coreCount)) { _ in
            while !failure.isSet {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if index >= count { break }
                var part = ScanResult()
                do {
                    try walk(directories[index].path, rules: directories[index].rules, tracked: tracked, root: root, into: &part)
                } catch {
                    failure.record(error)
                }
                parts.withLock { $0[index] = part }
            }
        }
        try failure.rethrow()
        var walked = parts.withLock { parts in
            var taken = [ScanResult?]()
            swap(&taken, &parts)
            return taken
        }
        for item in items {
            if let file = item.file {
                result.files.append(file)
            } else if let index = item.subdirectory, let part = walked[index] {
                result.merge(part)
                walked[index] = nil
            }
        }
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

    /// A directory's entries, with lstat data for every one, in the order their paths take in
    /// byte order: by name, a directory's name followed by `/` (its files come after a sibling
    /// `a.b` and before `a0` when it is `a`). A directory removed meanwhile lists as empty.
    private static func listFiles(_ path: String) throws -> [DirectoryReader.TypedEntry] {
        let entries = try DirectoryReader.list(path) { _ in 0 }
        let keys = entries.map { $0.isDirectory ? $0.name + "/" : $0.name }
        let order = keys.withUnsafeBufferPointer { keys in keys.indices.sorted { keys[$0].precedesInByteOrder(keys[$1]) } }
        return order.map { entries[$0] }
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
