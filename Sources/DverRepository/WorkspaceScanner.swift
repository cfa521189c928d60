import DverCore
import DverStore
import DverSystem
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A file `add` must read: new (no index position) or tracked with stat data that differs
/// from its entry's (or racily clean).
public struct ChangedFile: Sendable {
    /// Project-relative path.
    public var path: String
    public var status: FileStatus
    /// Position of the path's entry in the index that was scanned against, nil for a new file.
    public var position: Int?
}

/// What a scan found beneath a path, compared with the workspace index.
public struct ScanResult: Sendable {
    /// Files to read, in byte order of their paths, in pieces of at most one directory walk
    /// each (so `add` frees them piece by piece as it reads them).
    public var changed: [[ChangedFile]] = []
    /// Positions of index entries beneath the path (or at it) whose file is gone, ascending.
    public var gone: [Int] = []
    /// Tracked files whose stat data matches their entry: not read.
    public var unchanged = 0
    /// Entries named `.git` or `.dver` (another git repository, worktree or dver project nested
    /// in the repo), which are never tracked.
    public var skipped: [String] = []
    /// Paths whose name is not valid UTF-8, spelled with `\xNN` escapes. dver cannot store them.
    public var invalidNames: [String] = []
    /// Two paths of one directory whose names differ only in Unicode normalization.
    public var equivalentNames: (String, String)?
    /// Untracked files and directories left out by `.dverignore` rules (directories not descended).
    public var ignored = 0

    public var changedCount: Int { changed.reduce(0) { $0 + $1.count } }

    mutating func merge(_ other: ScanResult) {
        changed += other.changed
        gone += other.gone
        unchanged += other.unchanged
        skipped += other.skipped
        invalidNames += other.invalidNames
        equivalentNames = equivalentNames ?? other.equivalentNames
        ignored += other.ignored
    }
}

/// Walks a workspace directory in the byte order of the index's paths and compares it with the
/// index as it goes, directory by directory: each listing is merged with the run of entries
/// beneath that directory, so unchanged files cost an lstat and a comparison of names, never a
/// path string or a copy of their entry. Subdirectories of the top level are spread over cores.
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

    /// The new and changed files at or beneath the project-relative `path` (a file or a
    /// directory; nothing if it is missing) and the index entries there whose file is gone.
    /// `.dverignore` rules leave out untracked files and directories; a file named directly is
    /// returned whatever the rules say.
    public static func scan(_ path: String, root: String, index: WorkspaceIndex) throws -> ScanResult {
        var result = ScanResult()
        let own = index.find(path)
        let beneath = index.range(under: path)
        let absolute = path.isEmpty ? root : "\(root)/\(path)"
        guard let status = try FileSystem.linkStatusIfExists(absolute) else {
            result.gone = (own.map { [$0] } ?? []) + Array(beneath)
            return result
        }
        guard status.kind == .directory else {
            if let own, index.isUnchanged(at: own, status: status) {
                result.unchanged = 1
            } else {
                result.changed = [[ChangedFile(path: path, status: status, position: own)]]
            }
            result.gone = Array(beneath)
            return result
        }
        if let own { result.gone.append(own) }  // a tracked file replaced by a directory
        let walker = Walker(index: index, root: root)
        // The top level is read here, cut into pieces at each subdirectory, which becomes a
        // task; the tasks' results are put between the pieces once every task is done.
        var tasks = [(path: String, entries: Range<Int>, rules: IgnoreRules, ignored: Bool)]()
        var pieces = [(changed: [ChangedFile], gone: [Int], task: Int?)]()
        var top = ScanResult()
        var files = [ChangedFile]()
        let rules = IgnoreRules.forDirectory(path, root: root)
        let ignored = !path.isEmpty && rules.isIgnored(path, isDirectory: true)
        try walker.visit(path, entries: beneath, rules: rules, ignored: ignored, into: &top, files: &files) {
            subdirectory, entries, rules, ignored, top, files in
            pieces.append((files, top.gone, tasks.count))
            files = []
            top.gone = []
            tasks.append((subdirectory, entries, rules.adding(subdirectory, root: root), ignored))
        }
        pieces.append((files, top.gone, nil))
        files = []
        top.gone = []
        let parts = Mutex([ScanResult?](repeating: nil, count: tasks.count))
        let failure = FirstError()
        let next = Atomic<Int>(0)
        let work = tasks
        DispatchQueue.concurrentPerform(iterations: min(max(work.count, 1), System.coreCount)) { _ in
            while !failure.isSet {
                let task = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if task >= work.count { break }
                var part = ScanResult()
                var files = [ChangedFile]()
                do {
                    try walker.walk(work[task].path, entries: work[task].entries, rules: work[task].rules, ignored: work[task].ignored,
                                    into: &part, files: &files)
                } catch {
                    failure.record(error)
                }
                if !files.isEmpty { part.changed.append(files) }
                parts.withLock { $0[task] = part }
            }
        }
        try failure.rethrow()
        var walked = parts.withLock { parts in
            var taken = [ScanResult?]()
            swap(&taken, &parts)
            return taken
        }
        for index in pieces.indices {
            let task = pieces[index].task
            if !pieces[index].changed.isEmpty { result.changed.append(pieces[index].changed) }
            result.gone += pieces[index].gone
            pieces[index] = ([], [], nil)
            if let task, let part = walked[task] {
                result.merge(part)
                walked[task] = nil
            }
        }
        result.merge(top)
        return result
    }
}

/// One walk's view of the index: positions under a directory are merged with its listing.
private struct Walker: Sendable {
    let index: WorkspaceIndex
    let root: String

    typealias Descend = (_ path: String, _ entries: Range<Int>, _ rules: IgnoreRules, _ ignored: Bool,
                         _ result: inout ScanResult, _ files: inout [ChangedFile]) throws -> Void

    /// Walks a subtree depth first, in byte order.
    func walk(_ directory: String, entries: Range<Int>, rules: IgnoreRules, ignored: Bool, into result: inout ScanResult,
              files: inout [ChangedFile]) throws {
        if RepoPath.components(directory).count >= RepoPath.maximumDepth {
            throw CoreError.invalidPath(directory, reason: "directories nested more than \(RepoPath.maximumDepth) deep cannot be tracked")
        }
        try visit(directory, entries: entries, rules: rules, ignored: ignored, into: &result, files: &files) {
            path, entries, rules, ignored, result, files in
            try walk(path, entries: entries, rules: rules.adding(path, root: root), ignored: ignored, into: &result, files: &files)
        }
    }

    /// Merges one directory's listing with `entries`, the index positions beneath it: entries
    /// before a name are gone, an entry equal to a file's name is that file, entries beneath a
    /// subdirectory's name go with it to `descend`. `ignored` tells whether `directory` itself
    /// is ignored (walked only for its tracked files).
    func visit(_ directory: String, entries: Range<Int>, rules: IgnoreRules, ignored: Bool, into result: inout ScanResult,
               files: inout [ChangedFile], descend: Descend) throws {
        let prefixLength = directory.isEmpty ? 0 : directory.utf8.count + 1
        var cursor = entries.lowerBound
        let listing = try Self.listInByteOrder(directory.isEmpty ? root : "\(root)/\(directory)")
        var kept = [Int]()  // listing positions of the names kept, for the normalization check
        var nonASCII = false
        for (position, entry) in listing.enumerated() {
            while cursor < entries.upperBound,
                  Self.relation(of: index.entries[cursor].path, from: prefixLength, to: entry.name, isDirectory: entry.isDirectory) == .before {
                result.gone.append(cursor)
                cursor += 1
            }
            switch WorkspaceScanner.classify(entry.name) {
            case .tracked: break
            case .temporary: continue
            case .nestedRepository:
                result.skipped.append(RepoPath.join(directory, entry.name))
                continue
            case .invalidName:
                result.invalidNames.append(DirectoryReader.displayName(RepoPath.join(directory, entry.name)))
                continue
            }
            if entry.isDirectory {
                let start = cursor
                while cursor < entries.upperBound,
                      Self.relation(of: index.entries[cursor].path, from: prefixLength, to: entry.name, isDirectory: true) == .inside {
                    cursor += 1
                }
                let path = RepoPath.join(directory, entry.name)
                // An ignored directory is walked only for the tracked files in it.
                let subdirectoryIgnored = rules.isIgnored(path, isDirectory: true, parentIgnored: ignored)
                if start == cursor, subdirectoryIgnored {
                    result.ignored += 1
                    continue
                }
                try descend(path, start..<cursor, rules, subdirectoryIgnored, &result, &files)
            } else if let status = entry.status {
                var tracked: Int?
                if cursor < entries.upperBound,
                   Self.relation(of: index.entries[cursor].path, from: prefixLength, to: entry.name, isDirectory: false) == .equal {
                    tracked = cursor
                    cursor += 1
                }
                if let tracked {
                    if index.isUnchanged(at: tracked, status: status) {
                        result.unchanged += 1
                    } else {
                        files.append(ChangedFile(path: RepoPath.join(directory, entry.name), status: status, position: tracked))
                    }
                } else {
                    let path = RepoPath.join(directory, entry.name)
                    if rules.isIgnored(path, isDirectory: false, parentIgnored: ignored) {
                        result.ignored += 1
                        continue
                    }
                    files.append(ChangedFile(path: path, status: status, position: nil))
                }
            }
            nonASCII = nonASCII || !entry.name.utf8.allSatisfy { $0 < 0x80 }
            kept.append(position)
        }
        result.gone += cursor..<entries.upperBound
        if nonASCII, result.equivalentNames == nil,
           let (first, second) = UnicodeNames.equivalentPair(kept.lazy.map { listing[$0].name }) {
            result.equivalentNames = (RepoPath.join(directory, first), RepoPath.join(directory, second))
        }
    }

    /// A directory's entries, with lstat data for every one, in the order their paths take in
    /// byte order: by name, a directory's name followed by `/` (its files come after a sibling
    /// `a.b` and before `a0` when it is `a`). A directory removed meanwhile lists as empty.
    static func listInByteOrder(_ path: String) throws -> [DirectoryReader.TypedEntry] {
        let entries = try DirectoryReader.list(path) { _ in 0 }
        // Sorted on each key's first eight bytes as an integer; only equal prefixes compare
        // the whole keys (most names differ early, and this is the scan's hottest sort).
        var keyed = entries.indices.map { (prefix: keyPrefix(entries[$0]), position: $0) }
        keyed.sort { lhs, rhs in
            if lhs.prefix != rhs.prefix { return lhs.prefix < rhs.prefix }
            return key(entries[lhs.position]).precedesInByteOrder(key(entries[rhs.position]))
        }
        return keyed.map { entries[$0.position] }
    }

    /// The byte-order key of an entry: its name, with a `/` after a directory's.
    private static func key(_ entry: DirectoryReader.TypedEntry) -> String {
        entry.isDirectory ? entry.name + "/" : entry.name
    }

    /// The first eight bytes of the key, big-endian, zero-padded (names hold no NUL, so a
    /// shorter key with the same bytes comes first, as in byte order).
    private static func keyPrefix(_ entry: DirectoryReader.TypedEntry) -> UInt64 {
        var prefix: UInt64 = 0
        var count = 0
        for byte in entry.name.utf8.prefix(8) {
            prefix = prefix << 8 | UInt64(byte)
            count += 1
        }
        if entry.isDirectory, count < 8 {
            prefix = prefix << 8 | UInt64(UInt8(ascii: "/"))
            count += 1
        }
        return prefix << (8 * UInt64(8 - count))
    }

    enum Relation { case before, equal, inside, after }

    /// Where `path` without its first `offset` bytes stands against the listing key of `name`
    /// (`name/` for a directory): before it, equal to it (a file), inside it (a directory), or after.
    static func relation(of path: String, from offset: Int, to name: String, isDirectory: Bool) -> Relation {
        // Native strings are contiguous UTF-8: no copy on the hot path.
        if let relation = path.utf8.withContiguousStorageIfAvailable({ path in
            name.utf8.withContiguousStorageIfAvailable { name in relation(of: path, from: offset, to: name, isDirectory: isDirectory) }
        }), let relation {
            return relation
        }
        return Array(path.utf8).withUnsafeBufferPointer { path in
            Array(name.utf8).withUnsafeBufferPointer { name in relation(of: path, from: offset, to: name, isDirectory: isDirectory) }
        }
    }

    private static func relation(of path: UnsafeBufferPointer<UInt8>, from offset: Int, to name: UnsafeBufferPointer<UInt8>,
                                 isDirectory: Bool) -> Relation {
        let suffix = UnsafeBufferPointer(rebasing: path[min(offset, path.count)...])
        let common = min(suffix.count, name.count)
        if common > 0, let a = suffix.baseAddress, let b = name.baseAddress {
            let order = memcmp(a, b, common)
            if order != 0 { return order < 0 ? .before : .after }
        }
        if suffix.count < name.count { return .before }
        if suffix.count == name.count { return isDirectory ? .before : .equal }
        guard isDirectory else { return .after }
        let next = suffix[name.count]
        return next < UInt8(ascii: "/") ? .before : next == UInt8(ascii: "/") ? .inside : .after
    }
}
