import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// Downloads objects from a remote's packs into a local write session: whole packs when most of
/// a pack is wanted, otherwise ranged GETs of coalesced runs of records. Nothing is trusted:
/// every index entry is bounds-checked against its pack, every object is checked against its
/// entry, its expected kind, its id (SHA-256 of the decoded bytes) and its kind's encoding
/// before it is stored (`ReceivedRecords`); a pack taken over whole is verified byte for byte
/// first. A mismatch names the object and the pack and stores nothing for it.
struct ObjectDownloader: Sendable {
    let remote: Remote
    let objects: RemoteObjectSet
    let writer: ObjectWriter
    let progress: any ProgressSink
    /// Where whole packs are downloaded to (deleted after use, or adopted).
    let temporaryDirectory: String
    /// The local store's layout and durability, for adopting whole downloaded packs.
    let layout: StoreLayout
    let durable: Bool
    /// Packs taken over whole, and their objects.
    let adopted = AdoptedPacks()

    /// A piece of work: one whole pack, or one byte range of it.
    private struct Job: Sendable {
        var pack: RemoteObjectSet.Pack
        var entries: [PackEntry]
        /// nil: the whole pack.
        var range: (offset: UInt64, length: Int)?
        var record: RemotePackRecord { pack.record }
    }

    /// Downloads, verifies and stores `wanted` (ids with the kind whatever names them expects).
    /// With `keep`, returns each object's kind and bytes.
    /// - Throws: `RemoteError.missingRemoteObject`, `.corruptRemoteObject`, `.corruptRemote`,
    ///   transport errors.
    @discardableResult
    func fetch(_ wanted: consuming [(id: ObjectID, kind: ObjectKind)], keep: Bool) throws -> [ObjectID: (ObjectKind, [UInt8])] {
        // A clone wants millions of objects: each list below is let go as the next is built,
        // so no two of them are held whole at once.
        var byPack = [String: (pack: RemoteObjectSet.Pack, entries: [PackEntry])]()
        for (id, kind) in wanted {
            guard let (pack, entry) = objects.locate(id) else { throw RemoteError.missingRemoteObject(id) }
            guard entry.kind == kind else {
                throw RemoteError.corruptRemoteObject(id, pack: pack.record.name, reason: "it is a \(entry.kind) where a \(kind) is expected")
            }
            try ReceivedRecords.checkBounds(entry, in: pack.record)
            byPack[pack.record.name, default: (pack, [])].entries.append(entry)
        }
        wanted = []
        let jobs = Self.plan(consume byPack)
        let kept = Locked([ObjectID: (ObjectKind, [UInt8])]())
        try ParallelWork.run(jobs.count, workers: remote.transfers) { position in
            let found = try run(jobs[position], keep: keep)
            if keep { kept.withLock { $0.merge(found) { first, _ in first } } }
        }
        return kept.withLock { $0 }
    }

    /// Every pack's jobs, in pack name order; each pack's entries are let go once planned.
    private static func plan(_ byPack: consuming [String: (pack: RemoteObjectSet.Pack, entries: [PackEntry])]) -> [Job] {
        var jobs = [Job]()
        for name in byPack.keys.sorted() {
            guard let (pack, entries) = byPack.removeValue(forKey: name) else { continue }
            jobs += plan(pack, entries)
        }
        return jobs
    }

    /// Whole pack when at least half of it is wanted; else runs of records (`RecordRuns`).
    /// Entries are bounds-checked: no arithmetic overflows.
    private static func plan(_ pack: RemoteObjectSet.Pack, _ entries: consuming [PackEntry]) -> [Job] {
        let record = pack.record
        var sorted = entries
        sorted.sort { $0.offset < $1.offset }
        let wanted = sorted.reduce(UInt64(0)) { $0 + UInt64($1.storedLength) + UInt64(PackFormat.recordHeaderSize) }
        if wanted * 2 >= record.packSize { return [Job(pack: pack, entries: sorted, range: nil)] }
        return RecordRuns.plan(sorted).map { Job(pack: pack, entries: $0.entries, range: ($0.offset, $0.length)) }
    }

    private func run(_ job: Job, keep: Bool) throws -> [ObjectID: (ObjectKind, [UInt8])] {
        let progress = self.progress
        if let range = job.range {
            let bytes = try remote.transport.getRange(job.record.packKey, offset: range.offset, length: range.length)
            progress.advance(bytes: UInt64(bytes.count), items: 0)
            return try bytes.withUnsafeBytes { try store(job, from: $0, base: range.offset, keep: keep) }
        }
        let path = "\(temporaryDirectory)/fetch-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).pack"
        defer { try? FileSystem.removeIfExists(path) }
        try remote.transport.download(job.record.packKey, to: path, limit: job.record.packSize) { progress.advance(bytes: $0, items: 0) }
        let file = try MappedFile(path: path)
        guard UInt64(file.count) == job.record.packSize else {
            throw RemoteError.corruptRemote(url: remote.transport.displayURL,
                                            reason: "\(job.record.packKey) is \(file.count) bytes, expected \(job.record.packSize) (truncated?)")
        }
        guard job.entries.count == job.pack.index.count else {
            return try store(job, from: file.bytes, base: 0, keep: keep)
        }
        // Every record wanted (a clone, or a fetch of new packs): verify the whole pack, then
        // take the file over as a local pack instead of copying its records.
        let kept = try ReceivedRecords.verifyPack(file.bytes, index: job.pack.index, record: job.record,
                                                  url: remote.transport.displayURL, keep: keep ? Set(job.entries.map(\.id)) : [])
        try adoptPack(path, job.pack)
        adopted.add(objects: job.entries.count)
        progress.advance(bytes: 0, items: job.entries.count)
        guard keep else { return [:] }
        let kinds = Dictionary(job.entries.map { ($0.id, $0.kind) }, uniquingKeysWith: { first, _ in first })
        return Dictionary(uniqueKeysWithValues: kept.compactMap { id, raw in kinds[id].map { (id, ($0, raw)) } })
    }

    /// Moves a downloaded, fully verified pack into the local store: pack file (fsync, rename),
    /// then its index (the cached copy, checked against its name), then the directory fsync —
    /// the write order of FORMAT.md.
    private func adoptPack(_ path: String, _ pack: RemoteObjectSet.Pack) throws {
        let index = try FileSystem.readFile(pack.index.indexPath)
        try Remote.checkPackIndex(index, record: pack.record, url: remote.transport.displayURL)
        let fd = try FileDescriptor.open(path, O_RDONLY)
        if durable { try fd.sync() }
        fd.close()
        try FileSystem.changeMode(path, 0o444)
        try FileSystem.rename(path, to: "\(layout.packsDirectory)/\(pack.record.name).pack")
        try FileSystem.writeAtomically("\(layout.packsDirectory)/\(pack.record.name).idx", index, durable: durable)
    }

    /// Verifies and stores the records of `job` found in `bytes`, which start at pack offset
    /// `base` (entries are bounds-checked and lie at or after `base`: no overflow).
    private func store(_ job: Job, from bytes: UnsafeRawBufferPointer, base: UInt64,
                       keep: Bool) throws -> [ObjectID: (ObjectKind, [UInt8])] {
        var kept = [ObjectID: (ObjectKind, [UInt8])]()
        for entry in job.entries {
            let header = Int(entry.offset - base) - PackFormat.recordHeaderSize
            let end = Int(entry.offset - base) + Int(entry.storedLength)
            guard header >= 0, end <= bytes.count, let pointer = bytes.baseAddress else {
                throw RemoteError.corruptRemoteObject(entry.id, pack: job.record.name, reason: "record lies outside the downloaded bytes")
            }
            let record = UnsafeRawBufferPointer(start: pointer + header, count: end - header)
            let raw = try ReceivedRecords.verify(record, entry: entry, pack: job.record.name)
            if entry.codec == .raw {
                try raw.withUnsafeBytes { _ = try writer.put(entry.id, kind: entry.kind, bytes: $0, compress: false) }
            } else {
                try writer.copy(entry, stored: UnsafeRawBufferPointer(rebasing: record[PackFormat.recordHeaderSize...]))
            }
            progress.advance(bytes: 0, items: 1)
            if keep { kept[entry.id] = (entry.kind, raw) }
        }
        return kept
    }
}

/// Counts packs a download took over whole (thread-safe).
final class AdoptedPacks: Sendable {
    private let state = Locked((count: 0, objects: 0))
    func add(objects: Int) { state.withLock { $0.count += 1; $0.objects += objects } }
    var count: Int { state.withLock { $0.count } }
    var objects: Int { state.withLock { $0.objects } }
}
