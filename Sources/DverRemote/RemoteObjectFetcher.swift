import DverCore
import DverStore
import Synchronization

/// Single objects read from a remote on demand — what a remote-backed `dver mount` reads
/// through. Each object costs one ranged GET of exactly its record in the pack that holds it
/// (found through the remote's pack indexes, which are cached locally); the record is
/// bounds-checked against its pack and verified — header, decoded bytes against the id, the
/// kind's encoding — before its bytes are returned (`ReceivedRecords`). Nothing is stored:
/// the caller decides what to keep. Thread-safe.
public final class RemoteObjectFetcher: Sendable {
    public let remote: Remote
    private let objects: RemoteObjectSet
    private let received = Atomic<UInt64>(0)
    private let requests = Atomic<Int>(0)

    /// Opens the pack indexes of every pack `index` lists (downloading the ones not cached yet).
    /// - Throws: `RemoteError.corruptRemote` for an index that does not verify; transport errors.
    public init(remote: Remote, index: RemoteIndex) throws {
        self.remote = remote
        objects = RemoteObjectSet(records: index.packs, indexes: try remote.packIndexes(index.packs))
    }

    /// Whether some listed pack holds `id`.
    public func contains(_ id: ObjectID) -> Bool { objects.contains(id) }

    /// The kind the remote's pack index records for `id`, or nil when no listed pack holds it.
    public func kind(of id: ObjectID) -> ObjectKind? { objects.locate(id)?.entry.kind }

    /// Bytes received so far (record headers included) and the ranged GETs that brought them.
    public var bytesReceived: UInt64 { received.load(ordering: .relaxed) }
    public var requestCount: Int { requests.load(ordering: .relaxed) }

    /// Downloads and verifies one object of `kind`; returns its decoded bytes.
    /// - Throws: `RemoteError.missingRemoteObject` when no listed pack holds it,
    ///   `.corruptRemoteObject` when its entry, record or content is wrong (or it is of another
    ///   kind), transport errors.
    public func fetch(_ id: ObjectID, as kind: ObjectKind) throws -> [UInt8] {
        guard let (pack, entry) = objects.locate(id) else { throw RemoteError.missingRemoteObject(id) }
        guard entry.kind == kind else {
            throw RemoteError.corruptRemoteObject(id, pack: pack.record.name, reason: "it is a \(entry.kind) where a \(kind) is expected")
        }
        try ReceivedRecords.checkBounds(entry, in: pack.record)
        // checkBounds: the record lies inside the pack, after its header; lengths are bounded.
        let start = entry.offset - UInt64(PackFormat.recordHeaderSize)
        let length = PackFormat.recordHeaderSize + Int(entry.storedLength)
        requests.add(1, ordering: .relaxed)
        let bytes = try remote.transport.getRange(pack.record.packKey, offset: start, length: length)
        received.add(UInt64(bytes.count), ordering: .relaxed)
        return try bytes.withUnsafeBytes { try ReceivedRecords.verify($0, entry: entry, pack: pack.record.name) }
    }
}
