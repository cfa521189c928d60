import DverCore
import Foundation

/// `gc.json` on a remote: the packs garbage collection took out of `index.json`, kept until no
/// transfer that read an older index can still need them (docs/REMOTES.md, "Garbage
/// collection"). Only `dver gc --remote` writes it, by conditional write; pushes, fetches and
/// clones never read it.
public struct RemoteTombstones: Codable, Sendable, Equatable {
    public struct Tombstone: Codable, Sendable, Equatable {
        /// The pack's name (`pack-` and 64 hex digits).
        public var pack: String
        /// When it left `index.json`, in seconds since the Unix epoch.
        public var removed: Int64
        public var packSize: UInt64
        public var indexSize: UInt64
        /// The pack file's modification time on the remote when it was taken out (milliseconds
        /// since the epoch, by the remote's clock): a file with another time was written again
        /// since — by a push sending the same objects — and is not deleted.
        public var packModified: Int64

        enum CodingKeys: String, CodingKey {
            case pack, removed
            case packSize = "pack_size"
            case indexSize = "index_size"
            case packModified = "pack_modified"
        }
    }

    public static let key = "gc.json"
    public static let currentFormat = 1
    /// A remote has no business holding a larger one.
    static let maximumSize = 64 << 20

    public var format = currentFormat
    public var tombstones: [Tombstone] = []

    public init() {}

    /// The record and its version; an empty record when there is none.
    /// - Throws: `RemoteError.corruptRemote` for a file that is not a valid record.
    static func read(_ transport: any RemoteTransport) throws -> (record: RemoteTombstones, version: String?) {
        guard let blob = try transport.get(key, limit: maximumSize) else { return (RemoteTombstones(), nil) }
        let record: RemoteTombstones
        do {
            record = try JSONDecoder().decode(RemoteTombstones.self, from: Data(blob.bytes))
        } catch {
            throw RemoteError.corruptRemote(url: transport.displayURL, reason: "\(key) is not a tombstone record: \(RemoteIndexProblem.describe(error))")
        }
        guard record.format == currentFormat else {
            throw RemoteError.corruptRemote(url: transport.displayURL, reason: "\(key) has format \(record.format); this dver writes \(currentFormat)")
        }
        for tombstone in record.tombstones where !NameRules.isPackName(tombstone.pack) || tombstone.removed < 0 {
            throw RemoteError.corruptRemote(url: transport.displayURL, reason: "\(key) names '\(tombstone.pack.printableForMessage)' (removed \(tombstone.removed))")
        }
        return (record, blob.version)
    }

    /// Writes the record if nobody changed it since `version`; false when somebody did.
    static func write(_ record: RemoteTombstones, _ transport: any RemoteTransport, expected version: String?) throws -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try transport.putConditionally(key, bytes: Array(try encoder.encode(record)), expected: version)
    }
}
