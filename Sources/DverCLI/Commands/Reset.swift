import ArgumentParser
import DverCore
import DverGit
import DverPipeline
import DverRepository

struct Reset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Move the checked-out branch of a repo to another commit.",
        discussion: """
        Without --hard the workspace files stay as they are and the index is reset to the commit, so what differs shows as not staged. With --hard the workspace is made to match the commit first; like checkout, that refuses (exit 2) to overwrite uncommitted changes unless --force, and it gives up a merge in progress. Commits left behind stay in the store (and in 'dver log REPO@OLD-ID') until 'dver gc'. The pipelines reading the branch run, as after a commit.

        Examples:
          dver reset raw@main~1            # undo the last commit, keep its files as changes
          dver reset --hard raw@main~1     # and the files too
          dver reset --hard raw@3fa9c1 --force
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO@REV: the commit to move the checked-out branch to.")
    var revision: String

    @Flag(help: "Make the workspace match the commit too.")
    var hard = false

    @Flag(name: [.short, .long], help: "With --hard: overwrite uncommitted changes.")
    var force = false

    @Flag(help: "Do not run the pipelines downstream of the branch.")
    var noTrigger = false

    func validate() throws {
        if force, !hard { throw ValidationError("--force goes with --hard (a reset without --hard keeps every file)") }
        if !revision.contains("@") { throw ValidationError("name the commit as REPO@REV, e.g. raw@main~1") }
    }

    func run() throws {
        let project = try global.project()
        let result = try project.reset(RevisionSpec(parsing: revision), hard: hard, force: force)
        if let git = GitSupport.open(project, console: global.console) {
            do { try git.writeLock() } catch { global.console.notice("dver: could not update dver.lock: \(error)") }
        }
        let target = "\(result.repo)@\(result.branch ?? "detached")"
        if let checkout = result.checkout {
            global.console.line("\(target) reset to \(result.commit.shortHex()) (was \(result.previous?.shortHex() ?? "none")); wrote \(Format.count(checkout.written, "file")), removed \(checkout.removed)")
        } else {
            global.console.line("\(target) reset to \(result.commit.shortHex()) (was \(result.previous?.shortHex() ?? "none")); \(result.unstaged) file\(result.unstaged == 1 ? "" : "s") now not staged")
        }
        let moved = result.branch.map { [(repo: result.repo, branch: $0)] } ?? []
        let jobs = noTrigger || result.previous == result.commit ? [] : try PipelineTrigger.afterChange(project, changed: moved, gitHead: "", console: global.console)
        for job in jobs { JobReport.lines(job).forEach { global.console.line($0) } }
        try PipelineTrigger.check(jobs)
    }
}

struct Revert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert",
        abstract: "Make a new commit that undoes an earlier one.",
        discussion: """
        The commit's changes are undone on top of the checked-out commit by a three-way merge (a merge commit is undone against its first parent). Where later commits changed the same paths the revert stops on conflicts, as 'dver merge' does (exit 6): resolve, then 'dver commit'; 'dver merge --abort REPO' gives up.

        Examples:
          dver revert raw@main~2
          dver revert raw@3fa9c1 -m "restore the old labels"
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO@COMMIT to undo.")
    var revision: String

    @Option(name: [.short, .long], help: "Message (default: Revert \"…\").")
    var message: String?

    @Flag(help: "Do not run the pipelines downstream of the branch.")
    var noTrigger = false

    func validate() throws {
        if !revision.contains("@") { throw ValidationError("name the commit to undo as REPO@REV, e.g. raw@main~1") }
    }

    func run() throws {
        let project = try global.project()
        let result = try project.revert(RevisionSpec(parsing: revision), options: MergeOptions(message: message))
        let target = "\(result.repo)@\(result.branch ?? "detached")"
        switch result.outcome {
        case .upToDate:
            global.console.line("\(target): nothing to revert (the changes of \(revision) are already undone)")
            return
        case .conflicts(let conflicts):
            global.console.line("\(target): reverting \(revision) stopped on \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s"):")
            for conflict in conflicts {
                global.console.line("  CONFLICT (\(conflict.reason)): \(conflict.path)")
                global.console.line("    ours   \(Merge.describe(conflict.ours))")
                global.console.line("    theirs \(Merge.describe(conflict.theirs))")
            }
            global.console.line("resolve each (edit + 'dver add', or 'dver checkout --ours|--theirs PATH'), then 'dver commit'; 'dver merge --abort \(result.repo)' gives up.")
            throw ReportedFailure(status: .mergeConflicts)
        case .staged, .fastForward:
            let git = GitSupport.open(project, console: global.console)
            GitSupport.useGitAuthor(git, for: project)
            let committed = try project.commit(message: nil, repos: [result.repo], gitHead: try git?.headForCommit() ?? "")
            if let git { do { try git.writeLock() } catch { global.console.notice("dver: could not update dver.lock: \(error)") } }
            for commit in committed.commits {
                global.console.line("[\(target) \(commit.commit.shortHex())] \(result.message.split(separator: "\n").first ?? "") (\(Format.count(result.taken.count, "change")))")
            }
            let moved = committed.commits.compactMap { commit in commit.branch.map { (repo: commit.repo, branch: $0) } }
            let jobs = noTrigger ? [] : try PipelineTrigger.afterChange(project, changed: moved, gitHead: "", console: global.console)
            for job in jobs { JobReport.lines(job).forEach { global.console.line($0) } }
            try PipelineTrigger.check(jobs)
        }
    }
}
