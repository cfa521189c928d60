import ArgumentParser
import DverGit
import DverRepository
import DverSystem

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show staged, modified, deleted and untracked files per repo.",
        discussion: """
        Reads no file data for files whose stat data is unchanged since they were staged.

        Examples:
          dver status
          dver status raw --json
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Repos to show (default: all).")
    var repos: [String] = []

    func run() throws {
        let project = try global.project()
        let statuses = try project.status(repos: repos)
        let stale = stalePipelines(project)
        if global.json {
            try global.console.emit(statuses.map { status in
                var json = StatusJSON(status)
                json.stale_pipeline = stale[status.repo.name].map(StalePipelineJSON.init)
                return json
            })
            return
        }
        if statuses.isEmpty {
            global.console.data("No repos yet; 'dver add DIR' creates one.")
            return
        }
        for status in statuses {
            print(status, root: project.root)
            printStale(stale[status.repo.name])
        }
        try printLockDifferences(project)
    }

    /// When a dver.lock exists: repos whose checked-out data differs from what it pins, by the
    /// rule restoring and writing the lock follow (`LockFile.differences(in:)`), so each line is
    /// cleared by 'dver checkout --git HEAD' or by the next git commit. Reads the file only (no
    /// git calls), so status stays fast.
    private func printLockDifferences(_ project: Project) throws {
        let path = "\(project.root)/\(LockFile.fileName)"
        guard repos.isEmpty, FileSystem.exists(path) else { return }
        let lock: LockFile
        do {
            lock = try LockFile.parse(try FileSystem.readText(path), source: LockFile.fileName)
        } catch {
            global.console.data("dver.lock: \(error)")
            return
        }
        let lines = try lock.differences(in: project).map { difference in
            let moved = difference.pinned != nil && difference.current != nil && difference.pinned?.path != difference.current?.path
            func describe(_ entry: LockFile.Entry?) -> String {
                entry.map { "\($0.commit.shortHex()) (\($0.branch ?? "detached"))" + (moved ? " at \($0.path)/" : "") } ?? "nothing"
            }
            let now = difference.current != nil || difference.pinned == nil ? "checked out \(describe(difference.current))"
                : difference.repoExists ? "nothing checked out yet (the pin is kept)" : "no such repo here"
            return "    \(difference.repo): dver.lock pins \(describe(difference.pinned)), \(now)"
        }
        guard !lines.isEmpty else { return }
        global.console.data("dver.lock differs from the checked-out data:")
        for line in lines { global.console.data(line) }
        global.console.data("  (the next git commit pins the checked-out data; 'dver checkout --git HEAD' restores what HEAD pins)")
    }

    private func print(_ status: RepoStatus, root: String) {
        let console = global.console
        let where_ = status.repo.branch.map { "branch \($0)" } ?? "detached at \(status.head?.shortHex() ?? "?")"
        let head = status.head.map { $0.shortHex() } ?? "no commits yet"
        console.data("repo \(status.repo.name) (\(status.repo.mount)/, \(where_), \(head))")
        if let interrupted = status.interruptedCheckout {
            let revision = interrupted.branch ?? String(interrupted.to.prefix(12))
            console.data("  a checkout to \(revision) was interrupted: files may hold either version.")
            console.data("  finish it with 'dver checkout \(status.repo.name)@\(revision)' (no --force needed; real edits stay protected)")
        }
        if let merge = status.merge {
            let unresolved = merge.unresolved
            console.data("  merging \(merge.theirsLabel) (\(merge.theirs.prefix(12))) into \(status.repo.branch ?? "the detached commit"): "
                         + (unresolved.isEmpty ? "all conflicts resolved; 'dver commit' finishes the merge"
                                               : "\(unresolved.count) conflict\(unresolved.count == 1 ? "" : "s") to resolve"))
            for conflict in unresolved { console.data("    conflict  \(conflict.path)  (\(conflict.reason))") }
            if !unresolved.isEmpty {
                console.data("  resolve: edit and 'dver add PATH', or 'dver checkout --ours|--theirs PATH'; then 'dver commit'; 'dver merge --abort \(status.repo.name)' gives up")
            }
        }
        defer {
            if !status.ignored.isEmpty {
                console.data("  ignored (nested .git/.dver, or names that are not UTF-8: dver never tracks these):")
                for path in status.ignored { console.data("    \(path)") }
            }
        }
        if status.isClean {
            console.data("  nothing to commit, workspace clean")
            return
        }
        if !status.staged.isEmpty {
            console.data("  staged for commit:")
            for change in status.staged { console.data("    \(change.kind.rawValue.padding(9))\(change.path)") }
        }
        if !status.unstaged.isEmpty {
            console.data("  not staged (use 'dver add'):")
            for change in status.unstaged { console.data("    \(change.kind.rawValue.padding(9))\(change.path)") }
        }
        if !status.untracked.isEmpty {
            console.data("  untracked (use 'dver add'):")
            for path in status.untracked { console.data("    \(path)") }
        }
    }
}

struct StatusJSON: Encodable {
    struct ChangeJSON: Encodable { let path: String; let change: String }
    let repo: String
    let mount: String
    let branch: String?
    let head: String?
    let staged: [ChangeJSON]
    let unstaged: [ChangeJSON]
    let untracked: [String]
    let ignored: [String]
    let interrupted_checkout: String?
    let merge: MergeJSON?
    let clean: Bool
    /// Set when the repo is a pipeline's output and the pipeline has not run on its inputs' heads.
    var stale_pipeline: StalePipelineJSON?

    struct MergeJSON: Encodable {
        struct Conflict: Encodable { let path: String; let reason: String; let resolved: Bool }
        let theirs: String
        let theirs_label: String
        let base: String?
        let conflicts: [Conflict]
    }

    init(_ status: RepoStatus) {
        repo = status.repo.name
        mount = status.repo.mount
        branch = status.repo.branch
        head = status.head?.hex
        staged = status.staged.map { ChangeJSON(path: $0.path, change: $0.kind.rawValue) }
        unstaged = status.unstaged.map { ChangeJSON(path: $0.path, change: $0.kind.rawValue) }
        untracked = status.untracked
        ignored = status.ignored
        interrupted_checkout = status.interruptedCheckout?.to
        merge = status.merge.map { merge in
            MergeJSON(theirs: merge.theirs, theirs_label: merge.theirsLabel, base: merge.base,
                      conflicts: merge.conflicts.map { .init(path: $0.path, reason: $0.reason, resolved: $0.resolved) })
        }
        clean = status.isClean
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
