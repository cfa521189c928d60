import ArgumentParser
import DverGit
import DverRepository
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a dver store (.dver/) in a directory.",
        discussion: """
        In a git working tree whose dver.lock exists (a clone of a project that uses dver), also creates the repos the lock names, at their mounts and on their branches, without data: 'dver remote add' and 'dver checkout --git HEAD' then fetch and restore it (docs/GIT.md, "Cloning a project"). Nothing is installed into git; 'dver hooks install' does that.

        Examples:
          dver init            # in the current directory (often beside .git/)
          dver init ~/project
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Directory to initialize (default: current directory).")
    var directory: String = "."

    func run() throws {
        let project = try Project.initialize(at: directory)
        let setup = setUpFromLock(project)
        struct Output: Encodable { let root: String; let repos_from_lock: [String] }
        if global.json { try global.console.emit(Output(root: project.root, repos_from_lock: setup.map(\.name))) }
        global.console.line("Initialized empty dver store in \(project.root)/.dver")
        guard !setup.isEmpty else { return }
        let count = setup.count == 1 ? "1 repo" : "\(setup.count) repos"
        global.console.line("Set up \(count) from dver.lock (no data yet):")
        for repo in setup { global.console.line("  \(repo.name) at \(repo.mount)/ (branch \(repo.branch ?? "main"))") }
        global.console.line("To get the data: 'dver remote add origin URL' (the dver remote the project pushes to), "
            + "then 'dver checkout --git HEAD'. 'dver hooks install' keeps data in step with git checkouts.")
    }

    /// Inside a git working tree, keeps .dver/ out of git from the start; with a dver.lock
    /// there, creates the repos it names first, so the .gitignore block matches the committed one.
    private func setUpFromLock(_ project: Project) -> [RepoRecord] {
        guard let git = GitSupport.open(project, console: global.console) else { return [] }
        do {
            guard let setup = try git.setUpFromLock() else {
                GitSupport.refreshIgnoreFile(project, console: global.console)
                return []
            }
            if setup.ignoreFileChanged { global.console.notice("dver: updated dver's block in .gitignore (the store and repo paths)") }
            for failed in setup.failed {
                global.console.notice("dver: repo \(failed.repo) of dver.lock not set up: \(failed.error)")
            }
            return setup.created
        } catch {
            global.console.notice("dver: dver.lock not used: \(error)")
            GitSupport.refreshIgnoreFile(project, console: global.console)
            return []
        }
    }
}
