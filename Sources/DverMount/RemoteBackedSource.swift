import DverCore
import DverRemote
import DverStore
import DverSystem
import Dispatch
import Synchronization

/// Objects for a remote-backed mount: from the local store when it has them, else from the
/// on-disk cache (verified on every read), else by one ranged GET from the remote (verified),
/// which is then cached. Two threads wanting the same missing object share one download. A
/// read can `prefetch` the chunks of its range first: neighbouring records then come in one
/// request, and are kept in memory for that read.
public final class RemoteBackedSource: ObjectReading {
    public let local: ObjectStore?
    public let cache: ObjectCache
    public let fetcher: RemoteObjectFetcher
    private let log: MountLog
    private let inFlight = Locked([ObjectID: PendingFetch]())
    /// Objects a prefetch brought, verified, until the read that asked takes them.
    private let prefetched = LeastRecentlyUsed<ObjectID, [UInt8]>(budget: 64 << 20)
    private let hits = Atomic<Int>(0)
    private let misses = Atomic<Int>(0)
    private let cacheWriteFailed = Atomic<Bool>(false)

    public init(local: ObjectStore?, cache: ObjectCache, fetcher: RemoteObjectFetcher, log: MountLog) {
        self.local = local
        self.cache = cache
        self.fetcher = fetcher
        self.log = log
    }

    /// Reads served by the on-disk cache, and objects downloaded.
    public var cacheHits: Int { hits.load(ordering: .relaxed) }
    public var downloads: Int { misses.load(ordering: .relaxed) }

    public func read(_ id: ObjectID, as kind: ObjectKind) throws -> [UInt8] {
        if let local, local.contains(id) { return try local.read(id, as: kind) }
        if kind == .chunk, let bytes = prefetched.removeValue(for: id) { return bytes }
        if let bytes = cache.read(id, as: kind) {
            hits.add(1, ordering: .relaxed)
            return bytes
        }
        return try download(id, as: kind)
    }

    public func withChunk<T>(_ id: ObjectID, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        if let local, local.contains(id) { return try local.withChunk(id, verify: true, body) }
        return try read(id, as: .chunk).withUnsafeBytes(body)
    }

    /// Whether `id` can be read without a download (the local store or the cache has it).
    public func isAvailable(_ id: ObjectID) -> Bool {
        if let local, local.contains(id) { return true }
        return cache.contains(id)
    }

    /// Downloads the chunks among `ids` that are neither in the local store, nor cached, nor
    /// being downloaded, in as few requests as neighbouring records allow; caches them and
    /// keeps them in memory for the read that asked. A failure is left for that read to meet,
    /// object by object.
    public func prefetch(_ ids: [ObjectID]) {
        let missing = ids.filter { !isAvailable($0) }
        guard !missing.isEmpty else { return }
        let owned = inFlight.withLock { table -> [(id: ObjectID, pending: PendingFetch)] in
            missing.compactMap { id in
                guard table[id] == nil else { return nil }
                let pending = PendingFetch()
                table[id] = pending
                return (id, pending)
            }
        }
        guard !owned.isEmpty else { return }
        let results = fetcher.fetch(owned.map { ($0.id, ObjectKind.chunk) })
        for (id, pending) in owned {
            let result = results[id] ?? .failure(RemoteError.missingRemoteObject(id))
            if case .success(let bytes) = result {
                misses.add(1, ordering: .relaxed)
                keep(id, kind: .chunk, bytes: bytes)
                prefetched.insert(bytes, for: id, cost: bytes.count + 64)
            }
            inFlight.withLock { $0[id] = nil }
            pending.finish(result, kind: .chunk)
        }
    }

    /// Writes a downloaded object to the cache; a failure (disk full) is logged once.
    private func keep(_ id: ObjectID, kind: ObjectKind, bytes: [UInt8]) {
        do {
            try cache.store(id, kind: kind, bytes: bytes)
        } catch {
            if !cacheWriteFailed.exchange(true, ordering: .relaxed) {
                log.line("cannot write to the object cache \(cache.directory): \(error) (reads go on from the remote)")
            }
        }
    }

    /// Downloads `id`, or waits for the download another thread has started.
    private func download(_ id: ObjectID, as kind: ObjectKind) throws -> [UInt8] {
        let (pending, isOwner) = inFlight.withLock { table -> (PendingFetch, Bool) in
            if let existing = table[id] { return (existing, false) }
            let created = PendingFetch()
            table[id] = created
            return (created, true)
        }
        guard isOwner else { return try pending.wait(as: kind, id: id) }
        let result = Result { () throws -> [UInt8] in
            let bytes = try fetcher.fetch(id, as: kind)
            misses.add(1, ordering: .relaxed)
            keep(id, kind: kind, bytes: bytes)
            return bytes
        }
        inFlight.withLock { $0[id] = nil }
        pending.finish(result, kind: kind)
        return try result.get()
    }
}

/// One download in progress, which other readers of the same object wait for.
final class PendingFetch: Sendable {
    /// Entered at creation, left once the outcome is set.
    private let done = DispatchGroup()
    private let outcome = Locked<(result: Result<[UInt8], any Error>, kind: ObjectKind)?>(nil)

    init() { done.enter() }

    func finish(_ result: Result<[UInt8], any Error>, kind: ObjectKind) {
        outcome.withLock { $0 = (result, kind) }
        done.leave()
    }

    /// The downloaded bytes; the object must have been wanted as the same kind.
    func wait(as kind: ObjectKind, id: ObjectID) throws -> [UInt8] {
        done.wait()
        guard let finished = outcome.withLock({ $0 }) else { throw StoreError.objectNotFound(id) }
        guard finished.kind == kind else { throw StoreError.unexpectedKind(id, expected: kind, actual: finished.kind) }
        return try finished.result.get()
    }
}
