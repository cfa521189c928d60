import DverCore
import DverStore
import DverSystem
import Foundation

/// One repo: its name, where it is mounted, and what is checked out.
public struct RepoRecord: Codable, Sendable, Equatable {
    public var name: String
    /// Project-relative mount directory, e.g. `data/raw`.
    public var mount: String
    /// The checked-out branch; nil when detached.
    public var branch: String?
    /// The checked-out commit when detached.
    public var detachedCommit: String?
    public var defaultBranch: String

    public init(name: String, mount: String, branch: String? = "main", defaultBranch: String = "main") {
        self.name = name
        self.mount = mount
        self.branch = branch
        self.defaultBranch = defaultBranch
    }

    enum CodingKeys: String, CodingKey {
        case name, mount, branch
        case detachedCommit = "detached_commit"
        case defaultBranch = "default_branch"
    }

    /// Repo names follow `NameRules.repoNameProblem`.
    /// - Throws: `RepositoryError.invalidRepoName`.
    public static func validateName(_ name: String) throws {
        if let problem = NameRules.repoNameProblem(name) { throw RepositoryError.invalidRepoName(name, reason: problem) }
    }

    /// Mount paths follow `NameRules.mountProblem`: inside the project, never in `.dver/` or `.git/`.
    /// - Throws: `RepositoryError.invalidMount`.
    public static func validateMount(_ mount: String) throws {
        if let problem = NameRules.mountProblem(mount) { throw RepositoryError.invalidMount(mount, reason: problem) }
    }

    /// The reason this record (read from `repos.json`) cannot be used, or nil.
    func problem() -> String? {
        if let problem = NameRules.repoNameProblem(name) { return "repo name '\(name)': \(problem)" }
        if let problem = NameRules.mountProblem(mount) { return "mount '\(mount)' of repo '\(name)': \(problem)" }
        for branch in [branch, defaultBranch].compactMap({ $0 }) {
            if let problem = NameRules.branchNameProblem(branch) { return "branch '\(branch)' of repo '\(name)': \(problem)" }
        }
        if let detachedCommit, ObjectID(hex: detachedCommit) == nil {
            return "detached commit of repo '\(name)' is not a 64-digit id"
        }
        if branch == nil, detachedCommit == nil { return "repo '\(name)' has neither a branch nor a detached commit" }
        return nil
    }
}

/// `.dver/repos.json`: every repo of the project, sorted by name.
struct RepoRegistry: Codable, Sendable {
    var version = 1
    var repos: [RepoRecord] = []

    /// Loads and validates the registry: every name and mount, and that no two repos share a
    /// name or overlap.
    /// - Throws: `StoreError.corruptFile` naming what is wrong.
    static func load(_ path: String) throws -> RepoRegistry {
        let registry = try JSONFile.load(RepoRegistry.self, from: path) ?? RepoRegistry()
        if let problem = registry.problem() { throw StoreError.corruptFile(path: path, reason: problem) }
        return registry
    }

    /// The first thing wrong with the registry, or nil.
    func problem() -> String? {
        for record in repos {
            if let problem = record.problem() { return problem }
        }
        // Compared case-insensitively, for case-insensitive file systems; every ancestor checked.
        var owners = [String: String]()
        for record in repos {
            if let other = owners.updateValue(record.name, forKey: record.mount.lowercased()) {
                return "repos '\(other)' and '\(record.name)' have the same mount"
            }
        }
        for record in repos {
            var ancestor = RepoPath.parent(record.mount.lowercased())
            while !ancestor.isEmpty {
                if let other = owners[ancestor] { return "the mounts of repos '\(other)' and '\(record.name)' overlap" }
                ancestor = RepoPath.parent(ancestor)
            }
        }
        if Set(repos.map(\.name)).count != repos.count { return "a repo is listed twice" }
        return nil
    }

    func save(_ path: String, durable: Bool = true) throws {
        var sorted = self
        sorted.repos.sort { $0.name < $1.name }
        try JSONFile.save(sorted, to: path, durable: durable)
    }

    func record(named name: String) -> RepoRecord? { repos.first { $0.name == name } }

    /// The repo whose mount contains the project-relative `path`.
    func record(containing path: String) -> RepoRecord? {
        repos.first { RepoPath.isWithin(path, $0.mount) }
    }

    mutating func update(_ record: RepoRecord) {
        if let index = repos.firstIndex(where: { $0.name == record.name }) {
            repos[index] = record
        } else {
            repos.append(record)
        }
    }
}
