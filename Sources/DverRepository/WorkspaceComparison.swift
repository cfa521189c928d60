import DverCore
import DverSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Compares one repo's index entries with its workspace directory by directory: each
/// directory is read once, only tracked names are lstat'ed (fstatat on the directory), and
/// directories are spread over cores level by level. No full path is built for unchanged files.
struct WorkspaceComparison {
    /// Index positions whose workspace file is gone.
    var missing: [Int] = []
    /// Index positions whose stat data differs or is racily clean, with the new lstat data.
    var suspects: [(position: Int, status: FileStatus)] = []
    /// Project-relative paths of files the index does not track.
    var untracked: [String] = []
    /// Nested `.git` and `.dver` entries, and names that are not UTF-8 (escaped), never tracked.
    var ignored: [String] = []
    /// Temporary files of a write that was killed (`.dver-tmp-*`), which checkout removes.
    var leftovers: [String] = []

    static func run(index: WorkspaceIndex, range: Range<Int>, mount: String, root: String) throws -> WorkspaceComparison {
        let indexTime = index.loadedTime
        let seen = Mutex<[Int]>([])
        let results = Mutex(WorkspaceComparison())
        let failure = FirstError()
        var level = [(path: mount, rules: IgnoreRules.forDirectory(mount, root: root))]
        while !level.isEmpty {
            let directories = level
            let next = Mutex<[(path: String, rules: IgnoreRules)]>([])
            DispatchQueue.concurrentPerform(iterations: min(directories.count, System.coreCount)) { worker in
                var local = WorkspaceComparison()
                var localSeen = [Int]()
                var localNext = [(path: String, rules: IgnoreRules)]()
                var position = worker
                while position < directories.count, !failure.isSet {
                    do {
                        let directory = directories[position].path
                        let group = names(in: positions(directlyIn: directory, of: index), directory: directory, of: index)
                        try visit(directory, rules: directories[position].rules, index: index, group: group,
                                  indexTime: indexTime, root: root, into: &local, seen: &localSeen, subdirectories: &localNext)
                    } catch {
                        failure.record(error)
                    }
                    position += System.coreCount
                }
                results.withLock {
                    $0.suspects.append(contentsOf: local.suspects)
                    $0.untracked.append(contentsOf: local.untracked)
                    $0.ignored.append(contentsOf: local.ignored)
                    $0.leftovers.append(contentsOf: local.leftovers)
                }
                seen.withLock { $0.append(contentsOf: localSeen) }
                next.withLock { $0.append(contentsOf: localNext) }
            }
            try failure.rethrow()
            level = next.withLock { $0 }
        }
        var comparison = results.withLock { $0 }
        var isSeen = [Bool](repeating: false, count: range.count)
        for position in seen.withLock({ $0 }) { isSeen[position - range.lowerBound] = true }
        comparison.missing = range.filter { !isSeen[$0 - range.lowerBound] && index.entries[$0].staged != nil }
        return comparison
    }

    /// Where the entries directly in `directory` sit in the index: the runs between its
    /// subdirectories' blocks (paths sort in byte order, so each subdirectory is one block,
    /// skipped by binary search). Run by the workers, one directory each.
    private static func positions(directlyIn directory: String, of index: WorkspaceIndex) -> [Range<Int>] {
        let under = index.range(under: directory)
        let prefix = directory.utf8.count + 1
        var runs = [Range<Int>]()
        var start = under.lowerBound
        var position = start
        while position < under.upperBound {
            let path = index.entries[position].path
            guard let slash = Self.slash(in: path, after: prefix) else {
                position += 1
                continue
            }
            if position > start { runs.append(start..<position) }
            let subdirectory = String(Substring(path.utf8.prefix(slash)))
            position = max(position + 1, index.range(under: subdirectory).upperBound)
            start = position
        }
        if position > start { runs.append(start..<position) }
        return runs
    }

    /// The byte offset of the first `/` in `path` at or after `start` (memchr over the string's
    /// own bytes: run for every tracked path, per-character iteration showed in profiles).
    private static func slash(in path: String, after start: Int) -> Int? {
        var path = path
        return path.withUTF8 { bytes in
            guard let base = bytes.baseAddress, bytes.count > start,
                  let found = memchr(base + start, Int32(UInt8(ascii: "/")), bytes.count - start) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }
    }

    /// Name → (tracked name, index position) for one directory's tracked files (those with a
    /// staged version). Their paths are `directory/name`.
    private static func names(in runs: [Range<Int>], directory: String, of index: WorkspaceIndex) -> [String: (name: String, position: Int)] {
        let prefix = directory.utf8.count + 1
        var table = [String: (name: String, position: Int)](minimumCapacity: runs.reduce(0) { $0 + $1.count })
        for run in runs {
            for position in run where index.entries[position].staged != nil {
                let name = String(Substring(index.entries[position].path.utf8.dropFirst(prefix)))
                table[name] = (name, position)
            }
        }
        return table
    }

    private static func visit(_ directory: String, rules: IgnoreRules, index: WorkspaceIndex,
                              group: [String: (name: String, position: Int)], indexTime: Int64,
                              root: String, into result: inout WorkspaceComparison, seen: inout [Int],
                              subdirectories: inout [(path: String, rules: IgnoreRules)]) throws {
        // The table's keys compare by Unicode equivalence; a name spelled with other bytes than
        // the tracked one is another file (untracked), so compare the bytes too.
        let entries = try DirectoryReader.list("\(root)/\(directory)") { name in
            group[name].flatMap { tracked in FileName.sameBytes(tracked.name, name) ? tracked.position : nil }
        }
        for entry in entries {
            switch WorkspaceScanner.classify(entry.name) {
            case .tracked: break
            case .temporary:
                result.leftovers.append("\(directory)/\(entry.name)")
                continue
            case .nestedRepository, .invalidName:
                result.ignored.append(DirectoryReader.displayName("\(directory)/\(entry.name)"))
                continue
            }
            if entry.isDirectory {
                let path = "\(directory)/\(entry.name)"
                // An ignored directory is walked only for the tracked files in it.
                if !index.range(under: path).isEmpty || !rules.isIgnored(path, isDirectory: true) {
                    subdirectories.append((path, rules.adding(path, root: root)))
                }
                continue
            }
            guard let position = entry.tag, let status = entry.status else {
                let path = "\(directory)/\(entry.name)"
                if !rules.isIgnored(path, isDirectory: false) { result.untracked.append(path) }
                continue
            }
            seen.append(position)
            if !index.entries[position].stat.matches(status, indexTime: indexTime) {
                result.suspects.append((position, status))
            }
        }
    }
}
