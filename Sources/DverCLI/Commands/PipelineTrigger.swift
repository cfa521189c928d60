import DverGit
import DverPipeline
import DverRemote
import DverRepository
import Foundation

/// The hook between `dver commit` and DverPipeline: runs the downstream pipelines of what a
/// commit changed, unless the project or environment turns triggers off.
enum PipelineTrigger {
    static func afterCommit(_ project: Project, _ result: CommitResult, gitHead: String, console: Console) throws -> [JobRecord] {
        try afterChange(project, changed: result.commits.compactMap { commit in commit.branch.map { (repo: commit.repo, branch: $0) } },
                        gitHead: gitHead, console: console)
    }

    /// Runs the pipelines downstream of branches that moved (a commit, a merge, a reset).
    static func afterChange(_ project: Project, changed: [(repo: String, branch: String)], gitHead: String, console: Console) throws -> [JobRecord] {
        guard project.config.triggerPipelines, ProcessInfo.processInfo.environment["DVER_NO_TRIGGER"] != "1", !changed.isEmpty else { return [] }
        var runner = runner(project)
        runner.gitHead = gitHead
        return try runner.runDownstream(of: changed) { job in
            if job.state == .failed { console.notice("dver: pipeline \(job.pipeline) failed (job \(job.id)); the commit is kept") }
        }
    }

    /// A runner for jobs started by hand, whose output commits record the git HEAD like 'dver commit'.
    static func manualRunner(_ project: Project, console: Console) -> JobRunner {
        var runner = runner(project)
        runner.gitHead = (try? GitSupport.open(project, console: console)?.headForCommit()) ?? ""
        return runner
    }

    /// A runner that can dispatch to clusters and copy outputs to a spec's egress URL.
    static func runner(_ project: Project) -> JobRunner {
        var runner = JobRunner(project: project)
        runner.dispatcherFactory = ClusterSupport.factory(project)
        runner.egressHandler = { url, repo, commit in
            let copied = try Egress(project: project).copy(commit: commit, to: url)
            return "egress: copied \(Format.count(copied.files, "file")) (\(Format.count(Int(clamping: copied.bytes), "byte"))) of \(repo)@\(commit.shortHex()) to \(url)"
                + (copied.symlinks > 0 ? "; \(Format.count(copied.symlinks, "symlink")) not copied" : "")
        }
        return runner
    }

    /// Exit status 5 when a triggered job failed (the commit itself succeeded).
    static func check(_ jobs: [JobRecord]) throws {
        if jobs.contains(where: { $0.state == .failed }) { throw ReportedFailure(status: .jobFailed) }
    }
}
