import ArgumentParser
import DverRemote
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
          dver du --remote origin    # a remote: what its branches hold, what it stores, what gc would reclaim
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Repos to measure (default: all).")
    var repos: [String] = []

    @Option(help: ArgumentHelp("Measure a remote instead (its branches' logical bytes, stored bytes, what 'gc --remote' would reclaim).", valueName: "NAME"))
    var remote: String?

    func run() throws {
        if let remote { return try measureRemote(remote) }
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

extension DiskUsageCommand {
    /// `du --remote`: a dry run of the remote gc with its default settings.
    func measureRemote(_ name: String) throws {
        let project = try global.transferProject()
        let target = try RemoteTarget.resolve(name, nil, project: project, transfers: nil)
        var settings = RemoteGarbageCollection.Settings()
        settings.dryRun = true
        let roots = try GarbageCollect.gitPinnedCommits(project, console: global.console)
            .map { RemoteRoot(reason: "git pin", commit: $0) }
        let report = try RemoteGarbageCollection(project: project, remote: target.remote, settings: settings).run(extraRoots: roots)
        if global.json {
            struct Output: Encodable { let remote: String, logical_bytes: UInt64, stored_bytes: UInt64, reclaimable_bytes: UInt64, packs: Int }
            try global.console.emit(Output(remote: name, logical_bytes: report.logicalBytes, stored_bytes: report.bytesBefore,
                                           reclaimable_bytes: report.reclaimableBytes, packs: report.packs.count))
            return
        }
        global.console.data("\(name): branches hold \(Format.bytes(report.logicalBytes)); stored \(Format.bytes(report.bytesBefore)) "
            + "in \(Format.count(report.packs.count, "pack"))"
            + (report.logicalBytes > 0 ? " (\(Format.ratio(Double(report.logicalBytes) / Double(max(report.bytesBefore, 1)))) logical/stored)" : ""))
        global.console.data("dver gc --remote \(name) would reclaim \(Format.bytes(report.reclaimableBytes)) (packs older than 7 days; "
            + "what it takes out of the index goes a day later)")
    }
}
