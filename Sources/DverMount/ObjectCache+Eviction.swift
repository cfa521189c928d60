import DverSystem
import Foundation

/// One file of the cache as a scan found it.
struct CachedFile: Sendable {
    var path: String
    /// Bytes it occupies on disk (`st_blocks` × 512).
    var allocated: UInt64
    /// Its mtime in nanoseconds: when it was last written or read.
    var lastUse: Int64
}

extension ObjectCache {
    /// Measures the cache (every file's allocated size and mtime) and, when it is over the limit,
    /// deletes the least recently used files until it is at 90% of it. One eviction runs at a
    /// time in a process; stores during it are counted and checked again at its end.
    /// - Throws: `SystemError` when the cache directory cannot be read.
    func evictIfNeeded() throws {
        let started = state.withLock { state -> UInt64? in
            guard !state.evicting else { return nil }
            state.evicting = true
            return state.addedSinceScan
        }
        guard var addedBefore = started else { return }
        defer { state.withLock { $0.evicting = false } }
        for _ in 0..<3 {
            let files = try scan()
            var total = files.reduce(0) { $0 + $1.allocated }
            var evicted = 0
            if total > limit {
                let target = limit - limit / 10
                for file in files.sorted(by: { $0.lastUse < $1.lastUse }) where total > target {
                    if unlink(file.path) == 0 || errno == ENOENT {
                        total -= min(total, file.allocated)
                        evicted += 1
                    }
                }
            }
            let again = state.withLock { state -> Bool in
                // Stores made while scanning stay counted (perhaps twice: the next scan corrects it).
                state.addedSinceScan -= min(state.addedSinceScan, addedBefore)
                state.total = total + state.addedSinceScan
                state.evictedFiles += evicted
                if evicted > 0 { state.evictions += 1 }
                addedBefore = state.addedSinceScan
                return state.total > limit
            }
            if !again { return }
        }
    }

    /// Every object file under `objects/`, deleting temporary files a crashed writer left.
    func scan() throws -> [CachedFile] {
        var files = [CachedFile]()
        let now = Self.nowNanoseconds()
        for bucket in try FileSystem.listRaw(objectsDirectory) where bucket.kind == .directory {
            let bucketPath = "\(objectsDirectory)/\(String(decoding: bucket.bytes, as: UTF8.self))"
            guard let names = try? FileSystem.listRaw(bucketPath) else { continue }
            for name in names {
                let text = String(decoding: name.bytes, as: UTF8.self)
                let path = "\(bucketPath)/\(text)"
                var raw = stat()
                guard lstat(path, &raw) == 0, raw.st_mode & S_IFMT == S_IFREG else { continue }
                let modified = Int64(raw.st_mtim.tv_sec) * 1_000_000_000 + Int64(raw.st_mtim.tv_nsec)
                if text.hasPrefix(".tmp-") {
                    if now - modified > Self.abandonedTemporaryAge { _ = unlink(path) }
                    continue
                }
                files.append(CachedFile(path: path, allocated: UInt64(max(0, raw.st_blocks)) * 512, lastUse: modified))
            }
        }
        return files
    }

    static func nowNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
