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

    static func run(index: WorkspaceIndex, range: Range<Int>, mount: String, root: String) throws -> WorkspaceComparison {
        let groups = groupByDirectory(index, range)
        let seen = Mutex<[Int]>([])
        let results = Mutex(WorkspaceComparison())
        let failure = FirstError()
        var level = [mount]
        while !level.isEmpty {
            let directories = level
            let next = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: min(directories.count, System.coreCount)) { worker in
                var local = WorkspaceComparison()
                var localSeen = [Int]()
                var localNext = [String]()
                var position = worker
                while position < directories.count, !failure.isSet {
                    do {
                        try visit(directories[position], group: groups[directories[position]] ?? [:], index: index, root: root,
                                  into: &local, seen: &localSeen, subdirectories: &localNext)
                    } catch {
                        failure.record(error)
                    }
                    position += System.coreCount
                }
                results.withLock {
                    $0.suspects.append(contentsOf: local.suspects)
                    $0.untracked.append(contentsOf: local.untracked)
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

    /// Tracked entries (with a staged version) grouped by parent directory: name → position.
    private static func groupByDirectory(_ index: WorkspaceIndex, _ range: Range<Int>) -> [String: [String: Int]] {
        var groups = [String: [String: Int]]()
        var currentDirectory = Substring()
        var current = [String: Int]()
        for position in range where index.entries[position].staged != nil {
            let path = index.entries[position].path
            guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { continue }
            let directory = path[..<slash]
            if directory != currentDirectory {
                if !current.isEmpty { groups[String(currentDirectory), default: [:]].merge(current) { first, _ in first } }
                current = [:]
                currentDirectory = directory
            }
            current[String(path[path.index(after: slash)...])] = position
        }
        if !current.isEmpty { groups[String(currentDirectory), default: [:]].merge(current) { first, _ in first } }
        return groups
    }

    private static func visit(_ directory: String, group: [String: Int], index: WorkspaceIndex, root: String,
                              into result: inout WorkspaceComparison, seen: inout [Int], subdirectories: inout [String]) throws {
        let entries = try DirectoryReader.listTyped("\(root)/\(directory)") { group[$0] != nil }
        for entry in entries where !WorkspaceScanner.isIgnored(entry.name) {
            if entry.isDirectory {
                subdirectories.append("\(directory)/\(entry.name)")
                continue
            }
            guard let position = group[entry.name], let status = entry.status else {
                result.untracked.append("\(directory)/\(entry.name)")
                continue
            }
            seen.append(position)
            if !index.entries[position].stat.matches(status, indexTime: index.loadedTime) {
                result.suspects.append((position, status))
            }
        }
    }
}
