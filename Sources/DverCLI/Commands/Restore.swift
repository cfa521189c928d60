import ArgumentParser
import DverRepository

struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore workspace files from the index or a revision, or unstage changes.",
        discussion: """
        Examples:
          dver restore data/raw/a.csv                  # discard unstaged edits
          dver restore --source main~1 data/raw/a.csv  # the version of an older commit
          dver restore --source raw@3fa9c1 data/raw    # a revision named with its repo
          dver restore --staged data/raw/a.csv         # unstage; the file is left alone
        """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Revision to restore from (branch, id prefix, ~N), in the path's repo.")
    var source: String?

    @Flag(help: "Unstage: reset the index entries to the checked-out commit.")
    var staged = false

    @Argument(help: "Files or directories to restore.")
    var paths: [String]

    func run() throws {
        let project = try global.project()
        let relative = try paths.map { try project.relativePath($0, workingDirectory: workingDirectory) }
        // `main~1` (in each path's repo), or `raw@main~1` / `data/raw@main~1`.
        let spec = source.map { $0.contains("@") ? RevisionArgument.parse($0, project: project) : RevisionSpec(parsing: "_@" + $0) }
        let restored = try project.restore(relative, source: spec, unstage: staged)
        if global.json {
            try global.console.emit(restored)
            return
        }
        for path in restored { global.console.line("\(staged ? "unstaged" : "restored") \(path)") }
    }
}
