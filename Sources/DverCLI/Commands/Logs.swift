import ArgumentParser
import DverPipeline
import DverSystem
import Foundation

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the stored stdout/stderr of a job's datums.",
        discussion: """
        Each datum that ran has one log holding its output from every attempt, separated by '--- dver:' lines. Reused (skipped) datums have no log in this job: see the job they were reused from.

        Examples:
          dver logs 0655f3a2
          dver logs 0655f3a2 --datum 1a2b3c4d
          dver logs 0655f3a2 --failed
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Job id or unique prefix.")
    var job: String

    @Option(help: "Only this datum (id or unique prefix).")
    var datum: String?

    @Flag(help: "Only failed datums.")
    var failed = false

    func run() throws {
        let runner = JobRunner(project: try global.project())
        let record = try runner.jobs.resolve(job)
        var datums = record.datums.filter { $0.state == .succeeded || $0.state == .failed }
        if failed { datums = datums.filter { $0.state == .failed } }
        if let datum {
            datums = record.datums.filter { $0.id.hasPrefix(datum) }
            guard datums.count == 1 else {
                throw datums.isEmpty ? PipelineError.unknownDatum(job: record.id, datum: datum)
                    : PipelineError.ambiguousJob(datum, matches: datums.map { String($0.id.prefix(16)) })
            }
        }
        struct Item: Encodable { let datum: String; let inputs: [String]; let state: String; let log: String }
        var items = [Item]()
        for entry in datums {
            let path = runner.jobs.logPath(job: record.id, datum: entry.id)
            let text = FileSystem.exists(path) ? try FileSystem.readText(path) : ""
            if global.json {
                items.append(Item(datum: entry.id, inputs: entry.inputs, state: entry.state.rawValue, log: text))
            } else {
                if datum == nil { Console.writeOut("=== datum \(entry.id.prefix(12)) \(entry.inputs.joined(separator: ", ")) (\(entry.state.rawValue))\n") }
                Console.writeOut(text.isEmpty && entry.state == .skipped ? "(reused from job \(entry.reusedFrom ?? "?"); no log here)\n" : text)
            }
        }
        if global.json { try global.console.emit(items) }
    }
}
