import DverCore
import DverStore
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading and verifying records for `RemoteFsck`: by ranged reads of coalesced runs
/// (`RecordRuns`), each record checked as a fetch checks it (`ReceivedRecords.verify`); or,
/// with a sample of 1, whole packs downloaded and verified byte for byte.
extension RemoteFsck {
    /// Whether a record is in the sample: the first 8 bytes of its id (uniform, as ids are
    /// SHA-256 hashes), read as a fraction of 2^64, are below `sample`. The same records every
    /// run, spread evenly over packs and objects.
    static func isSampled(_ id: ObjectID, sample: Double) -> Bool {
        sample >= 1 || Double(id.w0) < sample * 18_446_744_073_709_551_616.0
    }

    /// Reads and verifies the records of `entries` (bounds-checked), several runs at once.
    /// Records that do not verify are reported; a transfer that fails stops the check.
    /// - Returns: with `keep`, the decoded bytes of the records that verified.
    func verifyRecords(_ entries: [(pack: RemoteObjectSet.Pack, entry: PackEntry)], keep: Bool,
                       _ problems: inout ProblemList, _ report: inout RemoteFsckReport) throws -> [ObjectID: [UInt8]] {
        var byPack = [String: (pack: RemoteObjectSet.Pack, entries: [PackEntry])]()
        for (pack, entry) in entries { byPack[pack.record.name, default: (pack, [])].entries.append(entry) }
        let runs = byPack.sorted { $0.key < $1.key }.flatMap { _, group in RecordRuns.plan(group.entries).map { (group.pack, $0) } }
        struct Outcome: Sendable {
            var kept: [ObjectID: [UInt8]] = [:]
            var problems: [String] = []
            var verified = 0
            var bytes: UInt64 = 0
        }
        let outcomes = Locked([Outcome](repeating: Outcome(), count: runs.count))
        let transport = remote.transport
        let progress = self.progress
        try ParallelWork.run(runs.count, workers: remote.transfers) { position in
            let (pack, run) = runs[position]
            let bytes = try transport.getRange(pack.record.packKey, offset: run.offset, length: run.length)
            var outcome = Outcome(bytes: UInt64(bytes.count))
            bytes.withUnsafeBytes { buffer in
                for entry in run.entries {
                    guard let record = RecordRuns.record(entry, in: buffer, base: run.offset) else {
                        outcome.problems.append("\(pack.record.packKey): object \(entry.id.hex): its record lies outside the bytes read")
                        continue
                    }
                    do {
                        let raw = try ReceivedRecords.verify(record, entry: entry, pack: pack.record.name)
                        if keep { outcome.kept[entry.id] = raw }
                        outcome.verified += 1
                    } catch {
                        outcome.problems.append(Self.damage(error) ?? "\(error)")
                    }
                }
            }
            progress.advance(bytes: UInt64(bytes.count), items: run.entries.count)
            outcomes.withLock { $0[position] = outcome }
        }
        var kept = [ObjectID: [UInt8]]()
        for outcome in outcomes.withLock({ $0 }) {
            problems.add(contentsOf: outcome.problems)
            report.recordsVerified += outcome.verified
            report.bytesVerified += outcome.bytes
            if keep { kept.merge(outcome.kept) { first, _ in first } }
        }
        return kept
    }

    /// Verifies the bodies of `packs`: a sample of each one's records by ranged reads, or
    /// (sample 1) every pack whole.
    func checkPackBodies(_ packs: [RemoteObjectSet.Pack], alreadyVerified: Set<VerifiedRecord>,
                         _ problems: inout ProblemList, _ report: inout RemoteFsckReport) throws {
        if sample >= 1 {
            try verifyWholePacks(packs, alreadyVerified: alreadyVerified, &problems, &report)
            return
        }
        var chosen = [(pack: RemoteObjectSet.Pack, entry: PackEntry)]()
        for pack in packs {
            let (sampled, invalid) = sampledEntries(pack, skipping: alreadyVerified)
            problems.add(contentsOf: invalid)
            chosen += sampled.map { (pack, $0) }
        }
        _ = try verifyRecords(chosen, keep: false, &problems, &report)
        try verifyHeadersAndTrailers(packs, &problems, &report)
    }

    /// The sampled entries of a pack not verified already (at least one a pack), and the
    /// index entries that are invalid.
    private func sampledEntries(_ pack: RemoteObjectSet.Pack, skipping done: Set<VerifiedRecord>) -> (entries: [PackEntry], invalid: [String]) {
        var sampled = [PackEntry]()
        var invalid = [String]()
        var first: PackEntry?
        var anyVerified = false
        for position in 0..<pack.index.count {
            guard let entry = pack.index.entry(at: position) else {
                invalid.append("\(pack.record.indexKey): \(pack.index.entryProblem(at: position) ?? "entry \(position) is invalid")")
                continue
            }
            if done.contains(VerifiedRecord(pack: pack.record.name, id: entry.id)) {
                anyVerified = true
            } else if Self.isSampled(entry.id, sample: sample) {
                sampled.append(entry)
            } else if first.map({ entry.id.w0 < $0.id.w0 }) ?? true {
                first = entry
            }
        }
        if sampled.isEmpty, !anyVerified, let first { sampled = [first] }
        return (sampled, invalid)
    }

    /// Reads each pack's header and trailer: magic, version, and the record count its index has.
    private func verifyHeadersAndTrailers(_ packs: [RemoteObjectSet.Pack], _ problems: inout ProblemList,
                                          _ report: inout RemoteFsckReport) throws {
        let found = Locked([[String]](repeating: [], count: packs.count))
        let transport = remote.transport
        try ParallelWork.run(packs.count, workers: remote.transfers) { position in
            let pack = packs[position]
            let header = try transport.getRange(pack.record.packKey, offset: 0, length: PackFormat.packHeaderSize)
            let trailer = try transport.getRange(pack.record.packKey, offset: pack.record.packSize - UInt64(PackFormat.packTrailerSize),
                                                 length: PackFormat.packTrailerSize)
            found.withLock { $0[position] = Self.frameProblems(header: header, trailer: trailer, pack: pack) }
        }
        for list in found.withLock({ $0 }) { problems.add(contentsOf: list) }
        report.bytesVerified += UInt64(packs.count * (PackFormat.packHeaderSize + PackFormat.packTrailerSize))
    }

    /// What is wrong with a pack's header and trailer bytes.
    static func frameProblems(header: some Collection<UInt8>, trailer: some Collection<UInt8>, pack: RemoteObjectSet.Pack) -> [String] {
        var found = [String]()
        let header = Array(header), trailer = Array(trailer)
        if header.count < 12 || !header.starts(with: PackFormat.packMagic)
            || header[8..<12].reduce(UInt32(0), { $0 << 8 | UInt32($1) }) != PackFormat.version {
            found.append("\(pack.record.packKey): bad pack header")
        }
        let count = trailer.count < 16 ? nil : trailer[8..<16].reduce(UInt64(0), { $0 << 8 | UInt64($1) })
        if !trailer.starts(with: PackFormat.packTrailerMagic) || count != UInt64(pack.index.count) {
            found.append("\(pack.record.packKey): bad pack trailer (it must end the pack and count its \(pack.index.count) records)")
        }
        return found
    }

    /// Downloads each pack whole (several at once) and verifies every byte: the structure and
    /// every record (`ReceivedRecords.verifyPack`), and, when that fails, each record on its own,
    /// so that every damaged one is named.
    private func verifyWholePacks(_ packs: [RemoteObjectSet.Pack], alreadyVerified: Set<VerifiedRecord>,
                                  _ problems: inout ProblemList, _ report: inout RemoteFsckReport) throws {
        let outcomes = Locked([(problems: [String], verified: Int)](repeating: ([], 0), count: packs.count))
        let transport = remote.transport
        let progress = self.progress
        let directory = temporaryDirectory
        try FileSystem.createDirectories(directory)
        try ParallelWork.run(packs.count, workers: remote.transfers) { position in
            let pack = packs[position]
            // Named like a fetch's download, which `dver gc` reclaims if this process dies.
            let path = "\(directory)/fetch-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).pack"
            defer { try? FileSystem.removeIfExists(path) }
            try transport.download(pack.record.packKey, to: path, limit: pack.record.packSize) { progress.advance(bytes: $0, items: 0) }
            let file = try MappedFile(path: path)
            let outcome = Self.verifyWholePack(file.bytes, pack: pack, url: transport.displayURL)
            progress.advance(bytes: 0, items: outcome.verified)
            outcomes.withLock { $0[position] = outcome }
        }
        let walked = Dictionary(grouping: alreadyVerified, by: \.pack).mapValues(\.count)
        for (pack, (found, verified)) in zip(packs, outcomes.withLock({ $0 })) {
            problems.add(contentsOf: found)
            report.recordsVerified += max(0, verified - walked[pack.record.name, default: 0])   // not counted twice
        }
        report.packsReadWhole += packs.count
        report.bytesVerified += packs.reduce(0) { $0 + $1.record.packSize }
    }

    private static func verifyWholePack(_ bytes: UnsafeRawBufferPointer, pack: RemoteObjectSet.Pack,
                                        url: String) -> (problems: [String], verified: Int) {
        guard UInt64(bytes.count) == pack.record.packSize else {
            return (["\(pack.record.packKey) is \(bytes.count) bytes; \(RemoteIndex.key) lists \(pack.record.packSize) (truncated)"], 0)
        }
        do {
            _ = try ReceivedRecords.verifyPack(bytes, index: pack.index, record: pack.record, url: url, keep: [])
            return ([], pack.index.count)
        } catch {
            var found = frameProblems(header: bytes.prefix(PackFormat.packHeaderSize), trailer: bytes.suffix(PackFormat.packTrailerSize), pack: pack)
            var verified = 0
            for position in 0..<pack.index.count {
                guard let entry = pack.index.entry(at: position),
                      let record = RecordRuns.record(entry, in: bytes, base: 0) else {
                    found.append("\(pack.record.indexKey): \(pack.index.entryProblem(at: position) ?? "entry \(position) lies outside the pack")")
                    continue
                }
                do {
                    _ = try ReceivedRecords.verify(record, entry: entry, pack: pack.record.name)
                    verified += 1
                } catch {
                    found.append(damage(error) ?? "\(error)")
                }
            }
            // Every record verifies, yet the pack does not: its structure is wrong (gaps, order).
            if found.isEmpty { found.append(damage(error) ?? "\(error)") }
            return (found, verified)
        }
    }
}
