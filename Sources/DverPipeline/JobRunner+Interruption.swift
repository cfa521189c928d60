import DverSystem
import Foundation

extension JobRunner {
    /// What happens to a running job on Ctrl-C or SIGTERM (when the CLI installed
    /// `InterruptCleanup`): the datums that finished are checkpointed and cached, and the job is
    /// recorded as failed with every datum that ended — instead of staying "running" until
    /// `JobStore` notices that its process is gone.
    func interruptAction(planned: JobRecord, checkpoints: DatumCheckpoints?) -> InterruptCleanup.Token {
        let jobs = self.jobs
        return InterruptCleanup.addAction { signal in
            checkpoints?.flush()
            let progress = checkpoints?.progress() ?? (ended: [:], cached: 0)
            try? jobs.save(planned.interrupted(by: signal, ended: progress.ended, cached: progress.cached))
        }
    }
}

extension JobRecord {
    /// This record (as planned) with the datums that `ended`, failed by `signal`.
    func interrupted(by signal: Int32, ended: [Int: DatumRecord], cached: Int) -> JobRecord {
        var record = self
        for (index, datum) in ended where record.datums.indices.contains(index) { record.datums[index] = datum }
        let toRun = datums.filter { $0.state == .pending }.count
        record.state = .failed
        let how = signal == SIGINT ? "interrupted (Ctrl-C)" : "stopped by signal \(signal)"
        record.error = "\(how) after \(ended.count) of \(toRun) datum\(toRun == 1 ? "" : "s") to run had ended; "
            + (cached == 1 ? "1 finished result is kept and the next run skips it" : "\(cached) finished results are kept and the next run skips them")
        record.finished = Date().timeIntervalSince1970
        return record
    }
}
