import DverCore
import DverRepository
import DverStore
import DverSystem
import Foundation
import Synchronization

/// Runs datums `parallelism` at a time, each in its own directory under `.dver/tmp/`, with
/// retries (datum_tries) and timeouts; stores each success's outputs through `writer`. The
/// `local` executor; cluster workers run their datums through `runOne`, exactly the same way.
public struct DatumExecutor: Sendable {
    let project: Project
    let runtime: any DatumRuntime
    let image: PreparedImage
    let spec: PipelineSpec
    let jobID: String
    let jobs: JobStore
    let writer: ObjectWriter

    public init(project: Project, runtime: any DatumRuntime, image: PreparedImage, spec: PipelineSpec, jobID: String,
                jobs: JobStore, writer: ObjectWriter) {
        self.project = project
        self.runtime = runtime
        self.image = image
        self.spec = spec
        self.jobID = jobID
        self.jobs = jobs
        self.writer = writer
    }

    /// Runs one datum (all its attempts) and removes its directory; its log is appended to
    /// `jobs.logPath(job:datum:)`. Outputs are put into `writer`.
    public func runOne(_ datum: Datum) -> DatumRunResult {
        let result = runDatum(datum)
        if ProcessInfo.processInfo.environment["DVER_KEEP_DATUM_DIRS"] != "1" {
            try? FileSystem.removeTreeForcibly("\(project.layout.temporaryDirectory)/job-\(jobID)")
        }
        return result
    }

    func run(_ datums: [Datum], indices: [Int]) throws -> [Int: DatumRunResult] {
        guard !indices.isEmpty else { return [:] }
        try FileSystem.createDirectories("\(jobs.directory)/\(jobID)")
        let results = Mutex<[Int: DatumRunResult]>([:])
        let progress = project.progress
        progress.start("pipeline \(spec.name)", totalBytes: nil, totalItems: indices.count)
        try ParallelWork.run(indices.count, workers: spec.parallelism) { position in
            let index = indices[position]
            let result = runDatum(datums[index])
            results.withLock { $0[index] = result }
            progress.advance(bytes: 0, items: 1)
        }
        progress.finish()
        if ProcessInfo.processInfo.environment["DVER_KEEP_DATUM_DIRS"] != "1" {
            // Forcibly: a datum may leave read-only or very deep directories; what still cannot
            // be deleted (another user's files) is left for gc, which reports it.
            try? FileSystem.removeTreeForcibly("\(project.layout.temporaryDirectory)/job-\(jobID)")
        }
        return results.withLock { $0 }
    }

    private func runDatum(_ datum: Datum) -> DatumRunResult {
        var record = DatumRecord(id: datum.id, inputs: datum.inputs.map(\.label), state: .failed)
        let directory = "\(project.layout.temporaryDirectory)/job-\(jobID)/\(datum.key.shortHex(16))"
        let logPath = jobs.logPath(job: jobID, datum: datum.id)
        let start = DispatchTime.now().uptimeNanoseconds
        func finished(_ files: [DatumResult.OutputFile]?) -> DatumRunResult {
            record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if ProcessInfo.processInfo.environment["DVER_KEEP_DATUM_DIRS"] != "1" { try? FileSystem.removeTreeForcibly(directory) }
            return DatumRunResult(record: record, files: files)
        }
        do {
            let pfs = "\(directory)/pfs"
            try InputMaterializer(store: project.store).materialize(datum.inputs, into: pfs)
            var stdinPath: String?
            if !spec.transform.stdin.isEmpty {
                stdinPath = "\(directory)/stdin"
                try FileSystem.writeAtomically("\(directory)/stdin", text: spec.transform.stdin.joined(separator: "\n") + "\n", durable: false)
            }
            for attempt in 1...spec.datumTries {
                record.attempts = attempt
                // Every attempt starts with an empty /pfs/out, whatever the last one left there.
                try FileSystem.removeTreeForcibly("\(pfs)/out")
                try FileSystem.createDirectories("\(pfs)/out")
                appendLog(logPath, "--- dver: datum \(datum.id.prefix(12)) (\(datum.label)) attempt \(attempt)/\(spec.datumTries), runtime \(runtime.name)\n")
                let execution = DatumExecution(jobID: jobID, datumID: datum.id, pfsDirectory: pfs,
                                               inputNames: Array(Set(datum.inputs.map(\.name))).sorted(),
                                               environment: environment(datum, pfsRoot: runtime.pfsRoot(hostDirectory: pfs), attempt: attempt),
                                               transform: spec.transform, resources: spec.resources, timeout: spec.datumTimeout,
                                               stdinPath: stdinPath, logPath: logPath, image: image, attempt: attempt)
                let outcome = try runtime.run(execution)
                record.exitCode = outcome.exitCode
                record.timedOut = outcome.timedOut
                if outcome.succeeded {
                    let files = try OutputCollector(writer: writer).collect("\(pfs)/out")
                    record.state = .succeeded
                    record.error = nil
                    record.outputFiles = files.count
                    record.outputBytes = files.reduce(0) { $0 + $1.ref.size }
                    return finished(files)
                }
                record.error = describe(outcome, log: (try? FileSystem.readText(logPath)) ?? "")
                appendLog(logPath, "--- dver: attempt \(attempt) failed: \(record.error ?? "")\n")
            }
        } catch {
            record.error = String(describing: error)
            appendLog(logPath, "--- dver: \(record.error ?? "")\n")
        }
        record.state = .failed
        return finished(nil)
    }

    private func describe(_ outcome: ProcessOutcome, log: String) -> String {
        if outcome.timedOut {
            return "timed out after \(String(format: "%.1f", spec.datumTimeout ?? 0)) s (datum_timeout) and was killed"
        }
        if let diagnosis = runtime.diagnose(outcome, log: log) { return diagnosis }
        if let signal = outcome.signal { return "killed by signal \(signal)" }
        return "exit code \(outcome.exitCode ?? -1)"
    }

    /// The spec's env plus DVER_JOB_ID, DVER_DATUM_ID, DVER_ATTEMPT, DVER_PFS, DVER_OUTPUT and
    /// one DVER_INPUT_<NAME> per input (the matched path as the command sees it).
    func environment(_ datum: Datum, pfsRoot: String, attempt: Int) -> [String: String] {
        var environment = spec.transform.env
        environment["DVER_ATTEMPT"] = String(attempt)
        environment["DVER_JOB_ID"] = jobID
        environment["DVER_DATUM_ID"] = datum.id
        environment["DVER_PFS"] = pfsRoot
        environment["DVER_OUTPUT"] = "\(pfsRoot)/out"
        for input in datum.inputs {
            let variable = "DVER_INPUT_" + String(input.name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
            environment[variable] = "\(pfsRoot)/\(input.name)" + (input.path == "/" ? "" : input.path)
        }
        return environment
    }

    private func appendLog(_ path: String, _ text: String) {
        guard let handle = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data(text.utf8))
    }
}
