import ArgumentParser
import DverPipeline
import DverRepository
import Foundation

struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
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
        """,
        subcommands: [Create.self, ListPipelines.self, Inspect.self, Update.self, Delete.self, Run.self],
        defaultSubcommand: ListPipelines.self)

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a YAML spec, store it, and create the output repo.",
            discussion: """
            The output repo is named after the pipeline and mounted at data/<name> (see --path). Nothing runs until the next commit to an input repo or 'dver pipeline run'.

            Examples:
              dver pipeline create pipelines/clean.yaml
              dver pipeline create pipelines/clean.yaml --run      # and run it now
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The spec file (YAML).")
        var file: String

        @Option(help: "Mount directory of the output repo (default: data/NAME).")
        var path: String?

        @Flag(name: .customLong("run"), help: "Run a job right away over the current input commits.")
        var runNow = false

        func run() throws {
            let project = try global.project()
            let runner = PipelineTrigger.manualRunner(project, console: global.console)
            let mount = try path.map { try project.relativePath($0, workingDirectory: workingDirectory) }
            let stored = try runner.catalog.create(file: file, mount: mount, project: project)
            let record = try project.repo(named: stored.name)
            GitSupport.refreshIgnoreFile(project, console: global.console)
            var job: JobRecord?
            if runNow { job = try runner.run(stored, trigger: "manual") }
            if global.json {
                struct Output: Encodable { let pipeline: String; let spec_hash: String; let output_repo: String; let mount: String; let job: JobReport.Summary? }
                try global.console.emit(Output(pipeline: stored.name, spec_hash: stored.specHash, output_repo: record.name,
                                               mount: record.mount, job: job.map(JobReport.Summary.init)))
            } else {
                global.console.line("Created pipeline '\(stored.name)' reading \(stored.spec.inputRepos.joined(separator: ", ")); output repo '\(record.name)' mounted at \(record.mount)/")
                if let job { JobReport.lines(job).forEach { global.console.line($0) } }
            }
            if let job, job.state == .failed { throw ReportedFailure(status: .jobFailed) }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a pipeline's spec (the name inside the file selects the pipeline).",
            discussion: """
            Datums whose key changes (a new image, cmd, env, stdin or glob) run again at the next job; others are reused.

            Examples:
              dver pipeline update pipelines/clean.yaml
              dver pipeline update pipelines/clean.yaml --run
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The spec file (YAML).")
        var file: String

        @Flag(name: .customLong("run"), help: "Run a job right away.")
        var runNow = false

        func run() throws {
            let project = try global.project()
            let runner = PipelineTrigger.manualRunner(project, console: global.console)
            let (old, new) = try runner.catalog.update(file: file, project: project)
            var job: JobRecord?
            if runNow { job = try runner.run(new, trigger: "manual") }
            if global.json {
                struct Output: Encodable { let pipeline: String; let old_spec_hash: String; let spec_hash: String; let job: JobReport.Summary? }
                try global.console.emit(Output(pipeline: new.name, old_spec_hash: old.specHash, spec_hash: new.specHash, job: job.map(JobReport.Summary.init)))
            } else {
                global.console.line(old.specHash == new.specHash ? "Pipeline '\(new.name)' unchanged" : "Updated pipeline '\(new.name)' (spec \(new.specHash.prefix(12)))")
                if let job { JobReport.lines(job).forEach { global.console.line($0) } }
            }
            if let job, job.state == .failed { throw ReportedFailure(status: .jobFailed) }
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
