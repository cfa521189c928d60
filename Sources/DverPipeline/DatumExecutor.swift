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
    /// Each input's commit id by input name (`<name>_COMMIT` in the datum's environment).
    let inputCommits: [String: String]
    /// When the job's `job_timeout` runs out (`DispatchTime` uptime nanoseconds).
    let deadline: UInt64?
    /// Where the transform's secrets come from.
    let secretStore: SecretStore

    public init(project: Project, runtime: any DatumRuntime, image: PreparedImage, spec: PipelineSpec, jobID: String,
                jobs: JobStore, writer: ObjectWriter, inputCommits: [String: String] = [:], deadline: UInt64? = nil,
                secretStore: SecretStore = SecretStore()) {
        self.project = project
        self.runtime = runtime
        self.image = image
        self.spec = spec
        self.jobID = jobID
        self.jobs = jobs
        self.writer = writer
        self.inputCommits = inputCommits
        self.deadline = deadline
        self.secretStore = secretStore
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

    /// Runs the datums at `indices`, `parallelism` at a time; `onFinished` hears of each as it
    /// ends (its outputs are then put, not yet sealed).
    func run(_ datums: [Datum], indices: [Int],
             onFinished: @escaping @Sendable (Int, DatumRunResult) -> Void = { _, _ in }) throws -> [Int: DatumRunResult] {
        guard !indices.isEmpty else { return [:] }
        try FileSystem.createDirectories("\(jobs.directory)/\(jobID)")
        let results = Mutex<[Int: DatumRunResult]>([:])
        let progress = project.progress
        progress.start("pipeline \(spec.name)", totalBytes: nil, totalItems: indices.count, itemNoun: "datums")
        try ParallelWork.run(indices.count, workers: spec.parallelism) { position in
            let index = indices[position]
            let result = runDatum(datums[index])
            results.withLock { $0[index] = result }
            onFinished(index, result)
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
        var recovered = false
        do {
            let pfs = "\(directory)/pfs"
            try InputMaterializer(store: project.store).materialize(datum.inputs, into: pfs)
            let stdinPath = try writeLines(spec.transform.stdin, to: "\(directory)/stdin")
            let errStdinPath = try writeLines(spec.transform.errStdin, to: "\(directory)/err-stdin")
            var environment = environment(datum, pfsRoot: runtime.pfsRoot(hostDirectory: pfs), attempt: 1)
            let mounts = try secrets(into: "\(directory)/secrets", environment: &environment)
            for attempt in 1...spec.datumTries {
                record.attempts = attempt
                var timeout = spec.datumTimeout
                if let deadline {
                    let now = DispatchTime.now().uptimeNanoseconds
                    guard now < deadline else {
                        record.error = (record.error.map { $0 + "; then " } ?? "") + "the job's job_timeout ran out before attempt \(attempt)"
                        break
                    }
                    timeout = min(timeout ?? .infinity, Double(deadline - now) / 1e9)
                }
                // Every attempt starts with an empty /pfs/out, whatever the last one left there.
                try FileSystem.removeTreeForcibly("\(pfs)/out")
                try FileSystem.createDirectories("\(pfs)/out")
                appendLog(logPath, "--- dver: datum \(datum.id.prefix(12)) (\(datum.label)) attempt \(attempt)/\(spec.datumTries), runtime \(runtime.name)\n")
                environment["DVER_ATTEMPT"] = String(attempt)
                var execution = DatumExecution(jobID: jobID, datumID: datum.id, pfsDirectory: pfs,
                                               inputNames: Array(Set(datum.inputs.map(\.name))).sorted(),
                                               environment: environment, transform: spec.transform, resources: spec.resources, timeout: timeout,
                                               stdinPath: stdinPath, logPath: logPath, image: image, attempt: attempt, mounts: mounts)
                let outcome = try runtime.run(execution)
                record.exitCode = outcome.exitCode
                record.timedOut = outcome.timedOut
                if accepted(outcome) {
                    let collector = OutputCollector(writer: writer, inputs: DatumInputFiles(store: project.store, inputs: datum.inputs))
                    let files = try collector.collect("\(pfs)/out")
                    record.state = .succeeded
                    record.error = nil
                    record.outputFiles = files.count
                    record.outputBytes = files.reduce(0) { $0 + $1.ref.size }
                    return finished(files)
                }
                record.error = describe(outcome, log: (try? FileSystem.readText(logPath)) ?? "")
                appendLog(logPath, "--- dver: attempt \(attempt) failed: \(record.error ?? "")\n")
                if !spec.transform.errCmd.isEmpty {
                    // Pachyderm's err_cmd: run after each failed attempt, with the same /pfs.
                    execution.transform.cmd = spec.transform.errCmd
                    execution.stdinPath = errStdinPath
                    execution.errorHandler = true
                    appendLog(logPath, "--- dver: running err_cmd\n")
                    let handled = try runtime.run(execution)
                    if accepted(handled) {
                        recovered = true
                        appendLog(logPath, "--- dver: err_cmd succeeded: the datum is recovered (no output; it runs again in the next job)\n")
                    } else {
                        appendLog(logPath, "--- dver: err_cmd failed: \(describe(handled, log: ""))\n")
                    }
                }
            }
        } catch {
            record.error = String(describing: error)
            appendLog(logPath, "--- dver: \(record.error ?? "")\n")
        }
        record.state = recovered ? .recovered : .failed
        return finished(nil)
    }

    /// Exit 0, or a code the spec's accept_return_code lists; not killed, not timed out.
    private func accepted(_ outcome: ProcessOutcome) -> Bool {
        guard !outcome.timedOut, outcome.signal == nil, let code = outcome.exitCode else { return false }
        return code == 0 || spec.transform.acceptReturnCodes.contains(code)
    }

    /// Writes stdin lines (joined with newlines, one at the end) to `path`; nil for none.
    private func writeLines(_ lines: [String], to path: String) throws -> String? {
        guard !lines.isEmpty else { return nil }
        try FileSystem.writeAtomically(path, text: lines.joined(separator: "\n") + "\n", durable: false)
        return path
    }

    /// Puts the transform's secrets into `environment` (env_var) and into directories under
    /// `directory` to mount (mount_path), readable by the datum's user only.
    private func secrets(into directory: String, environment: inout [String: String]) throws -> [ReadOnlyMount] {
        guard !spec.transform.secrets.isEmpty else { return [] }
        let store = secretStore
        var mounts = [ReadOnlyMount]()
        for (index, secret) in spec.transform.secrets.enumerated() {
            if let variable = secret.envVar, let key = secret.key {
                environment[variable] = try store.value(name: secret.name, key: key)
            }
            if let path = secret.mountPath {
                let host = "\(directory)/\(index)"
                try FileSystem.createDirectories(host, mode: 0o700)
                for file in try store.files(name: secret.name) {
                    try FileSystem.writeAtomically("\(host)/\(file.key)", file.value, durable: false)
                    try FileSystem.changeMode("\(host)/\(file.key)", 0o400)
                }
                try FileSystem.changeMode(host, 0o500)
                mounts.append(ReadOnlyMount(hostDirectory: host, path: path))
            }
        }
        return mounts
    }

    private func describe(_ outcome: ProcessOutcome, log: String) -> String {
        if outcome.timedOut {
            if let deadline, DispatchTime.now().uptimeNanoseconds >= deadline {
                return "killed when the job's job_timeout (\(String(format: "%.1f", spec.jobTimeout ?? 0)) s) ran out"
            }
            return "timed out after \(String(format: "%.1f", spec.datumTimeout ?? 0)) s (datum_timeout) and was killed"
        }
        if let diagnosis = runtime.diagnose(outcome, log: log) { return diagnosis }
        if let signal = outcome.signal { return "killed by signal \(signal)" }
        return "exit code \(outcome.exitCode ?? -1)"
    }

    /// The spec's env plus DVER_JOB_ID, DVER_DATUM_ID, DVER_ATTEMPT, DVER_PFS, DVER_OUTPUT and
    /// one DVER_INPUT_<NAME> per input (the matched path as the command sees it); and
    /// Pachyderm's variables: `<name>` (the same path), `<name>_COMMIT`,
    /// `PACH_DATUM_<name>_JOIN_ON` / `_GROUP_BY`, PACH_DATUM_ID, PACH_JOB_ID,
    /// PACH_OUTPUT_COMMIT_ID (the job id, as in Pachyderm 2) and PPS_PIPELINE_NAME. A group
    /// datum holds several files of one input: `<name>` is the last (list /pfs/<name>/ instead).
    func environment(_ datum: Datum, pfsRoot: String, attempt: Int) -> [String: String] {
        var environment = spec.transform.env
        environment["DVER_ATTEMPT"] = String(attempt)
        environment["DVER_JOB_ID"] = jobID
        environment["DVER_DATUM_ID"] = datum.id
        environment["DVER_PFS"] = pfsRoot
        environment["DVER_OUTPUT"] = "\(pfsRoot)/out"
        environment["PACH_JOB_ID"] = jobID
        environment["PACH_OUTPUT_COMMIT_ID"] = jobID
        environment["PACH_DATUM_ID"] = datum.id
        environment["PPS_PIPELINE_NAME"] = spec.name
        for input in datum.inputs {
            let path = "\(pfsRoot)/\(input.name)" + (input.path == "/" ? "" : input.path)
            let variable = "DVER_INPUT_" + String(input.name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
            environment[variable] = path
            // Pachyderm's `$<name>`, unless the name is one the sandbox itself needs.
            if !["PATH", "HOME", "TMPDIR", "LANG", "USER"].contains(input.name), !input.name.hasPrefix("DVER_"),
               !input.name.hasPrefix("PACH_") {
                environment[input.name] = path
            }
            if let commit = inputCommits[input.name] { environment["\(input.name)_COMMIT"] = commit }
            if let key = input.joinKey, !key.isEmpty { environment["PACH_DATUM_\(input.name)_JOIN_ON"] = key }
            if let key = input.groupKey, !key.isEmpty { environment["PACH_DATUM_\(input.name)_GROUP_BY"] = key }
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
