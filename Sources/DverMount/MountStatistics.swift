import Foundation
import Synchronization

/// What a mount has served, for its log line at unmount and the `user.dver.stats` attribute of
/// its root (`getfattr -n user.dver.stats MOUNTPOINT`).
final class MountStatistics: Sendable {
    private let reads = Atomic<Int>(0)
    private let bytes = Atomic<UInt64>(0)
    private let failures = Atomic<Int>(0)
    private let readAheads = Atomic<Int>(0)

    func recordRead(bytes count: Int) {
        reads.add(1, ordering: .relaxed)
        bytes.add(UInt64(count), ordering: .relaxed)
    }

    func recordFailure() { failures.add(1, ordering: .relaxed) }
    func recordReadAhead() { readAheads.add(1, ordering: .relaxed) }

    /// The figures, with the remote source's when the mount has one.
    func snapshot(remote: RemoteBackedSource?) -> Report {
        Report(reads: reads.load(ordering: .relaxed), bytes_read: bytes.load(ordering: .relaxed),
               failed_reads: failures.load(ordering: .relaxed), read_aheads: readAheads.load(ordering: .relaxed),
               bytes_downloaded: remote?.fetcher.bytesReceived ?? 0, requests: remote?.fetcher.requestCount ?? 0,
               cache_hits: remote?.cacheHits ?? 0, cache_bytes: remote?.cache.approximateSize ?? 0,
               cache_evicted: remote?.cache.evictedSegments ?? 0)
    }

    /// The figures as JSON (snake_case keys, as dver's --json output).
    struct Report: Encodable, Sendable {
        var reads: Int
        var bytes_read: UInt64
        var failed_reads: Int
        var read_aheads: Int
        var bytes_downloaded: UInt64
        var requests: Int
        var cache_hits: Int
        var cache_bytes: UInt64
        var cache_evicted: Int

        var json: [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return (try? Array(encoder.encode(self))) ?? Array("{}".utf8)
        }

        var summary: String {
            var text = "\(reads) reads, \(bytes_read) bytes served, \(failed_reads) failed"
            if requests > 0 || cache_hits > 0 {
                text += "; \(bytes_downloaded) bytes downloaded in \(requests) requests, \(cache_hits) cache hits, cache \(cache_bytes) bytes"
            }
            return text
        }
    }
}
