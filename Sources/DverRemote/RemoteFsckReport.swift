import Foundation

/// What `RemoteFsck` found on a remote, and how much of it was checked.
public struct RemoteFsckReport: Sendable {
    /// Damage: a listed pack or index missing, of the wrong size or corrupt; a record that
    /// does not verify; an object a branch needs missing or of the wrong kind; a spec blob
    /// missing or not hashing to its name. At most `RemoteFsck.maximumErrors` are kept.
    public var errors: [String] = []
    /// Problems found beyond those kept in `errors`.
    public var errorsNotListed = 0
    /// Files under `packs/` and `pipelines/` that `index.json` does not reference: left by
    /// interrupted pushes (or written by one still running), reclaimable by a remote gc.
    public var unreferenced: [RemoteListing] = []

    /// The fraction of records verified by content (1: every record of every pack).
    public var sample: Double
    /// Packs listed in `index.json`, and the records they hold.
    public var packs = 0
    public var packRecords = 0
    /// Packs downloaded whole and verified byte for byte (with `sample` 1).
    public var packsReadWhole = 0
    /// Branches walked, the commits found on them, and every object reachable from them that
    /// was found present (in a listed pack's index, of the right kind).
    public var branches = 0
    public var commits = 0
    public var reachableObjects = 0
    /// Records read and verified (header, decoding, SHA-256 of the content = the id):
    /// every commit, tree and chunk list reachable, and the sample of every pack's records.
    public var recordsVerified = 0
    /// Bytes downloaded and checked: pack indexes, records, whole packs, spec blobs.
    public var bytesVerified: UInt64 = 0
    /// Spec blobs listed and verified.
    public var specs = 0
    /// Requests made.
    public var requests = 0

    public init(sample: Double) { self.sample = sample }

    /// No damage found (unreferenced files are not damage).
    public var isHealthy: Bool { errors.isEmpty && errorsNotListed == 0 }
}

/// Problems as a check finds them, in order, keeping the first `limit` (a hostile remote can
/// reference millions of missing objects; the count of the rest is kept).
struct ProblemList: Sendable {
    let limit: Int
    private(set) var kept: [String] = []
    private(set) var dropped = 0

    init(limit: Int) { self.limit = limit }

    mutating func add(_ problem: String) {
        if kept.count < limit { kept.append(problem) } else { dropped += 1 }
    }

    mutating func add(contentsOf other: [String]) { for problem in other { add(problem) } }
}
