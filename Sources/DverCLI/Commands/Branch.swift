import ArgumentParser
import DverGit
import DverPipeline
import DverRepository
import DverSystem

struct Branch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "branch",
        abstract: "List, create, move, rename or delete branches of a repo.",
        discussion: """
        Examples:
          dver branch -r raw              # list
          dver branch -r raw exp          # create 'exp' at the checked-out commit
          dver branch -r raw exp main~2   # create at a revision
          dver branch -r raw -f exp main  # move 'exp' (or create it); the checked-out branch moves with 'dver reset'
          dver branch -r raw -m exp trial # rename
          dver branch -r raw -d exp       # delete
        With a single repo in the project, -r can be left out. Deleting or renaming a branch that a pipeline reads or writes, or that dver.lock pins, is refused without --force, naming who uses it.
        """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.short, .customLong("repo")], help: "The repo (default: the only repo).")
    var repo: String?

    @Flag(name: [.short, .customLong("delete")], help: "Delete the branch.")
    var delete = false

    @Flag(name: [.customShort("m"), .customLong("move")], help: "Rename the branch NAME to the second argument.")
    var rename = false

    @Flag(name: [.short, .customLong("force")], help: "Create or move NAME even if it exists; delete or rename even if it is in use.")
    var force = false

    @Argument(help: "Branch to create or delete; omit to list.")
    var name: String?

    @Argument(help: "Revision to start the new branch at (default: checked-out commit); with -m, the new name.")
    var start: String?

    func validate() throws {
        if delete && rename { throw ValidationError("give -d or -m, not both") }
        if rename, name == nil || start == nil { throw ValidationError("-m takes the old and the new name: dver branch -m exp trial") }
        if (delete || rename || force), name == nil { throw ValidationError("name the branch") }
    }

    func run() throws {
        let project = try global.project()
        let repoName = try repo ?? onlyRepo(project)
        if let name {
            if delete || rename, !force {
                let users = try Self.users(of: name, repo: repoName, project: project)
                if !users.isEmpty {
                    throw ValidationError("branch '\(name)' of repo '\(repoName)' is in use by \(users.joined(separator: ", ")); "
                        + "change those first, or pass --force")
                }
            }
            if delete {
                try project.deleteBranch(name, repo: repoName)
                global.console.line("Deleted branch '\(name)' of repo '\(repoName)'")
            } else if rename, let new = start {
                try project.renameBranch(name, to: new, repo: repoName)
                global.console.line("Renamed branch '\(name)' of repo '\(repoName)' to '\(new)'")
            } else if force {
                let (previous, info) = try project.forceBranch(name, repo: repoName, at: start)
                global.console.line("Branch '\(name)' of repo '\(repoName)' at \(info.commit.shortHex())"
                    + (previous.map { $0 == info.commit ? " (unchanged)" : " (was \($0.shortHex()))" } ?? " (created)"))
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

extension Branch {
    /// Who would break if the branch went away: pipelines reading or writing it, and the
    /// project's dver.lock pinning it.
    static func users(of branch: String, repo: String, project: Project) throws -> [String] {
        var users = [String]()
        for pipeline in try PipelineCatalog(layout: project.layout, durable: false).all() {
            if pipeline.spec.pfsInputs.contains(where: { $0.repo == repo && $0.branch == branch && $0.commit == nil }) {
                users.append("pipeline '\(pipeline.name)' (reads it)")
            }
            if pipeline.name == repo, pipeline.spec.outputBranch == branch { users.append("pipeline '\(pipeline.name)' (writes it)") }
        }
        let lockPath = "\(project.root)/\(LockFile.fileName)"
        if FileSystem.exists(lockPath), let lock = try? LockFile.parse(try FileSystem.readText(lockPath)),
           lock.entry(for: repo)?.branch == branch {
            users.append("dver.lock (pins it)")
        }
        return users
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
