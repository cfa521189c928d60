import ArgumentParser
import DverPipeline
import DverRepository
import Foundation

struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Create, inspect, change and run pipelines.",
        discussion: """
        A pipeline reads input repos, splits them into datums with globs, runs a command on each datum in a container, and commits the outputs to a repo named after it. 'dver commit' runs the pipelines downstream of what it committed; only datums whose inputs (or the transform) changed are run again. See docs/PIPELINES.md.

        Examples:
          dver pipeline create pipelines/clean.yaml
          dver pipeline list
          dver pipeline inspect clean
          dver pipeline run clean
          dver pipeline run clean --datum /a.csv     # debug one datum; commits nothing
          dver pipeline update pipelines/clean.yaml
          dver pipeline delete clean
          dver pipeline tick                          # cron inputs: write due ticks, run
        """,
        subcommands: [Create.self, ListPipelines.self, Inspect.self, Update.self, Delete.self, Run.self, Tick.self, PruneCache.self],
        defaultSubcommand: ListPipelines.self)

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Validate a spec file (dver's YAML or Pachyderm's JSON/YAML), store it, and create the output repo.",
            discussion: """
            The output repo is named after the pipeline and mounted at data/<name> (see --path). A file may hold several pipelines (YAML documents separated by ---, a list, or JSON objects one after another): they are created in dependency order. Nothing runs until the next commit to an input repo or 'dver pipeline run'. Fields of a Pachyderm spec that have no effect here are printed as notes (see docs/PIPELINES.md, "From Pachyderm").

            Examples:
              dver pipeline create pipelines/clean.yaml
              dver pipeline create pipelines/clean.yaml --run      # and run it now
              dver pipeline create word_count.pipeline.json        # a Pachyderm spec
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The spec file (YAML or JSON).")
        var file: String

        @Option(help: "Mount directory of the output repo (default: data/NAME); for a file with one pipeline.")
        var path: String?

        @Flag(name: .customLong("run"), help: "Run a job right away over the current input commits.")
        var runNow = false

        func run() throws {
            let project = try global.project()
            let runner = PipelineTrigger.manualRunner(project, console: global.console)
            let mount = try path.map { try project.relativePath($0, workingDirectory: workingDirectory) }
            let created = try runner.catalog.createAll(file: file, mount: mount, project: project)
            GitSupport.refreshIgnoreFile(project, console: global.console)
            var outputs = [Output]()
            for stored in created {
                let record = try project.repo(named: stored.name)
                let job = runNow ? try runner.run(stored, trigger: "manual") : nil
                outputs.append(Output(pipeline: stored.name, spec_hash: stored.specHash, output_repo: record.name, mount: record.mount,
                                      notes: stored.spec.notes, job: job.map(JobReport.Summary.init)))
                if !global.json {
                    global.console.line("Created pipeline '\(stored.name)' reading \(stored.spec.inputRepos.joined(separator: ", ")); output repo '\(record.name)' mounted at \(record.mount)/")
                    for note in stored.spec.notes { global.console.line("  note: \(note)") }
                    if let job { JobReport.lines(job).forEach { global.console.line($0) } }
                }
            }
            if global.json {
                if outputs.count == 1 { try global.console.emit(outputs[0]) } else { try global.console.emit(outputs) }
            }
            if outputs.contains(where: { $0.job?.state == JobState.failed.rawValue }) { throw ReportedFailure(status: .jobFailed) }
        }

        struct Output: Encodable {
            let pipeline: String
            let spec_hash: String
            let output_repo: String
            let mount: String
            let notes: [String]
            let job: JobReport.Summary?
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "update",
            abstract: "Replace pipelines' specs (the names inside the file select the pipelines).",
            discussion: """
            Datums whose key changes (a new image, cmd, env, stdin, glob or salt) run again at the next job; others are reused.

            Examples:
              dver pipeline update pipelines/clean.yaml
              dver pipeline update pipelines/clean.yaml --run
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The spec file (YAML or JSON).")
        var file: String

        @Flag(name: .customLong("run"), help: "Run a job right away.")
        var runNow = false

        func run() throws {
            let project = try global.project()
            let runner = PipelineTrigger.manualRunner(project, console: global.console)
            struct Output: Encodable { let pipeline: String; let old_spec_hash: String; let spec_hash: String; let job: JobReport.Summary? }
            var outputs = [Output]()
            for (old, new) in try runner.catalog.updateAll(file: file, project: project) {
                let job = runNow ? try runner.run(new, trigger: "manual") : nil
                outputs.append(Output(pipeline: new.name, old_spec_hash: old.specHash, spec_hash: new.specHash, job: job.map(JobReport.Summary.init)))
                if !global.json {
                    global.console.line(old.specHash == new.specHash ? "Pipeline '\(new.name)' unchanged" : "Updated pipeline '\(new.name)' (spec \(new.specHash.prefix(12)))")
                    if let job { JobReport.lines(job).forEach { global.console.line($0) } }
                }
            }
            if global.json {
                if outputs.count == 1 { try global.console.emit(outputs[0]) } else { try global.console.emit(outputs) }
            }
            if outputs.contains(where: { $0.job?.state == JobState.failed.rawValue }) { throw ReportedFailure(status: .jobFailed) }
        }
    }

    struct Tick: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tick",
            abstract: "Write the due ticks of cron inputs, then run the pipelines they feed.",
            discussion: """
            A cron input's ticks are empty files named by their time (2026-11-30T12:00:00Z) in its cron repo (<pipeline>_<input> unless 'repo' says otherwise). dver runs no daemon: run 'dver pipeline tick' from cron or a systemd timer, at least as often as the schedule; every tick due since the latest one is written (at most 1000), one commit per cron input. With overwrite: true only the latest tick stays in the repo. --now adds one tick at the current time whatever the schedule (like 'pachctl run cron').

            Examples:
              dver pipeline tick                  # every pipeline with a cron input
              dver pipeline tick report --now     # one tick now, for pipeline report
              * * * * * cd /data/project && dver pipeline tick    # a crontab line
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pipelines to tick (default: all with cron inputs).")
        var names: [String] = []

        @Flag(name: .customLong("now"), help: "Add one tick at the current time, whatever the schedule.")
        var force = false

        func run() throws {
            let project = try global.project()
            let runner = PipelineTrigger.manualRunner(project, console: global.console)
            let result = try runner.tick(names, force: force)
            if global.json {
                struct Item: Encodable { let pipeline: String; let input: String; let repo: String; let ticks: [String]; let commit: String?; let skipped: Int }
                struct Output: Encodable { let ticks: [Item]; let jobs: [JobReport.Summary] }
                try global.console.emit(Output(ticks: result.ticks.map { Item(pipeline: $0.pipeline, input: $0.input, repo: $0.repo, ticks: $0.ticks,
                                                                                commit: $0.commit?.hex, skipped: $0.skipped) },
                                               jobs: result.jobs.map(JobReport.Summary.init)))
            } else {
                if result.ticks.isEmpty { global.console.notice("no pipeline has a cron input") }
                for tick in result.ticks {
                    if tick.ticks.isEmpty {
                        global.console.line("\(tick.pipeline)/\(tick.input): no tick due")
                    } else {
                        global.console.line("\(tick.pipeline)/\(tick.input): \(tick.ticks.count) tick(s) into \(tick.repo), latest \(tick.ticks.last ?? "")"
                                            + (tick.skipped > 0 ? " (\(tick.skipped) older missed ticks not written)" : ""))
                    }
                }
                for job in result.jobs { JobReport.lines(job).forEach { global.console.line($0) } }
            }
            try PipelineTrigger.check(result.jobs)
        }
    }

    struct ListPipelines: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List pipelines with their inputs and last job.",
            discussion: """
            Examples:
              dver pipeline list
              dver pipeline list --json
            """)

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let project = try global.project()
            let runner = JobRunner(project: project)
            let pipelines = try runner.catalog.all()
            let jobs = try runner.jobs.list()
            let last = Dictionary(jobs.map { ($0.pipeline, $0) }, uniquingKeysWith: { first, _ in first })
            if global.json {
                struct Item: Encodable { let name: String; let inputs: [String]; let runtime: String; let spec_hash: String; let last_job: String?; let last_state: String? }
                try global.console.emit(pipelines.map {
                    Item(name: $0.name, inputs: $0.spec.pfsInputs.map { "\($0.repo)@\($0.branch):\($0.glob)" }, runtime: $0.spec.runtime.rawValue,
                         spec_hash: $0.specHash, last_job: last[$0.name]?.id, last_state: last[$0.name]?.state.rawValue)
                })
                return
            }
            if pipelines.isEmpty { global.console.notice("no pipelines (create one with 'dver pipeline create FILE')") }
            for pipeline in pipelines {
                let inputs = pipeline.spec.pfsInputs.map { "\($0.repo)@\($0.branch):\($0.glob)" }.joined(separator: " ")
                let job = last[pipeline.name].map { "last job \($0.id) \($0.state.rawValue)" } ?? "no jobs yet"
                global.console.data("\(pipeline.name)\t\(inputs)\t\(pipeline.spec.runtime.rawValue)\t\(job)")
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Show a pipeline's stored spec, hash and recent jobs.",
            discussion: """
            Examples:
              dver pipeline inspect clean
              dver pipeline inspect clean --json
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pipeline name.")
        var name: String

        func run() throws {
            let project = try global.project()
            let runner = JobRunner(project: project)
            let stored = try runner.catalog.load(name)
            let jobs = try runner.jobs.list(pipeline: name, limit: 5)
            if global.json {
                struct Output: Encodable { let name: String; let spec: PipelineSpec; let spec_hash: String; let source: String; let jobs: [JobReport.Summary] }
                try global.console.emit(Output(name: stored.name, spec: stored.spec, spec_hash: stored.specHash, source: stored.sourcePath,
                                               jobs: jobs.map(JobReport.Summary.init)))
                return
            }
            global.console.data("pipeline \(stored.name)  spec \(stored.specHash.prefix(12))  from \(stored.sourcePath)")
            global.console.data("output   \(stored.name)@\(stored.spec.outputBranch)")
            global.console.data("")
            global.console.data(stored.sourceYAML.hasSuffix("\n") ? String(stored.sourceYAML.dropLast()) : stored.sourceYAML)
            if !jobs.isEmpty {
                global.console.data("")
                for job in jobs { global.console.data(JobReport.headline(job)) }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a pipeline (its output repo and job records stay).",
            discussion: """
            Examples:
              dver pipeline delete clean
              dver pipeline delete clean --delete-repo    # also delete the output repo's branches
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pipeline name.")
        var name: String

        @Flag(help: "Also delete the output repo (its refs; stored objects stay until 'dver gc').")
        var deleteRepo = false

        func run() throws {
            let project = try global.project()
            try JobRunner(project: project).catalog.remove(name, deleteRepo: deleteRepo, project: project)
            if deleteRepo { GitSupport.refreshIgnoreFile(project, console: global.console) }
            global.console.line("Deleted pipeline '\(name)'" + (deleteRepo ? " and its output repo" : "; output repo '\(name)' kept (delete it with 'dver repo delete \(name)')"))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a job now over the current input commits.",
            discussion: """
            Cached datums are reused as in a triggered job. With --datum, only the datums whose inputs contain that path run (cached or not) and nothing is committed: use it to debug a failing datum against real inputs, then read 'dver logs JOB'.

            Examples:
              dver pipeline run clean
              dver pipeline run clean --datum /a.csv
              dver pipeline run clean --executor slurm      # datums as a Slurm array (docs/PIPELINES.md, "Executors")
              dver pipeline run clean --executor kubernetes --manifest > job.yaml   # an Indexed Job to apply
              DVER_KEEP_DATUM_DIRS=1 dver pipeline run clean --datum raw:/a.csv   # keep .dver/tmp/job-*/ for a look
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Pipeline name.")
        var name: String

        @Option(help: "Run only the datums whose inputs contain this path (e.g. /a.csv or raw:/a.csv).")
        var datum: String?

        @Flag(help: "Also run the pipelines downstream of this one's new output.")
        var downstream = false

        @Option(help: "Where the datums run, overriding the spec's executor: local, slurm or kubernetes.")
        var executor: ExecutorSettings.Kind?

        @Flag(help: "Kubernetes: publish the datums and print the Indexed Job (YAML/JSON) on stdout instead of applying it.")
        var manifest = false

        func validate() throws {
            if manifest, executor != .kubernetes { throw ValidationError("--manifest goes with --executor kubernetes") }
            if manifest, downstream { throw ValidationError("--manifest cannot run downstream pipelines (the job is not waited for)") }
        }

        func run() throws {
            let project = try global.project()
            var runner = PipelineTrigger.manualRunner(project, console: global.console)
            runner.executorOverride = executor
            if manifest {
                runner.dispatcherFactory = ClusterSupport.factory(project) { Console.writeOut($0) }
                let job = try runner.run(try runner.catalog.load(name), trigger: "manual", datumPath: datum)
                JobReport.lines(job).forEach { global.console.notice($0) }
                if job.state == .failed { throw ReportedFailure(status: .jobFailed) }
                return
            }
            let stored = try runner.catalog.load(name)
            var jobs = [try runner.run(stored, trigger: "manual", datumPath: datum)]
            if downstream, let first = jobs.first, first.outputCommit != nil {
                jobs += try runner.runDownstream(of: [(stored.name, stored.spec.outputBranch)], trigger: "manual")
            }
            if global.json {
                try global.console.emit(jobs.map(JobReport.Summary.init))
            } else {
                for job in jobs { JobReport.lines(job).forEach { global.console.line($0) } }
            }
            if jobs.contains(where: { $0.state == .failed }) { throw ReportedFailure(status: .jobFailed) }
        }
    }
}
