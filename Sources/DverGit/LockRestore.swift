import DverCore
import DverRepository
import DverStore

/// Makes the workspace hold the data a `dver.lock` pins, repo by repo, without ever losing
/// uncommitted data.
///
/// For each pinned repo: nothing happens when it already holds the entry (the pinned commit
/// checked out, on the pinned branch when that branch points there: `LockFile.Entry.isHeld`)
/// — a check of one or two refs per repo, no workspace scan, which keeps hooks fast. Otherwise
/// the repo is checked out: on its branch when that branch points at the pinned commit, else
/// detached at the commit. Existing branches are never moved; a repo with no commits on the
/// pinned branch (created from the lock, as in a fresh clone) gets that branch at the pinned
/// commit, so the restored project writes the very same lock. A repo the project does not have
/// is created at the pinned mount. A checkout that would overwrite uncommitted changes is
/// skipped for that repo (unless `force`) and reported with the files. Repos the lock does not
/// list are left alone.
public struct LockRestore {
    public let project: Project

    public init(project: Project) { self.project = project }

    /// What restoring did, per repo.
    public struct Report: Sendable {
        /// Repos checked out to the pinned commit.
        public var restored: [CheckoutResult] = []
        /// Repos already at the pinned commit.
        public var unchanged: [String] = []
        /// Repos created because the lock names them.
        public var created: [String] = []
        /// Repos left as they were because restoring would overwrite uncommitted changes.
        public var kept: [(repo: String, commit: ObjectID, paths: [String])] = []
        /// Pinned commits the local store does not have.
        public var missing: [(repo: String, commit: ObjectID)] = []

        public var isComplete: Bool { kept.isEmpty && missing.isEmpty }
    }

    /// Restores every repo `lock` pins.
    /// - Throws: store and repository errors other than uncommitted changes.
    public func restore(_ lock: LockFile, force: Bool = false) throws -> Report {
        var report = Report()
        var records = Dictionary(uniqueKeysWithValues: try project.repos().map { ($0.name, $0) })
        for entry in lock.entries {
            if let record = records[entry.repo],
               try entry.isHeld(by: record, head: try project.headCommit(of: record), in: project) {
                report.unchanged.append(entry.repo)
                continue
            }
            guard project.store.contains(entry.commit) else {
                report.missing.append((entry.repo, entry.commit))
                continue
            }
            let record: RepoRecord
            if let existing = records[entry.repo] {
                record = existing
            } else {
                record = try project.createRepo(name: entry.repo, mount: entry.path, branch: entry.branch ?? "main")
                records[entry.repo] = record
                report.created.append(entry.repo)
            }
            do {
                report.restored.append(try checkout(record, entry, force: force))
            } catch RepositoryError.uncommittedChanges(_, let paths) {
                report.kept.append((entry.repo, entry.commit, paths))
            }
        }
        return report
    }

    /// Checks out what the entry pins: its branch when that points at the pinned commit, the
    /// branch created there when the repo is on it with no commits yet, else the commit detached.
    private func checkout(_ record: RepoRecord, _ entry: LockFile.Entry, force: Bool) throws -> CheckoutResult {
        if let branch = entry.branch, record.branch == branch, try project.headCommit(of: record) == nil {
            let update = try project.moveBranch(repo: record.name, mount: record.mount, branch: branch, from: nil,
                                                to: entry.commit, force: force)
            if let result = update.checkout { return result }
        }
        return try project.checkout(RevisionSpec(parsing: "\(entry.repo)@\(try revision(for: entry))"), force: force)
    }

    /// The branch when it still points at the pinned commit, else the commit id (detached).
    private func revision(for entry: LockFile.Entry) throws -> String {
        if let branch = entry.branch, try project.refs.read(repo: entry.repo, branch: branch) == entry.commit { return branch }
        return entry.commit.hex
    }
}
