import DverCore
import DverStore
import DverSystem
import Foundation

/// `.dver/merge.json`: the merges waiting for their commit, by repo (FORMAT.md, "Merges in
/// progress"). Written durably when `dver merge` stops — on conflicts, or before it commits a
/// clean merge — and removed by the commit that finishes the merge or by `merge --abort`.
/// While a repo has one, `dver commit` makes a commit with two parents, and only once every
/// conflict is resolved (`dver add` or `dver rm` of the path, or `dver checkout --ours/--theirs`).
public struct MergeState: Codable, Sendable, Equatable {
    /// One side's version of a path: nil when that side has no file there.
    public struct Version: Codable, Sendable, Equatable {
        public var kind: UInt8
        public var chunked: Bool
        public var size: UInt64
        public var id: String

        init(_ ref: FileRef) {
            kind = ref.kind.rawValue
            chunked = ref.chunked
            size = ref.size
            id = ref.id.hex
        }

        var ref: FileRef? {
            guard let kind = EntryKind(rawValue: kind), kind != .directory, let id = ObjectID(hex: id), size <= ChunkListNode.maximumLength else { return nil }
            return FileRef(kind: kind, chunked: chunked, size: size, id: id)
        }
    }

    public struct Conflict: Codable, Sendable, Equatable {
        /// Project-relative path.
        public var path: String
        /// "modified on both sides", "added on both sides", "modified here, deleted there",
        /// "deleted here, modified there", "file here, directory there", "directory here, file there".
        public var reason: String
        public var base: Version?
        public var ours: Version?
        public var theirs: Version?
        /// Staged by `dver add`/`rm` or chosen with `checkout --ours/--theirs` since the merge stopped.
        public var resolved = false
    }

    public struct Merge: Codable, Sendable, Equatable {
        /// The commit the repo had checked out when the merge started (the first parent).
        public var ours: String
        /// The commit merged in (the second parent).
        public var theirs: String
        /// What the user named (`raw@feature`), for messages.
        public var theirsLabel: String
        /// Their merge base; nil for unrelated histories.
        public var base: String?
        /// The branch the merge commit goes to (nil: detached).
        public var branch: String?
        /// The default message of the merge commit.
        public var message: String
        public var conflicts: [Conflict]
        /// `revert`: the commit gets one parent (`theirs` names the reverted commit); nil: a merge.
        public var kind: Kind?

        public enum Kind: String, Codable, Sendable { case merge, revert }

        public var unresolved: [Conflict] { conflicts.filter { !$0.resolved } }
    }

    public var version = 1
    public var repos: [String: Merge] = [:]

    static func path(_ layout: StoreLayout) -> String { "\(layout.storeDirectory)/merge.json" }

    /// The merges in progress (none when there is no file).
    /// - Throws: `StoreError.corruptFile` when the file is not a valid record.
    public static func load(_ layout: StoreLayout) throws -> MergeState {
        let path = path(layout)
        let state: MergeState?
        do { state = try JSONFile.read(MergeState.self, from: path) } catch let error as DecodingError {
            throw StoreError.corruptFile(path: path, reason: "not a merge record (\(error))")
        }
        guard let state else { return MergeState() }
        for (repo, merge) in state.repos {
            let valid = NameRules.repoNameProblem(repo) == nil && ObjectID(hex: merge.ours) != nil && ObjectID(hex: merge.theirs) != nil
                && merge.base.map { ObjectID(hex: $0) != nil } ?? true
                && merge.branch.map { NameRules.branchNameProblem($0) == nil } ?? true
                && merge.conflicts.count <= 10_000_000
                && merge.conflicts.allSatisfy { conflict in
                    (try? RepoPath.validate(conflict.path)) != nil
                        && [conflict.base, conflict.ours, conflict.theirs].allSatisfy { $0 == nil || $0?.ref != nil }
                }
            guard valid else { throw StoreError.corruptFile(path: path, reason: "the merge of '\(repo)' is not a valid record") }
        }
        return state
    }

    /// Writes the record, or removes the file when no merge is in progress; durable either way.
    func save(_ layout: StoreLayout, durable: Bool) throws {
        let path = Self.path(layout)
        if repos.isEmpty {
            guard FileSystem.exists(path) else { return }
            try FileSystem.removeIfExists(path)
            if durable { try FileSystem.syncDirectory(layout.storeDirectory) }
        } else {
            try JSONFile.save(self, to: path, durable: durable)
        }
    }

    /// Marks the conflicts at or below `paths` (project-relative) of `repo` resolved.
    /// - Returns: whether anything changed.
    mutating func resolve(repo: String, paths: [String]) -> Bool {
        guard var merge = repos[repo] else { return false }
        var changed = false
        for index in merge.conflicts.indices where !merge.conflicts[index].resolved {
            let path = merge.conflicts[index].path
            if paths.contains(where: { $0.isEmpty || RepoPath.isWithin(path, $0) }) {
                merge.conflicts[index].resolved = true
                changed = true
            }
        }
        repos[repo] = merge
        return changed
    }
}
