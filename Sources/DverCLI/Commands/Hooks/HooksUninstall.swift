import ArgumentParser
import DverGit
import DverRepository

struct HooksUninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove only dver's blocks from the git hooks and the merge driver; your hook commands stay.",
        discussion: """
        Hook files that held nothing but dver's block are deleted; wrapped non-shell hooks are moved back. Only dver's lines leave .gitattributes (deleted if nothing else was in it, unless git tracks it). dver.lock and the .gitignore block are kept (they are part of your history).

        Examples:
          dver hooks uninstall
        """)

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let project = try global.project()
        guard let git = try GitProject.open(project) else { throw GitError.notARepository(path: project.root) }
        let reports = try git.hookInstaller().uninstall()
        try git.uninstallMergeDriver()
        if global.json {
            try global.console.emit(HookReportJSON.list(reports, root: git.git.workTree))
            return
        }
        for report in reports {
            let text: String
            switch report.action {
            case .removed: text = "removed dver's block; your commands are kept"
            case .deleted: text = "deleted (it held only dver's block)"
            case .restored: text = "your original hook is back"
            default: text = "no dver block"
            }
            global.console.line("\(report.hook.padding(14))\(text) (\(report.path))")
        }
        global.console.line("merge driver  removed")
    }
}
