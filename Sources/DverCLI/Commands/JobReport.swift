import DverPipeline
import Foundation

/// How jobs are shown by `commit`, `pipeline run`, `job list` and `job inspect`.
enum JobReport {
    static func headline(_ job: JobRecord) -> String {
        let total = (job.finished ?? job.started) - job.started
        let state = job.state == .failed ? "FAILED" : job.state == .dispatched ? "DISPATCHED" : job.state.rawValue
        return "job \(job.id) \(job.pipeline): \(state), \(job.summary)"
            + String(format: " (plan %.1f ms, total %.2f s, %@)", job.planSeconds * 1000, total, job.runtime.isEmpty ? "no runtime" : job.runtime)
    }

    /// The lines printed after a job ran.
    static func lines(_ job: JobRecord) -> [String] {
        var lines = [headline(job)]
        if let output = job.outputCommit { lines.append("  output \(job.pipeline)@\(String(output.prefix(12)))") }
        if job.outputCommit == nil, let unchanged = job.outputUnchanged { lines.append("  \(unchanged)") }
        if job.state == .dispatched { lines += job.notes.map { "  \($0)" } }
        if job.state == .failed {
            for datum in job.datums where datum.state == .failed {
                lines.append("  datum \(datum.id.prefix(12)) \(datum.inputs.joined(separator: ", ")): \(datum.error ?? "failed") (\(datum.attempts) attempt\(datum.attempts == 1 ? "" : "s"))")
            }
            if let error = job.error, !job.datums.contains(where: { $0.state == .failed }) { lines.append("  \(error)") }
            lines.append("  logs: dver logs \(job.id)" + (job.datums.first { $0.state == .failed }.map { " --datum \($0.id.prefix(12))" } ?? ""))
        }
        return lines
    }

    /// A compact JSON view of a job (job list, commit --json).
    struct Summary: Encodable {
        let id: String
        let pipeline: String
        let state: String
        let trigger: String
        let runtime: String
        let datums: Int
        let ran: Int
        let skipped: Int
        let failed: Int
        /// Failed, then recovered by err_cmd (no output).
        let recovered: Int
        let output_commit: String?
        let plan_seconds: Double
        let seconds: Double
        let error: String?

        init(_ job: JobRecord) {
            id = job.id
            pipeline = job.pipeline
            state = job.state.rawValue
            trigger = job.trigger
            runtime = job.runtime
            datums = job.datums.count
            ran = job.count(.succeeded) + job.count(.failed) + job.count(.recovered)
            skipped = job.count(.skipped)
            failed = job.count(.failed)
            recovered = job.count(.recovered)
            output_commit = job.outputCommit
            plan_seconds = job.planSeconds
            seconds = (job.finished ?? job.started) - job.started
            error = job.error
        }
    }
}
