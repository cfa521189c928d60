import ArgumentParser
import DverRemote
import DverRepository

struct Fetch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a remote's branches into remote-tracking refs.",
        discussion: """
        Downloads what the local store lacks (verifying every object) and records where the remote's branches are in refs/REPO/remotes/REMOTE/BRANCH; local branches and the workspace are left alone ('dver pull' also updates them). Remote branches show as REMOTE/BRANCH in 'dver fetch --json'. Without REPO, the remote's pipeline specs are downloaded and checked too, and recorded as remote-tracking specs; the local pipelines are left alone.

        Examples:
          dver fetch                      # every repo of the default remote
          dver fetch origin raw
          dver fetch --json
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Remote name (default: the default remote), then REPO.")
    var remote: String?

    @Argument(help: "Repo to fetch (default: every repo the remote has).")
    var repo: String?

    @Option(name: [.short, .customLong("transfers")], help: "Requests run at once (default 8).")
    var transfers: Int?

    func run() throws {
        let project = try global.transferProject()
        let resolved = try RemoteTarget.resolve(remote, repo, project: project, transfers: transfers)
        let specs = PipelineSpecs.forTransfer(project, remote: resolved.remote, scoped: resolved.spec != nil)
        let result = try FetchOperation(project: project, remote: resolved.remote, specs: specs).run(repos: resolved.spec.map { [$0.repo] })
        if global.json {
            struct Item: Encodable { let repo: String; let branch: String; let old: String?; let new: String }
            struct Branch: Encodable { let repo: String; let branch: String; let commit: String }
            struct Output: Encodable {
                let remote: String; let updated: [Item]; let branches: [Branch]
                let pipelines_updated: [SpecReport.Tracking]; let pipelines: [String: String]
                let objects_received: Int; let bytes_received: UInt64; let requests: Int
            }
            let branches = result.index.repos.sorted { $0.key < $1.key }.flatMap { name, repo in
                repo.branches.sorted { $0.key < $1.key }.map { Branch(repo: name, branch: $0.key, commit: $0.value) }
            }
            try global.console.emit(Output(remote: resolved.remote.name, updated: result.updates.map {
                Item(repo: $0.repo, branch: $0.branch, old: $0.old?.hex, new: $0.new.hex)
            }, branches: branches, pipelines_updated: result.specUpdates.map(SpecReport.Tracking.init),
               pipelines: Dictionary(uniqueKeysWithValues: result.specs.map { ($0.name, $0.id.hex) }),
               objects_received: result.objectsReceived, bytes_received: result.bytesReceived, requests: result.requests))
            return
        }
        if result.updates.isEmpty, result.specUpdates.isEmpty {
            global.console.line("Already up to date with \(resolved.remote.name)")
            return
        }
        for update in result.updates {
            let range = update.old.map { "\($0.shortHex())..\(update.new.shortHex())" } ?? "new \(update.new.shortHex())"
            global.console.line("  \(update.repo)@\(resolved.remote.name)/\(update.branch): \(range)")
        }
        for update in result.specUpdates {
            let range = update.old.map { "\($0.shortHex())..\(update.new.shortHex())" } ?? "new \(update.new.shortHex())"
            global.console.line("  pipeline \(update.name)@\(resolved.remote.name): \(range) ('dver pull' takes it)")
        }
        global.console.line("Fetched from \(resolved.remote.name): \(Format.count(result.objectsReceived, "object")) (\(Format.bytes(result.bytesReceived)))")
    }
}
