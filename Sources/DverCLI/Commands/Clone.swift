import ArgumentParser
import DverRemote
import DverRepository
import Foundation

struct Clone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Create a project from a remote, with every repo checked out.",
        discussion: """
        Creates DIR (which must not exist or be empty), runs 'dver init' there, adds the remote as 'origin' (the default remote) and pulls every repo at its default branch, mounted where the remote says, and the remote's pipelines (each checked as 'dver pipeline create' checks a spec file, with its output repo). On failure the new directory is removed.

        Examples:
          dver clone s3://bucket/datasets work --endpoint http://127.0.0.1:8333
          dver clone /mnt/nas/dver copy
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "s3://BUCKET[/PREFIX] or a directory path.")
    var url: String

    @Argument(help: "The new project directory.")
    var directory: String

    @OptionGroup var s3: S3Options

    @Option(name: [.short, .customLong("transfers")], help: "Requests run at once (default 8).")
    var transfers: Int?

    func run() throws {
        let location = try RemoteLocation(parsing: url, workingDirectory: workingDirectory)
        var settings = try s3.settings(name: "origin", location: location)
        settings.transfers = transfers
        let target = directory.hasPrefix("/") ? directory : "\(workingDirectory)/\(directory)"
        let (project, result) = try CloneOperation.run(settings: settings, directory: target, progress: global.console.progress(itemNoun: "objects"),
                                                       environment: ProcessInfo.processInfo.environment,
                                                       specs: { PipelineSpecs(project: $0, remoteName: settings.name) })
        if !global.json { global.console.line("Cloned \(location) into \(project.root)") }
        try PullOutput(console: global.console, json: global.json).print(result, remote: "origin", extra: ["root": project.root])
    }
}
