import ArgumentParser
import DverGit
import DverRepository
import DverStore
import Foundation

struct HooksRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run dver's part of a git hook (what the installed hook blocks call).",
        discussion: """
        pre-commit: write dver.lock for the checked-out data and stage it; warn or refuse (policy) when repos hold uncommitted data. post-checkout, post-merge, post-rewrite (after a rebase): restore the data HEAD's dver.lock pins (never overwriting uncommitted changes; skipped while a rebase, merge or cherry-pick is in progress). pre-push: find the data commits the pushed git commits pin (--json prints them). Only pre-commit (policy block) makes git stop; the others always exit 0.

        Examples:
          dver hooks run pre-commit
          dver hooks run post-checkout OLD NEW 1
          echo "refs/heads/main SHA refs/heads/main 0000..." | dver hooks run pre-push --json origin URL
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "pre-commit, post-checkout, post-merge, post-rewrite or pre-push.")
    var hook: String

    @Argument(help: "The arguments git passed to the hook.")
    var arguments: [String] = []

    func run() throws {
        guard HookInstaller.hooks.contains(hook) else { throw GitError.unknownHook(hook) }
        let console = global.console
        let project: Project
        do {
            project = try global.project()
        } catch StoreError.notAStore {
            console.notice("dver: no dver store in \(workingDirectory); skipped dver's \(hook) hook ('dver init' creates one)")
            return
        }
        guard let git = try openGit(project, console: console) else { return }
        let runner = HookRunner(git: git, console: console, json: global.json)
        switch hook {
        case "pre-commit": try runner.preCommit()
        case "pre-push": try runner.prePush(remote: arguments.first ?? "")
        default: runner.restoreAfterCheckout(hook: hook, arguments: arguments)
        }
    }

    /// The project's git side; nil (after a note) when the project lies above this working
    /// tree — e.g. a worktree nested inside another project — whose data it is not.
    private func openGit(_ project: Project, console: Console) throws -> GitProject? {
        do {
            return try GitProject.open(project, from: workingDirectory)
        } catch GitError.projectOutsideWorkTree(let root, let workTree) {
            console.notice("dver: the dver store at \(root) is outside this git working tree (\(workTree)); skipped dver's \(hook) hook")
            return nil
        }
    }
}
