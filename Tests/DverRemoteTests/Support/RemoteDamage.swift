import DverCore
import DverRemote
import DverStore
import Foundation
import Testing

/// One way to damage a pushed remote, through its transport (so the same damage is done to a
/// directory and to S3), and what `RemoteFsck` must report.
struct RemoteDamage: Sendable, CustomTestStringConvertible {
    let testDescription: String
    /// The sample to check with.
    var sample: Double = RemoteFsck.defaultSample
    /// Damages the remote; returns texts that must each appear in one of the errors (none:
    /// the remote must stay healthy).
    let apply: @Sendable (Remote) throws -> [String]

    static let all: [RemoteDamage] = [
        RemoteDamage(testDescription: "a listed pack deleted") { remote in
            let pack = try largestPack(remote)
            try remote.transport.delete("packs/\(pack.name).pack")
            return ["packs/\(pack.name).pack is listed in index.json but missing", "missing chunk"]
        },
        RemoteDamage(testDescription: "a listed pack index deleted") { remote in
            let pack = try largestPack(remote)
            try remote.transport.delete("packs/\(pack.name).idx")
            return ["packs/\(pack.name).idx is listed in index.json but missing"]
        },
        RemoteDamage(testDescription: "a pack truncated") { remote in
            let pack = try largestPack(remote)
            let bytes = try #require(try remote.transport.get("packs/\(pack.name).pack", limit: 1 << 30)).bytes
            try remote.transport.put("packs/\(pack.name).pack", bytes: Array(bytes.dropLast(10)))
            return ["packs/\(pack.name).pack is \(bytes.count - 10) bytes; index.json lists \(bytes.count) (truncated)"]
        },
        RemoteDamage(testDescription: "a byte flipped inside a chunk record, every record verified", sample: 1) { remote in
            let (pack, entry) = try chunkEntry(remote)
            try flip(remote, pack: pack, at: entry.offset + UInt64(entry.storedLength / 2))
            return ["packs/\(pack.name).pack: object \(entry.id.hex) is corrupt"]
        },
        RemoteDamage(testDescription: "a byte flipped inside a chunk record, that record in the sample", sample: 0.0001) { remote in
            // The record the sample picks in a pack where nothing else is verified: the chunk with the smallest id.
            let index = try remote.readIndex().index
            let pack = try largestPack(remote)
            let packIndex = try #require(try remote.packIndexes(index.packs).first { $0.name == pack.name })
            let entry = try #require((0..<packIndex.count).compactMap { packIndex.entry(at: $0) }.min { $0.id.w0 < $1.id.w0 })
            try flip(remote, pack: pack, at: entry.offset + UInt64(entry.storedLength / 2))
            return ["packs/\(pack.name).pack: object \(entry.id.hex) is corrupt"]
        },
        RemoteDamage(testDescription: "a pack's trailer damaged") { remote in
            let pack = try largestPack(remote)
            try flip(remote, pack: pack, at: pack.packSize - 3)
            return ["packs/\(pack.name).pack: bad pack trailer"]
        },
        RemoteDamage(testDescription: "a branch head naming a missing commit") { remote in
            let missing = SHA256.hash(Array("no such commit".utf8))
            try rewriteIndex(remote) { $0.repos["raw"]?.branches["main"] = missing.hex }
            return ["raw@main: missing commit \(missing.hex)"]
        },
        RemoteDamage(testDescription: "a branch head naming a tree") { remote in
            let tree = try anyTree(remote)
            try rewriteIndex(remote) { $0.repos["raw"]?.branches["main"] = tree.hex }
            return ["raw@main: \(tree.hex) is a tree, expected a commit"]
        },
        RemoteDamage(testDescription: "a spec blob deleted") { remote in
            let hex = try #require(try remote.readIndex().index.pipelines["clean"])
            try remote.transport.delete("pipelines/\(hex).json")
            return ["pipelines/\(hex).json (pipeline clean) is listed in index.json but missing"]
        },
        RemoteDamage(testDescription: "an unlisted leftover pack (not damage)") { remote in
            try remote.transport.put("packs/pack-\(String(repeating: "ab", count: 32)).pack", bytes: [UInt8](repeating: 7, count: 1234))
            return []
        },
    ]

    // MARK: Helpers

    static func largestPack(_ remote: Remote) throws -> RemotePackRecord {
        try #require(try remote.readIndex().index.packs.max { $0.packSize < $1.packSize })
    }

    /// A chunk of the largest pack, and the pack.
    static func chunkEntry(_ remote: Remote) throws -> (RemotePackRecord, PackEntry) {
        let pack = try largestPack(remote)
        let index = try #require(try remote.packIndexes([pack]).first)
        let entry = try #require((0..<index.count).compactMap { index.entry(at: $0) }.first { $0.kind == .chunk && $0.storedLength > 100 })
        return (pack, entry)
    }

    static func flip(_ remote: Remote, pack: RemotePackRecord, at offset: UInt64) throws {
        var bytes = try #require(try remote.transport.get("packs/\(pack.name).pack", limit: 1 << 30)).bytes
        bytes[Int(offset)] ^= 0x5A
        try remote.transport.put("packs/\(pack.name).pack", bytes: bytes)
    }

    static func rewriteIndex(_ remote: Remote, _ change: (inout RemoteIndex) -> Void) throws {
        var index = try remote.readIndex().index
        change(&index)
        try remote.transport.put(RemoteIndex.key, bytes: try index.encoded())
    }

    /// Some tree on the remote.
    static func anyTree(_ remote: Remote) throws -> ObjectID {
        let index = try remote.readIndex().index
        for packIndex in try remote.packIndexes(index.packs) {
            if let entry = (0..<packIndex.count).compactMap({ packIndex.entry(at: $0) }).first(where: { $0.kind == .tree }) { return entry.id }
        }
        throw RemoteDamageFailure(description: "no tree on the remote")
    }
}

struct RemoteDamageFailure: Error, CustomStringConvertible {
    let description: String
}
