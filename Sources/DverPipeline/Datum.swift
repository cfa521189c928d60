import DverCore

/// One input's part of a datum: the entry a glob matched in one input commit.
public struct DatumInput: Sendable, Equatable, Codable {
    /// The input name: the directory under /pfs.
    public var name: String
    public var repo: String
    /// The matched path with a leading "/" ("/" for a whole-repo glob).
    public var path: String
    public var kind: EntryKind
    /// The file id, or the tree id of a matched directory: content identity without reading files.
    public var id: ObjectID
    public var size: UInt64
    public var chunked: Bool
    /// The join key built from the glob's captures (join inputs only).
    public var joinKey: String?
    /// The group key built from the glob's captures (group inputs only).
    public var groupKey: String?
    /// The input's files appear as empty files (Pachyderm's `empty_files`).
    public var emptyFiles = false

    public init(name: String, repo: String, path: String, kind: EntryKind, id: ObjectID, size: UInt64, chunked: Bool,
                joinKey: String? = nil, groupKey: String? = nil) {
        self.name = name
        self.repo = repo
        self.path = path
        self.kind = kind
        self.id = id
        self.size = size
        self.chunked = chunked
        self.joinKey = joinKey
        self.groupKey = groupKey
    }

    /// "raw:/a.csv", for messages and job records.
    public var label: String { "\(name):\(path)" }

    enum CodingKeys: String, CodingKey { case name, repo, path, kind, id, size, chunked, joinKey = "join_key", groupKey = "group_key", emptyFiles = "empty_files" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        repo = try container.decode(String.self, forKey: .repo)
        path = try container.decode(String.self, forKey: .path)
        kind = try container.decode(EntryKind.self, forKey: .kind)
        let hex = try container.decode(String.self, forKey: .id)
        guard let id = ObjectID(hex: hex) else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: container, debugDescription: "not an object id")
        }
        self.id = id
        size = try container.decode(UInt64.self, forKey: .size)
        chunked = try container.decodeIfPresent(Bool.self, forKey: .chunked) ?? false
        joinKey = try container.decodeIfPresent(String.self, forKey: .joinKey)
        groupKey = try container.decodeIfPresent(String.self, forKey: .groupKey)
        emptyFiles = try container.decodeIfPresent(Bool.self, forKey: .emptyFiles) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(repo, forKey: .repo)
        try container.encode(path, forKey: .path)
        try container.encode(kind, forKey: .kind)
        try container.encode(id.hex, forKey: .id)
        try container.encode(size, forKey: .size)
        try container.encode(chunked, forKey: .chunked)
        try container.encodeIfPresent(joinKey, forKey: .joinKey)
        try container.encodeIfPresent(groupKey, forKey: .groupKey)
        if emptyFiles { try container.encode(true, forKey: .emptyFiles) }
    }
}

/// One unit of work: a combination of matched inputs, identified by its key.
public struct Datum: Sendable, Equatable {
    public var inputs: [DatumInput]
    /// SHA-256 over the transform identity and the inputs (`DatumKey`).
    public var key: ObjectID

    public init(inputs: [DatumInput], key: ObjectID) {
        self.inputs = inputs
        self.key = key
    }

    /// The datum id shown to users: the key's hex.
    public var id: String { key.hex }

    /// "raw:/a.csv, labels:/a.json".
    public var label: String { inputs.map(\.label).joined(separator: ", ") }
}

/// The canonical bytes hashed into a datum key (docs/PIPELINES.md, "Datum key").
public enum DatumKey {
    static let magic = "dver-datum-key/1"

    /// The part of the key shared by every datum of a job: image identity, cmd, env, stdin,
    /// working directory and network flag; then, when set, user, accept_return_code and salt.
    public static func transformPrefix(_ transform: Transform, imageIdentity: String, salt: String? = nil) -> [UInt8] {
        var writer = ByteWriter()
        writer.appendString(magic)
        writer.appendString(imageIdentity)
        writer.appendVarint(transform.cmd.count)
        for argument in transform.cmd { writer.appendString(argument) }
        let names = transform.env.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        writer.appendVarint(names.count)
        for name in names {
            writer.appendString(name)
            writer.appendString(transform.env[name] ?? "")
        }
        writer.appendVarint(transform.stdin.count)
        for line in transform.stdin { writer.appendString(line) }
        writer.appendString(transform.workingDirectory ?? "")
        writer.append(transform.network ? 1 : 0)
        // Fields added later are appended only when set, so older keys stay valid.
        if let user = transform.user {
            writer.appendString("user")
            writer.appendString(user)
        }
        if !transform.acceptReturnCodes.isEmpty {
            writer.appendString("accept_return_code")
            writer.appendVarint(transform.acceptReturnCodes.count)
            for code in transform.acceptReturnCodes { writer.appendVarint(Int(code)) }
        }
        if let salt {
            writer.appendString("salt")
            writer.appendString(salt)
        }
        return writer.bytes
    }

    /// The key of a datum: SHA-256 of the transform prefix and each input's name, path, kind and id.
    public static func key(prefix: [UInt8], inputs: [DatumInput]) -> ObjectID {
        var writer = ByteWriter(capacity: prefix.count + 96 * inputs.count)
        writer.append(contentsOf: prefix)
        writer.appendVarint(inputs.count)
        for input in inputs {
            writer.appendString(input.name)
            writer.appendString(input.path)
            writer.append(input.kind.rawValue)
            writer.append(input.id)
        }
        // Empty placeholders instead of the files: a different datum (appended only when used).
        let empty = inputs.indices.filter { inputs[$0].emptyFiles }
        if !empty.isEmpty {
            writer.appendString("empty_files")
            writer.appendVarint(empty.count)
            for index in empty { writer.appendVarint(index) }
        }
        return SHA256.hash(writer.bytes)
    }
}
