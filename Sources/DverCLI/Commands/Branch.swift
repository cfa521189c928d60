import ArgumentParser
import DverRepository

struct Branch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, create or delete branches of a repo.",
        discussion: """
        Examples:
          dver branch -r raw              # list
          dver branch -r raw exp          # create 'exp' at the checked-out commit
          dver branch -r raw exp main~2   # create at a revision
          dver branch -r raw -d exp       # delete
        With a single repo in the project, -r can be left out.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.short, .customLong("repo")], help: "The repo (default: the only repo).")
    var repo: String?

    @Flag(name: [.short, .customLong("delete")], help: "Delete the branch.")
    var delete = false

    @Argument(help: "Branch to create or delete; omit to list.")
    var name: String?

    @Argument(help: "Revision to start the new branch at (default: checked-out commit).")
    var start: String?

    func run() throws {
        let project = try global.project()
        let repoName = try repo ?? onlyRepo(project)
        if let name {
            if delete {
                try project.deleteBranch(name, repo: repoName)
                global.console.line("Deleted branch '\(name)' of repo '\(repoName)'")
            } else {
                let info = try project.createBranch(name, repo: repoName, at: start)
                global.console.line("Created branch '\(name)' of repo '\(repoName)' at \(info.commit.shortHex())")
            }
            return
        }
        let branches = try project.branches(of: repoName)
        if global.json {
            struct Item: Encodable { let name: String; let commit: String; let current: Bool }
            try global.console.emit(branches.map { Item(name: $0.name, commit: $0.commit.hex, current: $0.isCurrent) })
            return
        }
        for branch in branches {
            global.console.data("\(branch.isCurrent ? "*" : " ") \(branch.name.padding(20))\(branch.commit.shortHex())")
        }
    }
}

/// The project's single repo, for commands where naming it is optional.
func onlyRepo(_ project: Project) throws -> String {
    let repos = try project.repos()
    guard repos.count == 1 else {
        throw ValidationError(repos.isEmpty ? "no repos yet; 'dver add DIR' creates one"
                                            : "several repos exist; name one with -r (\(repos.map(\.name).joined(separator: ", ")))")
    }
    return repos[0].name
}
