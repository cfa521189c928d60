import DverCore
import DverSystem
import Dispatch
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
        let groups = groupByDirectory(index, range)
        // Stat caches by position, contiguous, so workers read them without copying entries.
        let caches = index.entries.map(\.stat)
        let indexTime = index.loadedTime
        // Directories holding tracked files are walked whatever `.dverignore` says.
        var trackedDirectories = Set<String>()
        for directory in groups.keys {
            var path = directory
            while !path.isEmpty, trackedDirectories.insert(path).inserted { path = RepoPath.parent(path) }
        }
        let tracked = trackedDirectories
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
                        let group = names(in: groups[directories[position].path] ?? [], of: index)
                        try visit(directories[position].path, rules: directories[position].rules, trackedDirectories: tracked, group: group,
                                  caches: caches, indexTime: indexTime, root: root, into: &local, seen: &localSeen, subdirectories: &localNext)
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

    /// Where each directory's tracked files sit in the index: runs of positions, since the
    /// files of one directory are contiguous in byte order except where subdirectories
    /// interleave. Cheap and serial; the per-name tables are built by the workers.
    private static func groupByDirectory(_ index: WorkspaceIndex, _ range: Range<Int>) -> [String: [Range<Int>]] {
        var groups = [String: [Range<Int>]]()
        var currentDirectory = Substring()
        var runStart = range.lowerBound
        var runEnd = range.lowerBound
        func closeRun() {
            if runEnd > runStart { groups[String(currentDirectory), default: []].append(runStart..<runEnd) }
        }
        for position in range {
            let path = index.entries[position].path
            guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { continue }
            let directory = path[..<slash]
            if directory != currentDirectory || position != runEnd {
                closeRun()
                currentDirectory = directory
                runStart = position
            }
            runEnd = position + 1
        }
        closeRun()
        return groups
    }

    /// Name → (tracked name, index position) for one directory's tracked files (those with a
    /// staged version).
    private static func names(in runs: [Range<Int>], of index: WorkspaceIndex) -> [String: (name: String, position: Int)] {
        var table = [String: (name: String, position: Int)](minimumCapacity: runs.reduce(0) { $0 + $1.count })
        for run in runs {
            for position in run {
                let entry = index.entries[position]
                guard entry.staged != nil, let slash = entry.path.utf8.lastIndex(of: UInt8(ascii: "/")) else { continue }
                let name = String(entry.path[entry.path.index(after: slash)...])
                table[name] = (name, position)
            }
        }
        return table
    }

    private static func visit(_ directory: String, rules: IgnoreRules, trackedDirectories: Set<String>,
                              group: [String: (name: String, position: Int)], caches: [StatCache], indexTime: Int64,
                              root: String, into result: inout WorkspaceComparison, seen: inout [Int],
                              subdirectories: inout [(path: String, rules: IgnoreRules)]) throws {
        // The table's keys compare by Unicode equivalence; a name spelled with other bytes than
        // the tracked one is another file (untracked), so compare the bytes too.
        let entries = try DirectoryReader.list("\(root)/\(directory)") { name in
            group[name].flatMap { tracked in tracked.name.utf8.elementsEqual(name.utf8) ? tracked.position : nil }
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
            let path = "\(directory)/\(entry.name)"
            if entry.isDirectory {
                // An ignored directory is walked only for the tracked files in it.
                if trackedDirectories.contains(path) || !rules.isIgnored(path, isDirectory: true) {
                    subdirectories.append((path, rules.adding(path, root: root)))
                }
                continue
            }
            guard let position = entry.tag, let status = entry.status else {
                if !rules.isIgnored(path, isDirectory: false) { result.untracked.append(path) }
                continue
            }
            seen.append(position)
            if !caches[position].matches(status, indexTime: indexTime) {
                result.suspects.append((position, status))
            }
        }
    }
}
