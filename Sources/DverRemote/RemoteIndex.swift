import Foundation

/// `index.json` at the root of a remote: the remote's format version, its packs and its refs.
/// It is the only object ever overwritten on a remote, always by a conditional write, so
/// registering packs and moving refs is atomic: a reader sees either the old or the new index,
/// and every ref in an index names a commit whose objects are in packs that index lists.
/// See docs/REMOTES.md.
public struct RemoteIndex: Codable, Sendable, Equatable {
    /// The remote format this dver writes and reads.
    public static let currentFormat = 1
    public static let key = "index.json"

    public var format = RemoteIndex.currentFormat
    /// Incremented by every write (diagnostics; conditional writes use the object version).
    public var generation = 0
    /// Every pack whose objects are available, sorted by name.
    public var packs: [RemotePackRecord] = []
    /// Repo name → mount, default branch and branch heads.
    public var repos: [String: RemoteRepoRecord] = [:]

    public init() {}

    /// Parses an index, refusing a newer format before looking at anything else.
    /// - Throws: `RemoteError.newerRemoteFormat`, `.corruptRemote`.
    public static func decode(_ bytes: [UInt8], url: String) throws -> RemoteIndex {
        struct Header: Decodable { var format: Int }
        let decoder = JSONDecoder()
        let header: Header
        do { header = try decoder.decode(Header.self, from: Data(bytes)) } catch {
            throw RemoteError.corruptRemote(url: url, reason: "\(key) is not a dver remote index (\(error))")
        }
        if header.format > currentFormat {
            throw RemoteError.newerRemoteFormat(url: url, version: header.format, supported: currentFormat)
        }
        guard header.format >= 1 else { throw RemoteError.corruptRemote(url: url, reason: "\(key) has format \(header.format)") }
        do { return try decoder.decode(RemoteIndex.self, from: Data(bytes)) } catch {
            throw RemoteError.corruptRemote(url: url, reason: "\(key) does not parse: \(error)")
        }
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [10]
    }

    /// Adds packs not yet listed, keeping the list sorted.
    public mutating func register(_ records: [RemotePackRecord]) {
        let known = Set(packs.map(\.name))
        packs.append(contentsOf: records.filter { !known.contains($0.name) })
        packs.sort { $0.name < $1.name }
    }

    public func head(repo: String, branch: String) -> String? { repos[repo]?.branches[branch] }
}

/// One pack on the remote: `packs/NAME.pack` and `packs/NAME.idx`.
public struct RemotePackRecord: Codable, Sendable, Equatable, Hashable {
    /// `pack-` + the 64-hex SHA-256 checksum that ends its index (as in a local store).
    public var name: String
    public var packSize: UInt64
    public var indexSize: UInt64
    public var objects: Int

    public init(name: String, packSize: UInt64, indexSize: UInt64, objects: Int) {
        self.name = name
        self.packSize = packSize
        self.indexSize = indexSize
        self.objects = objects
    }

    enum CodingKeys: String, CodingKey {
        case name, objects
        case packSize = "pack_size"
        case indexSize = "index_size"
    }

    var packKey: String { "packs/\(name).pack" }
    var indexKey: String { "packs/\(name).idx" }
}

/// A repo on the remote.
public struct RemoteRepoRecord: Codable, Sendable, Equatable {
    /// Where clones mount it (project-relative).
    public var mount: String
    public var defaultBranch: String
    /// Branch → commit id (64 hex digits).
    public var branches: [String: String]

    public init(mount: String, defaultBranch: String, branches: [String: String] = [:]) {
        self.mount = mount
        self.defaultBranch = defaultBranch
        self.branches = branches
    }

    enum CodingKeys: String, CodingKey {
        case mount, branches
        case defaultBranch = "default_branch"
    }
}
