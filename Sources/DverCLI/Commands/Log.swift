import ArgumentParser
import DverCore
import DverGit
import DverRepository

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show commit history with ids, messages, times and commit sets.",
        discussion: """
        Examples:
          dver log                 # every repo
          dver log raw -n 5
          dver log raw@exp --json
          dver log raw --graph --oneline   # merges drawn as lanes
          dver log raw --first-parent      # only the branch's own line
          dver log --git                 # git commits that changed which data they pin
          dver log --git v1.0 -n 10
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO or REPO@REV (default: every repo at its checked-out commit); with --git, a git revision (default HEAD).")
    var revisions: [String] = []

    @Flag(name: .customLong("git"), help: "Walk git history instead: each git commit whose dver.lock changed, with the data commits it pins.")
    var gitHistory = false

    @Option(name: [.customShort("n"), .customLong("max-count")], help: "Show at most this many commits per repo.")
    var limit: Int?

    @Flag(help: "Draw the history's lanes (merges and where branches forked) left of each commit.")
    var graph = false

    @Flag(help: "One line per commit: short id and the message's first line.")
    var oneline = false

    @Flag(help: "Follow only the first parent of merge commits.")
    var firstParent = false

    func validate() throws {
        if gitHistory, revisions.count > 1 { throw ValidationError("--git takes at most one git revision") }
    }

    func run() throws {
        let project = try global.project()
        if gitHistory { return try showGitHistory(project) }
        let specs = try revisions.isEmpty ? project.repos().map { RevisionSpec(parsing: $0.name) } : revisions.map { RevisionArgument.parse($0, project: project) }
        var all = [(String, [CommitInfo])]()
        for spec in specs { all.append((spec.repo, try project.log(spec, limit: limit, firstParent: firstParent))) }
        if global.json {
            struct Entry: Encodable {
                let repo: String, id: String, parents: [String], tree: String, time: String
                let author: String, message: String, commit_set: String?, git_head: String?, provenance: [String: String]
            }
            try global.console.emit(all.flatMap { repo, commits in commits.map {
                Entry(repo: repo, id: $0.id.hex, parents: $0.commit.parents.map(\.hex), tree: $0.commit.tree.hex,
                      time: Format.isoDate($0.commit.time), author: $0.commit.author, message: $0.commit.message,
                      commit_set: $0.commit.commitSet?.hex, git_head: $0.commit.gitHead.isEmpty ? nil : $0.commit.gitHead,
                      provenance: $0.commit.provenance)
            } })
            return
        }
        for (repo, commits) in all {
            if commits.isEmpty { global.console.data("repo \(repo): no commits yet") }
            var lanes = graph ? LogGraph() : nil
            for info in commits {
                let commit = info.commit
                let drawn = lanes?.draw(info)
                for line in drawn?.before ?? [] { global.console.data(line) }
                let prefix = drawn.map { $0.row + " " } ?? ""
                // Lines under a commit continue its lanes: every lane is `|`.
                let continuation = drawn.map { String($0.row.map { $0 == "*" ? "|" : $0 }) + " " } ?? ""
                defer { for line in drawn?.after ?? [] { global.console.data(line) } }
                if oneline {
                    let subject = commit.message.split(separator: "\n").first.map(String.init) ?? ""
                    global.console.data("\(prefix)\(info.id.shortHex()) \(repo): \(subject)")
                    continue
                }
                global.console.data("\(prefix)commit \(info.id.hex) (\(repo))")
                if commit.parents.count > 1 {
                    global.console.data("\(continuation)Merge:  \(commit.parents.map { $0.shortHex() }.joined(separator: " "))")
                }
                let lines = [commit.commitSet.map { "Set:    \($0.hex)" }, "Author: \(commit.author)",
                             "Date:   \(Format.date(commit.time, offsetMinutes: commit.timeZoneOffsetMinutes))",
                             commit.gitHead.isEmpty ? nil : "Git:    \(commit.gitHead)"].compactMap { $0 }
                    + commit.provenance.sorted(by: { $0.key < $1.key }).map { "Input:  \($0.key) = \($0.value)" }
                    + [""] + commit.message.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" } + [""]
                for line in lines { global.console.data(continuation + line) }
            }
        }
    }

    /// `--git`: git commits (newest first) whose dver.lock differs from their first parent's.
    private func showGitHistory(_ project: Project) throws {
        guard let git = try GitProject.open(project) else { throw GitError.notARepository(path: project.root) }
        if case .unborn = try git.git.head(), revisions.isEmpty {
            global.console.data("no git commits yet")
            return
        }
        var shown = [GitProject.PinningCommit]()
        for item in try git.pinHistory(from: revisions.first ?? "HEAD", limit: nil) where item.changedPins {
            shown.append(item)
            if let limit, shown.count >= limit { break }
        }
        if global.json {
            struct Pin: Encodable { let repo: String; let branch: String?; let commit: String; let path: String }
            struct Entry: Encodable { let git_commit: String; let summary: String; let time: String; let pins: [Pin] }
            try global.console.emit(shown.map { item in
                Entry(git_commit: item.commit.id, summary: item.commit.summary, time: Format.isoDate(item.commit.time * 1_000_000_000),
                      pins: (item.lock?.entries ?? []).map { Pin(repo: $0.repo, branch: $0.branch, commit: $0.commit.hex, path: $0.path) })
            })
            return
        }
        for item in shown {
            global.console.data("git \(item.commit.id.prefix(12))  \(item.commit.summary)")
            guard let lock = item.lock else {
                global.console.data("    (dver.lock removed)")
                continue
            }
            for entry in lock.entries {
                global.console.data("    \(entry.repo.padding(16))\((entry.branch ?? "detached").padding(12))\(entry.commit.shortHex())")
            }
        }
    }
}
