import DverCore
import DverStore
import DverSystem
import Foundation

/// Makes finished datums' results durable and cached while their job still runs, so a job that
/// is killed or interrupted keeps them and its rerun skips them.
///
/// Results queue up as datums finish; a background thread then checkpoints the job's object
/// writer (sealing the packs that hold their outputs: a cache entry never names an unsealed
/// object) and writes their cache entries. Each checkpoint seals packs, so checkpoints are at
/// least `interval(age:)` apart — 1 s, growing to a twentieth of the job's age — which keeps
/// a long job's extra packs few; a killed job loses at most that much finished work, an
/// interrupted one (Ctrl-C) nothing, since its interrupt action calls `flush` once more.
final class DatumCheckpoints: @unchecked Sendable {
    // `queued`, `finishedRecords`, `cachedIndices`, `stopped`, `lastCheckpoint` and `failure` are
    // guarded by `condition`; `flushing` serializes whole flushes (the thread's and an
    // interrupt's).
    private let condition = NSCondition()
    private let flushing = NSLock()
    private var queued = [(index: Int, result: DatumResult)]()
    private var finishedRecords = [Int: DatumRecord]()
    private var cachedIndices = Set<Int>()
    private var stopped = false
    private var lastCheckpoint: UInt64
    private var failure: String?
    private let done = DispatchSemaphore(value: 0)

    private let writer: ObjectWriter
    private let cache: DatumCache
    private let keys: [ObjectID]
    private let jobID: String
    private let started: UInt64

    init(writer: ObjectWriter, cache: DatumCache, datums: [Datum], jobID: String) {
        self.writer = writer
        self.cache = cache
        self.jobID = jobID
        keys = datums.map(\.key)
        started = DispatchTime.now().uptimeNanoseconds
        lastCheckpoint = started
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The shortest time between checkpoints of a job that has run for `age` seconds.
    static func interval(age: Double) -> Double { max(1, age / 20) }

    /// Called by the executor as each datum ends (from its worker threads).
    func finished(_ index: Int, _ run: DatumRunResult) {
        condition.lock()
        defer { condition.unlock() }
        finishedRecords[index] = run.record
        guard let files = run.files, !stopped else { return }
        queued.append((index, DatumResult(files: files, job: jobID, seconds: run.record.seconds)))
        condition.signal()
    }

    /// Checkpoints now and caches every queued result (nothing once stopped or failed).
    func flush() {
        flushing.lock()
        defer { flushing.unlock() }
        condition.lock()
        guard !stopped, failure == nil, !queued.isEmpty else {
            condition.unlock()
            return
        }
        let batch = queued
        queued.removeAll()
        condition.unlock()
        var stored = [Int]()
        var problem: String?
        do {
            try writer.checkpoint()
            for (index, result) in batch {
                try cache.store(result, for: keys[index])
                stored.append(index)
            }
        } catch {
            // The job's own end (`finish`, then the cache) is left to deal with it.
            problem = String(describing: error)
        }
        condition.lock()
        cachedIndices.formUnion(stored)
        lastCheckpoint = DispatchTime.now().uptimeNanoseconds
        if let problem { failure = problem }
        condition.unlock()
    }

    /// Stops checkpointing (waiting for a checkpoint under way) and returns the indices whose
    /// results are cached already. Results still queued are the caller's to cache after
    /// `ObjectWriter.finish`.
    @discardableResult
    func stop() -> Set<Int> {
        condition.lock()
        let first = !stopped
        stopped = true
        condition.signal()
        condition.unlock()
        if first { done.wait() }
        flushing.lock()
        defer { flushing.unlock() }
        return condition.withLock { cachedIndices }
    }

    /// The records of the datums that ended so far, and how many results are cached.
    func progress() -> (ended: [Int: DatumRecord], cached: Int) {
        condition.withLock { (finishedRecords, cachedIndices.count) }
    }

    private func run() {
        condition.lock()
        while !stopped {
            if queued.isEmpty || failure != nil {
                condition.wait()
                continue
            }
            let now = DispatchTime.now().uptimeNanoseconds
            let age = Double(now - started) / 1e9
            let due = lastCheckpoint + UInt64(Self.interval(age: age) * 1e9)
            if now < due {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(due - now) / 1e9))
                continue
            }
            condition.unlock()
            flush()
            condition.lock()
        }
        condition.unlock()
        done.signal()
    }
}
