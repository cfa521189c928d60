import DverCore
import DverRepository

/// How a `dver.lock` relates to the data checked out now.
///
/// One rule decides it everywhere — restoring, writing the lock, `dver status`: a repo *holds*
/// an entry when it has the pinned commit checked out, on the pinned branch or, when that branch
/// does not point at the commit here (it moved on, or this project has no such branch), on any
/// branch or detached. Restoring cannot do better than that, so it leaves such a repo alone;
/// writing the lock keeps the entry byte for byte (same data, same lock); status reports no
/// difference.
extension LockFile {
    /// The lock describing the project now: each repo's checked-out branch and commit.
    /// - Throws: store errors reading refs.
    public static func current(of project: Project) throws -> LockFile {
        try current(of: project, keeping: nil)
    }

    /// The lock to write for the project now. An entry of `previous` (the lock in the working
    /// tree) is kept for every repo at the same mount that holds it, and for every repo with no
    /// commits yet — its pinned data was never restored here (a fresh clone before the data is
    /// fetched), and dropping the pin would unpin the data in the next git commit.
    /// - Throws: store errors reading refs.
    public static func current(of project: Project, keeping previous: LockFile?) throws -> LockFile {
        var entries = [Entry]()
        for repo in try project.repos() {
            let head = try project.headCommit(of: repo)
            if let pinned = previous?.entry(for: repo.name), pinned.path == repo.mount,
               try head == nil || pinned.isHeld(by: repo, head: head, in: project) {
                entries.append(pinned)
                continue
            }
            guard let head else { continue }
            entries.append(Entry(repo: repo.name, branch: repo.branch, commit: head, path: repo.mount))
        }
        return LockFile(entries: entries)
    }

    /// One repo whose checked-out data is not what the lock pins.
    public struct Difference: Sendable, Equatable {
        public var repo: String
        /// nil when the lock does not list the repo.
        public var pinned: Entry?
        /// What is checked out; nil when the project lacks the repo or it has no commits.
        public var current: Entry?
        /// Whether the project has the repo (with or without commits).
        public var repoExists: Bool
    }

    /// Repos whose checked-out data differs from what this lock pins, sorted by name: a
    /// different commit or mount, the pinned branch not checked out although it points at the
    /// pinned commit, a pinned repo missing or without commits, a repo the lock does not list.
    /// - Throws: store errors reading refs.
    public func differences(in project: Project) throws -> [Difference] {
        var result = [Difference]()
        var records = Dictionary(uniqueKeysWithValues: try project.repos().map { ($0.name, $0) })
        for pinned in entries {
            let record = records.removeValue(forKey: pinned.repo)
            let head = try record.flatMap { try project.headCommit(of: $0) }
            let current = record.flatMap { record in
                head.map { Entry(repo: record.name, branch: record.branch, commit: $0, path: record.mount) }
            }
            if let record, pinned.path == record.mount, try pinned.isHeld(by: record, head: head, in: project) { continue }
            result.append(Difference(repo: pinned.repo, pinned: pinned, current: current, repoExists: record != nil))
        }
        for record in records.values {
            guard let head = try project.headCommit(of: record) else { continue }
            result.append(Difference(repo: record.name, pinned: nil,
                                     current: Entry(repo: record.name, branch: record.branch, commit: head, path: record.mount),
                                     repoExists: true))
        }
        return result.sorted { $0.repo.precedesInByteOrder($1.repo) }
    }
}

extension LockFile.Entry {
    /// Whether a repo whose checked-out commit is `head` holds this entry (the rule above).
    /// The mount is not compared: restoring does not move repos.
    /// - Throws: store errors reading the pinned branch's ref.
    public func isHeld(by record: RepoRecord, head: ObjectID?, in project: Project) throws -> Bool {
        guard head == commit else { return false }
        guard let branch, record.branch != branch else { return true }
        // Pinned on a branch that points here: the repo should be on it.
        return try project.refs.read(repo: record.name, branch: branch) != commit
    }
}
