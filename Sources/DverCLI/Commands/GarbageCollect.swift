import ArgumentParser
import DverPipeline
import DverRepository
import Foundation

struct GarbageCollect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Reclaim space: delete leftovers of interrupted writes and unreachable objects.",
        discussion: """
        Objects reachable from any branch, detached head, commit set, the index or the data dver.lock pins at any git ref or tag are kept, and so are the outputs of the cached pipeline datums the cache policy keeps: those of jobs whose output commit is on a branch, of the jobs they reused results from, and any younger than 7 days (dver pipeline prune-cache cuts it explicitly). Waits for other dver commands, running pipeline jobs and fetches to finish. Packs holding unreachable objects, and small packs, are rewritten into one new pack (sealed before the old ones are deleted).

        Examples:
          dver gc
          dver gc --dry-run
          dver gc --compress      # after adding many small text files
          dver gc --remote origin --dry-run --verbose   # what a remote gc would delete, and why the rest stays
          dver gc --remote origin                       # reclaim space on the remote (docs/REMOTES.md)
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only report what would be removed.")
    var dryRun = false

    @Flag(help: "Also compress small chunks that 'add' stored raw for speed (below compression_min_bytes).")
    var compress = false

    @Option(help: ArgumentHelp("Collect a remote instead of the local store.", valueName: "NAME"))
    var remote: String?

    @Option(help: ArgumentHelp("Remote: nothing written in the last DAYS days is deleted or rewritten (0 needs --force).", valueName: "DAYS"))
    var grace: Double = 7

    @Option(help: ArgumentHelp("Remote: packs taken out of the index are deleted by a gc at least HOURS later.", valueName: "HOURS"))
    var tombstoneHours: Double = 24

    @Option(help: ArgumentHelp("Remote: rewrite packs whose reachable bytes are below this fraction (1: every pack with anything unreachable).", valueName: "FRACTION"))
    var rewriteBelow = 0.5

    @Flag(help: "Do not keep the data that dver.lock pins at every git ref and tag (kept by default, local and remote).")
    var noGitPins = false

    @Flag(help: "Remote: allow a grace period of 0.")
    var force = false

    @Flag(name: [.short, .long], help: "Remote: list the roots and every pack with what happens to it and why.")
    var verbose = false

    func validate() throws {
        guard (0...1).contains(rewriteBelow) else { throw ValidationError("--rewrite-below is a fraction from 0 to 1") }
        guard grace >= 0, grace.isFinite, tombstoneHours >= 0, tombstoneHours.isFinite else {
            throw ValidationError("--grace and --tombstone-hours must be 0 or more")
        }
        if remote != nil, grace == 0, !force {
            throw ValidationError("--grace 0 would delete what a push is uploading right now; add --force if no push can be running")
        }
        if remote != nil, compress { throw ValidationError("--compress applies to the local store only") }
    }

    func run() throws {
        if let remote { return try collectRemote(remote) }
        let project = try global.project()
        let pipelines = JobRunner(project: project)
        let cache = try pipelines.pruneCache(DatumCachePolicy(), dryRun: dryRun)
        let report = try project.collectGarbage(
            dryRun: dryRun, compress: compress,
            extraRoots: { try pipelines.cache.allResults().flatMap { $0.files.map(\.ref) } },
            extraCommits: { noGitPins ? [] : try Self.gitPinnedCommits(project, console: global.console) })
        if global.json {
            struct Output: Encodable {
                let leftovers: [String], cache_entries: Int, cache_bytes: UInt64, cache_pruned: Int, packs_before: Int, packs_after: Int, objects_kept: Int, objects_dropped: Int
                let bytes_before: UInt64, bytes_after: UInt64, dry_run: Bool
            }
            try global.console.emit(Output(leftovers: report.leftovers, cache_entries: cache.entries, cache_bytes: cache.bytes,
                                           cache_pruned: cache.prunedEntries, packs_before: report.packsBefore, packs_after: report.packsAfter,
                                           objects_kept: report.objectsKept, objects_dropped: report.objectsDropped,
                                           bytes_before: report.bytesBefore, bytes_after: report.bytesAfter, dry_run: dryRun))
            return
        }
        for leftover in report.leftovers { global.console.line("\(dryRun ? "would remove" : "removed") \(leftover)") }
        if cache.entries > 0 {
            global.console.line("datum cache: \(Format.count(cache.entries, "result")) (\(Format.bytes(cache.bytes)) of outputs); "
                + "\(dryRun ? "would drop" : "dropped") \(cache.prunedEntries) no kept job needs (dver pipeline prune-cache)")
        }
        global.console.line("packs \(report.packsBefore) -> \(report.packsAfter), \(Format.bytes(report.bytesBefore)) -> "
            + "\(Format.bytes(report.bytesAfter)); \(report.objectsDropped) unreachable objects dropped")
    }
}
