import Synchronization

/// An object read from a remote, with the version token a conditional write compares against
/// (the S3 ETag; for a directory, the SHA-256 of the content).
public struct RemoteBlob: Sendable {
    public var bytes: [UInt8]
    public var version: String
}

/// Called with the number of bytes moved since the previous call; may run on any thread.
public typealias TransferProgress = @Sendable (UInt64) -> Void

/// The operations every remote storage offers: whole-object reads and writes, ranged reads, and
/// one conditional write for the remote index. Keys are `/`-separated paths below the remote's
/// root (`index.json`, `packs/pack-NAME.pack`). Implementations are thread-safe: transfers run
/// several requests at once.
public protocol RemoteTransport: Sendable {
    /// The remote's URL, for messages (never contains credentials).
    var displayURL: String { get }
    /// Requests made so far (for tests and the bench's "no-op push" figure).
    var requestCount: Int { get }

    /// Checks that the remote's location exists and answers (creating a directory remote's
    /// directory when `creating`).
    /// - Throws: `RemoteError.remoteNotFound`, `.bucketNotFound`, `.accessDenied`, `.unreachable`.
    func prepare(creating: Bool) throws

    /// The object, or nil when it does not exist. Reads at most `limit` bytes: a remote is
    /// not trusted to send what it should, so no read is unbounded.
    /// - Throws: `RemoteError.corruptRemote` when the object is larger than `limit`.
    func get(_ key: String, limit: Int) throws -> RemoteBlob?

    /// `length` bytes at `offset`.
    /// - Throws: `RemoteError.transferFailed` when fewer bytes come back.
    func getRange(_ key: String, offset: UInt64, length: Int) throws -> [UInt8]

    /// Streams an object into a local file (created or truncated), at most `limit` bytes.
    /// - Throws: `RemoteError.corruptRemote` when the object is larger than `limit`.
    func download(_ key: String, to path: String, limit: UInt64, progress: @escaping TransferProgress) throws

    /// Stores an object whole (S3: multipart for large files), replacing any previous content.
    func upload(_ key: String, fromFile path: String, progress: @escaping TransferProgress) throws

    /// Stores a local file whole, as `upload(_:fromFile:progress:)` does, taking the file: it may
    /// be gone afterwards (a directory remote on the same file system renames it into place).
    func upload(_ key: String, movingFile path: String, progress: @escaping TransferProgress) throws

    /// Stores small bytes.
    func put(_ key: String, bytes: [UInt8]) throws

    /// Stores `bytes` only if the object's current version is `expected` (nil: only if it does
    /// not exist). Returns the new version, or nil (writing nothing) when another writer got
    /// there first.
    func putConditionally(_ key: String, bytes: [UInt8], expected: String?) throws -> String?

    /// The object's size, or nil when it does not exist.
    func size(of key: String) throws -> UInt64?

    /// Every object whose key starts with `prefix` (`""`: the whole remote; `packs/`: the
    /// packs and their indexes), sorted by key. S3: ListObjectsV2, page by page; a directory:
    /// a walk that never follows symlinks and lists regular files only (including the
    /// temporary files of interrupted writes, `KEY.tmp-PID-N`, so they can be found and
    /// deleted; not the root's `.lock`). Nothing listed is trusted: keys must be plain
    /// relative paths under `prefix`, sizes integers, pages bounded, and a listing stops with
    /// an error past `RemoteListing.maximumCount` objects.
    /// - Throws: `RemoteError.invalidKey` for a prefix that is not a relative path;
    ///   `.corruptRemote` naming what is wrong with the listing; transport errors.
    func list(prefix: String) throws -> [RemoteListing]

    /// Deletes an object. Deleting a key that does not exist is not an error (so a delete can
    /// be repeated). A directory remote fsyncs the directory afterwards.
    /// - Throws: `RemoteError.invalidKey` for a key that is not a plain relative path;
    ///   transport errors.
    func delete(_ key: String) throws
}

extension RemoteTransport {
    /// Copies the file (it is left where it is).
    public func upload(_ key: String, movingFile path: String, progress: @escaping TransferProgress) throws {
        try upload(key, fromFile: path, progress: progress)
    }
}

/// A thread-safe request counter shared by the transports.
final class RequestCounter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}

extension RemoteError {
    /// A remote object larger than what the remote index says it is.
    static func oversized(_ key: String, url: String, limit: UInt64) -> RemoteError {
        .corruptRemote(url: url, reason: "\(key) is larger than the \(limit) bytes expected; reading stopped there")
    }
}
