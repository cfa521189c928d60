import ArgumentParser
import DverPipeline
import Foundation

extension Pipeline {
    struct PruneCache: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune-cache",
            abstract: "Drop cached datum results no kept job needs.",
            discussion: """
            Kept: the results of jobs whose output commit is on a branch of their output repo (or, with --keep-jobs N, of each pipeline's last N jobs), of the jobs those reused results from, and every result younger than the grace period. 'dver gc' applies the same policy with the defaults; the objects of dropped results are reclaimed by the next 'dver gc'.

            Examples:
              dver pipeline prune-cache --dry-run        # how much the cache holds, and what would go
              dver pipeline prune-cache --keep-jobs 3 --grace 0
            """)

        @OptionGroup var global: GlobalOptions

        @Option(help: ArgumentHelp("Keep the results of each pipeline's last N jobs instead of the jobs on a branch.", valueName: "N"))
        var keepJobs: Int?

        @Option(help: ArgumentHelp("Keep every result younger than DAYS days.", valueName: "DAYS"))
        var grace: Double = 7

        @Flag(help: "Only report.")
        var dryRun = false

        func validate() throws {
            if let keepJobs, keepJobs < 0 { throw ValidationError("--keep-jobs must be 0 or more") }
            guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be 0 or more days") }
        }

        func run() throws {
            let project = try global.project()
            let usage = try JobRunner(project: project).pruneCache(DatumCachePolicy(grace: grace * 86_400, keepJobs: keepJobs), dryRun: dryRun)
            if global.json {
                struct Output: Encodable { let entries: Int, bytes: UInt64, pruned_entries: Int, pruned_bytes: UInt64, dry_run: Bool }
                try global.console.emit(Output(entries: usage.entries, bytes: usage.bytes, pruned_entries: usage.prunedEntries,
                                               pruned_bytes: usage.prunedBytes, dry_run: dryRun))
                return
            }
            global.console.line("datum cache: \(Format.count(usage.entries, "result")) (\(Format.bytes(usage.bytes)) of outputs); "
                + "\(dryRun ? "would drop" : "dropped") \(usage.prunedEntries) (\(Format.bytes(usage.prunedBytes)))")
        }
    }
}
