import ArgumentParser
import DverCore
import DverGit
import DverPipeline
import DverRepository

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a branch or commit into the checked-out branch of its repo.",
        discussion: """
        Fast-forwards when the branch has not moved; otherwise merges the two trees against their merge base, path by path, and commits the result with two parents. A path changed differently on both sides, or modified on one and deleted on the other, is a conflict: the merge stops (exit 6) with our version in the workspace, their changes staged, and the conflicts listed; 'dver status' shows them. Resolve each by editing and 'dver add', or 'dver checkout --ours|--theirs PATH', then 'dver commit'. The repo must have no uncommitted changes. A merge commit runs the pipelines reading the branch, as a commit does.

        Examples:
          dver merge raw@feature
          dver merge raw@feature -m "take the relabelled images"
          dver merge raw@feature --strategy theirs       # conflicts go their way
          dver merge raw@feature --ours 'labels/**'      # conflicts under labels/ keep ours
          dver merge --abort raw                         # give up: back to the commit before the merge
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO@REV to merge in; with --abort, the REPO.")
    var revision: String

    @Option(name: [.short, .long], help: "Message of the merge commit.")
    var message: String?

    @Option(help: ArgumentHelp("Settle every conflict with this side's version.", valueName: "ours|theirs"))
    var strategy: String?

    @Option(name: .customLong("ours"), help: ArgumentHelp("Conflicts at paths matching PATTERN (gitignore syntax, relative to the repo) keep our version. Repeatable.", valueName: "PATTERN"))
    var oursPatterns: [String] = []

    @Option(name: .customLong("theirs"), help: ArgumentHelp("Conflicts at paths matching PATTERN take their version. Repeatable; wins over --ours.", valueName: "PATTERN"))
    var theirsPatterns: [String] = []

    @Flag(help: "Stage the merge but do not commit it (finish with 'dver commit').")
    var noCommit = false

    @Flag(help: "Do not run the pipelines downstream of the merged branch.")
    var noTrigger = false

    @Flag(help: "Give up the merge in progress in REPO.")
    var abort = false

    func validate() throws {
        if let strategy, MergeSide(rawValue: strategy) == nil { throw ValidationError("--strategy takes ours or theirs, not '\(strategy)'") }
        for pattern in oursPatterns + theirsPatterns where PathPattern(pattern) == nil {
            throw ValidationError("'\(pattern)' is not a path pattern (blank or a comment)")
        }
        if abort, revision.contains("@") { throw ValidationError("--abort takes a repo name: dver merge --abort \(revision.split(separator: "@")[0])") }
    }

    func run() throws {
        let project = try global.project()
        let console = global.console
        if abort {
            let result = try project.abortMerge(repo: revision)
            writeLock(project)
            console.line("merge in \(result.repo) aborted; back at \(result.commit.shortHex()) (wrote \(Format.count(result.written, "file")), removed \(result.removed))")
            return
        }
        var spec = RevisionSpec(parsing: revision)
        if spec.revision == nil, spec.path == nil, (try? project.repo(named: spec.repo)) == nil {
            throw ValidationError("name what to merge as REPO@BRANCH or REPO@COMMIT, e.g. raw@feature")
        }
        spec.path = nil
        let options = MergeOptions(strategy: strategy.flatMap(MergeSide.init(rawValue:)), ours: oursPatterns.compactMap(PathPattern.init),
                                   theirs: theirsPatterns.compactMap(PathPattern.init), message: message)
        let result = try project.merge(spec, options: options)
        let target = "\(result.repo)@\(result.branch ?? "detached")"
        var moved = [(repo: String, branch: String)]()
        switch result.outcome {
        case .upToDate:
            console.line("\(target) already contains \(revision)")
        case .fastForward(let checkout):
            console.line("\(target): fast-forward \(result.ours?.shortHex() ?? "(empty)")..\(result.theirs.shortHex()); wrote \(Format.count(checkout.written, "file")), removed \(checkout.removed)")
            if let branch = result.branch { moved.append((result.repo, branch)) }
        case .staged:
            for settled in result.settled { console.line("  conflict \(settled.path) settled: \(settled.side.rawValue)") }
            if noCommit {
                console.line("\(target): merge of \(revision) staged (\(Format.count(result.taken.count, "change"))); 'dver commit' finishes it")
            } else {
                let git = GitSupport.open(project, console: console)
                GitSupport.useGitAuthor(git, for: project)
                let committed = try project.commit(message: nil, repos: [result.repo], gitHead: try git?.headForCommit() ?? "")
                for commit in committed.commits {
                    console.line("[\(target) \(commit.commit.shortHex())] \(result.message) (\(result.taken.count) changes from \(revision))")
                    if let branch = commit.branch { moved.append((commit.repo, branch)) }
                }
            }
        case .conflicts(let conflicts):
            for settled in result.settled { console.line("  conflict \(settled.path) settled: \(settled.side.rawValue)") }
            if global.json {
                try emit(result, conflicts: conflicts, jobs: [])
            } else {
                console.line("\(target): merging \(revision) stopped on \(conflicts.count) conflict\(conflicts.count == 1 ? "" : "s") (\(result.taken.count) other changes staged):")
                for conflict in conflicts {
                    console.line("  CONFLICT (\(conflict.reason)): \(conflict.path)")
                    console.line("    ours   \(Self.describe(conflict.ours))")
                    console.line("    theirs \(Self.describe(conflict.theirs))")
                }
                console.line("resolve each: edit it and 'dver add' it, or 'dver checkout --ours|--theirs PATH'; then 'dver commit'. 'dver merge --abort \(result.repo)' gives up.")
            }
            throw ReportedFailure(status: .mergeConflicts)
        }
        writeLock(project)
        let jobs = noTrigger ? [] : try PipelineTrigger.afterChange(project, changed: moved, gitHead: "", console: console)
        if global.json { try emit(result, conflicts: [], jobs: jobs) } else {
            for job in jobs { JobReport.lines(job).forEach { console.line($0) } }
        }
        try PipelineTrigger.check(jobs)
    }

    /// `12 B 3fa9c1d2e4f5` or `absent (deleted)`.
    static func describe(_ version: MergeState.Version?) -> String {
        guard let version else { return "absent (deleted)" }
        return "\(Format.bytes(version.size)) \(version.id.prefix(12))" + (version.kind == EntryKind.symlink.rawValue ? " (symlink)" : "")
    }

    private func writeLock(_ project: Project) {
        guard let git = GitSupport.open(project, console: global.console) else { return }
        do { try git.writeLock() } catch { global.console.notice("dver: could not update dver.lock: \(error)") }
    }

    private func emit(_ result: MergeResult, conflicts: [MergeState.Conflict], jobs: [JobRecord]) throws {
        struct Conflict: Encodable { let path: String; let reason: String; let ours: String?; let theirs: String? }
        struct Output: Encodable {
            let repo: String; let branch: String?; let outcome: String; let ours: String?; let theirs: String; let base: String?
            let taken: Int; let conflicts: [Conflict]; let jobs: [JobReport.Summary]
        }
        let outcome: String
        switch result.outcome {
        case .upToDate: outcome = "up_to_date"
        case .fastForward: outcome = "fast_forward"
        case .staged: outcome = noCommit ? "staged" : "merged"
        case .conflicts: outcome = "conflicts"
        }
        try global.console.emit(Output(repo: result.repo, branch: result.branch, outcome: outcome, ours: result.ours?.hex, theirs: result.theirs.hex,
                                       base: result.base?.hex, taken: result.taken.count,
                                       conflicts: conflicts.map { Conflict(path: $0.path, reason: $0.reason, ours: $0.ours?.id, theirs: $0.theirs?.id) },
                                       jobs: jobs.map(JobReport.Summary.init)))
    }
}
