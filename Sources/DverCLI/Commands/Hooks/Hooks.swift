import ArgumentParser

struct Hooks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Git integration: install the hooks that pin data in git commits and restore it on checkout.",
        discussion: """
        'install' adds a marked block to .git/hooks/{pre-commit,post-checkout,post-merge,pre-push} (after the shebang, before your own commands, which keep running), registers the dver.lock merge driver, and keeps repo paths in .gitignore. 'uninstall' removes only dver's parts. See docs/GIT.md.

        Examples:
          dver hooks install
          dver hooks status
          dver hooks policy block          # refuse git commits while data is uncommitted
          dver hooks uninstall
        """,
        subcommands: [HooksInstall.self, HooksUninstall.self, HooksStatus.self, HooksPolicy.self,
                      HooksRun.self, HooksMergeLock.self])
}
