import ArgumentParser
import DverGit
import DverPipeline
import DverRepository

struct CommitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Record staged changes: one commit per repo, sharing one commit-set id.",
        discussion: """
        Examples:
          dver commit -m "first drop"
          dver commit -m "fix labels" raw     # only repo 'raw'
          dver commit -m "drop 2" --no-trigger # do not run downstream pipelines

        After the commit, the pipelines reading the committed branches run (and their downstream pipelines, in DAG order), unless --no-trigger is given, DVER_NO_TRIGGER=1 is set, or "trigger_pipelines": false is in .dver/config.json. If a job fails the commit stays made; the exit status is 5 and 'dver job inspect JOB' shows why.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.short, .long], help: "Commit message (optional when finishing a merge: the merge's message).")
    var message: String?

    @Argument(help: "Repos to commit (default: every repo with staged changes).")
    var repos: [String] = []

    @Flag(help: "Do not run the pipelines downstream of the committed repos.")
    var noTrigger = false

    @Option(help: "Author of the commits (default: $DVER_AUTHOR, the project config's author, git's user.name <user.email>, or your login name).")
    var author: String?

    func run() throws {
        let project = try global.project()
        if message == nil, try project.mergesInProgress().isEmpty {
            throw ValidationError("a commit needs a message: --message/-m MESSAGE (it may be left out only to finish a merge)")
        }
        let git = GitSupport.open(project, console: global.console)
        let gitHead = try git?.headForCommit() ?? ""
        GitSupport.useGitAuthor(git, for: project)
        let result: CommitResult
        do {
            result = try project.commit(message: message, repos: repos, gitHead: gitHead, author: author)
        } catch RepositoryError.nothingToCommit {
            global.console.notice("nothing to commit (stage changes with 'dver add')")
            throw ReportedFailure(status: .failure)
        }
        // The commit is made: say so before pipelines run (a job may take an hour or be interrupted).
        if !global.json { printCommits(result) }
        let jobs = noTrigger ? [] : try PipelineTrigger.afterCommit(project, result, gitHead: gitHead, console: global.console)
        if let git {
            // The next git commit pins these commits (and the pipeline outputs they produced);
            // 'git status' shows dver.lock modified.
            do { try git.writeLock() } catch { global.console.notice("dver: could not update dver.lock: \(error)") }
        }
        if global.json {
            struct Item: Encodable { let repo: String; let branch: String?; let commit: String; let parent: String?; let changes: Int }
            struct Output: Encodable { let commit_set: String?; let commits: [Item]; let jobs: [JobReport.Summary] }
            try global.console.emit(Output(commit_set: result.commitSet?.hex, commits: result.commits.map {
                Item(repo: $0.repo, branch: $0.branch, commit: $0.commit.hex, parent: $0.parent?.hex, changes: $0.changes.total)
            }, jobs: jobs.map(JobReport.Summary.init)))
            try PipelineTrigger.check(jobs)
            return
        }
        for job in jobs { JobReport.lines(job).forEach { global.console.line($0) } }
        try PipelineTrigger.check(jobs)
    }

    /// One line per commit, then the commit set (stdout is written unbuffered).
    private func printCommits(_ result: CommitResult) {
        for commit in result.commits {
            let counts = commit.changes
            let summary = [(counts.added, "added"), (counts.modified, "modified"), (counts.deleted, "deleted")]
                .filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            global.console.line("[\(commit.repo)@\(commit.branch ?? "detached") \(commit.commit.shortHex())] \(message ?? "merge") (\(summary))")
        }
        if let set = result.commitSet { global.console.line("commit set \(set.hex)") }
    }
}
