import DverCore
import DverStore
import DverSystem

/// Logical size versus bytes stored.
public struct DiskUsage: Sendable {
    public struct Repo: Sendable {
        public var name: String
        /// Size of the checked-out commit's files.
        public var headBytes: UInt64
        /// Sum of the snapshot sizes of every reachable commit: what storing each version in
        /// full would cost.
        public var historyBytes: UInt64
        public var commits: Int
    }

    public var repos: [Repo] = []
    public var packs = 0
    public var objects = 0
    /// Bytes of pack and index files on disk.
    public var storedBytes: UInt64 = 0
    /// Uncompressed bytes of distinct chunks.
    public var uniqueBytes: UInt64 = 0
    /// Stored (compressed) bytes of those chunks.
    public var uniqueStoredBytes: UInt64 = 0

    public var logicalBytes: UInt64 { repos.reduce(0) { $0 + $1.historyBytes } }
    public var dedupRatio: Double { uniqueBytes == 0 ? 1 : Double(logicalBytes) / Double(uniqueBytes) }
    public var compressionRatio: Double { uniqueStoredBytes == 0 ? 1 : Double(uniqueBytes) / Double(uniqueStoredBytes) }
}

extension Project {
    /// Measures the store and, for the named repos (all when empty), their logical sizes.
    public func diskUsage(repos names: [String] = []) throws -> DiskUsage {
        var usage = DiskUsage()
        for index in store.packIndexes {
            usage.packs += 1
            usage.objects += index.count
            usage.storedBytes += UInt64(try FileSystem.linkStatus(index.packPath).size)
            usage.storedBytes += UInt64(try FileSystem.linkStatus(index.indexPath).size)
            for position in 0..<index.count {
                guard let entry = index.entry(at: position), entry.kind == .chunk else { continue }
                usage.uniqueBytes += UInt64(entry.rawLength)
                usage.uniqueStoredBytes += UInt64(entry.storedLength)
            }
        }
        let records = try names.isEmpty ? repos() : names.map { try repo(named: $0) }
        let reader = TreeReader(store: store)
        for record in records {
            var repoUsage = DiskUsage.Repo(name: record.name, headBytes: 0, historyBytes: 0, commits: 0)
            let head = try headCommit(of: record)
            for id in try reachableCommits(of: record) {
                let tree = try store.decodeCommit(id).tree
                // Sizes come from stored trees: add without trapping, whatever they claim.
                let size = try reader.entries(tree).reduce(UInt64(0)) { $0.addingSaturating($1.size) }
                repoUsage.historyBytes = repoUsage.historyBytes.addingSaturating(size)
                repoUsage.commits += 1
                if id == head { repoUsage.headBytes = size }
            }
            usage.repos.append(repoUsage)
        }
        return usage
    }
}
