import ArgumentParser
import DverCore
import DverRepository

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show commit history with ids, messages, times and commit sets.",
        discussion: """
        Examples:
          dver log                 # every repo
          dver log raw -n 5
          dver log raw@exp --json
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "REPO or REPO@REV (default: every repo at its checked-out commit).")
    var revisions: [String] = []

    @Option(name: [.customShort("n"), .customLong("max-count")], help: "Show at most this many commits per repo.")
    var limit: Int?

    func run() throws {
        let project = try global.project()
        let specs = try revisions.isEmpty ? project.repos().map { RevisionSpec(parsing: $0.name) } : revisions.map(RevisionSpec.init(parsing:))
        var all = [(String, [CommitInfo])]()
        for spec in specs { all.append((spec.repo, try project.log(spec, limit: limit))) }
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
            for info in commits {
                let commit = info.commit
                global.console.data("commit \(info.id.hex) (\(repo))")
                if let set = commit.commitSet { global.console.data("Set:    \(set.hex)") }
                global.console.data("Author: \(commit.author)")
                global.console.data("Date:   \(Format.date(commit.time, offsetMinutes: commit.timeZoneOffsetMinutes))")
                if !commit.gitHead.isEmpty { global.console.data("Git:    \(commit.gitHead)") }
                for (key, value) in commit.provenance.sorted(by: { $0.key < $1.key }) { global.console.data("Input:  \(key) = \(value)") }
                global.console.data("")
                for line in commit.message.split(separator: "\n", omittingEmptySubsequences: false) {
                    global.console.data("    \(line)")
                }
                global.console.data("")
            }
        }
    }
}
