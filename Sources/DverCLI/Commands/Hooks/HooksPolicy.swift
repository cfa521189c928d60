import ArgumentParser
import DverGit
import DverRepository

struct HooksPolicy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set what the pre-commit hook does when data is not committed to dver: warn or block.",
        discussion: """
        warn (default): the git commit proceeds and the hook names the repos with uncommitted data. block: the git commit is refused until the data is committed ('git commit --no-verify' overrides once). Stored as git_pre_commit_policy in .dver/config.json.

        Examples:
          dver hooks policy            # show
          dver hooks policy block
          dver hooks policy warn
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "warn or block (omit to show the current policy).")
    var policy: String?

    func run() throws {
        let project = try global.project()
        var settings = try GitSettings.load(project)
        if let policy {
            guard let value = GitSettings.Policy(rawValue: policy) else {
                throw ValidationError("policy must be 'warn' or 'block', not '\(policy)'")
            }
            settings.preCommitPolicy = value
            try settings.save(project)
        }
        if global.json {
            struct Output: Encodable { let pre_commit_policy: String }
            try global.console.emit(Output(pre_commit_policy: settings.preCommitPolicy.rawValue))
            return
        }
        global.console.data(settings.preCommitPolicy.rawValue)
    }
}
