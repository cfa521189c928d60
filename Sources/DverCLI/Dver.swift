import ArgumentParser
import DverRepository
import DverSystem
import Foundation

/// The `dver` root command.
public struct Dver: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "dver",
        abstract: "Version control for data: chunked, deduplicated datasets with repos, commits and branches.",
        discussion: """
        A project is the directory holding .dver/. Each repo is a dataset mounted at a workspace directory (data/<name> by default when 'dver add' creates it).

        Typical session:
          dver init
          dver add data/raw              # creates repo raw, stages its files
          dver commit -m "first drop"
          dver status; dver log raw; dver diff raw@main~1 raw@main
          dver checkout raw@main~1       # workspace restored byte for byte

        Revisions: REPO[@REV][:PATH] where REV is a branch, a commit id prefix (4+ hex digits), HEAD, and ~N / ^ for ancestors: raw@main~2, raw@3fa9c1, raw@main:images/cat.png.

        Git: 'dver hooks install' pins data in git commits through dver.lock and restores it on 'git checkout' (docs/GIT.md).

        Exit codes: 0 ok, 1 failure, 2 refused to lose uncommitted changes (see --force), 3 integrity problem, 4 lock timeout or concurrent update, 5 a pipeline job failed (after 'dver commit': the commit itself was made), 64 usage error.
        """,
        version: "0.1.0",
        subcommands: [
            Init.self, Add.self, Status.self, CommitCommand.self, Log.self, Diff.self, Branch.self, Checkout.self, Merge.self, Reset.self, Revert.self,
            List.self, Cat.self, Remove.self, Restore.self, DiskUsageCommand.self, Fsck.self, GarbageCollect.self, Repo.self,
        ],
        groupedSubcommands: [
            CommandGroup(name: "Remotes", subcommands: [RemoteCommand.self, Push.self, Fetch.self, Pull.self, Clone.self]),
            CommandGroup(name: "Git", subcommands: [Hooks.self]),
            CommandGroup(name: "Pipelines", subcommands: [Pipeline.self, Job.self, Logs.self, Dag.self]),
            CommandGroup(name: "Access without a checkout", subcommands: [Serve.self, Mount.self, Umount.self]),
            CommandGroup(name: "Plumbing", subcommands: [HashObject.self, CatObject.self, LsTree.self, Worker.self]),
        ])

    public init() {}

    /// Runs the command line and exits with a documented status.
    public static func runAndExit() -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let message = Suggestions.unknownCommand(arguments) {
            Console.writeError("dver: \(message)\n")
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot()
            // Ctrl-C and SIGTERM remove temporary files (and record an interrupted job) first.
            InterruptCleanup.install()
            try command.run()
            Foundation.exit(0)
        } catch let failure as ReportedFailure {
            Foundation.exit(failure.status.rawValue)
        } catch let error as any CustomStringConvertible & Error {
            if isArgumentParserError(error) { exit(withError: error) }
            Console.writeError("dver: error: \(error.description)\n")
            Foundation.exit(ExitStatus.of(error).rawValue)
        } catch {
            exit(withError: error)
        }
    }

    private static func isArgumentParserError(_ error: any Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}

/// Flags shared by every command.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print nothing but errors (and the data a command exists to print).")
    var quiet = false

    var console: Console { Console(json: json, quiet: quiet) }

    /// Opens the project enclosing the working directory.
    func project() throws -> Project {
        try Project.open(from: FileManager.default.currentDirectoryPath, progress: console.progress)
    }
}

var workingDirectory: String { FileManager.default.currentDirectoryPath }
