import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// Checks a remote without downloading all of it (`dver fsck --remote`):
///
/// 1. `index.json` reads and validates (as every read of it does);
/// 2. one listing of `packs/`: every listed pack and its index exist with the sizes
///    `index.json` lists; files it does not reference are reported (not damage: garbage of
///    interrupted pushes, which a remote gc reclaims);
/// 3. every listed pack index is downloaded (the remote's copy, not the cache's) and verified
///    against its name and record;
/// 4. from every branch head, commits, trees and chunk lists are downloaded by ranged reads and
///    verified as a fetch verifies them (`ReceivedRecords`), and every object reachable must be
///    in a listed, intact pack with the kind that names it; chunks are looked up by id only;
/// 5. pack bodies: a deterministic sample of each pack's records (`sample` of them, chosen by
///    id, at least one a pack) is read by ranged reads and verified, with the pack's header and
///    trailer; with `sample` 1 every pack is downloaded whole and verified byte for byte;
/// 6. every spec blob `index.json` names exists and hashes to its name.
///
/// Damage is collected, not thrown: the report names each pack, object, branch and path.
/// Only what stops the check is thrown: an `index.json` that does not validate, a listing the
/// transport refuses, or a transfer that fails (a network error is not damage).
public struct RemoteFsck: Sendable {
    public let remote: Remote
    /// The fraction of records verified by content, in (0, 1].
    public let sample: Double
    /// Where whole packs are downloaded to (with `sample` 1), deleted after use.
    public let temporaryDirectory: String
    public let progress: any ProgressSink

    /// The sample when none is given: 2 % of the records, at least one a pack.
    public static let defaultSample = 0.02
    /// Errors kept in a report; the rest are counted.
    public static let maximumErrors = 500

    /// - Precondition: `0 < sample <= 1` (the CLI checks what the user gives).
    public init(remote: Remote, sample: Double = RemoteFsck.defaultSample, temporaryDirectory: String,
                progress: any ProgressSink = SilentProgress()) {
        precondition(sample > 0 && sample <= 1, "a sample is a fraction in (0, 1]")
        self.remote = remote
        self.sample = sample
        self.temporaryDirectory = temporaryDirectory
        self.progress = progress
    }

    /// Runs every check.
    /// - Throws: `RemoteError.emptyRemote` when nothing was pushed to the remote;
    ///   `.newerRemoteFormat`, `.corruptRemote` for an `index.json` (or a listing) that cannot
    ///   be used at all; transport errors.
    public func run() throws -> RemoteFsckReport {
        let start = remote.transport.requestCount
        let (index, version) = try remote.readIndex()
        if version == nil {
            try remote.transport.prepare(creating: false)
            throw RemoteError.emptyRemote(url: remote.transport.displayURL)
        }
        var report = RemoteFsckReport(sample: sample)
        var problems = ProblemList(limit: Self.maximumErrors)
        report.packs = index.packs.count
        report.packRecords = index.packs.reduce(0) { $0 + $1.objects }

        let packFiles = try remote.transport.list(prefix: "packs/")
        let (indexPresent, bodyPresent) = checkPackFiles(index.packs, files: packFiles, &problems)
        let indexed = try loadPackIndexes(index.packs.filter { indexPresent.contains($0.name) }, &problems, &report)
        let intact = indexed.filter { bodyPresent.contains($0.record.name) }
        let objects = RemoteObjectSet(records: intact.map(\.record), indexes: intact.map(\.index))

        progress.start("checking \(remote.name)", totalBytes: nil, totalItems: nil)
        defer { progress.finish() }
        let walked = try checkBranches(index, objects: objects, &problems, &report)
        try checkPackBodies(intact, alreadyVerified: walked, &problems, &report)

        let specFiles = try remote.transport.list(prefix: "pipelines/")
        try checkSpecs(index.pipelines, files: specFiles, &problems, &report)
        report.unreferenced = Self.unreferenced(index, files: packFiles + specFiles)
        report.errors = problems.kept
        report.errorsNotListed = problems.dropped
        report.requests = remote.transport.requestCount - start
        return report
    }

    // MARK: Files

    /// Checks that each listed pack's `.idx` and `.pack` are there with the listed sizes.
    /// - Returns: the names of the packs whose index, and whose body, are.
    private func checkPackFiles(_ packs: [RemotePackRecord], files: [RemoteListing],
                                _ problems: inout ProblemList) -> (indexes: Set<String>, bodies: Set<String>) {
        let sizes = Dictionary(files.map { ($0.key, $0.size) }, uniquingKeysWith: { first, _ in first })
        var indexes = Set<String>()
        var bodies = Set<String>()
        for pack in packs {
            if Self.checkSize(pack.indexKey, expected: pack.indexSize, found: sizes[pack.indexKey], &problems) { indexes.insert(pack.name) }
            if Self.checkSize(pack.packKey, expected: pack.packSize, found: sizes[pack.packKey], &problems) { bodies.insert(pack.name) }
        }
        return (indexes, bodies)
    }

    private static func checkSize(_ key: String, expected: UInt64, found: UInt64?, _ problems: inout ProblemList) -> Bool {
        guard let found else {
            problems.add("\(key) is listed in \(RemoteIndex.key) but missing")
            return false
        }
        guard found == expected else {
            problems.add("\(key) is \(found) bytes; \(RemoteIndex.key) lists \(expected) (\(found < expected ? "truncated" : "damaged"))")
            return false
        }
        return true
    }

    /// Downloads and verifies the indexes of `packs` (several at once).
    private func loadPackIndexes(_ packs: [RemotePackRecord], _ problems: inout ProblemList,
                                 _ report: inout RemoteFsckReport) throws -> [RemoteObjectSet.Pack] {
        let results = Locked([Result<PackIndex, RemoteError>?](repeating: nil, count: packs.count))
        try ParallelWork.run(packs.count, workers: remote.transfers) { [remote] position in
            let result: Result<PackIndex, RemoteError>
            do {
                result = .success(try remote.downloadPackIndex(packs[position]))
            } catch let error as RemoteError where Self.damage(error) != nil {
                result = .failure(error)
            }
            results.withLock { $0[position] = result }
        }
        var loaded = [RemoteObjectSet.Pack]()
        for (pack, result) in zip(packs, results.withLock { $0 }) {
            switch result {
            case .success(let index)?:
                loaded.append(RemoteObjectSet.Pack(record: pack, index: index))
                report.bytesVerified += pack.indexSize
            case .failure(let error)?:
                problems.add(Self.damage(error) ?? "\(error)")
            case nil:
                continue
            }
        }
        return loaded
    }

    /// Every spec blob `index.json` names must be listed, and hash to its name.
    private func checkSpecs(_ pipelines: [String: String], files: [RemoteListing], _ problems: inout ProblemList,
                            _ report: inout RemoteFsckReport) throws {
        let present = Set(files.map(\.key))
        for (name, hex) in pipelines.sorted(by: { $0.key < $1.key }) {
            let key = RemoteIndex.specKey(hex)
            guard present.contains(key) else {
                problems.add("\(key) (pipeline \(name.quotedIfNeeded)) is listed in \(RemoteIndex.key) but missing")
                continue
            }
            do {
                let spec = try remote.downloadSpec(name: name, hex: hex)
                report.specs += 1
                report.bytesVerified += UInt64(spec.bytes.count)
            } catch let error as RemoteError where Self.damage(error) != nil {
                problems.add(Self.damage(error) ?? "\(error)")
            }
        }
    }

    /// Files under `packs/` and `pipelines/` that `index.json` does not reference.
    private static func unreferenced(_ index: RemoteIndex, files: [RemoteListing]) -> [RemoteListing] {
        var referenced = Set(index.packs.flatMap { [$0.packKey, $0.indexKey] })
        referenced.formUnion(index.pipelines.values.map(RemoteIndex.specKey))
        return files.filter { !referenced.contains($0.key) }
    }

    // MARK: Damage

    /// A damage error as a line of the report (without the advice other commands give), or nil
    /// for an error that is not damage (a transfer failing), which stops the check.
    static func damage(_ error: any Error) -> String? {
        switch error as? RemoteError {
        case .corruptRemote(_, let reason)?: return reason
        case .corruptRemoteObject(let id, let pack, let reason)?: return "packs/\(pack).pack: object \(id.hex) is corrupt (\(reason))"
        default: return nil
        }
    }
}
