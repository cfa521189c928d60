import DverStore
import Foundation

/// `index.json` at the root of a remote: the remote's format version, its packs, its refs and
/// its pipeline specs (names → spec blobs).
/// It is the only object ever overwritten on a remote, always by a conditional write, so
/// registering packs and moving refs is atomic: a reader sees either the old or the new index,
/// and every ref in an index names a commit whose objects are in packs that index lists.
/// Everything in it comes from outside and is validated on decode (`RemoteIndex+Validation`).
/// See docs/REMOTES.md.
public struct RemoteIndex: Codable, Sendable, Equatable {
    /// The remote format this dver writes and reads.
    public static let currentFormat = 1
    public static let key = "index.json"
    /// The largest `index.json` read (about 400,000 packs); a larger one is refused unread.
    public static let maximumSize = 64 << 20
    /// The largest pipeline spec blob read (`pipelines/<hash>.json`); a larger one is refused.
    public static let maximumSpecSize = 1 << 20
    /// The largest valid generation. A write increments it, so an index already there cannot
    /// be written again (and no arithmetic on it can overflow).
    public static let maximumGeneration = Int.max - 1

    public var format = RemoteIndex.currentFormat
    /// Incremented by every write (diagnostics; conditional writes use the object version).
    public var generation = 0
    /// Every pack whose objects are available, sorted by name.
    public var packs: [RemotePackRecord] = []
    /// Repo name → mount, default branch and branch heads.
    public var repos: [String: RemoteRepoRecord] = [:]
    /// Pipeline name → the SHA-256 (64 hex digits) of its spec blob, `pipelines/<hash>.json`.
    /// DverRemote never reads the blobs: they are opaque documents a `SpecCatalog` produces
    /// and checks. Absent in remotes written before pipelines travelled (read as empty), and
    /// left out when empty.
    public var pipelines: [String: String] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case format, generation, packs, repos, pipelines
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = Int(try container.decodeInteger(.format, in: 1...Int64(Self.currentFormat)))
        generation = Int(try container.decodeInteger(.generation, in: 0...Int64(Self.maximumGeneration)))
        packs = try container.decode([RemotePackRecord].self, forKey: .packs)
        repos = try container.decode([String: RemoteRepoRecord].self, forKey: .repos)
        pipelines = try container.decodeIfPresent([String: String].self, forKey: .pipelines) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(generation, forKey: .generation)
        try container.encode(packs, forKey: .packs)
        try container.encode(repos, forKey: .repos)
        if !pipelines.isEmpty { try container.encode(pipelines, forKey: .pipelines) }
    }

    /// The key of the spec blob whose SHA-256 is `hex`.
    public static func specKey(_ hex: String) -> String { "pipelines/\(hex).json" }

    /// Parses and validates an index, refusing a newer format before looking at anything else.
    /// - Throws: `RemoteError.newerRemoteFormat`; `.corruptRemote` naming the field and value
    ///   that is wrong (see `validate`).
    public static func decode(_ bytes: [UInt8], url: String) throws -> RemoteIndex {
        struct Header: Decodable { var format: Int64? }
        let decoder = JSONDecoder()
        let header: Header
        do { header = try decoder.decode(Header.self, from: Data(bytes)) } catch {
            throw RemoteError.corruptRemote(url: url, reason: "\(key) is not a dver remote index (\(RemoteIndexProblem.describe(error)))")
        }
        if let format = header.format, format > Int64(currentFormat) {
            throw RemoteError.newerRemoteFormat(url: url, version: Int(format), supported: currentFormat)
        }
        let index: RemoteIndex
        do { index = try decoder.decode(RemoteIndex.self, from: Data(bytes)) } catch {
            throw RemoteError.corruptRemote(url: url, reason: "\(key): \(RemoteIndexProblem.describe(error))")
        }
        if let problem = index.problem() {
            throw RemoteError.corruptRemote(url: url, reason: "\(key): \(problem)")
        }
        return index
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

    /// The fewest bytes a pack can have: header and trailer.
    public static let minimumPackSize = UInt64(PackFormat.packHeaderSize + PackFormat.packTrailerSize)
    /// The size of an index of no entries: header, fan-out table and checksum.
    public static let minimumIndexSize = UInt64(PackFormat.indexHeaderSize + PackFormat.fanoutSize + PackFormat.indexTrailerSize)
    /// The most records a pack can hold: a writer closes a pack once it reaches
    /// `PackFormat.targetPackSize`, and every record has a header. (So an index is at most
    /// about 83 MiB.)
    public static let maximumObjects = PackFormat.targetPackSize / PackFormat.recordHeaderSize + 1
    /// The largest pack accepted: a pack closes at 64 MiB, plus room for the object that
    /// ended it.
    public static let maximumPackSize: UInt64 = 4 << 30

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

    /// Sizes and counts are read as integers within the limits above, so no later arithmetic
    /// on them can overflow and no allocation they size can be unbounded.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        packSize = UInt64(try container.decodeInteger(.packSize, in: Int64(Self.minimumPackSize)...Int64(Self.maximumPackSize)))
        let largestIndex = Self.minimumIndexSize + UInt64(Self.maximumObjects * PackFormat.indexEntrySize)
        indexSize = UInt64(try container.decodeInteger(.indexSize, in: Int64(Self.minimumIndexSize)...Int64(largestIndex)))
        objects = Int(try container.decodeInteger(.objects, in: 0...Int64(Self.maximumObjects)))
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
