import ArgumentParser
import DverRepository

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Untrack files and delete them from the workspace (or keep them with --cached).",
        discussion: """
        The deletion is staged; 'dver commit' records it. Refuses (exit 2) to delete files with unstaged changes unless --force.

        Examples:
          dver rm data/raw/bad.csv
          dver rm --cached data/raw/tmp      # stop tracking, keep the files
        """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Keep the workspace files; only untrack them.")
    var cached = false

    @Flag(name: [.short, .long], help: "Delete files even if they have unstaged changes.")
    var force = false

    @Argument(help: "Files or directories to untrack.")
    var paths: [String]

    func run() throws {
        let project = try global.project()
        let relative = try paths.map { try project.relativePath($0, workingDirectory: workingDirectory) }
        let removed = try project.remove(relative, keepFiles: cached, force: force)
        if global.json {
            try global.console.emit(removed)
            return
        }
        for path in removed { global.console.line("rm \(path)") }
    }
}
