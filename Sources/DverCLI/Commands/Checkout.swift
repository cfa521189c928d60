import ArgumentParser
import DverCore
import DverRepository

struct Checkout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a repo's workspace match a branch, commit or commit set.",
        discussion: """
        Rewrites only files that differ, removes tracked files not in the target, keeps untracked files. Refuses (exit 2) to overwrite or delete uncommitted changes, naming the files, unless --force.

        Examples:
          dver checkout raw@exp          # switch to branch exp
          dver checkout raw@3fa9c1       # a commit (detached)
          dver checkout raw@main~2
          dver checkout 9d1c0e...        # every repo of a commit set
          dver checkout --force raw      # discard workspace changes
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: [.short, .long], help: "Overwrite or delete uncommitted changes.")
    var force = false

    @Argument(help: "REPO[@REV] or a commit-set id.")
    var target: String

    func run() throws {
        let project = try global.project()
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
        if global.json {
            struct Item: Encodable { let repo: String; let commit: String; let branch: String?; let written: Int; let removed: Int; let unchanged: Int }
            try global.console.emit(results.map {
                Item(repo: $0.repo, commit: $0.commit.hex, branch: $0.branch, written: $0.written, removed: $0.removed, unchanged: $0.unchanged)
            })
            return
        }
        for result in results {
            let position = result.branch.map { "branch \($0) at" } ?? "detached at"
            global.console.line("repo \(result.repo): \(position) \(result.commit.shortHex()); wrote \(result.written) files "
                + "(\(Format.bytes(result.bytesWritten))), removed \(result.removed), kept \(result.unchanged)")
        }
    }
}
