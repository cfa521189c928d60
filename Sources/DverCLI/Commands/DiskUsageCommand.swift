import ArgumentParser
import DverRepository

struct DiskUsageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "du",
        abstract: "Logical bytes versus bytes stored: dedup and compression ratios.",
        discussion: """
        logical = the sum of every reachable commit's snapshot size (what full copies would take); unique = distinct chunk bytes; stored = pack and index files on disk.

        Examples:
          dver du
          dver du raw --json
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Repos to measure (default: all).")
    var repos: [String] = []

    func run() throws {
        let project = try global.project()
        let usage = try project.diskUsage(repos: repos)
        if global.json {
            struct RepoItem: Encodable { let name: String; let logical_bytes: UInt64; let head_bytes: UInt64; let commits: Int }
            struct StoreItem: Encodable {
                let packs: Int, objects: Int, stored_bytes: UInt64, unique_bytes: UInt64, unique_stored_bytes: UInt64
                let logical_bytes: UInt64, dedup_ratio: Double, compression_ratio: Double
            }
            struct Output: Encodable { let repos: [RepoItem]; let store: StoreItem }
            try global.console.emit(Output(
                repos: usage.repos.map { RepoItem(name: $0.name, logical_bytes: $0.historyBytes, head_bytes: $0.headBytes, commits: $0.commits) },
                store: StoreItem(packs: usage.packs, objects: usage.objects, stored_bytes: usage.storedBytes,
                                 unique_bytes: usage.uniqueBytes, unique_stored_bytes: usage.uniqueStoredBytes,
                                 logical_bytes: usage.logicalBytes, dedup_ratio: usage.dedupRatio,
                                 compression_ratio: usage.compressionRatio)))
            return
        }
        for repo in usage.repos {
            global.console.data("\(repo.name.padding(16))checked out \(Format.bytes(repo.headBytes).leftPadded(10)), "
                + "\(Format.count(repo.commits, "commit")) totalling \(Format.bytes(repo.historyBytes))")
        }
        global.console.data("logical  \(Format.bytes(usage.logicalBytes).leftPadded(10))  (all versions of all repos)")
        global.console.data("unique   \(Format.bytes(usage.uniqueBytes).leftPadded(10))  (distinct chunks)   dedup \(Format.ratio(usage.dedupRatio))")
        global.console.data("stored   \(Format.bytes(usage.storedBytes).leftPadded(10))  (\(Format.count(usage.packs, "pack")), \(Format.count(usage.objects, "object")))   compression \(Format.ratio(usage.compressionRatio))")
    }
}
