import ArgumentParser
import DverPipeline
import Foundation

struct Job: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "List jobs and inspect their datums.",
        discussion: """
        Examples:
          dver job                          # same as 'dver job list'
          dver job list --pipeline clean
          dver job inspect 0655f3a2         # a unique prefix of the job id is enough
        """,
        subcommands: [ListJobs.self, Inspect.self],
        defaultSubcommand: ListJobs.self)

    struct ListJobs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List jobs, newest first.",
            discussion: """
            Examples:
              dver job list
              dver job list --pipeline clean --limit 5 --json
            """)

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only jobs of this pipeline.")
        var pipeline: String?

        @Option(name: [.short, .customLong("limit")], help: "Show at most this many jobs.")
        var limit: Int?

        func run() throws {
            let runner = JobRunner(project: try global.project())
            let jobs = try runner.jobs.list(pipeline: pipeline, limit: limit)
            if global.json {
                try global.console.emit(jobs.map(JobReport.Summary.init))
                return
            }
            if jobs.isEmpty { global.console.notice("no jobs yet") }
            for job in jobs {
                let started = Format.isoDate(Int64(job.started * 1e9))
                global.console.data("\(job.id)\t\(job.pipeline)\t\(job.state.rawValue)\t\(job.trigger)\t\(started)\t\(job.summary)")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show a job: inputs, output commit and each datum's state, timing and exit code.",
            discussion: """
            Examples:
              dver job inspect 0655f3a2
              dver job inspect 0655f3a2 --failed      # only failed datums
              dver job inspect 0655f3a2 --json
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Job id or unique prefix.")
        var job: String

        @Flag(help: "List only failed datums.")
        var failed = false

        func run() throws {
            let runner = JobRunner(project: try global.project())
            var record = try runner.jobs.resolve(job)
            if failed { record.datums = record.datums.filter { $0.state == .failed } }
            if global.json {
                try global.console.emit(record)
                return
            }
            global.console.data(JobReport.headline(record))
            global.console.data("spec    \(record.specHash.prefix(12))  trigger \(record.trigger)  executor \(record.executor)"
                + String(format: "  plan %.1f ms, run %.2f s, commit %.2f s", record.planSeconds * 1000, record.runSeconds, record.commitSeconds))
            for input in record.inputs {
                global.console.data("input   \(input.name) = \(input.repo)@\(input.branch) \(input.commit.map { String($0.prefix(12)) } ?? "(no commit)")")
            }
            if let output = record.outputCommit { global.console.data("output  \(record.pipeline)@\(output.prefix(12))") }
            if let error = record.error { global.console.data("error   \(error)") }
            for note in record.notes { global.console.data("note    \(note)") }
            global.console.data("")
            for datum in record.datums {
                var line = "\(datum.id.prefix(12))  \(datum.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))"
                line += datum.state == .skipped ? "        -" : String(format: " %7.3f s", datum.seconds)
                if let code = datum.exitCode { line += "  exit \(code)" }
                if datum.attempts > 1 { line += "  \(datum.attempts) attempts" }
                if datum.timedOut { line += "  timed out" }
                if let from = datum.reusedFrom { line += "  reused from \(from)" }
                if let node = datum.node { line += "  on \(node)" }
                if let task = datum.engineTask { line += " (task \(task))" }
                if let dispatches = datum.dispatches, dispatches > 1 { line += "  dispatched \(dispatches) times" }
                line += "  \(datum.inputs.joined(separator: ", "))"
                if let error = datum.error, datum.state == .failed { line += "  — \(error)" }
                global.console.data(line)
            }
        }
    }
}
