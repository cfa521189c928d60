import ArgumentParser
import DverPipeline
import DverRepository

struct GarbageCollect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Reclaim space: delete leftovers of interrupted writes and unreachable objects.",
        discussion: """
        Objects reachable from any branch, detached head, commit set or the index are kept, and so are the outputs of cached pipeline datums (reused by later jobs, even of failed ones). Waits for other dver commands, running pipeline jobs and fetches to finish. Packs holding unreachable objects, and small packs, are rewritten into one new pack (sealed before the old ones are deleted).

        Examples:
          dver gc
          dver gc --dry-run
          dver gc --compress      # after adding many small text files
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only report what would be removed.")
    var dryRun = false

    @Flag(help: "Also compress small chunks that 'add' stored raw for speed (below compression_min_bytes).")
    var compress = false

    func run() throws {
        let project = try global.project()
        let pipelines = JobRunner(project: project)
        let report = try project.collectGarbage(
            dryRun: dryRun, compress: compress,
            extraRoots: { try pipelines.cache.allResults().flatMap { $0.files.map(\.ref) } })
        if global.json {
            struct Output: Encodable {
                let leftovers: [String], packs_before: Int, packs_after: Int, objects_kept: Int, objects_dropped: Int
                let bytes_before: UInt64, bytes_after: UInt64, dry_run: Bool
            }
            try global.console.emit(Output(leftovers: report.leftovers, packs_before: report.packsBefore, packs_after: report.packsAfter,
                                           objects_kept: report.objectsKept, objects_dropped: report.objectsDropped,
                                           bytes_before: report.bytesBefore, bytes_after: report.bytesAfter, dry_run: dryRun))
            return
        }
        for leftover in report.leftovers { global.console.line("\(dryRun ? "would remove" : "removed") \(leftover)") }
        global.console.line("packs \(report.packsBefore) -> \(report.packsAfter), \(Format.bytes(report.bytesBefore)) -> "
            + "\(Format.bytes(report.bytesAfter)); \(report.objectsDropped) unreachable objects dropped")
    }
}
