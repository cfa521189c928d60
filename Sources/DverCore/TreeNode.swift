/// One node of a directory tree (FORMAT.md, "Tree node").
///
/// A directory's entries, sorted by name bytes, are split into nodes by `NodeBoundary`; level 0
/// nodes hold entries, higher levels hold (first name, child node id) pairs.
public struct TreeNode: Equatable, Sendable {
    public struct Child: Equatable, Sendable {
        public var firstName: String
        public var id: ObjectID
        public init(firstName: String, id: ObjectID) { self.firstName = firstName; self.id = id }
    }

    public enum Content: Equatable, Sendable {
        case leaf([TreeEntry])
        case interior(level: Int, [Child])
    }

    public static let magic = "DVTR"
    public static let version: UInt8 = 1

    public var content: Content
    /// The deepest interior level a node may have (1,024 entries per node at most, 4 at least).
    public static let maximumLevel = 32

    public init(_ content: Content) { self.content = content }

    public var level: Int {
        if case .interior(let level, _) = content { return level }
        return 0
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 1024)
        writer.append(contentsOf: Self.magic.utf8)
        writer.append(Self.version)
        switch content {
        case .leaf(let entries):
            writer.append(0)
            writer.appendVarint(entries.count)
            for entry in entries {
                writer.appendString(entry.name)
                writer.append(entry.kind.rawValue)
                writer.append(entry.chunked ? 1 : 0)
                writer.appendVarint(entry.size)
                writer.append(entry.id)
            }
        case .interior(let level, let children):
            writer.append(UInt8(level))
            writer.appendVarint(children.count)
            for child in children {
                writer.appendString(child.firstName)
                writer.append(child.id)
            }
        }
        return writer.bytes
    }

    /// - Throws: `CoreError` when the bytes are not a canonical tree node.
    public static func decode(_ bytes: [UInt8]) throws(CoreError) -> TreeNode {
        var reader = ByteReader(bytes, what: "tree node")
        try reader.expectHeader(magic: magic, version: Self.version)
        let level = Int(try reader.readByte())
        guard level <= maximumLevel else { throw .malformedObject(what: "tree node", reason: "level \(level) exceeds \(maximumLevel)") }
        let count = try reader.readLength(max: reader.remaining / 34)
        var previous: String?
        func checkOrder(_ name: String) throws(CoreError) {
            try RepoPath.validateName(name)
            if let previous, !previous.precedesInByteOrder(name) {
                throw .malformedObject(what: "tree node", reason: "names not strictly sorted at '\(name)'")
            }
            previous = name
        }
        if level == 0 {
            var entries = [TreeEntry]()
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let name = try reader.readString(max: RepoPath.maximumNameLength)
                try checkOrder(name)
                guard let kind = EntryKind(rawValue: try reader.readByte()) else {
                    throw .malformedObject(what: "tree node", reason: "unknown entry kind for '\(name)'")
                }
                let layout = try reader.readByte()
                guard layout <= 1, layout == 0 || kind.isFile else {
                    throw .malformedObject(what: "tree node", reason: "bad layout byte for '\(name)'")
                }
                let size = try reader.readVarint()
                guard size <= ChunkListNode.maximumLength else {
                    throw .malformedObject(what: "tree node", reason: "size of '\(name)' exceeds 2^62 bytes")
                }
                let id = try reader.readID()
                entries.append(TreeEntry(name: name, kind: kind, chunked: layout == 1, size: size, id: id))
            }
            try reader.expectEnd()
            return TreeNode(.leaf(entries))
        }
        var children = [Child]()
        children.reserveCapacity(count)
        for _ in 0..<count {
            let name = try reader.readString(max: RepoPath.maximumNameLength)
            try checkOrder(name)
            children.append(Child(firstName: name, id: try reader.readID()))
        }
        try reader.expectEnd()
        guard !children.isEmpty else { throw .malformedObject(what: "tree node", reason: "empty interior node") }
        return TreeNode(.interior(level: level, children))
    }
}
