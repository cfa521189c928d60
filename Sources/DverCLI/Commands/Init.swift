import ArgumentParser
import DverRepository
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a dver store (.dver/) in a directory.",
        discussion: """
        Examples:
          dver init            # in the current directory (often beside .git/)
          dver init ~/project
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Directory to initialize (default: current directory).")
    var directory: String = "."

    func run() throws {
        let project = try Project.initialize(at: directory)
        // Inside a git working tree, keep .dver/ out of git from the start.
        GitSupport.refreshIgnoreFile(project, console: global.console)
        struct Output: Encodable { let root: String }
        if global.json { try global.console.emit(Output(root: project.root)) }
        global.console.line("Initialized empty dver store in \(project.root)/.dver")
    }
}
