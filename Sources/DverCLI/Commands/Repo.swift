import ArgumentParser
import DverGit
import DverRepository

struct Repo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repo",
        abstract: "Create, list or delete repos.",
        discussion: """
        Examples:
          dver repo                        # same as 'dver repo list'
          dver repo create images
          dver repo delete images
        """,
        subcommands: [Create.self, ListRepos.self, Delete.self],
        defaultSubcommand: ListRepos.self)

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a repo mounted at a workspace directory.",
            discussion: """
            Examples:
              dver repo create images                   # mounted at data/images
              dver repo create labels --path annotations/labels
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Repo name (letters, digits, '.', '_', '-').")
        var name: String

        @Option(help: "Mount directory (default: data/NAME).")
        var path: String?

        @Option(help: "Initial branch.")
        var branch = "main"

        func run() throws {
            let project = try global.project()
            let mount = try project.relativePath(path ?? "\(project.root)/data/\(name)", workingDirectory: workingDirectory)
            let record = try project.createRepo(name: name, mount: mount, branch: branch)
            GitSupport.refreshIgnoreFile(project, console: global.console)
            global.console.line("Created repo '\(record.name)' mounted at \(record.mount)/")
        }
    }

    struct ListRepos: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List repos with mounts and heads.",
            discussion: """
            Examples:
              dver repo list
              dver repo list --json
            """)

        @OptionGroup var global: GlobalOptions

        func run() throws {
            let project = try global.project()
            let repos = try project.repos()
            if global.json {
                struct Item: Encodable { let name: String; let mount: String; let branch: String?; let head: String? }
                try global.console.emit(try repos.map { Item(name: $0.name, mount: $0.mount, branch: $0.branch, head: try project.headCommit(of: $0)?.hex) })
                return
            }
            for repo in repos {
                let head = try project.headCommit(of: repo).map { $0.shortHex() } ?? "(no commits)"
                global.console.data("\(repo.name.padding(16))\(repo.mount.padding(24))\((repo.branch ?? "detached").padding(12))\(head)")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract: "Delete a repo's branches and untrack its files (workspace files are kept).",
            discussion: """
            Examples:
              dver repo delete scratch
            """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "Repo name.")
        var name: String

        func run() throws {
            let project = try global.project()
            let mount = try project.repo(named: name).mount
            try project.deleteRepo(name: name)
            global.console.line("Deleted repo '\(name)'; its files are left in the workspace, untracked")
            if let git = GitSupport.open(project, console: global.console), (try? git.updateIgnoreFile()) == true {
                global.console.notice("dver: \(mount)/ is no longer in .gitignore: delete its files or ignore them before 'git add -A'")
            }
        }
    }
}
