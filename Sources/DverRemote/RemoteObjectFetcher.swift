import DverCore
import DverStore
import DverSystem
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

    /// Neighbouring records of one pack farther apart than this are fetched by separate
    /// requests: the bytes between them are downloaded for nothing.
    public static let coalescingGap = 16 << 10
    /// The most bytes one coalesced request covers.
    public static let coalescingLimit = 8 << 20

    /// Downloads several objects, one ranged GET per run of neighbouring records in a pack
    /// (records at most `coalescingGap` apart, at most `coalescingLimit` in all), and verifies
    /// each. A failure affects only the objects it concerns: each gets its own result.
    public func fetch(_ wanted: [(id: ObjectID, kind: ObjectKind)]) -> [ObjectID: Result<[UInt8], any Error>] {
        var results = [ObjectID: Result<[UInt8], any Error>]()
        var byPack = [String: (pack: RemoteObjectSet.Pack, entries: [PackEntry])]()
        for (id, kind) in wanted where results[id] == nil {
            guard let (pack, entry) = objects.locate(id) else {
                results[id] = .failure(RemoteError.missingRemoteObject(id))
                continue
            }
            do {
                guard entry.kind == kind else {
                    throw RemoteError.corruptRemoteObject(id, pack: pack.record.name, reason: "it is a \(entry.kind) where a \(kind) is expected")
                }
                try ReceivedRecords.checkBounds(entry, in: pack.record)
                byPack[pack.record.name, default: (pack, [])].entries.append(entry)
            } catch {
                results[id] = .failure(error)
            }
        }
        let jobs = byPack.sorted(by: { $0.key < $1.key }).flatMap { _, group in
            Self.runs(group.entries.sorted { $0.offset < $1.offset }).map { (run: $0, pack: group.pack) }
        }
        // Runs are downloaded in parallel (`Remote.transfers` at once); fetch(run:) throws nothing.
        let found = Locked(results)
        try? ParallelWork.run(jobs.count, workers: remote.transfers) { [self] position in
            let fetched = fetch(jobs[position].run, from: jobs[position].pack)
            found.withLock { $0.merge(fetched) { first, _ in first } }
        }
        return found.withLock { $0 }
    }

    /// Splits entries sorted by offset into runs one request each can fetch. Entries are
    /// bounds-checked: no arithmetic overflows.
    static func runs(_ entries: [PackEntry]) -> [[PackEntry]] {
        var runs = [[PackEntry]]()
        var current = [PackEntry]()
        var start: UInt64 = 0
        var end: UInt64 = 0
        for entry in entries {
            let recordStart = entry.offset - UInt64(PackFormat.recordHeaderSize)
            let recordEnd = entry.offset + UInt64(entry.storedLength)
            if !current.isEmpty, recordStart >= end, recordStart - end <= UInt64(coalescingGap),
               recordEnd - start <= UInt64(coalescingLimit) {
                current.append(entry)
                end = recordEnd
                continue
            }
            if !current.isEmpty { runs.append(current) }
            current = [entry]
            start = recordStart
            end = recordEnd
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// One ranged GET for a run of records; each record verified on its own.
    private func fetch(_ run: [PackEntry], from pack: RemoteObjectSet.Pack) -> [ObjectID: Result<[UInt8], any Error>] {
        var results = [ObjectID: Result<[UInt8], any Error>]()
        guard let first = run.first, let last = run.last else { return results }
        let start = first.offset - UInt64(PackFormat.recordHeaderSize)
        let length = Int(last.offset + UInt64(last.storedLength) - start)   // at most coalescingLimit
        let bytes: [UInt8]
        do {
            requests.add(1, ordering: .relaxed)
            bytes = try remote.transport.getRange(pack.record.packKey, offset: start, length: length)
            received.add(UInt64(bytes.count), ordering: .relaxed)
        } catch {
            for entry in run { results[entry.id] = .failure(error) }
            return results
        }
        bytes.withUnsafeBytes { buffer in
            for entry in run {
                let header = Int(entry.offset - start) - PackFormat.recordHeaderSize
                let end = Int(entry.offset - start) + Int(entry.storedLength)
                guard header >= 0, end <= buffer.count, let base = buffer.baseAddress else {
                    results[entry.id] = .failure(RemoteError.corruptRemoteObject(entry.id, pack: pack.record.name, reason: "record lies outside the downloaded bytes"))
                    continue
                }
                let record = UnsafeRawBufferPointer(start: base + header, count: end - header)
                results[entry.id] = Result { try ReceivedRecords.verify(record, entry: entry, pack: pack.record.name) }
            }
        }
        return results
    }
}
