import DverCore
import DverRemote
import Foundation

/// What `dver gc --remote` does with a cluster executor's records on the remote (`datums/`,
/// `jobs/`; PIPELINES.md, "Executors"): results younger than the grace period are roots — their
/// output commits stay, so later jobs can reuse them — and every record older than that is
/// deleted first, so the objects only it held become garbage in the same collection.
public struct ClusterRecordCollection: Sendable {
    public var roots: [RemoteRoot] = []
    /// Records deleted (or, in a dry run, that would be).
    public var deleted: [RemoteListing] = []
    /// Result records kept as roots.
    public var kept = 0

    /// The largest result record read (a worker's are a few KiB).
    static let recordLimit = 1 << 20

    /// - Throws: transport errors; a result record that does not decode is neither a root nor
    ///   deleted before its time (fsck names it).
    public static func run(remote: Remote, grace: TimeInterval, now: Date = Date(), dryRun: Bool) throws -> ClusterRecordCollection {
        var collection = ClusterRecordCollection()
        for file in try remote.transport.list(prefix: "datums/") {
            if now.timeIntervalSince(file.modified) >= grace {
                collection.deleted.append(file)
                continue
            }
            let name = file.key.dropFirst("datums/".count)
            guard name.hasSuffix(".json"), case let key = String(name.dropLast(5)), key.utf8.count == 64, HexCoding.isHex(key),
                  let blob = try? remote.transport.get(file.key, limit: recordLimit),
                  let outcome = try? DatumOutcome.decode(blob.bytes, key: file.key, expectedKey: key),
                  outcome.succeeded, let hex = outcome.commit, let commit = ObjectID(hex: hex) else { continue }
            collection.roots.append(RemoteRoot(reason: "datum result \(key.prefix(12)) (job \(outcome.job))", commit: commit))
            collection.kept += 1
        }
        for file in try remote.transport.list(prefix: "jobs/") where now.timeIntervalSince(file.modified) >= grace {
            collection.deleted.append(file)
        }
        if !dryRun {
            for file in collection.deleted { try remote.transport.delete(file.key) }
        }
        return collection
    }
}
