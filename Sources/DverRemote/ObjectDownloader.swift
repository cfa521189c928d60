import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// Downloads objects from a remote's packs into a local write session: whole packs when most of
/// a pack is wanted, otherwise ranged GETs of coalesced runs of records. Every record is checked
/// against the pack index (header fields) and its id (SHA-256 of the decoded bytes) before it
/// is stored; a mismatch names the object and the pack and stores nothing for it.
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
        var record: RemotePackRecord
        var entries: [PackEntry]
        /// nil: the whole pack.
        var range: (offset: UInt64, length: Int)?
    }

    /// Downloads, verifies and stores `ids`. With `keep`, returns each object's kind and bytes.
    /// - Throws: `RemoteError.missingRemoteObject`, `.corruptRemoteObject`, transport errors.
    @discardableResult
    func fetch(_ ids: [ObjectID], keep: Bool) throws -> [ObjectID: (ObjectKind, [UInt8])] {
        var byPack = [String: (record: RemotePackRecord, entries: [PackEntry])]()
        for id in ids {
            guard let (record, entry) = objects.locate(id) else { throw RemoteError.missingRemoteObject(id) }
            byPack[record.name, default: (record, [])].entries.append(entry)
        }
        let jobs = byPack.sorted(by: { $0.key < $1.key }).flatMap { Self.plan($0.value.record, $0.value.entries) }
        let kept = Locked([ObjectID: (ObjectKind, [UInt8])]())
        try ParallelWork.run(jobs.count, workers: remote.transfers) { position in
            let found = try run(jobs[position], keep: keep)
            if keep { kept.withLock { $0.merge(found) { first, _ in first } } }
        }
        return kept.withLock { $0 }
    }

    /// Whole pack when at least half of it is wanted; else runs of records whose gaps are
    /// under 256 KiB, each at most 16 MiB.
    private static func plan(_ record: RemotePackRecord, _ entries: [PackEntry]) -> [Job] {
        let sorted = entries.sorted { $0.offset < $1.offset }
        let wanted = sorted.reduce(UInt64(0)) { $0 + UInt64($1.storedLength) + UInt64(PackFormat.recordHeaderSize) }
        if wanted * 2 >= record.packSize { return [Job(record: record, entries: sorted, range: nil)] }
        var jobs = [Job]()
        var current = [PackEntry]()
        var start: UInt64 = 0
        var end: UInt64 = 0
        for entry in sorted {
            let recordStart = entry.offset - UInt64(PackFormat.recordHeaderSize)
            let recordEnd = entry.offset + UInt64(entry.storedLength)
            if !current.isEmpty, recordStart <= end + (256 << 10), recordEnd - start <= 16 << 20 {
                current.append(entry)
                end = max(end, recordEnd)
                continue
            }
            if !current.isEmpty { jobs.append(Job(record: record, entries: current, range: (start, Int(end - start)))) }
            current = [entry]
            start = recordStart
            end = recordEnd
        }
        if !current.isEmpty { jobs.append(Job(record: record, entries: current, range: (start, Int(end - start)))) }
        return jobs
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
        try remote.transport.download(job.record.packKey, to: path) { progress.advance(bytes: $0, items: 0) }
        let file = try MappedFile(path: path)
        guard UInt64(file.count) == job.record.packSize else {
            throw RemoteError.corruptRemote(url: remote.transport.displayURL,
                                            reason: "\(job.record.packKey) is \(file.count) bytes, expected \(job.record.packSize) (truncated?)")
        }
        // Every record wanted (a clone, or a fetch of new packs): verify them all, then take
        // the file over as a local pack instead of copying its records.
        let adopt = job.entries.count == job.record.objects
        let kept = try store(job, from: file.bytes, base: 0, keep: keep, writing: !adopt)
        if adopt {
            try adoptPack(path, record: job.record)
            adopted.add(objects: job.record.objects)
        }
        return kept
    }

    /// Moves a downloaded, fully verified pack into the local store: pack file (fsync, rename),
    /// then its index (the cached copy, checked against its name), then the directory fsync —
    /// the write order of FORMAT.md.
    private func adoptPack(_ path: String, record: RemotePackRecord) throws {
        let index = try FileSystem.readFile("\(remote.cacheDirectory)/packs/\(record.name).idx")
        try Remote.checkPackIndex(index, record: record, url: remote.transport.displayURL)
        let fd = try FileDescriptor.open(path, O_RDONLY)
        if durable { try fd.sync() }
        fd.close()
        try FileSystem.changeMode(path, 0o444)
        try FileSystem.rename(path, to: "\(layout.packsDirectory)/\(record.name).pack")
        try FileSystem.writeAtomically("\(layout.packsDirectory)/\(record.name).idx", index, durable: durable)
    }

    /// Checks and stores the records of `job` found in `bytes`, which start at pack offset `base`.
    private func store(_ job: Job, from bytes: UnsafeRawBufferPointer, base: UInt64,
                       keep: Bool, writing: Bool = true) throws -> [ObjectID: (ObjectKind, [UInt8])] {
        var kept = [ObjectID: (ObjectKind, [UInt8])]()
        for entry in job.entries {
            let header = Int(entry.offset - base) - PackFormat.recordHeaderSize
            let end = Int(entry.offset - base) + Int(entry.storedLength)
            guard header >= 0, end <= bytes.count, let pointer = bytes.baseAddress else {
                throw RemoteError.corruptRemoteObject(entry.id, pack: job.record.name, reason: "record lies outside the downloaded bytes")
            }
            let record = pointer + header
            guard ObjectID(bytes: record) == entry.id, record.load(fromByteOffset: 32, as: UInt8.self) == entry.kind.rawValue,
                  record.load(fromByteOffset: 33, as: UInt8.self) == entry.codec.rawValue,
                  UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 34, as: UInt32.self)) == entry.rawLength,
                  UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 38, as: UInt32.self)) == entry.storedLength else {
                throw RemoteError.corruptRemoteObject(entry.id, pack: job.record.name, reason: "record header does not match the pack index")
            }
            let stored = UnsafeRawBufferPointer(start: pointer + header + PackFormat.recordHeaderSize, count: Int(entry.storedLength))
            var raw = [UInt8](repeating: 0, count: Int(entry.rawLength))
            do {
                try raw.withUnsafeMutableBytes { try Decompressor.decode(entry.codec, stored, into: $0) }
            } catch let failure as DecompressionFailure {
                throw RemoteError.corruptRemoteObject(entry.id, pack: job.record.name, reason: "cannot decode \(entry.codec) data: \(failure.reason)")
            }
            let actual = SHA256.hash(raw)
            guard actual == entry.id else {
                throw RemoteError.corruptRemoteObject(entry.id, pack: job.record.name, reason: "content hashes to \(actual.hex)")
            }
            if !writing {
                // Adopted whole afterwards.
            } else if entry.codec == .raw {
                try raw.withUnsafeBytes { _ = try writer.put(entry.id, kind: entry.kind, bytes: $0, compress: false) }
            } else {
                try writer.copy(entry, stored: stored)
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
