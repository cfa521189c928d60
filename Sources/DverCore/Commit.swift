/// A commit of one repo (FORMAT.md, "Commit").
public struct Commit: Equatable, Sendable {
    public static let magic = "DVCM"
    public static let version: UInt8 = 1

    public var repo: String
    public var tree: ObjectID
    public var parents: [ObjectID]
    /// Nanoseconds since the Unix epoch.
    public var time: Int64
    /// Minutes east of UTC where the commit was made.
    public var timeZoneOffsetMinutes: Int16
    public var author: String
    public var message: String
    /// Shared by every commit made by one `dver commit`.
    public var commitSet: CommitSetID?
    /// The git HEAD commit (hex) of the enclosing git repository at commit time, if any.
    public var gitHead: String
    /// Sorted key/value facts, e.g. a pipeline output's input commits.
    public var provenance: [String: String]

    public init(repo: String, tree: ObjectID, parents: [ObjectID], time: Int64,
                timeZoneOffsetMinutes: Int16 = 0, author: String, message: String,
                commitSet: CommitSetID?, gitHead: String = "", provenance: [String: String] = [:]) {
        self.repo = repo
        self.tree = tree
        self.parents = parents
        self.time = time
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
        self.author = author
        self.message = message
        self.commitSet = commitSet
        self.gitHead = gitHead
        self.provenance = provenance
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 256 + message.utf8.count)
        writer.append(contentsOf: Self.magic.utf8)
        writer.append(Self.version)
        writer.appendString(repo)
        writer.append(tree)
        writer.appendVarint(parents.count)
        for parent in parents { writer.append(parent) }
        writer.appendBigEndian(time)
        writer.appendBigEndian(timeZoneOffsetMinutes)
        writer.appendString(author)
        writer.appendString(message)
        writer.appendBytesWithLength(commitSet?.bytes ?? [])
        writer.appendString(gitHead)
        let keys = provenance.keys.sorted { $0.precedesInByteOrder($1) }
        writer.appendVarint(keys.count)
        for key in keys {
            writer.appendString(key)
            writer.appendString(provenance[key] ?? "")
        }
        return writer.bytes
    }

    /// - Throws: `CoreError` when the bytes are not a canonical commit.
    public static func decode(_ bytes: [UInt8]) throws(CoreError) -> Commit {
        var reader = ByteReader(bytes, what: "commit")
        try reader.expectHeader(magic: magic, version: Self.version)
        let repo = try reader.readString(max: 255)
        let tree = try reader.readID()
        let parentCount = try reader.readLength(max: reader.remaining / 32)
        var parents = [ObjectID]()
        for _ in 0..<parentCount { parents.append(try reader.readID()) }
        let time = try reader.readBigEndian(Int64.self)
        let offset = try reader.readBigEndian(Int16.self)
        let author = try reader.readString()
        let message = try reader.readString()
        let setLength = try reader.readLength(max: 16)
        let setBytes = Array(try reader.readBytes(setLength))
        guard setLength == 0 || setLength == 16 else {
            throw .malformedObject(what: "commit", reason: "commit set id must be 0 or 16 bytes")
        }
        let gitHead = try reader.readString(max: 128)
        let factCount = try reader.readLength(max: reader.remaining / 2)
        var provenance = [String: String]()
        var previousKey: String?
        for _ in 0..<factCount {
            let key = try reader.readString()
            if let previousKey, !previousKey.precedesInByteOrder(key) {
                throw .malformedObject(what: "commit", reason: "provenance keys not strictly sorted")
            }
            previousKey = key
            provenance[key] = try reader.readString()
        }
        try reader.expectEnd()
        return Commit(repo: repo, tree: tree, parents: parents, time: time, timeZoneOffsetMinutes: offset,
                      author: author, message: message,
                      commitSet: setLength == 16 ? CommitSetID(bytes: setBytes) : nil,
                      gitHead: gitHead, provenance: provenance)
    }
}

/// The 16-byte random id shared by the commits of one `dver commit` across repos.
public struct CommitSetID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public init?(hex: some StringProtocol) {
        guard hex.utf8.count == 32, let bytes = HexCoding.decode(hex) else { return nil }
        self.bytes = bytes
    }

    /// A fresh random id.
    public static func random() -> CommitSetID {
        CommitSetID(bytes: SecureRandom.bytes(16))!  // exactly 16 bytes
    }

    public var hex: String { HexCoding.encode(bytes) }
    public var description: String { hex }
}
