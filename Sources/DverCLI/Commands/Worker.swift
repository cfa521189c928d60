import ArgumentParser
import DverCluster
import DverRemote
import Foundation

struct Worker: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Plumbing: run the tasks of cluster jobs (what Slurm and Kubernetes start on the nodes).",
        discussion: """
        A cluster executor (docs/PIPELINES.md, "Executors") starts 'dver worker run' on each node with the remote and the task to run; users do not run it by hand except to debug a task. Credentials come from the environment or the AWS files, never from the command line.

        Examples:
          dver worker run --remote-url /shared/remote --job 6b0d55f0af234738 --round 0 --task 7
        """,
        subcommands: [Run.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run one task of a cluster job: fetch its datums' inputs, run them, publish the results.",
            discussion: """
            Reads jobs/JOB/manifest.json and jobs/JOB/round-R.json from the remote, downloads only the objects beneath the task's datums' inputs (verified), runs each datum with the spec's runtime as the local executor would, uploads the outputs as a pack and publishes one record per datum (create-only: a requeued or duplicated task changes nothing). Works in a scratch store it deletes at the end.

            Examples:
              dver worker run --remote-url /shared/remote --job 20261130-abc --round 0 --task 7
              dver worker run --remote-url s3://bucket/proj --endpoint http://10.0.0.5:8333 --job ID --round 0 --task-from-env SLURM_ARRAY_TASK_ID
            """)

        @Option(help: "The remote's URL: s3://BUCKET[/PREFIX] or a directory path.")
        var remoteURL: String

        @Option(help: "S3 endpoint, e.g. http://10.0.0.5:8333.")
        var endpoint: String?

        @Option(help: "S3 region.")
        var region: String?

        @Flag(help: "S3 path-style addressing (ENDPOINT/BUCKET/KEY).")
        var pathStyle = false

        @Flag(help: "S3 virtual-hosted addressing (BUCKET.HOST/KEY).")
        var virtualHosted = false

        @Option(help: "AWS profile to read credentials from.")
        var profile: String?

        @Option(help: "The job id.")
        var job: String

        @Option(help: "The dispatch round (0 for the first).")
        var round: Int = 0

        @Option(help: "The task index within the round.")
        var task: Int?

        @Option(help: "Read the task index from this environment variable (e.g. JOB_COMPLETION_INDEX).")
        var taskFromEnv: String?

        @Flag(help: "Run the datums' command in this container (a pod started from the spec's image) instead of the spec's runtime.")
        var inContainer = false

        @Option(help: "Scratch directory for this task (default: $TMPDIR/dver-worker-JOB-ROUND-TASK-PID; deleted at the end).")
        var workDir: String?

        @Option(help: "Cache shared by the workers of a node: pack indexes, exported images (default: $TMPDIR/dver-worker-cache).")
        var cacheDir: String?

        @Flag(help: "Print a JSON report.")
        var json = false

        func validate() throws {
            if (task == nil) == (taskFromEnv == nil) { throw ValidationError("give exactly one of --task N and --task-from-env VAR") }
            if pathStyle && virtualHosted { throw ValidationError("--path-style and --virtual-hosted exclude each other") }
        }

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            var index = task ?? -1
            if let variable = taskFromEnv {
                guard let text = environment[variable], let value = Int(text) else {
                    throw ValidationError("\(variable) does not hold a task index")
                }
                index = value
            }
            let temporary = environment["TMPDIR"] ?? "/tmp"
            let settings = RemoteSettings(name: "origin", url: remoteURL, endpoint: endpoint, region: region,
                                          pathStyle: pathStyle ? true : virtualHosted ? false : nil, profile: profile)
            var operation = WorkerOperation(settings: settings, job: job, round: round, task: index,
                                            workDirectory: workDir ?? "\(temporary)/dver-worker-\(job)-\(round)-\(index)-\(getpid())",
                                            cacheDirectory: cacheDir ?? "\(temporary)/dver-worker-cache", environment: environment)
            operation.inContainer = inContainer
            let report = try operation.run()
            let line = "task \(index): \(Format.count(report.ran, "datum")) run (\(report.succeeded) succeeded, \(report.failed) failed), "
                + "\(report.alreadyDone) already done, \(report.bytesDownloaded) bytes downloaded"
            if json {
                struct Output: Encodable { let task: Int; let ran: Int; let succeeded: Int; let failed: Int; let already_done: Int; let bytes_downloaded: UInt64 }
                let data = try JSONEncoder().encode(Output(task: index, ran: report.ran, succeeded: report.succeeded, failed: report.failed,
                                                          already_done: report.alreadyDone, bytes_downloaded: report.bytesDownloaded))
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(line)
            }
        }
    }
}
