import DverCore
import DverStore

/// A branch and where it points.
public struct BranchInfo: Sendable {
    public var name: String
    public var commit: ObjectID
    public var isCurrent: Bool
}

extension Project {
    public func branches(of repoName: String) throws -> [BranchInfo] {
        let record = try repo(named: repoName)
        return try refs.branches(repo: record.name).compactMap { name in
            guard let commit = try refs.read(repo: record.name, branch: name) else { return nil }
            return BranchInfo(name: name, commit: commit, isCurrent: record.branch == name)
        }
    }

    /// Creates a branch at a revision (default: the checked-out commit).
    /// - Throws: `RepositoryError.branchExists`, `.unknownRevision`.
    @discardableResult
    public func createBranch(_ name: String, repo repoName: String, at revision: String? = nil) throws -> BranchInfo {
        try RefStore.validateBranchName(name)
        let record = try repo(named: repoName)
        if try refs.read(repo: record.name, branch: name) != nil {
            throw RepositoryError.branchExists(repo: record.name, branch: name)
        }
        var spec = RevisionSpec(parsing: record.name)
        spec.revision = revision
        let commit = try resolve(spec).commit
        try refs.update(repo: record.name, branch: name, to: commit, expected: nil)
        return BranchInfo(name: name, commit: commit, isCurrent: false)
    }

    /// Deletes a branch that is not checked out. Its commits stay in the store.
    public func deleteBranch(_ name: String, repo repoName: String) throws {
        let record = try repo(named: repoName)
        if record.branch == name { throw RepositoryError.cannotDeleteCurrentBranch(repo: record.name, branch: name) }
        guard let current = try refs.read(repo: record.name, branch: name) else {
            throw RepositoryError.unknownBranch(repo: record.name, branch: name)
        }
        try refs.delete(repo: record.name, branch: name, expected: current)
    }
}
