import ArgumentParser
import DverCore
import DverGit
import DverRemote
import DverRepository

struct Checkout: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Make a repo's workspace match a branch, commit or commit set.",
        discussion: """
        Rewrites only files that differ, removes tracked files not in the target, keeps untracked files. Refuses (exit 2) to overwrite or delete uncommitted changes, naming the files, unless --force.

        Examples:
          dver checkout raw@exp          # switch to branch exp
          dver checkout raw@3fa9c1       # a commit (detached)
          dver checkout raw@main~2
          dver checkout 9d1c0e...        # every repo of a commit set
          dver checkout --force raw      # discard workspace changes
          dver checkout --git v1.0       # the data git revision v1.0 pins (git's HEAD and files stay)
          dver checkout --git HEAD~2 --force
          dver checkout --theirs data/raw/labels.csv   # a merge conflict: take their version (staged)
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.short, .long], help: "Overwrite or delete uncommitted changes.")
    var force = false

    @Option(name: .customLong("git"), help: ArgumentHelp("Restore the data a git revision's dver.lock pins, without moving git's HEAD or files.", valueName: "REV"))
    var gitRevision: String?

    @Flag(help: "During a merge: put our version of the conflicted PATHs in the workspace and stage it.")
    var ours = false

    @Flag(help: "During a merge: put their version of the conflicted PATHs in the workspace and stage it.")
    var theirs = false

    @Argument(help: "REPO[@REV] or a commit-set id; with --ours/--theirs, conflicted paths.")
    var targets: [String] = []

    func validate() throws {
        if ours || theirs {
            if ours && theirs { throw ValidationError("give --ours or --theirs, not both") }
            if targets.isEmpty || gitRevision != nil { throw ValidationError("--ours/--theirs take the conflicted paths: dver checkout --theirs data/raw/a.csv") }
            return
        }
        if targets.count > 1 { throw ValidationError("give one target (REPO[@REV] or a commit-set id)") }
        if targets.isEmpty == (gitRevision == nil) {
            throw ValidationError("give either a target (REPO[@REV] or a commit-set id) or --git REV")
        }
    }

    func run() throws {
        let project = try global.project()
        if let gitRevision { return try checkoutGit(gitRevision, project: project) }
        if ours || theirs {
            let paths = try targets.map { try project.relativePath($0, workingDirectory: workingDirectory) }
            let resolved = try project.resolveConflicts(paths, side: ours ? .ours : .theirs)
            if global.json { return try global.console.emit(resolved) }
            for path in resolved { global.console.line("\(path): \(ours ? "ours" : "theirs") (staged; conflict resolved)") }
            return
        }
        guard let target = targets.first else { return }
        let spec = RevisionSpec(parsing: target)
        var results = [CheckoutResult]()
        if !target.contains("@"), (try? project.repo(named: spec.repo)) == nil {
            let sets = try project.commitSets(prefix: target)
            guard sets.count == 1 else {
                if sets.count > 1 { throw RepositoryError.ambiguousRevision(target, candidates: sets.map(\.id)) }
                throw RepositoryError.unknownRevision(target, reason: "no repo and no commit set has this name; 'dver repo list' shows repos, 'dver log' shows commit sets")
            }
            results = try project.checkout(commitSet: sets[0], force: force)
        } else {
            results = [try project.checkout(spec, force: force)]
        }
        if let git = GitSupport.open(project, console: global.console) {
            // Like 'dver commit': dver.lock names what the next git commit pins.
            do { try git.writeLock() } catch { global.console.notice("dver: could not update dver.lock: \(error)") }
        }
        if global.json {
            struct Item: Encodable { let repo: String; let commit: String; let branch: String?; let written: Int; let removed: Int; let unchanged: Int }
            try global.console.emit(results.map {
                Item(repo: $0.repo, commit: $0.commit.hex, branch: $0.branch, written: $0.written, removed: $0.removed, unchanged: $0.unchanged)
            })
            return
        }
        for result in results {
            let position = result.branch.map { "branch \($0) at" } ?? "detached at"
            global.console.line("repo \(result.repo): \(position) \(result.commit.shortHex()); wrote \(Format.count(result.written, "file")) "
                + "(\(Format.bytes(result.bytesWritten))), removed \(result.removed), kept \(result.unchanged)")
        }
    }

    /// `--git REV`: restore every repo REV's dver.lock pins.
    private func checkoutGit(_ revision: String, project: Project) throws {
        guard let git = try GitProject.open(project) else { throw GitError.notARepository(path: project.root) }
        let commit = try git.git.resolveCommit(revision)
        guard let lock = try git.lock(atCommit: commit) else {
            throw GitError.noLockFile(revision: revision, path: git.lockPathInGit)
        }
        // Fetched objects are named only once restored: gc waits until then (objects lock).
        let report = try project.withObjectWriters {
            try fetchPinnedData(lock.entries.map(\.commit), project: project, console: global.console)
            return try LockRestore(project: project).restore(lock, force: force)
        }
        if !report.created.isEmpty { GitSupport.refreshIgnoreFile(project, console: global.console) }
        if global.json {
            struct Item: Encodable { let repo: String; let commit: String; let state: String; let paths: [String]? }
            var items = report.restored.map { Item(repo: $0.repo, commit: $0.commit.hex, state: "restored", paths: nil) }
            items += report.unchanged.compactMap { name in lock.entry(for: name).map { Item(repo: name, commit: $0.commit.hex, state: "unchanged", paths: nil) } }
            items += report.kept.map { Item(repo: $0.repo, commit: $0.commit.hex, state: "kept_uncommitted_changes", paths: $0.paths) }
            items += report.missing.map { Item(repo: $0.repo, commit: $0.commit.hex, state: "missing", paths: nil) }
            try global.console.emit(items.sorted { $0.repo < $1.repo })
        } else {
            for line in GitSupport.describe(report, pinnedBy: revision) { global.console.line(line) }
            for name in report.unchanged { global.console.line("repo \(name): already at the commit \(revision) pins") }
        }
        if !report.kept.isEmpty { throw ReportedFailure(status: .wouldLoseChanges) }
        if !report.missing.isEmpty { throw ReportedFailure(status: .failure) }
    }
}
