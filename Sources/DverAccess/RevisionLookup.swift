import DverCore
import DverRepository
import DverStore

/// Resolves what `dver serve` and `dver mount` are asked for — a repo and a revision — against
/// a local project, afresh on every call (a branch read twice may have moved in between).
///
/// A revision is a branch (optionally with `~N`/`^` ancestry suffixes), a commit id prefix of
/// at least 8 hex digits, or a commit-set id prefix of at least 8 hex digits naming a set that
/// holds a commit of the repo. A prefix that matches several commits is an error.
public struct RevisionLookup: Sendable {
    public let project: Project

    /// Hex digits a commit or commit-set id prefix must have: short prefixes collide too easily
    /// to be used as names in URLs and mount commands.
    public static let minimumPrefixLength = 8

    public init(project: Project) { self.project = project }

    /// The repos, by name.
    public func repos() throws -> [RepoRecord] { try project.repos() }

    /// The snapshot `revision` names in `repo`.
    /// - Throws: `AccessError.noSuchRepo`, `.noSuchRevision`, `.ambiguousRevision`; store errors.
    public func snapshot(repo: String, revision: String) throws -> Snapshot {
        let commit = try resolve(repo: repo, revision: revision)
        return try Snapshot(source: project.store, repo: repo, commitID: commit)
    }

    /// The repo called `name`.
    /// - Throws: `AccessError.noSuchRepo`; a damaged `repos.json` as the damage it is.
    public func requireRepo(_ name: String) throws {
        do {
            _ = try project.repo(named: name)
        } catch RepositoryError.unknownRepo {
            throw AccessError.noSuchRepo(name)
        }
    }

    /// The commit `revision` names in `repo`. `repos.json` is read once, by the resolution
    /// itself; the repo's existence is checked apart only on the way to an error, so that a
    /// missing repo is reported as such whatever the revision.
    public func resolve(repo: String, revision: String) throws -> ObjectID {
        guard !revision.isEmpty, !revision.contains(":"), !revision.contains("@") else {
            try requireRepo(repo)
            throw AccessError.noSuchRevision(repo: repo, revision: revision, reason: "not a branch name or commit id")
        }
        let isHex = HexCoding.isHex(revision.lowercased())
        if isHex, revision.utf8.count < Self.minimumPrefixLength, (try? project.refs.read(repo: repo, branch: revision)) == nil {
            try requireRepo(repo)
            throw AccessError.noSuchRevision(repo: repo, revision: revision,
                                             reason: "no such branch, and commit ids need at least \(Self.minimumPrefixLength) hex digits")
        }
        do {
            return try project.resolve(RevisionSpec(parsing: "\(repo)@\(revision)")).commit
        } catch RepositoryError.unknownRepo {
            throw AccessError.noSuchRepo(repo)
        } catch RepositoryError.ambiguousRevision(_, let candidates) {
            throw AccessError.ambiguousRevision(repo: repo, revision: revision, candidates: candidates)
        } catch RepositoryError.unknownRevision(_, let reason) {
            if isHex, let commit = try commitSetCommit(repo: repo, prefix: revision) { return commit }
            throw AccessError.noSuchRevision(repo: repo, revision: revision, reason: reason)
        }
    }

    /// The commit of `repo` in the one commit set whose id starts with `prefix`.
    private func commitSetCommit(repo: String, prefix: String) throws -> ObjectID? {
        let sets = try project.commitSets(prefix: prefix).filter { $0.commits[repo] != nil }
        guard sets.count <= 1 else {
            throw AccessError.ambiguousRevision(repo: repo, revision: prefix, candidates: sets.map { String($0.id.prefix(12)) })
        }
        guard let hex = sets.first?.commits[repo] else { return nil }
        guard let commit = ObjectID(hex: hex) else {
            throw StoreError.corruptFile(path: "commit set \(sets[0].id)", reason: "'\(hex)' is not a commit id")
        }
        return commit
    }
}
