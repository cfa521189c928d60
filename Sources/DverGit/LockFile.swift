import DverCore
import DverRepository

/// `dver.lock`: for each repo, the branch it had checked out, its commit and its mount, at the
/// moment the file was written. Tracked by git, so each git commit pins the data (docs/GIT.md).
///
///     # dver.lock: the data each dver repo had when this git commit was made.
///     # Written by dver (pre-commit hook); merge with 'dver hooks merge-lock'. See docs/GIT.md.
///     dver-lock 1
///     raw main 3fa9c1…(64 hex digits) data/raw
///
/// One line per repo, sorted by repo name (byte order), fields separated by one space: repo,
/// branch (`-` when detached), commit id, mount path (the rest of the line). Lines starting
/// with `#` and blank lines are ignored. Repos without commits are not listed.
public struct LockFile: Sendable, Equatable {
    /// The file's name at the project root.
    public static let fileName = "dver.lock"
    /// The format version this code writes and reads.
    public static let version = 1

    /// One pinned repo.
    public struct Entry: Sendable, Equatable {
        public var repo: String
        /// The checked-out branch, nil when the repo was detached.
        public var branch: String?
        public var commit: ObjectID
        /// Project-relative mount directory.
        public var path: String

        public init(repo: String, branch: String?, commit: ObjectID, path: String) {
            self.repo = repo
            self.branch = branch
            self.commit = commit
            self.path = path
        }

        var line: String { "\(repo) \(branch ?? "-") \(commit.hex) \(path)" }
    }

    /// Entries sorted by repo name.
    public private(set) var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries.sorted { $0.repo.precedesInByteOrder($1.repo) }
    }

    /// The entry of a repo, if pinned.
    public func entry(for repo: String) -> Entry? { entries.first { $0.repo == repo } }

    /// The file's text: header, version line, one line per repo.
    public func rendered() -> String {
        var text = """
        # dver.lock: the data each dver repo had when this git commit was made.
        # Written by dver (pre-commit hook); merge with 'dver hooks merge-lock'. See docs/GIT.md.
        dver-lock \(Self.version)

        """
        for entry in entries { text += entry.line + "\n" }
        return text
    }

    /// Parses a lock file.
    /// - Throws: `GitError.malformedLock` naming `source` and the line.
    public static func parse(_ text: String, source: String = fileName) throws(GitError) -> LockFile {
        var entries = [Entry]()
        var sawVersion = false
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("<<<<<<<") || line.hasPrefix(">>>>>>>") || line.hasPrefix("=======") || line.hasPrefix("|||||||") {
                throw .malformedLock(source: source, line: number + 1, reason: "unresolved merge conflict marker")
            }
            if !sawVersion {
                guard line == "dver-lock \(version)" else {
                    throw .malformedLock(source: source, line: number + 1,
                                         reason: "expected 'dver-lock \(version)' first (a newer dver may have written it)")
                }
                sawVersion = true
                continue
            }
            entries.append(try parseEntry(line, source: source, line: number + 1))
        }
        guard sawVersion else { throw .malformedLock(source: source, line: 1, reason: "no 'dver-lock \(version)' line") }
        let names = entries.map(\.repo)
        if Set(names).count != names.count {
            throw .malformedLock(source: source, line: 1, reason: "a repo is listed twice")
        }
        return LockFile(entries: entries)
    }

    private static func parseEntry(_ line: Substring, source: String, line number: Int) throws(GitError) -> Entry {
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count == 4, !fields[0].isEmpty, !fields[1].isEmpty, !fields[3].isEmpty else {
            throw .malformedLock(source: source, line: number, reason: "expected 'REPO BRANCH COMMIT PATH'")
        }
        guard let commit = ObjectID(hex: fields[2]) else {
            throw .malformedLock(source: source, line: number, reason: "'\(fields[2])' is not a 64-digit commit id")
        }
        // The lock comes from git — from anyone who can push a commit — and names directories
        // dver will write: check every name as strictly as dver's own records.
        if let problem = NameRules.repoNameProblem(String(fields[0])) {
            throw .malformedLock(source: source, line: number, reason: "repo name '\(fields[0])': \(problem)")
        }
        if fields[1] != "-", let problem = NameRules.branchNameProblem(String(fields[1])) {
            throw .malformedLock(source: source, line: number, reason: "branch '\(fields[1])': \(problem)")
        }
        if let problem = NameRules.mountProblem(String(fields[3])) {
            throw .malformedLock(source: source, line: number, reason: "mount '\(fields[3])': \(problem)")
        }
        return Entry(repo: String(fields[0]), branch: fields[1] == "-" ? nil : String(fields[1]),
                     commit: commit, path: String(fields[3]))
    }
}
