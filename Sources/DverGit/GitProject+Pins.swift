import DverCore
import DverRepository

extension GitProject {
    /// A git commit and the data its `dver.lock` pins.
    public struct PinningCommit: Sendable {
        public var commit: GitRepository.CommitSummary
        /// nil when the commit has no `dver.lock`.
        public var lock: LockFile?
        /// Whether the lock differs from the first parent's (pins changed in this commit).
        public var changedPins: Bool
    }

    /// Git history from `revision`, newest first, with each commit's pins.
    /// - Throws: `GitError.unknownRevision`, `.malformedLock`.
    public func pinHistory(from revision: String, limit: Int?) throws -> [PinningCommit] {
        let start = try git.resolveCommit(revision)
        var result = [PinningCommit]()
        try git.walk(from: [start]) { commit in
            let lock = try self.lock(atCommit: commit.id)
            let parentLock = try commit.parents.first.flatMap { try self.lock(atCommit: $0) }
            result.append(PinningCommit(commit: commit, lock: lock, changedPins: lock != parentLock))
            return limit.map { result.count < $0 } ?? true
        }
        return result
    }

    /// The git HEAD commit (hex) to record in a dver commit; "" when unborn.
    public func headForCommit() throws(GitError) -> String { try git.head().commit ?? "" }
}
