import DverCore
import DverSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One segment of the cache as a scan found it.
struct ScannedSegment: Sendable {
    var segment: CacheSegment
    /// Bytes it occupies on disk (`st_blocks` × 512).
    var allocated: UInt64
    /// When it was last appended to or read, in nanoseconds: its mtime, or a later read by
    /// this process (mtimes are set at most once a second).
    var lastUse: Int64
}

extension ObjectCache {
    /// Measures the cache and, when it is over the limit (or `force`: when opening), deletes the
    /// least recently used segments until it is at 90% of it. One eviction runs at a time in a
    /// process; stores during it are counted and checked again at its end.
    /// - Throws: `SystemError` when the cache directory cannot be read.
    func evictIfNeeded(force: Bool = false) throws {
        let started = state.withLock { state -> UInt64? in
            guard !state.evicting else { return nil }
            state.evicting = true
            return state.addedSinceScan
        }
        guard var addedBefore = started else { return }
        defer { state.withLock { $0.evicting = false } }
        for _ in 0..<3 {
            let segments = try rescan()
            var total = segments.reduce(0) { $0 + $1.allocated }
            var doomed = [CacheSegment]()
            if total > limit {
                let target = limit - limit / 10
                for scanned in segments.sorted(by: { $0.lastUse < $1.lastUse }) where total > target {
                    if unlink(scanned.segment.path) == 0 || errno == ENOENT {
                        total -= min(total, scanned.allocated)
                        doomed.append(scanned.segment)
                    }
                }
            }
            let again = state.withLock { state -> Bool in
                forget(doomed, in: &state)
                state.evictedSegments += doomed.count
                // Stores made while scanning stay counted (perhaps twice: the next scan corrects it).
                state.addedSinceScan -= min(state.addedSinceScan, addedBefore)
                state.total = total + state.addedSinceScan
                addedBefore = state.addedSinceScan
                return state.total > limit
            }
            if !again || force { return }
        }
    }

    /// Lists the segment files: opens the ones not known yet, indexes the records added to any
    /// since the last scan (by any process), and forgets segments deleted meanwhile.
    /// - Returns: every segment with its allocated size and last use.
    /// - Throws: `SystemError` when the directory cannot be read.
    @discardableResult
    func rescan() throws -> [ScannedSegment] {
        let known = state.withLock { $0.segments }
        var scanned = [ScannedSegment]()
        var opened = [CacheSegment]()
        var records = [(id: ObjectID, location: CacheLocation)]()
        for entry in try FileSystem.listRaw(segmentsDirectory) where entry.kind == .regular || entry.kind == .unknown {
            let name = String(decoding: entry.bytes, as: UTF8.self)
            guard name.hasSuffix(".seg") else { continue }
            let segment: CacheSegment
            if let existing = known[name] {
                segment = existing
            } else if let found = CacheSegment.open(name: name, directory: segmentsDirectory) {
                segment = found
                opened.append(found)
            } else {
                continue
            }
            records += segment.newRecords()
            var status = stat()
            guard fstat(segment.descriptor, &status) == 0 else { continue }
            let modified = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
            scanned.append(ScannedSegment(segment: segment, allocated: UInt64(max(0, status.st_blocks)) * 512,
                                          lastUse: max(modified, segment.lastUse)))
        }
        let present = Set(scanned.map(\.segment.name))
        state.withLock { state in
            for segment in opened { state.segments[segment.name] = segment }
            forget(state.segments.values.filter { !present.contains($0.name) }, in: &state)
            for (id, location) in records where state.index[id] == nil { state.index[id] = location }
        }
        return scanned
    }

    /// Drops deleted segments and the index entries in them.
    private func forget(_ segments: [CacheSegment], in state: inout State) {
        guard !segments.isEmpty else { return }
        let names = Set(segments.map(\.name))
        for name in names { state.segments[name] = nil }
        if let active = state.active, names.contains(active.name) { state.active = nil }
        state.index = state.index.filter { !names.contains($0.value.segment.name) }
    }
}
