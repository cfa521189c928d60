import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation

/// An opened remote: its settings, its transport, and a local cache of its pack indexes in
/// `.dver/remotes/NAME/packs/` (pack indexes never change once written: a pack's name is the
/// checksum of its index, so a cached copy is verified by its own name).
public final class Remote: Sendable {
    public let name: String
    public let transport: any RemoteTransport
    /// Requests run at once.
    public let transfers: Int
    let cacheDirectory: String

    public init(name: String, transport: any RemoteTransport, cacheDirectory: String, transfers: Int = 8) {
        self.name = name
        self.transport = transport
        self.cacheDirectory = cacheDirectory
        self.transfers = max(1, transfers)
    }

    /// Opens a configured remote: picks the transport from the URL, the credentials and region
    /// from the environment, profile or settings.
    /// - Throws: `RemoteError.invalidURL`, `.missingCredentials`, `.invalidCredentials`.
    public static func open(_ settings: RemoteSettings, layout: StoreLayout,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Remote {
        let location = try RemoteLocation(parsing: settings.url, workingDirectory: layout.root)
        let transfers = environment["DVER_TRANSFERS"].flatMap { Int($0) } ?? settings.transfers ?? 8
        let cache = "\(layout.storeDirectory)/remotes/\(settings.name)"
        switch location {
        case .directory(let path):
            return Remote(name: settings.name, transport: DirectoryTransport(root: path), cacheDirectory: cache, transfers: transfers)
        case .s3(let bucket, let prefix):
            guard let credentials = S3Credentials.resolve(profile: settings.profile, environment: environment) else {
                throw RemoteError.missingCredentials(remote: settings.name)
            }
            if let problem = credentials.headerProblem { throw RemoteError.invalidCredentials(remote: settings.name, reason: problem) }
            let region = S3Credentials.region(configured: settings.region, profile: settings.profile, environment: environment)
            let endpoint = try S3Endpoint(endpoint: settings.endpoint ?? environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"],
                                          region: region, pathStyle: settings.pathStyle)
            let transport = S3Transport(bucket: bucket, prefix: prefix, endpoint: endpoint, credentials: credentials)
            return Remote(name: settings.name, transport: transport, cacheDirectory: cache, transfers: transfers)
        }
    }

    // MARK: The index

    /// The remote's index and its version; an empty index and nil when the remote has none yet.
    /// - Throws: `RemoteError.newerRemoteFormat`, `.corruptRemote`, transport errors.
    public func readIndex() throws -> (index: RemoteIndex, version: String?) {
        guard let blob = try transport.get(RemoteIndex.key, limit: RemoteIndex.maximumSize) else { return (RemoteIndex(), nil) }
        return (try RemoteIndex.decode(blob.bytes, url: transport.displayURL), blob.version)
    }

    /// Applies `change` to the remote index with compare-and-swap, re-reading and re-applying it
    /// when another writer got there first. `change` may throw to give up (e.g. a branch moved).
    /// - Returns: the index as written and its version.
    @discardableResult
    public func updateIndex(from start: (index: RemoteIndex, version: String?),
                            _ change: (inout RemoteIndex) throws -> Void) throws -> (index: RemoteIndex, version: String?) {
        var current = start
        for attempt in 0..<50 {
            var next = current.index
            try change(&next)
            guard current.index.generation < RemoteIndex.maximumGeneration else {
                throw RemoteError.corruptRemote(url: transport.displayURL,
                                                reason: "\(RemoteIndex.key): generation \(current.index.generation) cannot be incremented")
            }
            next.generation = current.index.generation + 1   // < Int.max: checked above
            next.format = RemoteIndex.currentFormat
            if let version = try transport.putConditionally(RemoteIndex.key, bytes: try next.encoded(), expected: current.version) {
                if !version.isEmpty { return (next, version) }
                return try readIndex()
            }
            if attempt > 0 { usleep(useconds_t(min(attempt * 20_000, 500_000))) }
            current = try readIndex()
        }
        throw RemoteError.concurrentUpdate(url: transport.displayURL)
    }

    // MARK: Pack indexes

    /// The pack indexes of the listed packs, downloading (at most `transfers` at once) and
    /// verifying the ones not cached yet. A cached copy that does not open or verify (damaged
    /// on disk, truncated by a crash) is deleted and downloaded again, once.
    /// - Throws: `RemoteError.corruptRemote` for an index that does not match its name or its
    ///   record in `index.json`.
    public func packIndexes(_ records: [RemotePackRecord]) throws -> [PackIndex] {
        let directory = "\(cacheDirectory)/packs"
        try FileSystem.createDirectories(directory, durable: true)
        let found = Locked([PackIndex?](repeating: nil, count: records.count))
        try ParallelWork.run(records.count, workers: transfers) { [self] position in
            let index = try cachedPackIndex(records[position], directory: directory)
            found.withLock { $0[position] = index }
        }
        return try found.withLock { $0 }.enumerated().map { position, index in
            guard let index else { throw RemoteError.corruptRemote(url: transport.displayURL, reason: "no index for \(records[position].name)") }
            return index
        }
    }

    /// One pack index: the cached copy if it verifies, else downloaded, verified and cached
    /// durably (fsync, rename, directory fsync).
    private func cachedPackIndex(_ record: RemotePackRecord, directory: String) throws -> PackIndex {
        let path = "\(directory)/\(record.name).idx"
        let url = transport.displayURL
        if FileSystem.exists(path) {
            if let index = try? Self.openPackIndex(checking: try FileSystem.readFile(path), directory: directory, record: record, url: url) {
                return index
            }
            try FileSystem.removeIfExists(path)   // damaged: fetch it again
        }
        return try downloadPackIndex(record, directory: directory)
    }

    /// A listed pack's index as the remote holds it, whether or not a copy is cached:
    /// downloaded, verified against its name and its record, and cached (`RemoteFsck` checks
    /// the remote's copy, not the cache's).
    /// - Throws: `RemoteError.corruptRemote` for an index that is missing or does not verify.
    func downloadPackIndex(_ record: RemotePackRecord) throws -> PackIndex {
        let directory = "\(cacheDirectory)/packs"
        try FileSystem.createDirectories(directory, durable: true)
        return try downloadPackIndex(record, directory: directory)
    }

    private func downloadPackIndex(_ record: RemotePackRecord, directory: String) throws -> PackIndex {
        let path = "\(directory)/\(record.name).idx"
        let url = transport.displayURL
        guard let blob = try transport.get(record.indexKey, limit: Int(record.indexSize)) else {   // indexSize < 84 MiB
            throw RemoteError.corruptRemote(url: url, reason: "\(record.indexKey) is listed in \(RemoteIndex.key) but missing")
        }
        try Self.checkPackIndex(blob.bytes, record: record, url: url)
        try FileSystem.writeAtomically(path, blob.bytes, durable: true)
        do {
            return try Self.openPackIndex(directory: directory, record: record, url: url)
        } catch {
            try? FileSystem.removeIfExists(path)   // named right but unusable: keep no copy
            throw error
        }
    }

    /// Opens a cached index after checking that `bytes`, its content, match its name.
    private static func openPackIndex(checking bytes: [UInt8], directory: String, record: RemotePackRecord, url: String) throws -> PackIndex {
        try checkPackIndex(bytes, record: record, url: url)
        return try openPackIndex(directory: directory, record: record, url: url)
    }

    /// Opens a verified cached index and checks that it describes the pack `index.json` lists.
    private static func openPackIndex(directory: String, record: RemotePackRecord, url: String) throws -> PackIndex {
        let index: PackIndex
        do {
            index = try PackIndex(directory: directory, name: record.name)
        } catch let error as StoreError {
            throw RemoteError.corruptRemote(url: url, reason: "\(record.indexKey): \(error)")
        }
        guard index.count == record.objects, index.packSize == record.packSize else {
            throw RemoteError.corruptRemote(url: url, reason: "\(record.indexKey) describes \(index.count) objects in \(index.packSize) bytes; "
                                            + "\(RemoteIndex.key) lists objects \(record.objects), pack_size \(record.packSize)")
        }
        return index
    }

    /// A pack index is valid when it has the size `index.json` lists and its trailing checksum
    /// is the SHA-256 of the rest and names it.
    static func checkPackIndex(_ bytes: [UInt8], record: RemotePackRecord, url: String) throws {
        guard UInt64(bytes.count) == record.indexSize, bytes.count > PackFormat.indexTrailerSize else {
            throw RemoteError.corruptRemote(url: url, reason: "\(record.indexKey) is \(bytes.count) bytes, expected \(record.indexSize)")
        }
        let body = bytes.count - PackFormat.indexTrailerSize
        let checksum = bytes.withUnsafeBytes { SHA256.hash($0.baseAddress, count: body) }
        guard checksum == ObjectID(bytes: bytes[body...]), "pack-" + checksum.hex == record.name else {
            throw RemoteError.corruptRemote(url: url, reason: "\(record.indexKey) does not match its checksum (damaged or truncated)")
        }
    }
}
