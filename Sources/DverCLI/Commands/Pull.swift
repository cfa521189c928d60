import ArgumentParser
import DverRemote
import DverRepository

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch, then fast-forward branches and the workspace to the remote's.",
        discussion: """
        Fetches, then moves each local branch the remote also has forward to the remote's commit and checks out the workspace of the checked-out branch. Like checkout it refuses (exit 2) to overwrite uncommitted changes unless --force. Branches that have diverged are refused with a message. Repos the project lacks are created at the remote's mount.

        Without REPO, the remote's pipeline specs come too: a spec the remote changed since the two last agreed replaces the local one (a new pipeline gets its output repo, as 'dver pipeline create' makes it); a spec changed only here is kept; a spec changed on both sides refuses the pull before anything moves (exit 2) unless --force, which takes the remote's.

        With a path, only the objects under that path are downloaded (ranged reads of the remote's packs) and those files are written into the workspace; refs and the index are left alone, so 'dver status' shows them against the checked-out commit.

        Examples:
          dver pull                       # every repo from the default remote
          dver pull origin raw
          dver pull raw@main:images/cats  # partial: only images/cats
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Remote name (default: the default remote), then REPO[@BRANCH][:PATH].")
    var remote: String?

    @Argument(help: "REPO, REPO@BRANCH or REPO@BRANCH:PATH.")
    var target: String?

    @Flag(name: [.short, .long], help: "Overwrite uncommitted changes in the workspace, and local pipeline specs the remote also changed.")
    var force = false

    @Option(name: [.short, .customLong("transfers")], help: "Requests run at once (default 8).")
    var transfers: Int?

    func run() throws {
        let project = try global.transferProject()
        let resolved = try RemoteTarget.resolve(remote, target, project: project, transfers: transfers)
        let specs = PipelineSpecs.forTransfer(project, remote: resolved.remote, scoped: resolved.spec != nil)
        let reposBefore = try project.repos().map(\.name)
        let result = try PullOperation(project: project, remote: resolved.remote, force: force, specs: specs).run(resolved.spec)
        if try project.repos().map(\.name) != reposBefore { GitSupport.refreshIgnoreFile(project, console: global.console) }
        try PullOutput(console: global.console, json: global.json).print(result, remote: resolved.remote.name)
    }
}

/// Prints a pull's result (shared with clone).
struct PullOutput {
    let console: Console
    let json: Bool

    func print(_ result: PullResult, remote: String, extra: [String: String] = [:]) throws {
        if json {
            struct Item: Encodable {
                let repo: String; let branch: String; let old: String?; let new: String; let result: String; let files_written: Int?
            }
            struct Output: Encodable {
                let remote: String; let updates: [Item]; let pipelines: [SpecReport.Item]; let partial_files: [String]; let objects_received: Int
                let bytes_received: UInt64; let requests: Int; let extra: [String: String]
            }
            try console.emit(Output(remote: remote, updates: result.updates.map {
                Item(repo: $0.repo, branch: $0.branch, old: $0.old?.hex, new: $0.new.hex, result: $0.kind.rawValue,
                     files_written: $0.checkout?.written)
            }, pipelines: result.specUpdates.map(SpecReport.Item.init), partial_files: result.partialFiles,
               objects_received: result.fetch.objectsReceived,
                                    bytes_received: result.fetch.bytesReceived, requests: result.fetch.requests, extra: extra))
            return
        }
        if let commit = result.partialCommit {
            console.line("Wrote \(Format.count(result.partialFiles.count, "file")) from \(commit.shortHex()) (\(Format.count(result.fetch.objectsReceived, "object")), "
                + "\(Format.bytes(result.fetch.bytesReceived)) downloaded); refs and index unchanged")
            return
        }
        for update in result.updates {
            var line = "  \(update.repo)@\(update.branch): "
            switch update.kind {
            case .upToDate: line += "up to date"
            case .ahead: line += "ahead of \(remote) (push to publish)"
            case .created, .fastForward:
                line += (update.old.map { "\($0.shortHex())..\(update.new.shortHex())" } ?? "new at \(update.new.shortHex())") + " (\(update.kind.rawValue))"
                if let checkout = update.checkout {
                    line += "; wrote \(Format.count(checkout.written, "file")) (\(Format.bytes(checkout.bytesWritten))), removed \(checkout.removed)"
                }
            }
            console.line(line)
        }
        result.specUpdates.forEach { console.line(SpecReport.pulled($0, remote: remote)) }
        if result.updates.isEmpty, result.specUpdates.isEmpty { console.line("Nothing to pull from \(remote)") }
        console.line("Received \(Format.count(result.fetch.objectsReceived, "object")) (\(Format.bytes(result.fetch.bytesReceived))) from \(remote)")
    }
}
