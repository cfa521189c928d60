import DverCore
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

    /// Repo names: letters, digits, `.`, `_`, `-`; not starting with `.` or `-`.
    public static func validateName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard allowed, !name.isEmpty, name.utf8.count <= 100, !name.hasPrefix("."), !name.hasPrefix("-") else {
            throw RepositoryError.invalidRepoName(name)
        }
    }
}

/// `.dver/repos.json`: every repo of the project, sorted by name.
struct RepoRegistry: Codable, Sendable {
    var version = 1
    var repos: [RepoRecord] = []

    static func load(_ path: String) throws -> RepoRegistry {
        try JSONFile.load(RepoRegistry.self, from: path) ?? RepoRegistry()
    }

    func save(_ path: String) throws {
        var sorted = self
        sorted.repos.sort { $0.name < $1.name }
        try JSONFile.save(sorted, to: path)
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
