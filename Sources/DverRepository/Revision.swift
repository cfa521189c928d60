import DverCore
import DverStore

/// A parsed `repo[@rev][:path]` argument.
public struct RevisionSpec: Sendable, Equatable {
    public var repo: String
    /// Branch, commit id prefix, `HEAD`, optionally followed by `~N` or `^`; nil = checked out.
    public var revision: String?
    /// A repo-relative path inside the tree, if given.
    public var path: String?

    /// Parses `raw`, `raw@main`, `raw@main~2`, `raw@3fa9c1`, `raw@main:dir/file.csv`, `raw:file`.
    public init(parsing text: String) {
        var rest = Substring(text)
        var path: String?
        if let colon = rest.firstIndex(of: ":") {
            path = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        if let at = rest.firstIndex(of: "@") {
            repo = String(rest[..<at])
            let revision = String(rest[rest.index(after: at)...])
            self.revision = revision.isEmpty ? nil : revision
        } else {
            repo = String(rest)
            revision = nil
        }
        if let trimmed = path?.trimmingSlashes(), !trimmed.isEmpty { self.path = trimmed } else { self.path = nil }
    }

    public var description: String {
        repo + (revision.map { "@" + $0 } ?? "") + (path.map { ":" + $0 } ?? "")
    }
}

/// A revision resolved to a commit.
public struct ResolvedRevision: Sendable {
    public var repo: RepoRecord
    public var commit: ObjectID
    /// The branch named by the revision, when it named a branch exactly.
    public var branch: String?
}

extension Project {
    /// Resolves a revision of a repo to a commit.
    /// - Throws: `RepositoryError.unknownRepo`, `.unknownRevision`, `.ambiguousRevision`.
    public func resolve(_ spec: RevisionSpec) throws -> ResolvedRevision {
        let record = try repo(named: spec.repo)
        let (text, steps) = Self.splitAncestry(spec.revision ?? "HEAD")
        var branch: String?
        var commit: ObjectID
        if text == "HEAD" {
            guard let head = try headCommit(of: record) else {
                throw RepositoryError.unknownRevision(spec.description, reason: "repo '\(record.name)' has no commits yet")
            }
            commit = head
            branch = steps == 0 ? record.branch : nil
        } else if (try? RefStore.validateBranchName(text)) != nil, let head = try refs.read(repo: record.name, branch: text) {
            commit = head
            branch = steps == 0 ? text : nil
        } else {
            commit = try resolveCommitPrefix(text, repo: record.name, spec: spec.description)
        }
        for step in 0..<steps {
            let parsed = try store.decodeCommit(commit)
            guard let parent = parsed.parents.first else {
                throw RepositoryError.unknownRevision(spec.description, reason: "history has only \(step) ancestors")
            }
            commit = parent
        }
        return ResolvedRevision(repo: record, commit: commit, branch: branch)
    }

    /// Splits trailing `~N`, `~` and `^` suffixes off a revision: `main~2^` → ("main", 3).
    public static func splitAncestry(_ revision: String) -> (String, Int) {
        var text = Substring(revision)
        var steps = 0
        while true {
            if text.hasSuffix("^") {
                steps += 1
                text = text.dropLast()
            } else if let tilde = text.lastIndex(of: "~"), text[text.index(after: tilde)...].allSatisfy(\.isNumber) {
                let digits = text[text.index(after: tilde)...]
                steps += digits.isEmpty ? 1 : Int(digits) ?? 0
                text = text[..<tilde]
            } else {
                return (String(text), steps)
            }
        }
    }

    private func resolveCommitPrefix(_ prefix: String, repo: String, spec: String) throws -> ObjectID {
        let lower = prefix.lowercased()
        guard lower.utf8.count >= 4, HexCoding.isHex(lower) else {
            throw RepositoryError.unknownRevision(spec, reason: "no branch '\(prefix)' in repo '\(repo)' (ids need at least 4 hex digits)")
        }
        var matches = [ObjectID]()
        for id in store.ids(withHexPrefix: lower) {
            guard let (_, entry) = store.locate(id), entry.kind == .commit else { continue }
            if (try? store.decodeCommit(id))?.repo == repo { matches.append(id) }
        }
        if matches.isEmpty { throw RepositoryError.unknownRevision(spec, reason: "no branch or commit of repo '\(repo)' matches") }
        if matches.count > 1 { throw RepositoryError.ambiguousRevision(spec, candidates: matches.map { $0.shortHex() }) }
        return matches[0]
    }

    /// Commit-set records whose id starts with `prefix` (at least 4 hex digits).
    public func commitSets(prefix: String) throws -> [CommitSetRecord] {
        guard prefix.utf8.count >= 4, HexCoding.isHex(prefix) else { return [] }
        return try CommitSetRecord.find(prefix: prefix.lowercased(), in: layout.commitSetsDirectory)
    }
}

extension String {
    func trimmingSlashes() -> String {
        var result = Substring(self)
        while result.hasPrefix("/") { result = result.dropFirst() }
        while result.hasSuffix("/") { result = result.dropLast() }
        return String(result)
    }
}
